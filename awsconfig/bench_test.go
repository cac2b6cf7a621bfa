package awsconfig

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// SSOProfiles writes n generated SSO profiles, as SSO tooling does.
func ssoProfiles(n int) string {
	var b strings.Builder
	b.WriteString("[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "[profile team-%05d]\nsso_session = corp\nsso_account_id = %012d\nsso_role_name = Developer\nregion = us-east-1\n\n", i, 100000000000+i)
	}
	return b.String()
}

func benchmarkResolve(b *testing.B, n int) {
	dir := b.TempDir()
	cfg := filepath.Join(dir, "config")
	data := "[profile work]\nmfa_serial = arn:aws:iam::123456789012:mfa/phone\nregion = eu-west-1\n\n" + ssoProfiles(n)
	if err := os.WriteFile(cfg, []byte(data), 0o600); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f, err := LoadFiles(cfg, filepath.Join(dir, "none"))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := f.Resolve("work"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkResolve5000(b *testing.B)  { benchmarkResolve(b, 5000) }
func BenchmarkResolve50000(b *testing.B) { benchmarkResolve(b, 50000) }

// The warm path: a stamp vouches for the file.
func benchmarkResolveChecked(b *testing.B, n int) {
	dir := b.TempDir()
	cfg := filepath.Join(dir, "config")
	data := "[profile work]\nmfa_serial = arn:aws:iam::123456789012:mfa/phone\nregion = eu-west-1\n\n" + ssoProfiles(n)
	if err := os.WriteFile(cfg, []byte(data), 0o600); err != nil {
		b.Fatal(err)
	}
	b.Setenv("AWS_CONFIG_FILE", cfg)
	b.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "none"))
	c := Checked{Dir: dir}
	b.SetBytes(int64(len(data)))
	for i := 0; i < b.N+1; i++ {
		if i == 1 {
			b.ResetTimer() // the first call checks in full and writes the stamp
		}
		f, err := LoadChecked(c)
		if err != nil {
			b.Fatal(err)
		}
		if i > 0 && !f.config.lazy {
			b.Fatal("no stamp used")
		}
		if _, err := f.Resolve("work"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkResolveChecked5000(b *testing.B)  { benchmarkResolveChecked(b, 5000) }
func BenchmarkResolveChecked50000(b *testing.B) { benchmarkResolveChecked(b, 50000) }
