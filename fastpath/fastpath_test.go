package fastpath

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/credproc"
	"github.com/mfacred/mfacred/internal/cachetest"
)

func TestProfileArgs(t *testing.T) {
	t.Setenv("AWS_PROFILE", "fromenv")
	for _, tc := range []struct {
		args []string
		want string
		ok   bool
	}{
		{nil, "fromenv", true},
		{[]string{"--profile", "work"}, "work", true},
		{[]string{"-profile", "work"}, "work", true},
		{[]string{"--profile=work"}, "work", true},
		{[]string{"--profile"}, "", false},
		{[]string{"--help"}, "", false},
		{[]string{"--profile", "work", "extra"}, "", false},
		{[]string{"profile", "work"}, "", false},
	} {
		got, ok := Profile(tc.args)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Profile(%q) = %q, %v; want %q, %v", tc.args, got, ok, tc.want, tc.ok)
		}
	}
}

// Serve prints a servable cached entry and declines everything else, leaving it to the core.
func TestServe(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config")
	creds := filepath.Join(dir, "credentials")
	t.Setenv("AWS_CONFIG_FILE", cfg)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", creds)
	t.Setenv("AWS_PROFILE", "")
	_ = os.WriteFile(cfg, []byte("[profile work]\nmfa_serial = arn:aws:iam::123456789012:mfa/phone\n\n[profile prod]\nmfacred_source_profile = work\nmfacred_role_arn = arn:aws:iam::222222222222:role/Admin\n"), 0o600)
	store := cachetest.NewStore(dir)
	fresh := cache.Entry{Credentials: cache.Credentials{AccessKeyID: "ASIA1", SecretAccessKey: "s", SessionToken: "t"}, Expiration: time.Now().Add(time.Hour).UTC().Truncate(time.Second), SourceKeyID: "AKIA1"}
	// Stamps from the first call on (awsconfig.Checked): every answer must be the same.
	checked := awsconfig.Checked{Dir: t.TempDir()}
	serve := func(args ...string) (bool, string) {
		var out bytes.Buffer
		ok := Serve(t.Context(), args, store, checked, &out)
		return ok, out.String()
	}
	if ok, _ := serve("--profile", "work"); ok {
		t.Fatal("served from an empty cache")
	}
	_ = store.PutSession(t.Context(), cache.SessionKey("work", "arn:aws:iam::123456789012:mfa/phone"), fresh)
	ok, out := serve("--profile", "work")
	var o credproc.Output
	if !ok || json.Unmarshal([]byte(out), &o) != nil || o.AccessKeyID != "ASIA1" || o.AccountID != "123456789012" || o.Expiration != fresh.Expiration.Format(time.RFC3339) {
		t.Fatalf("served %v %q", ok, out)
	}
	if ok, _ := serve("--profile", "prod"); ok {
		t.Fatal("the role profile was served the session")
	}
	role := fresh
	role.AccessKeyID = "ASIAROLE"
	_ = store.PutSession(t.Context(), cache.RoleKey("work", "arn:aws:iam::123456789012:mfa/phone", "arn:aws:iam::222222222222:role/Admin", "", "", false), role)
	if ok, out := serve("--profile", "prod"); !ok || json.Unmarshal([]byte(out), &o) != nil || o.AccessKeyID != "ASIAROLE" || o.AccountID != "222222222222" {
		t.Fatalf("role: %v %q", ok, out)
	}
	// Made from file keys: served only while the file holds them.
	fromFile := fresh
	fromFile.FromFile = true
	_ = store.PutSession(t.Context(), cache.SessionKey("work", "arn:aws:iam::123456789012:mfa/phone"), fromFile)
	if ok, _ := serve("--profile", "work"); ok {
		t.Fatal("served a file-key session with no keys in the file")
	}
	_ = os.WriteFile(creds, []byte("[work]\naws_access_key_id = AKIA1\naws_secret_access_key = x\n"), 0o600)
	if ok, _ := serve("--profile", "work"); !ok {
		t.Fatal("file-key session not served with the same keys in the file")
	}
	// Due for renewal: left to the core.
	due := fresh
	due.Expiration = time.Now().Add(10 * time.Minute)
	_ = store.PutSession(t.Context(), cache.SessionKey("work", "arn:aws:iam::123456789012:mfa/phone"), due)
	if ok, _ := serve("--profile", "work"); ok {
		t.Fatal("served a session with 10 minutes left")
	}
	for _, args := range [][]string{{"--profile", "missing"}, {"--bogus"}} {
		if ok, _ := serve(args...); ok {
			t.Fatalf("served %q", args)
		}
	}
}

func TestExportArgs(t *testing.T) {
	t.Setenv("AWS_PROFILE", "fromenv")
	for _, tc := range []struct {
		args         []string
		name, format string
		ok           bool
	}{
		{nil, "fromenv", "env", true},
		{[]string{"--profile", "work"}, "work", "env", true},
		{[]string{"--format", "json", "--profile=work"}, "work", "process", true},
		{[]string{"-format=export-env", "-profile", "work"}, "work", "env", true},
		{[]string{"--format", "powershell"}, "fromenv", "powershell", true},
		{[]string{"--format", "yaml"}, "", "", false},
		{[]string{"--format="}, "", "", false},
		{[]string{"--format"}, "", "", false},
		{[]string{"--format", "env", "--format", "env"}, "", "", false},
		{[]string{"--profile", "a", "--profile", "a"}, "", "", false},
		{[]string{"--profile="}, "", "", false},
		{[]string{"work"}, "", "", false},
		{[]string{"--profile", "work", "--"}, "", "", false},
		{[]string{"--region", "eu-west-1"}, "", "", false},
	} {
		name, f, ok := ExportArgs(tc.args)
		if ok != tc.ok || ok && (name != tc.name || f.Name != tc.format) {
			t.Errorf("ExportArgs(%q) = %q, %q, %v; want %q, %q, %v", tc.args, name, f.Name, ok, tc.name, tc.format, tc.ok)
		}
	}
}

// Export prints what Serve would serve, in the format asked for, with the profile's region;
// what Serve declines it declines too.
func TestExport(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config")
	t.Setenv("AWS_CONFIG_FILE", cfg)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	_ = os.WriteFile(cfg, []byte("[profile work]\nmfa_serial = arn:aws:iam::123456789012:mfa/phone\nregion = eu-west-1\n"), 0o600)
	store := cachetest.NewStore(dir)
	exp := func(args ...string) (bool, string) {
		var out bytes.Buffer
		ok := Export(t.Context(), args, store, awsconfig.Checked{}, &out)
		return ok, out.String()
	}
	if ok, out := exp("--profile", "work"); ok || out != "" {
		t.Fatalf("exported from an empty cache: %q", out)
	}
	fresh := cache.Entry{Credentials: cache.Credentials{AccessKeyID: "ASIA1", SecretAccessKey: "s/+", SessionToken: "t=="}, Expiration: time.Now().Add(time.Hour).UTC().Truncate(time.Second), SourceKeyID: "AKIA1"}
	_ = store.PutSession(t.Context(), cache.SessionKey("work", "arn:aws:iam::123456789012:mfa/phone"), fresh)
	ok, out := exp("--profile", "work")
	want := fmt.Sprintf("export AWS_ACCESS_KEY_ID='ASIA1'\nexport AWS_SECRET_ACCESS_KEY='s/+'\nexport AWS_SESSION_TOKEN='t=='\nexport AWS_CREDENTIAL_EXPIRATION='%s'\nexport AWS_REGION='eu-west-1'\nexport AWS_DEFAULT_REGION='eu-west-1'\n",
		fresh.Expiration.Format(time.RFC3339))
	if !ok || out != want {
		t.Fatalf("export: %v\n%s\nwant\n%s", ok, out, want)
	}
	var served bytes.Buffer
	Serve(t.Context(), []string{"--profile", "work"}, store, awsconfig.Checked{}, &served)
	if ok, out := exp("--profile", "work", "--format", "process"); !ok || out != served.String() {
		t.Fatalf("export --format process: %v %q, process: %q", ok, out, served.String())
	}
	t.Setenv("AWS_REGION", "us-west-2") // over the profile's, as for the calls mfacred makes
	if ok, out := exp("--profile", "work", "--format", "powershell"); !ok || !strings.Contains(out, "$Env:AWS_REGION='us-west-2'\n") {
		t.Fatalf("powershell: %v\n%s", ok, out)
	}
	bad := fresh
	bad.SessionToken = "t%"
	_ = store.PutSession(t.Context(), cache.SessionKey("work", "arn:aws:iam::123456789012:mfa/phone"), bad)
	if ok, out := exp("--profile", "work", "--format", "windows-cmd"); ok || out != "" {
		t.Fatalf("printed what cmd.exe cannot take: %q", out)
	}
	due := fresh
	due.Expiration = time.Now().Add(10 * time.Minute)
	_ = store.PutSession(t.Context(), cache.SessionKey("work", "arn:aws:iam::123456789012:mfa/phone"), due)
	if ok, _ := exp("--profile", "work"); ok {
		t.Fatal("exported a session with 10 minutes left")
	}
}
