//go:build unix

package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mfacred/mfacred/localsts"
)

// loginWorld is a roleWorld whose federation endpoint is the local one beside its STS and
// whose browser opener (xdg-open) is a script that records its arguments and exits with
// $OPENER_EXIT.
func loginWorld(t *testing.T) (w *world, argsFile string) {
	w = roleWorld(t)
	bin := filepath.Join(w.dir, "opener-bin")
	argsFile = filepath.Join(w.dir, "opener-args")
	if err := os.MkdirAll(bin, 0o700); err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\nprintf '%s\\n' \"$@\" > \"$OPENER_ARGS.tmp\" && mv \"$OPENER_ARGS.tmp\" \"$OPENER_ARGS\"\nexit ${OPENER_EXIT:-0}\n"
	writeProgram(t, filepath.Join(bin, "xdg-open"), script)
	for i, kv := range w.env {
		if strings.HasPrefix(kv, "PATH=") {
			w.env[i] = "PATH=" + bin + ":" + strings.TrimPrefix(kv, "PATH=")
		}
	}
	w.env = append(w.env, "MFACRED_FEDERATION_ENDPOINT="+w.sts.URL+"/federation", "OPENER_ARGS="+argsFile)
	return w, argsFile
}

// noSecretIn fails if out holds any secret the STS or the federation endpoint handed out.
func (w *world) noSecretIn(what, out string) {
	w.t.Helper()
	for _, s := range w.sts.Secrets() {
		if len(s) >= 16 && strings.Contains(out, s) {
			w.t.Fatalf("%s holds a secret:\n%s", what, out)
		}
	}
}

// loginInBrowser runs `mfacred login ARGS` with no terminal, waits for the recording opener,
// fetches the link it got as a browser would (without following the redirect) and returns
// the sign-in URL it was redirected to, with mfacred's result.
func (w *world) loginInBrowser(argsFile string, args ...string) (*url.URL, result) {
	w.t.Helper()
	_ = os.Remove(argsFile)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, append([]string{"login"}, args...)...)
	cmd.Env = w.env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	var link []byte
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var err error
		if link, err = os.ReadFile(argsFile); err == nil {
			break
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			w.t.Fatalf("the opener was not run within 60 s\nstderr: %s", errb.String())
		}
	}
	args = strings.Split(strings.TrimSuffix(string(link), "\n"), "\n")
	if len(args) != 1 || !strings.HasPrefix(args[0], "http://127.0.0.1:") {
		w.t.Fatalf("opener arguments %q, want one loopback link", args)
	}
	w.noSecretIn("the opener's argv", string(link))
	c := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(args[0])
	if err != nil {
		w.t.Fatal(err)
	}
	resp.Body.Close()
	// The link is one-shot: fetched again it answers "used", not a refused connection.
	again, err := c.Get(args[0])
	if err != nil {
		w.t.Fatalf("a second fetch of the link: %v", err)
	}
	body, _ := io.ReadAll(again.Body)
	again.Body.Close()
	if again.StatusCode != http.StatusGone || !strings.Contains(string(body), "used already") {
		w.t.Fatalf("a second fetch of the link: %d %q, want 410 and the used page", again.StatusCode, body)
	}
	w.noSecretIn("the used page", string(body))
	err = cmd.Wait()
	r := result{stdout: out.String(), stderr: errb.String(), err: err, code: cmd.ProcessState.ExitCode()}
	if resp.StatusCode != http.StatusSeeOther {
		w.t.Fatalf("the local link answered %d, want 303\nstderr: %s", resp.StatusCode, r.stderr)
	}
	u, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		w.t.Fatal(err)
	}
	return u, r
}

// checkSigninURL checks the form of a sign-in URL and that its token is the last one the
// federation endpoint handed out, for the role's credentials.
func (w *world) checkSigninURL(u *url.URL, host, destination, assumedRole string) localsts.Signin {
	w.t.Helper()
	signins := w.sts.Signins()
	if len(signins) == 0 {
		w.t.Fatal("no sign-in token was asked for")
	}
	last := signins[len(signins)-1]
	q := u.Query()
	if u.Scheme != "https" || u.Host != host || u.Path != "/federation" || q.Get("Action") != "login" || q.Get("Issuer") != "mfacred" ||
		q.Get("Destination") != destination || q.Get("SigninToken") != last.Token || len(q) != 4 {
		w.t.Fatalf("sign-in URL %s://%s%s with %v\nwant host %s, Action=login, Issuer=mfacred, Destination=%s and the token handed out", u.Scheme, u.Host, u.Path, redact(q), host, destination)
	}
	if last.Role != assumedRole {
		w.t.Fatalf("the token was made from credentials of %s, want %s", last.Role, assumedRole)
	}
	return last
}

func redact(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = v
	}
	if out.Has("SigninToken") {
		out.Set("SigninToken", "(redacted)")
	}
	return out
}

const adminAssumed = "arn:aws:sts::222222222222:assumed-role/Admin/alice"

// `mfacred login` opens the console as the role with the MFA session's role credentials: one
// code, the browser opener gets a loopback link only, the sign-in URL has the partition's host
// and the profile's region, role-chained credentials send no SessionDuration, and nothing
// secret reaches stderr. --stdout prints the URL and runs no opener; the chaining cap and a
// profile without a role are explained before any call.
func TestLoginOpensConsoleAsRole(t *testing.T) {
	t.Parallel()
	w, argsFile := loginWorld(t)
	prod := w.profile + "-prod"
	w.sts.AddRole(localsts.Role{ARN: "arn:aws-us-gov:iam::444444444444:role/Gov", RequireMFA: true})
	w.appendConfig(fmt.Sprintf("\n[profile %s-gov]\nregion = us-gov-west-1\nmfacred_source_profile = %s\nmfacred_role_arn = arn:aws-us-gov:iam::444444444444:role/Gov\n", w.profile, w.profile))

	u, r := w.loginInBrowser(argsFile, "--profile", prod, "--destination", "s3")
	if r.code != 0 || r.stdout != "" || !strings.Contains(r.stderr, "opened the console in the browser") {
		t.Fatalf("login: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	w.noSecretIn("stderr", r.stderr)
	first := w.checkSigninURL(u, "signin.aws.amazon.com", "https://console.aws.amazon.com/s3/home?region=us-east-1", adminAssumed)
	if first.SessionDuration != 0 {
		t.Fatalf("SessionDuration %d sent with role-chained credentials", first.SessionDuration)
	}
	w.wantCalls("first login", "GetSessionToken=1 AssumeRole=1")

	// The cached role credentials again, printed: no code, no AssumeRole, no opener.
	_ = os.Remove(argsFile)
	r = w.run(nil, nil, binary, "login", "--profile", prod, "--stdout", "--destination", "/ec2/home#Instances")
	if r.code != 0 {
		t.Fatalf("login --stdout: exit %d: %s", r.code, r.stderr)
	}
	w.noSecretIn("stderr", r.stderr)
	printed, err := url.Parse(strings.TrimSpace(r.stdout))
	if err != nil || strings.Count(r.stdout, "\n") != 1 {
		t.Fatalf("stdout %q is not one URL", r.stdout)
	}
	w.checkSigninURL(printed, "signin.aws.amazon.com", "https://console.aws.amazon.com/ec2/home?region=us-east-1#Instances", adminAssumed)
	if _, err := os.Stat(argsFile); err == nil {
		t.Fatal("--stdout ran the browser opener")
	}
	w.wantCalls("login --stdout", "GetSessionToken=1 AssumeRole=1")

	// A role in aws-us-gov signs in at that partition's host.
	r = w.run(nil, []string{"AWS_REGION=us-gov-west-1"}, binary, "login", "--profile", w.profile+"-gov", "--stdout")
	if r.code != 0 {
		t.Fatalf("login in aws-us-gov: exit %d: %s", r.code, r.stderr)
	}
	gov, _ := url.Parse(strings.TrimSpace(r.stdout))
	w.checkSigninURL(gov, "signin.amazonaws-us-gov.com", "https://console.amazonaws-us-gov.com/console/home?region=us-gov-west-1", "arn:aws:sts::444444444444:assumed-role/Gov/alice")

	// More than the chaining cap: explained, before any call.
	before := len(w.sts.Signins())
	r = w.run(nil, nil, binary, "login", "--profile", prod, "--duration", "2h")
	for _, want := range []string{"profile " + prod, "role chaining", "one hour", "mfacred_role_direct = true"} {
		if r.code != 1 || !strings.Contains(r.stderr, want) {
			t.Fatalf("--duration 2h on a chained role: exit %d, stderr does not say %q:\n%s", r.code, want, r.stderr)
		}
	}
	// An hour asks for fresh role credentials (the cached ones have less left), still without
	// a code and without SessionDuration.
	r = w.run(nil, nil, binary, "login", "--profile", prod, "--duration", "1h", "--stdout")
	if r.code != 0 {
		t.Fatalf("--duration 1h: exit %d: %s", r.code, r.stderr)
	}
	hour, _ := url.Parse(strings.TrimSpace(r.stdout))
	if s := w.checkSigninURL(hour, "signin.aws.amazon.com", "https://console.aws.amazon.com/console/home?region=us-east-1", adminAssumed); s.SessionDuration != 0 {
		t.Fatalf("SessionDuration %d sent with role-chained credentials", s.SessionDuration)
	}
	w.wantCalls("--duration 1h", "GetSessionToken=1 AssumeRole=3")
	if n := len(w.sts.Signins()); n != before+1 {
		t.Fatalf("%d sign-in tokens asked for, want 1 (none for the refused 2h)", n-before)
	}

	// A profile without a role: why, and what to do, in one line; no call.
	r = w.run(nil, nil, binary, "login", "--profile", w.profile)
	if r.code != 1 || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Fatalf("login without a role: exit %d\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"profile " + w.profile + " has no mfacred_role_arn", "GetFederationToken", "cannot carry MFA", "sign in to the console as the IAM user", "mfacred_role_arn"} {
		if !strings.Contains(r.stderr, want) {
			t.Fatalf("the no-role error does not say %q:\n%s", want, r.stderr)
		}
	}
	w.wantCalls("no role", "GetSessionToken=1 AssumeRole=3")

	// An opener that fails is reported, with the way out.
	w.env = append(w.env, "OPENER_EXIT=3")
	r = w.run(nil, nil, binary, "login", "--profile", prod)
	if r.code != 1 || !strings.Contains(r.stderr, "browser opener failed: exit status 3") || !strings.Contains(r.stderr, "--stdout") {
		t.Fatalf("failing opener: exit %d\n%s", r.code, r.stderr)
	}
	w.noSecretIn("stderr", r.stderr)
}

// appendConfig adds text at the end of the config file.
func (w *world) appendConfig(text string) {
	w.t.Helper()
	f, err := os.OpenFile(w.configPath(), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		w.t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		w.t.Fatal(err)
	}
}

// A role assumed from the long-term keys (mfacred_role_direct) is not chained: --duration is
// sent as SessionDuration, up to 12 hours, whatever the credentials have left.
func TestLoginDirectRoleSessionDuration(t *testing.T) {
	t.Parallel()
	w, argsFile := loginWorld(t)
	direct := w.profile + "-direct"
	w.appendConfig(fmt.Sprintf("\n[profile %s]\nmfacred_source_profile = %s\nmfacred_role_arn = %s\nmfacred_role_direct = true\n", direct, w.profile, adminRole))

	u, r := w.loginInBrowser(argsFile, "--profile", direct, "--duration", "8h")
	if r.code != 0 {
		t.Fatalf("login: exit %d\n%s", r.code, r.stderr)
	}
	w.noSecretIn("stderr", r.stderr)
	if s := w.checkSigninURL(u, "signin.aws.amazon.com", "https://console.aws.amazon.com/console/home?region=us-east-1", adminAssumed); s.SessionDuration != 8*3600 {
		t.Fatalf("SessionDuration %d, want 28800", s.SessionDuration)
	}
	w.wantCalls("direct", "GetSessionToken=0 AssumeRole=1")

	r = w.run(nil, nil, binary, "login", "--profile", direct, "--stdout", "--duration", "43200")
	if r.code != 0 {
		t.Fatalf("login --duration 43200: exit %d\n%s", r.code, r.stderr)
	}
	printed, _ := url.Parse(strings.TrimSpace(r.stdout))
	if s := w.checkSigninURL(printed, "signin.aws.amazon.com", "https://console.aws.amazon.com/console/home?region=us-east-1", adminAssumed); s.SessionDuration != 43200 {
		t.Fatalf("SessionDuration %d, want 43200", s.SessionDuration)
	}
	w.wantCalls("cached direct", "GetSessionToken=0 AssumeRole=1")

	for _, bad := range []string{"13h", "10m", "1h30.5s", "soon"} {
		r = w.run(nil, nil, binary, "login", "--profile", direct, "--duration", bad)
		if r.code != 1 || !strings.Contains(r.stderr, "--duration") {
			t.Fatalf("--duration %s: exit %d\n%s", bad, r.code, r.stderr)
		}
	}
}
