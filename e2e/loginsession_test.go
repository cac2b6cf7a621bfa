//go:build unix

package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mfacred/mfacred/localsts"
)

// signinWorld is a world whose user signed in with `aws login` (profile NAME-me, its token
// file written as the AWS CLI does), with a bridge profile NAME-bridge serving the
// session's own credentials and NAME-admin assuming adminRole with them. The token files
// live outside the scanned test root: they hold the session's secrets by AWS's design.
type signinWorld struct {
	*world
	me, bridge, admin string
	cacheDir          string
}

func newSigninWorld(t *testing.T, role localsts.Role, o localsts.LoginOptions) *signinWorld {
	w := newWorld(t)
	w.sts.AddRole(role)
	lw := &signinWorld{world: w, me: w.profile + "-me", bridge: w.profile + "-bridge", admin: w.profile + "-admin", cacheDir: t.TempDir()}
	w.env = append(w.env, "AWS_ENDPOINT_URL_SIGNIN="+w.sts.URL, "AWS_LOGIN_CACHE_DIRECTORY="+lw.cacheDir)
	w.writeConfig(fmt.Sprintf(`
[profile %[1]s]
login_session = %[4]s
region = us-east-1

[profile %[2]s]
credential_process = %[5]s process --profile %[2]s
mfacred_source_profile = %[1]s
region = us-east-1

[profile %[3]s]
credential_process = %[5]s process --profile %[3]s
mfacred_source_profile = %[1]s
mfacred_role_arn = %[6]s
region = us-east-1
`, lw.me, lw.bridge, lw.admin, w.user.ARN(), binary, role.ARN))
	lw.login(o)
	return lw
}

// login writes the token file `aws login --profile NAME-me` would write.
func (lw *signinWorld) login(o localsts.LoginOptions) {
	lw.t.Helper()
	b, err := lw.sts.Login(lw.user.AccessKeyID, o)
	if err != nil {
		lw.t.Fatal(err)
	}
	if err := os.WriteFile(lw.tokenPath(), b, 0o600); err != nil {
		lw.t.Fatal(err)
	}
}

// tokenPath is named as the AWS CLI names it, computed here independently of mfacred.
func (lw *signinWorld) tokenPath() string {
	sum := sha256.Sum256([]byte(lw.user.ARN()))
	return filepath.Join(lw.cacheDir, hex.EncodeToString(sum[:])+".json")
}

func (lw *signinWorld) tokenFile() (raw []byte, fields map[string]json.RawMessage, access map[string]any) {
	lw.t.Helper()
	raw, err := os.ReadFile(lw.tokenPath())
	if err != nil {
		lw.t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &fields); err != nil {
		lw.t.Fatal(err)
	}
	json.Unmarshal(fields["accessToken"], &access)
	return raw, fields, access
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// 16 `mfacred process` callers at once on a session with 5 minutes left: one refresh, all
// served the same new credentials; the file is replaced with mode 0600, every field kept
// and the refresh token rotated. Then the Go SDK and the JS SDK v3, each reading the
// login_session profile themselves, find the fresh credentials and do not refresh. (boto3
// reads login_session only with botocore[crt], which this machine's boto3 lacks: it reaches
// the session through the bridge, TestLoginSessionServesAWSCLIAndBoto3ThroughBridgeAndRole.)
func TestLoginSessionSixteenCallersOneRefreshThenSDKsReadIt(t *testing.T) {
	t.Parallel() // waits on the SDKs
	js := jsClient(t)
	goBin := goClient(t)
	lw := newSigninWorld(t, localsts.Role{ARN: adminRole}, localsts.LoginOptions{Life: 5 * time.Minute})
	_, before, _ := lw.tokenFile()

	var wg sync.WaitGroup
	res := make([]result, 16)
	for i := range res {
		wg.Add(1)
		go func() { defer wg.Done(); res[i] = lw.run(nil, nil, binary, "process", "--profile", lw.bridge) }()
	}
	wg.Wait()
	var first credsJSON
	for i, r := range res {
		if r.err != nil {
			t.Fatalf("caller %d: %v\n%s", i, r.err, r.stderr)
		}
		c := parseCreds(t, r.stdout)
		if i == 0 {
			first = c
		}
		if c.AccessKeyId != first.AccessKeyId {
			t.Fatalf("caller %d got %s, caller 0 %s", i, c.AccessKeyId, first.AccessKeyId)
		}
	}
	if n := lw.sts.Count("CreateOAuth2Token"); n != 1 {
		t.Fatalf("CreateOAuth2Token called %d times by 16 callers, want 1", n)
	}
	raw, after, access := lw.tokenFile()
	if access["accessKeyId"] != first.AccessKeyId {
		t.Fatalf("the file holds %v, the callers got %s", access["accessKeyId"], first.AccessKeyId)
	}
	if bytes.Equal(before["refreshToken"], after["refreshToken"]) {
		t.Fatal("the rotated refresh token was not saved")
	}
	for _, f := range []string{"idToken", "clientId", "dpopKey", "tokenType", "futureCLIField"} {
		var was, is bytes.Buffer
		json.Compact(&was, before[f])
		json.Compact(&is, after[f])
		if was.Len() == 0 || was.String() != is.String() {
			t.Errorf("field %s not kept: %s -> %s", f, before[f], after[f])
		}
	}
	if fi, _ := os.Stat(lw.tokenPath()); fi.Mode().Perm() != 0o600 {
		t.Errorf("token file mode %v, want 0600", fi.Mode().Perm())
	}
	if exp, err := time.Parse(time.RFC3339, first.Expiration); err != nil || time.Until(exp) < 14*time.Minute {
		t.Errorf("served credentials expire %s: want about 15 minutes", first.Expiration)
	}

	profileEnv := []string{"AWS_PROFILE=" + lw.me}
	for _, c := range []struct {
		name string
		cmd  []string
	}{
		{"Go SDK", []string{goBin, "-for", "1s"}},
		{"JS SDK v3", []string{"node", filepath.Join(js, "client.mjs"), "1"}},
	} {
		r := lw.run(nil, profileEnv, c.cmd[0], c.cmd[1:]...)
		var s clientSummary
		if err := json.Unmarshal([]byte(r.stdout), &s); err != nil || r.err != nil || s.OK < 1 || s.Failed != 0 || s.ARN != lw.user.ARN() {
			t.Fatalf("%s on the login_session profile: %v %+v\nstdout: %s\nstderr: %s", c.name, r.err, s, r.stdout, r.stderr)
		}
	}
	if n := lw.sts.Count("CreateOAuth2Token"); n != 1 {
		t.Fatalf("the SDKs refreshed the session themselves: %d refreshes", n)
	}
	if now, _, _ := lw.tokenFile(); !bytes.Equal(now, raw) {
		t.Fatal("an SDK rewrote the token file mfacred had just refreshed")
	}
}

// The AWS CLI v2 here (2.9) predates login_session; it and boto3 reach the session through
// the bridge profile, and the role profile through its cached role credentials. A second
// role call costs no signin and no STS call, and the fast binary alone serves it, and the
// bridge from the token file.
func TestLoginSessionServesAWSCLIAndBoto3ThroughBridgeAndRole(t *testing.T) {
	t.Parallel() // waits on the AWS CLI and boto3
	aws := awsCLIv2(t)
	needPython(t)
	lw := newSigninWorld(t, localsts.Role{ARN: adminRole}, localsts.LoginOptions{})
	// An AWS CLI older than 2.32 does not read login_session: it finds no credentials in
	// the session's own profile, which is why the bridge exists.
	ver, _ := awsCLIVersion()
	var major, minor int
	fmt.Sscanf(ver, "aws-cli/%d.%d", &major, &minor)
	direct := lw.run(nil, nil, aws, "sts", "get-caller-identity", "--profile", lw.me, "--endpoint-url", lw.sts.URL)
	if reads := major > 2 || major == 2 && minor >= 32; reads != (direct.err == nil) {
		t.Fatalf("AWS CLI %s on the login_session profile: %v (it reads login_session: %v)\n%s", ver, direct.err, reads, direct.stderr)
	}
	id := func(profile string) string {
		t.Helper()
		return strings.TrimSpace(lw.mustRun(aws, "sts", "get-caller-identity", "--profile", profile, "--endpoint-url", lw.sts.URL, "--query", "Arn", "--output", "text"))
	}
	if got := id(lw.bridge); got != lw.user.ARN() {
		t.Fatalf("bridge acts as %s", got)
	}
	wantRole := "arn:aws:sts::222222222222:assumed-role/Admin/alice"
	if got := id(lw.admin); got != wantRole {
		t.Fatalf("admin acts as %s, want %s", got, wantRole)
	}
	if n := lw.sts.Count("AssumeRole"); n != 1 {
		t.Fatalf("AssumeRole %d, want 1", n)
	}
	r := lw.run(nil, []string{"AWS_PROFILE=" + lw.admin}, python, "testdata/boto3client.py", "1")
	if !strings.Contains(r.stdout, wantRole) {
		t.Fatalf("boto3 via the role profile: %v\n%s\n%s", r.err, r.stdout, r.stderr)
	}
	signins, assumes := lw.sts.Count("CreateOAuth2Token"), lw.sts.Count("AssumeRole")
	if signins != 0 || assumes != 1 {
		t.Fatalf("after the role was cached: CreateOAuth2Token %d, AssumeRole %d; want 0 and 1", signins, assumes)
	}

	// The fast binary with no mfacred-core beside it serves the role from the keyring.
	alone := filepath.Join(lw.dir, "alone")
	os.MkdirAll(alone, 0o700)
	front := filepath.Join(alone, "mfacred")
	if err := os.Link(binary, front); err != nil { // a link, not a copy: no file open for writing
		t.Fatal(err)
	}
	fast := lw.run(nil, nil, front, "process", "--profile", lw.admin)
	if fast.err != nil {
		t.Fatalf("the fast path did not serve the cached role: %v\n%s", fast.err, fast.stderr)
	}
	// The bridge's fresh credentials are read from the token file, by the fast path too.
	_, _, access := lw.tokenFile()
	if r := lw.run(nil, nil, front, "process", "--profile", lw.bridge); r.err != nil || parseCreds(t, r.stdout).AccessKeyId != access["accessKeyId"] {
		t.Fatalf("the fast path did not serve the bridge from the token file: %v %s", r.err, r.stderr)
	}
	if lw.sts.Count("CreateOAuth2Token") != 0 || lw.sts.Count("AssumeRole") != 1 {
		t.Fatal("a cached call reached signin or STS")
	}
}

// A role whose trust policy demands MFA refuses the session's credentials (the local
// signin's carry no MFA context, by default): the error says so in words. Signed in with
// MFA context, the same role is assumed.
func TestLoginSessionRoleThatDemandsMFASaysWhy(t *testing.T) {
	t.Parallel()
	needKeyring(t)
	role := localsts.Role{ARN: adminRole, RequireMFA: true}
	lw := newSigninWorld(t, role, localsts.LoginOptions{})
	r := lw.run(nil, nil, binary, "process", "--profile", lw.admin)
	if r.err == nil {
		t.Fatal("a role demanding MFA accepted credentials without MFA context")
	}
	line := lastLine(r.stderr)
	for _, want := range []string{"profile " + lw.admin, adminRole, "aws:MultiFactorAuthPresent", "aws login session of profile " + lw.me} {
		if !strings.Contains(line, want) {
			t.Fatalf("error %q lacks %q", line, want)
		}
	}
	lw.login(localsts.LoginOptions{MFA: true})
	if r := lw.run(nil, nil, binary, "process", "--profile", lw.admin); r.err != nil {
		t.Fatalf("with MFA context: %v\n%s", r.err, r.stderr)
	}
}

// An ended session — the refresh token expired, the password changed, or no token file —
// is one line naming the profile and `aws login --profile NAME`, and nothing on disk
// changes.
func TestLoginSessionEndedSaysSignInAgain(t *testing.T) {
	t.Parallel()
	needKeyring(t)
	for _, code := range []string{"TOKEN_EXPIRED", "USER_CREDENTIALS_CHANGED", "no token file"} {
		t.Run(code, func(t *testing.T) {
			lw := newSigninWorld(t, localsts.Role{ARN: adminRole}, localsts.LoginOptions{Life: 5 * time.Minute})
			if code == "no token file" {
				os.Remove(lw.tokenPath())
			} else {
				lw.sts.EndLogins(code)
			}
			before, _ := os.ReadFile(lw.tokenPath())
			for _, p := range []string{lw.bridge, lw.admin} {
				r := lw.run(nil, nil, binary, "process", "--profile", p)
				if r.err == nil || r.stdout != "" {
					t.Fatalf("%s: served from an ended session", p)
				}
				if strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || !strings.Contains(r.stderr, "profile "+p) ||
					!strings.Contains(r.stderr, "`aws login --profile "+lw.me+"`") {
					t.Fatalf("%s: stderr %q: want one line naming the profile and aws login --profile %s", p, r.stderr, lw.me)
				}
			}
			after, _ := os.ReadFile(lw.tokenPath())
			if !bytes.Equal(before, after) {
				t.Fatal("the token file changed")
			}
		})
	}
}

// `exec --server` keeps serving a bridge profile across the session's refreshes: the local
// signin hands out 30-second credentials, the Go SDK and the JS SDK v3 in the command call
// for 70 s through the server and never fail, and see several credentials.
func TestLoginSessionExecServerServesAcrossRefreshes(t *testing.T) {
	t.Parallel() // waits on 70 s of refreshes
	js := jsClient(t)
	goBin := goClient(t)
	lw := newSigninWorld(t, localsts.Role{ARN: adminRole}, localsts.LoginOptions{Life: 30 * time.Second})
	lw.sts.SetLoginLifetime(30 * time.Second)
	out := filepath.Join(lw.dir, "out")
	if err := os.MkdirAll(out, 0o700); err != nil {
		t.Fatal(err)
	}
	const secs = 70
	script := `"$GOCLIENT" -for ${SECS}s > "$OUT/go.json" 2> "$OUT/go.err" &
node "$JSCLIENT/client.mjs" "$SECS" > "$OUT/js.json" 2> "$OUT/js.err" &
wait`
	cmd := exec.Command(binary, "exec", "--server", "--profile", lw.bridge, "--", "sh", "-c", script)
	cmd.Env = append(append([]string{}, lw.env...), "OUT="+out, "SECS="+fmt.Sprint(secs), "GOCLIENT="+goBin, "JSCLIENT="+js)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("mfacred exec --server: %v\n%s", err, stderr.String())
	}
	for _, name := range []string{"go", "js"} {
		b, _ := os.ReadFile(filepath.Join(out, name+".json"))
		errs, _ := os.ReadFile(filepath.Join(out, name+".err"))
		var s clientSummary
		if err := json.Unmarshal(b, &s); err != nil {
			t.Fatalf("%s printed %q: %v\n%s", name, b, err, errs)
		}
		t.Logf("%s: %d calls, %d failed, %d different credentials", name, s.OK, s.Failed, s.Keys)
		if s.Failed != 0 || s.OK < secs/3 || s.Keys < 3 || s.ARN != lw.user.ARN() {
			t.Errorf("%s: %+v\n%s", name, s, errs)
		}
	}
	if n := lw.sts.Refreshes(); n < 3 {
		t.Errorf("%d refreshes in %d s of 30-second credentials", n, secs)
	}
	if strings.Contains(stderr.String(), "renew") {
		t.Errorf("mfacred reported a failed renewal:\n%s", stderr.String())
	}
}

// setup writes the bridge and the role profile from a profile `aws login` signed in; status
// lists the session with when it ends and never a secret; doctor checks the token file's
// mode, the session's end and the role, and explains a role whose trust policy demands MFA.
func TestLoginSessionSetupStatusDoctor(t *testing.T) {
	t.Parallel()
	needKeyring(t)
	lw := newSigninWorld(t, localsts.Role{ARN: adminRole}, localsts.LoginOptions{})
	strict := "arn:aws:iam::444444444444:role/Strict"
	lw.sts.AddRole(localsts.Role{ARN: strict, RequireMFA: true})
	// Only the login profile, as `aws login --profile NAME-me` leaves the config.
	if err := os.WriteFile(lw.configPath(), []byte(fmt.Sprintf("[profile %s]\nlogin_session = %s\nregion = us-east-1\n", lw.me, lw.user.ARN())), 0o600); err != nil {
		t.Fatal(err)
	}
	setup := func(profile string, extra ...string) result {
		return lw.run(nil, nil, binary, append([]string{"setup", "--profile", profile, "--login-session", lw.me}, extra...)...)
	}
	if r := setup(lw.bridge); r.err != nil || !strings.Contains(r.stdout, "works: "+lw.user.ARN()) {
		t.Fatalf("setup bridge: %v\n%s\n%s", r.err, r.stdout, r.stderr)
	}
	if r := setup(lw.admin, "--role-arn", adminRole); r.err != nil || !strings.Contains(r.stdout, "assumed-role/Admin/alice") {
		t.Fatalf("setup admin: %v\n%s\n%s", r.err, r.stdout, r.stderr)
	}
	strictProfile := lw.profile + "-strict"
	if r := setup(strictProfile, "--role-arn", strict, "--verify=false"); r.err != nil {
		t.Fatalf("setup strict: %v\n%s", r.err, r.stderr)
	}
	if r := lw.run(nil, nil, binary, "setup", "--profile", "x", "--login-session", lw.me, "--mfa-serial", lw.serial); r.code != 2 {
		t.Fatalf("--login-session with --mfa-serial: exit %d, want 2 (usage)\n%s", r.code, r.stderr)
	}
	if r := lw.run(nil, nil, binary, "setup", "--profile", "x", "--login-session", lw.profile+"-nosuch"); r.err == nil || !strings.Contains(r.stderr, "aws login --profile "+lw.profile+"-nosuch") {
		t.Fatalf("--login-session of a missing profile: %v %s", r.err, r.stderr)
	}

	status := lw.mustRun(binary, "status")
	want := fmt.Sprintf("aws login %s\tserves %s,%s,%s\tcredentials expire in", lw.me, lw.admin, lw.bridge, strictProfile)
	if !strings.Contains(status, want) || !strings.Contains(status, "session ends by ") || !strings.Contains(status, "(aws login "+lw.me+")") {
		t.Fatalf("status:\n%s\nwant a line starting %q and the admin role under the session", status, want)
	}
	for _, s := range lw.sts.Secrets() {
		if strings.Contains(status, s) {
			t.Fatal("status printed a secret")
		}
	}

	doc := lw.run(nil, nil, binary, "doctor", "--profile", lw.admin)
	if doc.err != nil || !strings.Contains(doc.stdout, "mode -rw-------") || !strings.Contains(doc.stdout, "ends by") ||
		!strings.Contains(doc.stdout, "can be assumed with the aws login session") {
		t.Fatalf("doctor admin: %v\n%s%s", doc.err, doc.stdout, doc.stderr)
	}
	doc = lw.run(nil, nil, binary, "doctor", "--profile", strictProfile)
	if doc.code != 1 || !strings.Contains(doc.stdout, "aws:MultiFactorAuthPresent") {
		t.Fatalf("doctor on a role demanding MFA: exit %d\n%s%s", doc.code, doc.stdout, doc.stderr)
	}
	os.Chmod(lw.tokenPath(), 0o644)
	doc = lw.run(nil, nil, binary, "doctor", "--profile", lw.bridge)
	if doc.code != 1 || !strings.Contains(doc.stdout, "chmod 600") {
		t.Fatalf("doctor on a readable token file: exit %d\n%s", doc.code, doc.stdout)
	}
	os.Remove(lw.tokenPath())
	doc = lw.run(nil, nil, binary, "doctor", "--profile", lw.bridge)
	if doc.code != 1 || !strings.Contains(doc.stdout, "`aws login --profile "+lw.me+"`") {
		t.Fatalf("doctor without a token file: exit %d\n%s", doc.code, doc.stdout)
	}
	for _, out := range []string{doc.stdout, doc.stderr} {
		for _, s := range lw.sts.Secrets() {
			if strings.Contains(out, s) {
				t.Fatal("doctor printed a secret")
			}
		}
	}
}

// The profile `aws login` wrote (login_session) is checked by doctor as an aws login profile
// — its token file, the session's end, the profiles standing on it — with no advice to run
// setup on it; and setup and add, asked to turn it into an MFA profile (or into a bridge),
// refuse with one line naming it and the way that works, before asking for keys or calling
// AWS: no byte of the config or credentials file changes and nothing enters the keyring.
func TestLoginProfileDoctorChecksItSetupLeavesItAlone(t *testing.T) {
	t.Parallel()
	lw := newSigninWorld(t, localsts.Role{ARN: adminRole}, localsts.LoginOptions{})
	doc := lw.run(nil, nil, binary, "doctor", "--profile", lw.me)
	if doc.err != nil || !strings.Contains(doc.stdout, "mode -rw-------") || !strings.Contains(doc.stdout, "ends by") ||
		!strings.Contains(doc.stdout, "serves "+lw.admin+", "+lw.bridge) || strings.Contains(doc.stdout, "setup --profile "+lw.me) {
		t.Fatalf("doctor on the aws login profile: %v\n%s%s", doc.err, doc.stdout, doc.stderr)
	}

	config := mustRead(t, lw.configPath())
	creds := filepath.Join(lw.dir, "home", ".aws", "credentials")
	keysEnv := []string{"AWS_ACCESS_KEY_ID=" + lw.user.AccessKeyID, "AWS_SECRET_ACCESS_KEY=" + lw.user.SecretAccessKey}
	for _, args := range [][]string{
		{"setup", "--profile", lw.me},
		{"setup", "--profile", lw.me, "--env"},
		{"setup", "--profile", lw.me, "--env", "--mfa-serial", lw.serial},
		{"setup", "--profile", lw.me, "--env", "--move-keys", "--verify=false"},
		{"setup", "--profile", lw.me, "--login-session", lw.me},
		{"setup", "--profile", lw.me, "--login-session", lw.me, "--role-arn", adminRole},
		{"add", lw.me, "--env"},
		{"add", lw.me, "--env", "--no-verify"},
	} {
		r := lw.run(nil, keysEnv, binary, args...)
		oneLineErr(t, r, "profile "+lw.me+" ", "`mfacred setup --profile NEW --login-session "+lw.me+"`")
		if r.code != 1 {
			t.Fatalf("%s: exit %d, want 1", strings.Join(args, " "), r.code)
		}
		if got := mustRead(t, lw.configPath()); got != config {
			t.Fatalf("%s changed the config:\n%s", strings.Join(args, " "), got)
		}
		if _, err := os.Stat(creds); !os.IsNotExist(err) {
			t.Fatalf("%s wrote %s: %v", strings.Join(args, " "), creds, err)
		}
		if _, err := lw.store().Keys(t.Context(), lw.me); err == nil {
			t.Fatalf("%s stored keys for the aws login profile", strings.Join(args, " "))
		}
	}
	if n := lw.sts.Count("GetCallerIdentity") + lw.sts.Count("ListMFADevices"); n != 0 {
		t.Fatalf("%d calls to AWS for a set-up refused", n)
	}
}

// A profile served from an aws login session uses no MFA device, so `totp set` has no device
// to store a seed for: it refuses in one line (it stored the seed under an empty device name),
// and the keyring holds no seed afterwards.
func TestTOTPSetRefusesAWSLoginProfiles(t *testing.T) {
	t.Parallel()
	lw := newSigninWorld(t, localsts.Role{ARN: adminRole}, localsts.LoginOptions{})
	seed := "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP\n"
	for _, profile := range []string{lw.me, lw.bridge, lw.admin} {
		r := lw.run(&seed, nil, binary, "totp", "set", "--profile", profile)
		if _, err := lw.store().Seed(t.Context(), ""); err == nil {
			lw.store().DeleteSeed(t.Context(), "")
			t.Errorf("totp set --profile %s stored a seed for no device", profile)
		}
		oneLineErr(t, r, "profile "+profile+": ", "aws login session of profile "+lw.me, "no MFA device")
	}
}

// doctor on a profile whose MFA device is a FIDO security key points to aws login.
func TestDoctorPointsFIDOUsersToAWSLogin(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	fido := "arn:aws:iam::123456789012:u2f/user/alice/key-ABC"
	w.sts.SetDevices(w.user.AccessKeyID, localsts.Device{Serial: fido})
	w.writeConfig()
	if err := os.WriteFile(w.configPath(), []byte(strings.Replace(mustRead(t, w.configPath()), w.serial, fido, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	w.addKeys()
	doc := w.run(nil, nil, binary, "doctor", "--profile", w.profile)
	if doc.code != 1 || !strings.Contains(doc.stdout, "FIDO security key") || !strings.Contains(doc.stdout, "`aws login`") ||
		!strings.Contains(doc.stdout, "Passkeys and security keys") {
		t.Fatalf("doctor on a FIDO device: exit %d\n%s", doc.code, doc.stdout)
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
