package awsconfig

import (
	"os"
	"path/filepath"
	"testing"
)

// A default profile that gives credentials of its own, in either file, is named by the setting
// that does it; one with settings only is not.
func TestDefaultCredentials(t *testing.T) {
	for _, tc := range []struct{ config, credentials, want string }{
		{"[default]\nregion = us-east-1\n", "", ""},
		{"[default]\ncredential_process = /bin/false\n", "", "credential_process"},
		{"[default]\nweb_identity_token_file = /t\n", "", "web_identity_token_file"},
		{"", "[default]\naws_access_key_id = AKIA\naws_secret_access_key = s\n", "aws_access_key_id"},
		{"[profile work]\ncredential_process = x\n", "", ""},
	} {
		dir := t.TempDir()
		cfg, creds := filepath.Join(dir, "config"), filepath.Join(dir, "credentials")
		if err := os.WriteFile(cfg, []byte(tc.config), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(creds, []byte(tc.credentials), 0o600); err != nil {
			t.Fatal(err)
		}
		t.Setenv("AWS_CONFIG_FILE", cfg)
		t.Setenv("AWS_SHARED_CREDENTIALS_FILE", creds)
		f, err := Load()
		if err != nil {
			t.Fatal(err)
		}
		if got := f.DefaultCredentials(); got != tc.want {
			t.Errorf("config %q, credentials %q: got %q, want %q", tc.config, tc.credentials, got, tc.want)
		}
	}
}
