package doctor

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/hit"
	"github.com/mfacred/mfacred/internal/cachetest"
	"github.com/mfacred/mfacred/localsts"
	"github.com/mfacred/mfacred/loginsession"
	"github.com/mfacred/mfacred/session"
)

// checklist is what a doctor run found.
type checklist = []Result

const (
	testSerial = "arn:aws:iam::123456789012:mfa/phone"
	testSeed   = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	adminRole  = "arn:aws:iam::222222222222:role/Admin"
)

// rig is doctor over an in-memory keyring and the local STS, with config files of
// its own: no terminal, no Secret Service, no network beyond the loopback.
type rig struct {
	t     *testing.T
	sts   *localsts.Server
	user  localsts.User
	store *cache.Store
	self  string
}

func newRig(t *testing.T, config string) *rig {
	t.Helper()
	dir := t.TempDir()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, self: self, store: cachetest.NewStore(dir)}
	r.user = localsts.User{
		Name: "alice", Account: "123456789012",
		AccessKeyID: "AKIACORETEST00000001", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYcoretest",
		Devices: []localsts.Device{{Serial: testSerial, Seed: testSeed}, {Serial: "arn:aws:iam::123456789012:u2f/key"}},
	}
	r.sts = localsts.New(r.user)
	r.sts.AddRole(localsts.Role{ARN: adminRole, RequireMFA: true})
	t.Cleanup(r.sts.Close)
	cfg := filepath.Join(dir, "config")
	config = strings.ReplaceAll(config, "SELF", self)
	if err := os.WriteFile(cfg, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"AWS_CONFIG_FILE": cfg, "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_ENDPOINT_URL_STS": r.sts.URL, "AWS_ENDPOINT_URL_IAM": r.sts.URL, "AWS_ENDPOINT_URL": "",
		"AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "", "AWS_PROFILE": "", "AWS_EC2_METADATA_DISABLED": "true",
		"DISPLAY": "", "WAYLAND_DISPLAY": "",
	} {
		t.Setenv(k, v)
	}
	if err := r.store.PutKeys(t.Context(), "work", cache.Credentials{AccessKeyID: r.user.AccessKeyID, SecretAccessKey: r.user.SecretAccessKey}); err != nil {
		t.Fatal(err)
	}
	return r
}

// provider is the session.Provider process uses, as mfacred-core builds it.
func (r *rig) provider(_ *awsconfig.Files, p *awsconfig.Profile) *session.Provider {
	return session.ForProfile(r.store, p)
}

// doctor runs doctor's checks as the command does, and returns its results.
func (r *rig) doctor(profile string, spend bool) checklist {
	d := New(r.store, r.self, func(f *awsconfig.Files, p *awsconfig.Profile) Probes { return r.provider(f, p) })
	return d.Run(r.t.Context(), profile, spend)
}

// want fails unless the checklist has a line of kind containing text.
func want(t *testing.T, c checklist, kind, text string) {
	t.Helper()
	for _, r := range c {
		if string(r.Kind) == kind && strings.Contains(r.Text, text) || kind == "hint" && r.Fix != "" && strings.Contains(r.Fix, text) {
			return
		}
	}
	t.Fatalf("no %s line with %q in:\n%s", kind, text, lines(c))
}

func lines(c checklist) string {
	var b strings.Builder
	for _, r := range c {
		b.WriteString(string(r.Kind) + " " + r.Text + "\n")
		if r.Fix != "" {
			b.WriteString("  fix: " + r.Fix + "\n")
		}
	}
	return b.String()
}

const workProfile = "[profile work]\ncredential_process = SELF process --profile work\nmfa_serial = " + testSerial + "\n"

func TestDoctorHealthyProfileWithSeed(t *testing.T) {
	r := newRig(t, workProfile)
	if err := r.store.PutSeed(t.Context(), testSerial, testSeed); err != nil {
		t.Fatal(err)
	}
	c := r.doctor("work", true)
	if Problems(c) != 0 {
		t.Fatalf("problems in a healthy profile:\n%s", lines(c))
	}
	want(t, c, "ok", "credential_process runs this mfacred")
	want(t, c, "ok", "keys: AWS accepts them: arn:aws:iam::123456789012:user/alice")
	want(t, c, "ok", "device: mfa_serial "+testSerial+" is one of the MFA devices")
	want(t, c, "hint", "u2f/key is a FIDO security key")
	want(t, c, "ok", "seed: AWS accepted the code")
	want(t, c, "hint", "session: none cached")
	// The seed's code was sent once, to a session nobody caches.
	if n := r.sts.Count("GetSessionToken"); n != 1 {
		t.Fatalf("GetSessionToken %d times, want 1", n)
	}
	if _, err := r.store.Session(t.Context(), cache.SessionKey("work", testSerial)); err == nil {
		t.Fatal("doctor cached the session it made to check the seed")
	}
}

func TestDoctorFindsProblemsWithoutATerminal(t *testing.T) {
	for _, tc := range []struct {
		name, config, kind, text string
	}{
		{"wrong serial", strings.Replace(workProfile, "mfa/phone", "mfa/alice", 1), "problem", "is not one of the MFA devices of arn:aws:iam::123456789012:user/alice, which are: phone (" + testSerial + ")"},
		{"role_arn beside credential_process", workProfile + "role_arn = " + adminRole + "\n", "problem", "profile work has role_arn beside credential_process"},
		{"another program", strings.Replace(workProfile, "SELF", "/bin/true", 1), "problem", "credential_process runs /bin/true, not this mfacred"},
		{"no mfa_serial", "[profile work]\ncredential_process = SELF process --profile work\n", "hint", "run `mfacred setup --profile work`"},
		{"direct role", workProfile + "[profile prod]\ncredential_process = SELF process --profile prod\nmfacred_source_profile = work\nmfacred_role_arn = " + adminRole + "\nmfacred_role_direct = true\n", "hint", "assumed with a code of its own"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, tc.config)
			profile := "work"
			if strings.Contains(tc.config, "[profile prod]") {
				profile = "prod"
			}
			want(t, r.doctor(profile, false), tc.kind, tc.text)
			if n := r.sts.Count("GetSessionToken"); n != 0 {
				t.Fatalf("doctor spent %d codes without --spend-code", n)
			}
		})
	}
}

// Keys AWS refuses are a problem; the seed is then not tried (it would spend a code for
// nothing), and the remaining checks still run.
func TestDoctorKeysRejected(t *testing.T) {
	r := newRig(t, workProfile)
	if err := r.store.PutKeys(t.Context(), "work", cache.Credentials{AccessKeyID: r.user.AccessKeyID, SecretAccessKey: "wrong-secret-wrong-secret"}); err != nil {
		t.Fatal(err)
	}
	if err := r.store.PutSeed(t.Context(), testSerial, testSeed); err != nil {
		t.Fatal(err)
	}
	c := r.doctor("work", true)
	want(t, c, "problem", "keys: AWS does not accept access key "+r.user.AccessKeyID)
	want(t, c, "hint", "store working keys with `mfacred add work`")
	want(t, c, "hint", "session: none cached")
	for _, res := range c {
		if strings.HasPrefix(res.Text, "seed:") {
			t.Fatalf("the seed was checked with keys AWS refused: %s", res.Text)
		}
	}
	if n := r.sts.Count("GetSessionToken"); n != 0 {
		t.Fatalf("%d codes spent", n)
	}
}

// process renews with the stored seed, prints the credential_process JSON, serves the next
// call from the cache; doctor then proves the role with the cached session, caching nothing.
func TestProcessThenDoctorRole(t *testing.T) {
	r := newRig(t, workProfile+"[profile prod]\ncredential_process = SELF process --profile prod\nmfacred_source_profile = work\nmfacred_role_arn = "+adminRole+"\n")
	if err := r.store.PutSeed(t.Context(), testSerial, testSeed); err != nil {
		t.Fatal(err)
	}
	process := func() cache.Entry {
		t.Helper()
		files, err := awsconfig.Load()
		if err != nil {
			t.Fatal(err)
		}
		p, err := files.Resolve("work")
		if err != nil {
			t.Fatal(err)
		}
		out, err := r.provider(files, p).Credentials(t.Context(), hit.For(files, p))
		if err != nil {
			t.Fatalf("process: %v", err)
		}
		return out.Entry
	}
	first := process()
	if !strings.HasPrefix(first.AccessKeyID, "ASIA") {
		t.Fatalf("process got %+v", first)
	}
	if again := process(); again.AccessKeyID != first.AccessKeyID || r.sts.Count("GetSessionToken") != 1 {
		t.Fatalf("the second call was not served from the cache: %s, %d GetSessionToken", again.AccessKeyID, r.sts.Count("GetSessionToken"))
	}
	c := r.doctor("prod", false)
	want(t, c, "ok", "role: "+adminRole+" can be assumed with the MFA session (as arn:aws:sts::222222222222:assumed-role/Admin/mfacred-doctor)")
	if r.sts.Count("AssumeRole") != 1 || r.sts.Count("GetSessionToken") != 1 {
		t.Fatalf("doctor's role check: AssumeRole %d, GetSessionToken %d; want 1, 1", r.sts.Count("AssumeRole"), r.sts.Count("GetSessionToken"))
	}
	if _, err := r.store.Session(t.Context(), cache.RoleKey("work", testSerial, adminRole, "", "", false)); err == nil {
		t.Fatal("doctor cached the role credentials it tried")
	}
}

// A cached session no AWS call could have made is named as damaged, never "ok, expires in
// 632024h".
func TestDoctorNamesADamagedSession(t *testing.T) {
	r := newRig(t, workProfile)
	e := cache.Entry{Credentials: cache.Credentials{AccessKeyID: "ASIADAMAGED", SecretAccessKey: "s", SessionToken: "t"},
		Expiration: time.Now().Add(632024 * time.Hour), Source: "work", Device: testSerial}
	if err := r.store.PutSession(t.Context(), cache.SessionKey("work", testSerial), e); err != nil {
		t.Fatal(err)
	}
	c := r.doctor("work", false)
	want(t, c, "hint", "session: damaged cached credentials: expires at")
	for _, res := range c {
		if strings.HasPrefix(res.Text, "session: cached, expires in") {
			t.Fatalf("doctor calls a damaged session fine: %s", res.Text)
		}
	}
}

// doctor's session line is process's rule (package hit): a session process would renew is
// never "ok" — neither one with 12 minutes left nor one made from keys the files no longer hold.
// The rule itself is asked too (hit.Process.Judge on the profile's request, as process makes
// it): it must agree with the table, and doctor's line must be its verdict in words.
func TestDoctorSessionLineIsProcessRule(t *testing.T) {
	for _, tc := range []struct {
		name, creds string
		left        time.Duration
		fromFile    string
		ok          bool
	}{
		{"an hour left", "", time.Hour, "", true},
		{"12 minutes left", "", 12 * time.Minute, "", false},
		{"file keys held", "[work]\naws_access_key_id = AKIAFILE000000000001\naws_secret_access_key = s\n", time.Hour, "AKIAFILE000000000001", true},
		{"file keys replaced", "[work]\naws_access_key_id = AKIAFILE000000000002\naws_secret_access_key = s\n", time.Hour, "AKIAFILE000000000001", false},
		{"expired", "", -time.Minute, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, workProfile)
			if err := os.WriteFile(os.Getenv("AWS_SHARED_CREDENTIALS_FILE"), []byte(tc.creds), 0o600); err != nil {
				t.Fatal(err)
			}
			e := cache.Entry{Credentials: cache.Credentials{AccessKeyID: "ASIACACHED", SecretAccessKey: "s", SessionToken: "t"},
				Expiration: time.Now().Add(tc.left), Source: "work", Device: testSerial, SourceKeyID: tc.fromFile, FromFile: tc.fromFile != ""}
			if err := r.store.PutSession(t.Context(), cache.SessionKey("work", testSerial), e); err != nil {
				t.Fatal(err)
			}
			c := r.doctor("work", false)
			ok := false
			for _, res := range c {
				ok = ok || res.Kind == OK && strings.HasPrefix(res.Text, "session:")
			}
			if ok != tc.ok {
				t.Fatalf("session line ok = %v, want %v (process serves it: %v):\n%s", ok, tc.ok, tc.ok, lines(c))
			}
			files, err := awsconfig.Load()
			if err != nil {
				t.Fatal(err)
			}
			p, err := files.Resolve("work")
			if err != nil {
				t.Fatal(err)
			}
			now := time.Now()
			v := hit.Process.Judge(hit.For(files, p), e, now)
			if v.Serves() != tc.ok {
				t.Fatalf("process's rule says %v, the table says it serves: %v", v, tc.ok)
			}
			line := sessionLine(hit.For(files, p), e, v, now)
			if !slices.Contains(c, line) {
				t.Fatalf("doctor's session line is not the verdict %v in words (%s %s):\n%s", v, line.Kind, line.Text, lines(c))
			}
		})
	}
}

// doctor --profile me on the profile `aws login` wrote checks it as an aws login profile — the
// token file, its owner and mode, the session's end, the profiles standing on it — and never
// sends the person to `mfacred setup --profile me`, which would turn it into an MFA profile.
func TestDoctorChecksTheLoginProfileAsOne(t *testing.T) {
	const login = "[profile me]\nlogin_session = arn:aws:iam::123456789012:user/alice\nregion = us-east-1\n"
	for _, tc := range []struct {
		name, config, kind, text string
	}{
		{"alone", login, "hint", "`mfacred setup --profile NEW --login-session me`"},
		{"with a bridge and a role on it", login +
			"[profile bridge]\ncredential_process = SELF process --profile bridge\nmfacred_source_profile = me\n" +
			"[profile admin]\ncredential_process = SELF process --profile admin\nmfacred_source_profile = me\nmfacred_role_arn = " + adminRole + "\n",
			"ok", "serves admin, bridge"},
		{"with credential_process an older setup wrote", login + "credential_process = SELF process --profile me\nmfa_serial = " + testSerial + "\n",
			"hint", "credential_process beside login_session"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, tc.config)
			dir := t.TempDir()
			t.Setenv("AWS_LOGIN_CACHE_DIRECTORY", dir)
			t.Setenv("AWS_ENDPOINT_URL_SIGNIN", r.sts.URL)
			token, err := r.sts.Login(r.user.AccessKeyID, localsts.LoginOptions{})
			if err != nil {
				t.Fatal(err)
			}
			path, err := loginsession.Path("arn:aws:iam::123456789012:user/alice")
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, token, 0o600); err != nil {
				t.Fatal(err)
			}
			c := r.doctor("me", false)
			if Problems(c) != 0 {
				t.Fatalf("problems in a fresh aws login profile:\n%s", lines(c))
			}
			for _, res := range c {
				if strings.Contains(res.Text+res.Fix, "setup --profile me") {
					t.Fatalf("doctor sends the person to turn the login profile into an MFA profile:\n%s", lines(c))
				}
			}
			if runtime.GOOS == "windows" { // no mode there (loginsession/report.go)
				want(t, c, "ok", "token file "+path)
			} else {
				want(t, c, "ok", "token file "+path+", mode -rw-------")
			}
			want(t, c, "ok", "the session of profile me ends by")
			want(t, c, tc.kind, tc.text)
		})
	}
}
