package setup

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/mfacred/mfacred/awsclient"
	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/cache"
)

// setup's region rule: its calls to AWS go to AWS_REGION, else the region the profile being
// set up has in the config, else AWS_DEFAULT_REGION, else us-east-1; a profile that is not in
// the config yet takes no region from it.
func TestRegionRule(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config")
	if err := os.WriteFile(cfg, []byte("[default]\nregion = sa-east-1\n[profile work]\nregion = ap-south-1\n[profile bare]\nmfa_serial = arn:aws:iam::1:mfa/phone\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_PROFILE", "")
	files, err := awsconfig.LoadFiles(cfg, filepath.Join(dir, "credentials"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ profile, env, envDefault, want string }{
		{"work", "eu-west-1", "us-west-2", "eu-west-1"},
		{"work", "", "us-west-2", "ap-south-1"},
		{"bare", "", "us-west-2", "us-west-2"},
		{"new", "", "us-west-2", "us-west-2"},
		{"new", "", "", "us-east-1"},
		{"bare", "", "", "us-east-1"},
	} {
		t.Setenv("AWS_REGION", tc.env)
		t.Setenv("AWS_DEFAULT_REGION", tc.envDefault)
		c, err := awsclient.Config(t.Context(), Target(files, tc.profile), cache.Credentials{AccessKeyID: "AKIAREGIONTEST000001", SecretAccessKey: "s"})
		if err != nil {
			t.Fatal(err)
		}
		if c.Region != tc.want {
			t.Errorf("profile %s, AWS_REGION=%q AWS_DEFAULT_REGION=%q: setup calls %s, want %s", tc.profile, tc.env, tc.envDefault, c.Region, tc.want)
		}
	}
}
