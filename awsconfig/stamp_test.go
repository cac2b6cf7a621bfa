package awsconfig

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fastAndFull reads config and credentials both ways: checked in full, and lazily as a stamp
// of that full check lets a later call read them (through the stamp's text). ok is false for
// files the full check refuses.
func fastAndFull(t testing.TB, config, creds string) (full, fast *Files, ok bool) {
	full = &Files{ConfigPath: "config", CredentialsPath: "credentials"}
	fast = &Files{ConfigPath: "config", CredentialsPath: "credentials"}
	var err error
	if full.config, err = parseINI(config); err != nil {
		return nil, nil, false
	}
	if full.credentials, err = parseINI(creds); err != nil {
		return nil, nil, false
	}
	exe := fileID{ok: true, dev: 1, ino: 2, size: 3, mtime: 4, ctime: 5}
	lazy := func(name, data string, f *iniFile) *iniFile {
		id := fileID{ok: true, dev: 9, ino: 8, size: int64(len(data)), mtime: 7, ctime: 6}
		l, ok := parseStamp(stampText(name, exe, id, f), name, exe, id, data)
		if !ok {
			t.Fatalf("a stamp of a valid file was not taken:\n%q", data)
		}
		return l
	}
	fast.config = lazy("config", config, full.config)
	fast.credentials = lazy("credentials", creds, full.credentials)
	return full, fast, true
}

// view is all a call can learn of a profile.
func view(f *Files, name string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "exists=%v\n", f.Exists(name))
	if p, err := f.Resolve(name); err != nil {
		fmt.Fprintf(&b, "resolve: %v\n", err)
	} else {
		pc := *p
		pc.files = nil
		fmt.Fprintf(&b, "resolve: %+v role %+v\n", pc, p.Role)
	}
	cs, err := f.ClientSettings(name)
	j, _ := json.Marshal(cs)
	fmt.Fprintf(&b, "client: %s %v\n", j, err)
	k, ok, err := f.StaticKeys(name)
	fmt.Fprintf(&b, "keys: %+v %v %v\nconflicts: %v\n", k, ok, err, f.SDKConflicts(name))
	if s := f.configSection(name); s != nil {
		fmt.Fprintf(&b, "config section: %+v\n", f.config.keysOf(s))
	}
	if i := f.credentials.find(name); i >= 0 {
		fmt.Fprintf(&b, "credentials section: %+v\n", f.credentials.keysOf(&f.credentials.sections[i]))
	}
	for _, key := range []string{"k", "k2", "k3", "k4", "k5", "k6", "k7", "ключ", "s3", "x", "region", "mfa_serial"} {
		fmt.Fprintf(&b, "%s=%q ", key, f.Get(name, key))
	}
	return b.String()
}

func sameView(t testing.TB, full, fast *Files, name, config, creds string) {
	t.Helper()
	if a, b := view(full, name), view(fast, name); a != b {
		t.Fatalf("profile %q read lazily differs:\nfull: %s\nfast: %s\nconfig %q\ncredentials %q", name, a, b, config, creds)
	}
}

// The names the tricky pieces make, and some they do not.
var trickyNames = []string{"default", "a", "a b", "c", "'c'", "d", "e", "i", "t", "x", "q", `"q"`, "f", "DEFAULT", "profile a", "unclosed", "", "missing"}

// A file read lazily from its stamp answers every question as the full read does: over the
// differential test's tricky files (which botocore reads alike), as config and as credentials.
func TestFastEqualsFullTricky(t *testing.T) {
	rng := rand.New(rand.NewSource(12))
	files, valid := 0, 0
	for files = 0; files < 3000; files++ {
		config, creds := trickyFile(rng), trickyFile(rng)
		full, fast, ok := fastAndFull(t, config, creds)
		if !ok {
			continue
		}
		valid++
		names := append(full.Profiles(), trickyNames...)
		for _, name := range names {
			sameView(t, full, fast, name, config, creds)
		}
		if a, b := fmt.Sprint(full.Profiles()), fmt.Sprint(fast.Profiles()); a != b {
			t.Fatalf("profiles %s, lazily %s", a, b)
		}
	}
	t.Logf("%d of %d pairs of files valid and compared", valid, files)
	if valid < files/10 {
		t.Fatal("too few valid files to compare")
	}
}

// largeConfig is a generated SSO config with the unusual headers mixed in.
func largeConfig(n int, crlf bool) string {
	var b strings.Builder
	b.WriteString("[DEFAULT]\nregion = eu-west-1\n\n[default]\nmfa_serial = arn:aws:iam::123456789012:mfa/default\n\n")
	for i := 0; i < n; i++ {
		switch i % 1000 {
		case 7:
			fmt.Fprintf(&b, "[profile \"team %05d\"]\nmfa_serial = arn:aws:iam::123456789012:mfa/q%d\n\n", i, i)
		case 8: // an indented header: after a key as deep, it is no continuation
			fmt.Fprintf(&b, "[profile pad-%05d]\n  pad = 1\n  [profile team-%05d]\nmfa_serial = arn:aws:iam::123456789012:mfa/i%d\n\n", i, i, i)
		case 9: // a header's text in a value, and in a continuation line
			fmt.Fprintf(&b, "[profile team-%05d]\nnote = [profile team-%05d]\n  [profile team-%05d]\nmfa_serial = arn:aws:iam::123456789012:mfa/n%d\n\n", i, i+1, i+2, i)
		case 10: // a header of the same profile, quoted: the last one wins
			fmt.Fprintf(&b, "[profile team-%05d]\nmfa_serial = arn:aws:iam::123456789012:mfa/first%d\n[profile 'team-%05d']\nmfa_serial = arn:aws:iam::123456789012:mfa/last%d\n\n", i, i, i, i)
		case 12: // services blocks named quoted, with two blanks, and plainly
			fmt.Fprintf(&b, "[profile team-%05d]\nservices = svc %d\nmfa_serial = arn:aws:iam::123456789012:mfa/s%d\n\n[services \"svc %d\"]\nsts =\n  endpoint_url = http://127.0.0.1:1/%d\n\n", i, i, i, i, i)
		case 13:
			fmt.Fprintf(&b, "[profile team-%05d]\nservices = svc%d\nmfa_serial = arn:aws:iam::123456789012:mfa/s%d\n\n[services  svc%d]\niam =\n  endpoint_url = http://127.0.0.1:2/%d\n\n", i, i, i, i, i)
		case 14:
			fmt.Fprintf(&b, "[profile team-%05d]\nservices = svc%d\nendpoint_url = http://127.0.0.1:4/%d\nmfa_serial = arn:aws:iam::123456789012:mfa/s%d\n\n[services svc%d]\nsts =\n  endpoint_url = http://127.0.0.1:3/%d\n\n", i, i, i, i, i, i)
		case 11:
			fmt.Fprintf(&b, "[profile team-%05d]\nmfacred_source_profile = team-%05d\nmfacred_role_arn = arn:aws:iam::222222222222:role/R%d\n\n", i, i-4, i)
		default:
			fmt.Fprintf(&b, "[profile team-%05d]\nsso_session = org\nsso_account_id = 123456789012\nsso_role_name = Admin\nregion = us-east-1\nmfa_serial = arn:aws:iam::123456789012:mfa/t%d\n\n", i, i)
		}
	}
	if crlf {
		return strings.ReplaceAll(b.String(), "\n", "\r\n")
	}
	return b.String()
}

// Generated 5,000-profile configs: every profile (and some that are not there) reads lazily as
// in full.
func TestFastEqualsFullLarge(t *testing.T) {
	for _, crlf := range []bool{false, true} {
		config := largeConfig(5000, crlf)
		creds := "[team-00003]\n  aws_access_key_id = AKIA3\n  aws_secret_access_key = s\n  [team-00004]\naws_access_key_id = AKIA4\naws_secret_access_key = s\n"
		full, fast, ok := fastAndFull(t, config, creds)
		if !ok {
			t.Fatal("the generated config does not parse")
		}
		names := append(full.Profiles(), "team 00007", "team-99999", "team-00004", "DEFAULT")
		for _, name := range names {
			sameView(t, full, fast, name, "(generated)", creds)
		}
		for name, want := range map[string]string{"team-00012": "http://127.0.0.1:1/12", "team-00013": "http://127.0.0.1:2/13", "team-00014": "http://127.0.0.1:3/14"} {
			c, err := fast.ClientSettings(name)
			if err != nil || c.ServiceEndpoints["sts"]+c.ServiceEndpoints["iam"] != want {
				t.Fatalf("%s: services endpoints %v (%v), want %s", name, c.ServiceEndpoints, err, want)
			}
		}
		if !full.Exists("team-00008") || !full.Exists("team-00004") || full.Exists("team-00010") && full.Get("team-00010", "mfa_serial") != "arn:aws:iam::123456789012:mfa/last10" {
			t.Fatal("the generated files do not hold the unusual headers they should")
		}
		if fast.config.sections == nil || len(fast.config.sections) > 40+len(names) {
			t.Fatalf("the lazy read holds %d sections", len(fast.config.sections))
		}
	}
}

// Any config and credentials, any profile name: read lazily from a stamp, as in full.
func FuzzFastEqualsFull(f *testing.F) {
	rng := rand.New(rand.NewSource(13))
	for i := 0; i < 40; i++ {
		f.Add(trickyFile(rng), trickyFile(rng), trickyNames[rng.Intn(len(trickyNames))])
	}
	f.Add(largeConfig(30, false), "[team-00011]\naws_access_key_id = A\naws_secret_access_key = s\n", "team-00011")
	f.Fuzz(func(t *testing.T, config, creds, name string) {
		full, fast, ok := fastAndFull(t, config, creds)
		if !ok {
			return
		}
		sameView(t, full, fast, name, config, creds)
		for _, p := range full.Profiles() {
			sameView(t, full, fast, p, config, creds)
		}
	})
}

// LoadChecked writes a stamp after a full check, reads lazily while the file is unchanged, and
// checks in full again after any change, a bad stamp, or with a file too fresh to stamp.
func TestLoadChecked(t *testing.T) {
	dir := t.TempDir()
	cfg, creds := filepath.Join(dir, "config"), filepath.Join(dir, "credentials")
	t.Setenv("AWS_CONFIG_FILE", cfg)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", creds)
	stamps := filepath.Join(dir, "stamps")
	_ = os.Mkdir(stamps, 0o700)
	c := Checked{Dir: stamps}
	config := largeConfig(200, false)
	if err := os.WriteFile(cfg, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	load := func(wantLazy bool) *Files {
		t.Helper()
		f, err := LoadChecked(c)
		if err != nil {
			t.Fatal(err)
		}
		if f.config.lazy != wantLazy {
			t.Fatalf("lazy = %v, want %v", f.config.lazy, wantLazy)
		}
		return f
	}
	want := view(load(false), "team-00123")
	if got := view(load(true), "team-00123"); got != want {
		t.Fatalf("lazily:\n%s\nin full:\n%s", got, want)
	}
	if f := load(true); f.credentials.lazy {
		t.Fatal("a missing credentials file read from a stamp")
	}

	// A change (an invalid one: a key twice) is seen, whatever the stamp said.
	bad := strings.Replace(config, "sso_session = org\n", "sso_session = org\nregion = x\n", 1)
	if err := os.WriteFile(cfg, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadChecked(c); err == nil || !strings.Contains(err.Error(), "set twice") {
		t.Fatalf("an edit that breaks the file: %v", err)
	}
	if _, err := LoadChecked(c); err == nil {
		t.Fatal("a broken file read from a stamp")
	}

	// A stamp cut short, or of another file, is not used.
	_ = os.WriteFile(cfg, []byte(config), 0o600)
	load(false)
	stamp := filepath.Join(stamps, stampName(cfg))
	text, err := os.ReadFile(stamp)
	if err != nil {
		t.Fatal(err)
	}
	_ = os.WriteFile(stamp, text[:len(text)-4], 0o600)
	load(false)
	load(true)
	_ = os.WriteFile(stamp, []byte(strings.Replace(string(text), "\nfile ", "\nfile 1", 1)), 0o600)
	load(false)

	// A file changed within the last Settle is checked in full every time.
	c.Settle = time.Hour
	_ = os.Remove(stamp)
	load(false)
	load(false)
	// Whole-second times (as on some file systems) need longer.
	now := time.Unix(1000, 0)
	c.Settle = 100 * time.Millisecond
	for _, tc := range []struct {
		mtime, ctime time.Time
		want         bool
	}{
		{now.Add(-150 * time.Millisecond).Add(7), now.Add(-150 * time.Millisecond).Add(3), true},
		{now.Add(-50 * time.Millisecond).Add(7), now.Add(-150 * time.Millisecond).Add(3), false},
		{now.Add(-150 * time.Millisecond).Add(7), now.Add(-50 * time.Millisecond).Add(3), false},
		{now.Add(-2 * time.Second), now.Add(-2 * time.Second), false},
		{now.Add(-4 * time.Second), now.Add(-4 * time.Second), true},
	} {
		if got := c.settled(fileID{ok: true, mtime: tc.mtime.UnixNano(), ctime: tc.ctime.UnixNano()}, now); got != tc.want {
			t.Errorf("settled(mtime %v, ctime %v) = %v", tc.mtime.Sub(now), tc.ctime.Sub(now), got)
		}
	}
	// And a small one, always.
	c.Settle, c.MinSize = 0, int64(len(config))+1
	load(false)
	load(false)
}
