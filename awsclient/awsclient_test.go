package awsclient

import (
	"context"
	"testing"

	"github.com/mfacred/mfacred/cache"
)

// The region of mfacred's own calls: AWS_REGION, the configured one, AWS_DEFAULT_REGION,
// us-east-1, in that order. setup once dropped AWS_DEFAULT_REGION.
func TestConfigRegion(t *testing.T) {
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	for _, tc := range []struct{ region, defaultRegion, configured, want string }{
		{"eu-west-1", "us-west-2", "ap-south-1", "eu-west-1"},
		{"", "us-west-2", "ap-south-1", "ap-south-1"},
		{"", "us-west-2", "", "us-west-2"},
		{"", "", "", DefaultRegion},
	} {
		t.Setenv("AWS_REGION", tc.region)
		t.Setenv("AWS_DEFAULT_REGION", tc.defaultRegion)
		cfg, err := Config(context.Background(), Target{Region: tc.configured}, cache.Credentials{AccessKeyID: "AKIA", SecretAccessKey: "s"})
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Region != tc.want {
			t.Errorf("AWS_REGION=%q AWS_DEFAULT_REGION=%q region=%q: %q, want %q", tc.region, tc.defaultRegion, tc.configured, cfg.Region, tc.want)
		}
	}
}
