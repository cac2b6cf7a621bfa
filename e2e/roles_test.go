//go:build unix

package e2e

import (
	"bufio"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/keyring"
	"github.com/mfacred/mfacred/localsts"
)

const (
	adminRole    = "arn:aws:iam::222222222222:role/Admin"
	readOnlyRole = "arn:aws:iam::333333333333:role/ReadOnly"
)

// roleWorld is a world whose user may assume two roles that require MFA, with profiles
// NAME (the user), NAME-ro (the user again), NAME-prod and NAME-stage (the roles).
func roleWorld(t *testing.T, extra ...string) *world {
	w := newWorld(t)
	w.sts.AddRole(localsts.Role{ARN: adminRole, RequireMFA: true, MaxSessionDuration: 4 * 3600})
	w.sts.AddRole(localsts.Role{ARN: readOnlyRole, RequireMFA: true})
	profile := func(suffix string, lines ...string) string {
		name := w.profile + suffix
		return fmt.Sprintf("\n[profile %s]\ncredential_process = %s process --profile %s\nregion = us-east-1\nmfacred_source_profile = %s\n%s",
			name, binary, name, w.profile, strings.Join(lines, "\n"))
	}
	lines := append([]string{w.mfaProcess(),
		profile("-ro"),
		profile("-prod", "mfacred_role_arn = "+adminRole),
		profile("-stage", "mfacred_role_arn = "+readOnlyRole),
	}, extra...)
	w.writeConfig(lines...)
	w.addKeys()
	return w
}

// stsCalls is how many calls of each action mfacred made to STS (an SDK retry of one call is
// the same call: localsts.Server.Calls).
func (w *world) stsCalls() string {
	return fmt.Sprintf("GetSessionToken=%d AssumeRole=%d", w.sts.Calls("GetSessionToken"), w.sts.Calls("AssumeRole"))
}

func (w *world) wantCalls(when, want string) {
	w.t.Helper()
	if got := w.stsCalls(); got != want {
		w.t.Fatalf("%s: %s, want %s; the local STS's requests:\n%s", when, got, want, w.sts.Log())
	}
}

// Two role profiles and two user profiles on one user and device: one code in total; each
// role assumed once with the MFA session (its trust policy requires MFA and passes); the AWS
// CLI and boto3 see the assumed-role ARN, named after the IAM user; later calls reach STS
// only for the caller's own GetCallerIdentity.
func TestRolesShareOneMFASession(t *testing.T) {
	t.Parallel()
	aws := awsCLIv2(t)
	w := roleWorld(t)
	prod, stage := w.profile+"-prod", w.profile+"-stage"
	identity := func(profile string) string {
		t.Helper()
		out := w.mustRun(aws, "sts", "get-caller-identity", "--profile", profile, "--endpoint-url", w.sts.URL, "--query", "Arn", "--output", "text")
		return strings.TrimSpace(out)
	}

	assumed := time.Now() // prod's role credentials live an hour from about now
	if got, want := identity(prod), "arn:aws:sts::222222222222:assumed-role/Admin/alice"; got != want {
		t.Fatalf("prod is %s, want %s", got, want)
	}
	w.wantCalls("cold prod", "GetSessionToken=1 AssumeRole=1")
	// The source session is cached now: the second role costs one AssumeRole and no code.
	if got, want := identity(stage), "arn:aws:sts::333333333333:assumed-role/ReadOnly/alice"; got != want {
		t.Fatalf("stage is %s, want %s", got, want)
	}
	w.wantCalls("stage", "GetSessionToken=1 AssumeRole=2")
	for _, p := range []string{w.profile, w.profile + "-ro"} {
		if got := identity(p); got != w.user.ARN() {
			t.Fatalf("%s is %s, want %s", p, got, w.user.ARN())
		}
	}
	w.wantCalls("user profiles", "GetSessionToken=1 AssumeRole=2")

	// Warm: no STS call of mfacred's own. The CLI's GetCallerIdentity is the only one.
	before := w.sts.Count("GetCallerIdentity")
	for _, p := range []string{prod, stage, prod} {
		identity(p)
	}
	w.wantCalls("warm", "GetSessionToken=1 AssumeRole=2")
	if n := w.sts.Count("GetCallerIdentity") - before; n != 3 {
		t.Fatalf("3 warm CLI calls made %d GetCallerIdentity, want 3 (none by mfacred)", n)
	}
	if names := w.sts.SessionNames(); len(names) != 2 || names[0] != "alice" || names[1] != "alice" {
		t.Fatalf("role session names %v, want the IAM user's name", names)
	}

	needPython(t)
	out := w.mustRun(python, "-c", fmt.Sprintf(`
import boto3
print(boto3.Session(profile_name=%q).client("sts", endpoint_url=%q).get_caller_identity()["Arn"])`, prod, w.sts.URL))
	if strings.TrimSpace(out) != "arn:aws:sts::222222222222:assumed-role/Admin/alice" {
		t.Fatalf("boto3 sees %q", out)
	}
	w.wantCalls("boto3", "GetSessionToken=1 AssumeRole=2")

	// status: the roles under their source session, never a secret.
	status := w.mustRun(binary, "status")
	lines := strings.Split(strings.TrimSpace(status), "\n")
	var mine []string
	for i, l := range lines {
		if strings.Contains(l, w.serial) {
			mine = lines[i : i+3]
		}
	}
	// The minutes left are the hour less what this test took since the role was assumed (more
	// than a minute on a loaded machine), give or take the minute status rounds to.
	prodLine, left, _ := strings.Cut(strings.Join(mine[1:2], ""), "\texpires in ")
	d, err := time.ParseDuration(strings.TrimSuffix(strings.Fields(left + " x")[0], ","))
	minutes := int(d.Minutes())
	most := 60 - int(time.Since(assumed).Minutes())
	if len(mine) != 3 || !strings.HasPrefix(mine[0], w.profile+","+w.profile+"-ro\t") ||
		prodLine != "  "+prod+"\trole "+adminRole+"\tas arn:aws:sts::222222222222:assumed-role/Admin/alice" ||
		err != nil || minutes > most || minutes < most-2 ||
		!strings.HasPrefix(mine[2], "  "+stage+"\trole "+readOnlyRole) {
		t.Fatalf("status does not list the roles under their session, prod's with %d to %d minutes left:\n%s", most-2, most, status)
	}
	for _, s := range w.sts.Secrets() {
		if strings.Contains(status, s) {
			t.Fatal("status printed a secret")
		}
	}

	// The largest real item: role credentials (AWS's role session tokens pass 1 KB). It must fit
	// the strictest backend (Windows, 2560 bytes), or be split (cache: TestLargestItemPerBackendLimit).
	item, err := keyring.OS{}.Get(t.Context(), cache.Service, string(cache.RoleKey(w.profile, w.serial, adminRole, "", "", false)))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("role credentials item: %d bytes (session item: see bench)", len(item))
	if len(item) < 1000 {
		t.Fatalf("role item of %d bytes: the test STS hands out tokens shorter than AWS's", len(item))
	}

	// doctor tries the role with the cached session, spending no code.
	r := w.run(nil, nil, binary, "doctor", "--profile", prod)
	if r.code != 0 || !strings.Contains(r.stdout, "ok       role: "+adminRole+" can be assumed with the MFA session (as arn:aws:sts::222222222222:assumed-role/Admin/mfacred-doctor)") {
		t.Fatalf("doctor on prod: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	w.writeConfig(w.mfaProcess(), fmt.Sprintf("\n[profile %s]\ncredential_process = %s process --profile %s\nmfacred_source_profile = %s\nmfacred_role_arn = arn:aws:iam::444444444444:role/NotTrusted\n", prod, binary, prod, w.profile))
	r = w.run(nil, nil, binary, "doctor", "--profile", prod)
	if r.code != 1 || !strings.Contains(r.stdout, "problem  role: profile "+prod+": AWS refused to let you assume role arn:aws:iam::444444444444:role/NotTrusted with the MFA session of profile "+w.profile) {
		t.Fatalf("doctor on an untrusted role: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if n := w.sts.Count("GetSessionToken"); n != 1 {
		t.Fatalf("doctor spent a code: %d GetSessionToken", n)
	}
}

// A role duration over AWS's one-hour chaining cap is explained before any STS call, and
// nothing is cached; mfacred_role_direct assumes from the long-term keys with a code of its
// own and may go up to the role's MaxSessionDuration.
func TestRoleDurationOverOneHour(t *testing.T) {
	t.Parallel()
	aws := awsCLIv2(t)
	w := roleWorld(t)
	long, direct := w.profile+"-long", w.profile+"-direct"
	w.writeConfig(w.mfaProcess(),
		fmt.Sprintf("\n[profile %s]\ncredential_process = %s process --profile %s\nmfacred_source_profile = %s\nmfacred_role_arn = %s\nmfacred_role_duration_seconds = 7200",
			long, binary, long, w.profile, adminRole),
		fmt.Sprintf("\n[profile %s]\ncredential_process = %s process --profile %s\nmfacred_source_profile = %s\nmfacred_role_arn = %s\nmfacred_role_duration_seconds = 7200\nmfacred_role_direct = true",
			direct, binary, direct, w.profile, adminRole))

	r := w.run(nil, nil, aws, "sts", "get-caller-identity", "--profile", long, "--endpoint-url", w.sts.URL)
	if r.err == nil {
		t.Fatalf("a 2 h chained role session was handed out: %s", r.stdout)
	}
	for _, want := range []string{"profile " + long, "role chaining, which AWS caps at 3600 seconds", "mfacred_role_direct = true"} {
		if !strings.Contains(r.stderr, want) {
			t.Fatalf("error does not say %q:\n%s", want, r.stderr)
		}
	}
	w.wantCalls("too long", "GetSessionToken=0 AssumeRole=0")
	if status := w.mustRun(binary, "status"); strings.Contains(status, w.serial) {
		t.Fatalf("something was cached:\n%s", status)
	}

	c := parseCreds(t, w.mustRun(binary, "process", "--profile", direct))
	exp, _ := time.Parse(time.RFC3339, c.Expiration)
	if left := time.Until(exp); left < 119*time.Minute || left > 2*time.Hour {
		t.Fatalf("direct role session lives %s, want 2 h", left)
	}
	if c.AccountId != "222222222222" {
		t.Fatalf("AccountId %q, want the role's", c.AccountId)
	}
	w.wantCalls("direct", "GetSessionToken=0 AssumeRole=1")
}

// exec runs a command with the role's credentials in its environment and no AWS_PROFILE;
// the exit code and signals are the command's own.
func TestExec(t *testing.T) {
	t.Parallel()
	aws := awsCLIv2(t)
	w := roleWorld(t)
	prod := w.profile + "-prod"
	profileEnv := []string{"AWS_PROFILE=" + prod}

	r := w.run(nil, profileEnv, binary, "exec", "--", aws, "sts", "get-caller-identity", "--endpoint-url", w.sts.URL, "--query", "Arn", "--output", "text")
	if r.err != nil || strings.TrimSpace(r.stdout) != "arn:aws:sts::222222222222:assumed-role/Admin/alice" {
		t.Fatalf("exec aws sts get-caller-identity: %v\n%s%s", r.err, r.stdout, r.stderr)
	}
	r = w.run(nil, nil, binary, "exec", "--profile", prod, "--", "sh", "-c",
		`echo "${AWS_PROFILE-unset} $AWS_REGION $MFACRED_PROFILE ${AWS_SESSION_TOKEN:+token} $AWS_CREDENTIAL_EXPIRATION"`)
	f := strings.Fields(r.stdout)
	if r.err != nil || len(f) != 5 || f[0] != "unset" || f[1] != "us-east-1" || f[2] != prod || f[3] != "token" {
		t.Fatalf("child environment: %v %q %s", r.err, r.stdout, r.stderr)
	}
	if _, err := time.Parse(time.RFC3339, f[4]); err != nil {
		t.Fatalf("AWS_CREDENTIAL_EXPIRATION %q: %v", f[4], err)
	}

	if r := w.run(nil, nil, binary, "exec", "--profile", prod, "--", "sh", "-c", "exit 7"); r.code != 7 {
		t.Fatalf("exit code %d, want 7 (%v %s)", r.code, r.err, r.stderr)
	}

	// A signal sent to mfacred reaches the command.
	cmd := exec.Command(binary, "exec", "--profile", prod, "--", "sh", "-c", `trap 'exit 42' TERM; echo ready; while :; do sleep 0.1; done`)
	cmd.Env = w.env
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || line != "ready\n" {
		t.Fatalf("child did not start: %q %v", line, err)
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	err := cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 42 {
		t.Fatalf("after SIGTERM: %v, exit %d, want 42 from the child's trap", err, code)
	}
	w.wantCalls("exec", "GetSessionToken=1 AssumeRole=1")
}

// doctor's probes cache nothing, on the local STS (doctor's own tests run on fakes of them):
// --spend-code sends the stored seed's code once, to a session nobody caches; the role is
// tried once with the MFA session process cached, and its credentials are not kept.
func TestDoctorProbesCacheNothing(t *testing.T) {
	t.Parallel() // --spend-code and process may each wait for the next code
	w := roleWorld(t)
	prod := w.profile + "-prod"
	seed := w.seed + "\n"
	if r := w.run(&seed, nil, binary, "totp", "set", "--profile", w.profile); r.err != nil {
		t.Fatalf("totp set: %v %s", r.err, r.stderr)
	}
	r := w.runNoTTY("doctor", "--profile", w.profile, "--spend-code")
	if r.code != 0 || !strings.Contains(r.stdout, "ok       seed: AWS accepted the code the stored seed makes") || !strings.Contains(r.stdout, "hint     session: none cached") {
		t.Fatalf("doctor --spend-code: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	w.wantCalls("doctor --spend-code", "GetSessionToken=1 AssumeRole=0")
	// the shared keyring holds other tests' items: this world's are looked up by name
	session, role := cache.SessionKey(w.profile, w.serial), cache.RoleKey(w.profile, w.serial, adminRole, "", "", false)
	if _, err := w.store().Session(t.Context(), session); !errors.Is(err, cache.ErrNotFound) {
		t.Fatalf("doctor cached the session it made to check the seed (%v)", err)
	}

	if r := w.run(nil, nil, binary, "process", "--profile", w.profile); r.err != nil {
		t.Fatalf("process: %v %s", r.err, r.stderr)
	}
	w.wantCalls("process", "GetSessionToken=2 AssumeRole=0")
	r = w.run(nil, nil, binary, "doctor", "--profile", prod)
	if r.code != 0 || !strings.Contains(r.stdout, "ok       role: "+adminRole+" can be assumed with the MFA session (as arn:aws:sts::222222222222:assumed-role/Admin/mfacred-doctor)") {
		t.Fatalf("doctor on prod: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	w.wantCalls("doctor on the role", "GetSessionToken=2 AssumeRole=1")
	if _, err := w.store().Session(t.Context(), role); !errors.Is(err, cache.ErrNotFound) {
		t.Fatalf("doctor cached the role credentials it tried (%v)", err)
	}
	if _, err := w.store().Session(t.Context(), session); err != nil {
		t.Fatalf("the MFA session process cached is gone: %v", err)
	}
}
