//go:build unix

package fastpath

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mfacred/mfacred/awsconfig"
)

// A large config is mapped (awsconfig.Checked.Map). When another program truncates it while
// the fast path reads it, the fault is a miss, left to the full path — not a crash; untouched,
// the mapped file resolves as a read one does.
func TestMappedConfigTruncatedMeanwhileIsAMiss(t *testing.T) {
	dir := t.TempDir()
	config := filepath.Join(dir, "config")
	var b strings.Builder
	for i := 0; i < 5000; i++ {
		fmt.Fprintf(&b, "[profile team-%05d]\nsso_session = corp\nsso_account_id = %012d\nregion = us-east-1\n\n", i, 100000000000+i)
	}
	b.WriteString("[profile work]\nmfa_serial = arn:aws:iam::123456789012:mfa/phone\nregion = eu-west-1\n")
	if err := os.WriteFile(config, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CONFIG_FILE", config)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "none"))
	checked := awsconfig.Checked{Dir: t.TempDir(), MinSize: 64 << 10, Map: true}

	r, _, ok := request(checked, "work")
	if !ok || r.Device != "arn:aws:iam::123456789012:mfa/phone" || r.Account() != "123456789012" {
		t.Fatalf("mapped config: %v %+v", ok, r)
	}
	t.Cleanup(func() { loaded = nil })
	loaded = func() {
		if err := os.Truncate(config, 0); err != nil {
			t.Fatal(err)
		}
	}
	if r, _, ok := request(checked, "work"); ok {
		t.Fatalf("served from a config truncated while mapped: %+v", r)
	}
}
