package doctor

import (
	"context"
	"encoding/base64"
	"fmt"
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
)

// checklist is what a doctor run found.
type checklist = []Result

const (
	testSerial = "arn:aws:iam::123456789012:mfa/phone"
	testSeed   = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	adminRole  = "arn:aws:iam::222222222222:role/Admin"
)

// rig is doctor over an in-memory keyring, config files of its own and fakes of what it asks
// AWS and process's flow (fakes_test.go): no terminal, no Secret Service, no network, no
// environment. e2e proves doctor against the local STS.
type rig struct {
	t                  *testing.T
	dir, config, creds string
	store              *cache.Store
	self               string
	aws                fakeAWS
	seeds              []string // the seeds sent to AWS (Probes.TrySeed)
	roleTries          int      // the roles tried (Probes.TryRole)
	loginToken         string   // the aws login token file
}

func newRig(t *testing.T, config string) *rig {
	t.Helper()
	dir := t.TempDir()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, dir: dir, self: self, store: cachetest.NewStore(dir),
		config: filepath.Join(dir, "config"), creds: filepath.Join(dir, "credentials"), loginToken: filepath.Join(dir, "login.json"),
		aws: fakeAWS{user: aliceARN, keys: aliceKeys, devices: []string{testSerial, "arn:aws:iam::123456789012:u2f/key"}}}
	config = strings.ReplaceAll(config, "SELF", self)
	if err := os.WriteFile(r.config, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := r.store.PutKeys(t.Context(), "work", aliceKeys); err != nil {
		t.Fatal(err)
	}
	return r
}

// load reads the rig's config files as process does.
func (r *rig) load() (*awsconfig.Files, error) { return awsconfig.LoadFiles(r.config, r.creds) }

// doctor runs doctor's checks as the command does, on the rig's parts, and returns its results.
func (r *rig) doctor(profile string, spend bool) checklist {
	d := &Doctor{
		Store: testStore{r}, Keyring: r.store.KeyringName(), Self: r.self, Load: r.load,
		Probes: func(*awsconfig.Files, *awsconfig.Profile) Probes { return probes{r} },
		AWS: func(_ context.Context, _ *awsconfig.Profile, keys cache.Credentials) (AWS, error) {
			a := r.aws
			a.signed = keys
			return &a, nil
		},
		Login: func(*awsconfig.Profile) LoginSession { return tokenFile{r.loginToken} },
	}
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
	// The seed's code was sent once, to a session nobody caches (e2e TestDoctorProbesCacheNothing
	// holds session.Provider.TrySeed to it on the local STS).
	if len(r.seeds) != 1 || r.seeds[0] != testSeed {
		t.Fatalf("seeds sent to AWS: %q, want the stored one once", r.seeds)
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
			if len(r.seeds) != 0 {
				t.Fatalf("doctor spent %d codes without --spend-code", len(r.seeds))
			}
		})
	}
}

// Keys AWS refuses are a problem; the seed is then not tried (it would spend a code for
// nothing), and the remaining checks still run.
func TestDoctorKeysRejected(t *testing.T) {
	r := newRig(t, workProfile)
	if err := r.store.PutKeys(t.Context(), "work", cache.Credentials{AccessKeyID: aliceKeys.AccessKeyID, SecretAccessKey: "wrong-secret-wrong-secret"}); err != nil {
		t.Fatal(err)
	}
	if err := r.store.PutSeed(t.Context(), testSerial, testSeed); err != nil {
		t.Fatal(err)
	}
	c := r.doctor("work", true)
	want(t, c, "problem", "keys: AWS does not accept access key "+aliceKeys.AccessKeyID)
	want(t, c, "hint", "store working keys with `mfacred add work`")
	want(t, c, "hint", "session: none cached")
	for _, res := range c {
		if strings.HasPrefix(res.Text, "seed:") {
			t.Fatalf("the seed was checked with keys AWS refused: %s", res.Text)
		}
	}
	if len(r.seeds) != 0 {
		t.Fatalf("%d codes spent", len(r.seeds))
	}
}

// doctor proves a role with the cached MFA session process left, trying it once and caching
// nothing; without that session it tries nothing (a code would be spent) and says how to
// get one. (e2e TestRolesShareOneMFASession and TestDoctorProbesCacheNothing run process and
// doctor on the local STS.)
func TestDoctorTriesTheRoleWithTheCachedSession(t *testing.T) {
	r := newRig(t, workProfile+"[profile prod]\ncredential_process = SELF process --profile prod\nmfacred_source_profile = work\nmfacred_role_arn = "+adminRole+"\n")
	want(t, r.doctor("prod", false), "hint", "role: not tried without a cached MFA session of profile work: run `mfacred process --profile work` once")
	// what process cached: the MFA session of work, made with a code
	e := cache.Entry{Credentials: cache.Credentials{AccessKeyID: "ASIACACHED", SecretAccessKey: "s", SessionToken: "t"},
		Expiration: time.Now().Add(11 * time.Hour), Source: "work", Device: testSerial}
	if err := r.store.PutSession(t.Context(), cache.SessionKey("work", testSerial), e); err != nil {
		t.Fatal(err)
	}
	r.roleTries = 0
	c := r.doctor("prod", false)
	want(t, c, "ok", "role: "+adminRole+" can be assumed with the MFA session (as arn:aws:sts::222222222222:assumed-role/Admin/mfacred-doctor)")
	if r.roleTries != 1 || len(r.seeds) != 0 {
		t.Fatalf("doctor's role check: %d tries, %d codes; want 1, 0", r.roleTries, len(r.seeds))
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
			if err := os.WriteFile(r.creds, []byte(tc.creds), 0o600); err != nil {
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
			files, err := r.load()
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
			path := r.loginToken
			if err := os.WriteFile(path, freshToken(time.Now()), 0o600); err != nil {
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
			if runtime.GOOS == "windows" { // no mode there (login.go)
				want(t, c, "ok", "token file "+path)
			} else {
				want(t, c, "ok", "token file "+path+", mode -rw-------")
			}
			want(t, c, "ok", "the session of profile me ends by")
			want(t, c, tc.kind, tc.text)
		})
	}
}

// freshToken is an `aws login` token file signed in at now, as the AWS CLI writes it: its
// credentials live 15 minutes, its identity token says when the sign-in was.
func freshToken(now time.Time) []byte {
	claims := base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf(`{"iat":%d}`, now.Unix())))
	return []byte(`{"accessToken":{"accessKeyId":"ASIALOGIN","secretAccessKey":"s","sessionToken":"t","accountId":"123456789012",` +
		`"expiresAt":"` + now.Add(15*time.Minute).UTC().Format(time.RFC3339) + `"},"tokenType":"aws_sigv4","clientId":"arn:aws:signin:::devtools/same-device",` +
		`"refreshToken":"r","idToken":"e30.` + claims + `.sig","dpopKey":"k"}`)
}

// AWS's clock as its answers give it: a skew TOTP codes cannot take is a problem.
func TestDoctorClockAgainstAWS(t *testing.T) {
	for _, tc := range []struct {
		skew       time.Duration
		kind, text string
	}{
		{300 * time.Millisecond, "ok", "clock: within a second of AWS's"},
		{10 * time.Second, "ok", "clock: 10s behind AWS's (TOTP codes tolerate less than 30 s)"},
		{-2 * time.Minute, "problem", "clock: this machine is 2m0s ahead of AWS"},
	} {
		r := newRig(t, workProfile)
		r.aws.skew = tc.skew
		want(t, r.doctor("work", false), tc.kind, tc.text)
	}
}
