//go:build unix

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mfacred/mfacred/localsts"
)

// clientSummary is what every client in e2e/testdata, e2e/jsclient and internal/sdkclient prints.
type clientSummary struct {
	OK      int    `json:"ok"`
	Failed  int    `json:"failed"`
	Keys    int    `json:"keys"`
	ARN     string `json:"arn"`
	Refused *bool  `json:"refused"`
}

// jsClient is e2e/jsclient with its node_modules (test.sh runs `npm ci` there).
func jsClient(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("jsclient")
	if err == nil {
		_, err = exec.LookPath("node")
	}
	if err == nil {
		_, err = os.Stat(filepath.Join(dir, "node_modules", "@aws-sdk", "client-sts"))
	}
	need(t, "node and e2e/jsclient/node_modules (run `npm ci` in e2e/jsclient)", err)
	return dir
}

// goClientBuild is the build of internal/sdkclient (the AWS SDK for Go: long to compile on a
// fresh machine), which TestMain starts beside the first tests so that the test that needs it
// does not wait for it after them.
var goClientBuild struct {
	cancel context.CancelFunc
	done   chan struct{}
	bin    string
	err    error
}

// startGoClientBuild starts building internal/sdkclient; stopGoClientBuild ends the build if
// it still runs and waits for it.
func startGoClientBuild() {
	ctx, cancel := context.WithCancel(context.Background())
	b := &goClientBuild
	b.cancel, b.done, b.bin = cancel, make(chan struct{}), filepath.Join(root, "bin-sdkclient", "sdkclient")
	go func() {
		defer close(b.done)
		build := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", b.bin, "../internal/sdkclient")
		build.Env = shippedBuild()
		if out, err := build.CombinedOutput(); err != nil {
			b.err = fmt.Errorf("build sdkclient: %v\n%s", err, out)
		}
	}()
}

func stopGoClientBuild() {
	if b := &goClientBuild; b.done != nil {
		b.cancel()
		<-b.done
	}
}

// goClient is internal/sdkclient, built.
func goClient(t *testing.T) string {
	t.Helper()
	b := &goClientBuild
	if b.done == nil {
		t.Fatal("the build of internal/sdkclient was not started")
	}
	<-b.done
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.bin
}

// start starts mfacred in the world's environment with no controlling terminal.
// output collects what a running process writes; the test reads it while the process runs.
type output struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.Write(p)
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.String()
}

func (w *world) start(stdout, stderr *output, args ...string) *exec.Cmd {
	w.t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = w.env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { cmd.Process.Kill() })
	return cmd
}

// waitExit waits at most limit for cmd and returns its exit code.
func waitExit(t *testing.T, cmd *exec.Cmd, limit time.Duration) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
		return cmd.ProcessState.ExitCode()
	case <-time.After(limit):
		cmd.Process.Kill()
		<-done
		t.Fatalf("%s did not end within %s", strings.Join(cmd.Args, " "), limit)
		return -1
	}
}

// waitFile waits at most 60 s for a file to have content.
func waitFile(t *testing.T, path string) string {
	t.Helper()
	for end := time.Now().Add(60 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if b, err := os.ReadFile(path); err == nil && len(b) > 0 {
			return string(b)
		}
	}
	t.Fatalf("%s was not written within 60 s", path)
	return ""
}

// portClosed fails the test if anything still listens at the URL's address.
func portClosed(t *testing.T, rawURL string) {
	t.Helper()
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil || u.Host == "" {
		t.Fatalf("bad server URL %q: %v", rawURL, err)
	}
	if c, err := net.DialTimeout("tcp", u.Host, time.Second); err == nil {
		c.Close()
		t.Fatalf("%s still listens after mfacred ended", u.Host)
	}
}

// The AWS CLI v2, boto3, the Go SDK and the JS SDK v3 default chains, in parallel, each for
// 100 s, read a role's credentials from `mfacred exec --server` while STS issues role
// credentials that live 30 s (the server renews them halfway, hit.Server.RenewAt, so every
// 15 s): zero failed calls, every client sees at least three different credentials (two
// renewals), one code in all, a wrong or missing token refused; the command's exit status is
// mfacred's, and the port is closed afterwards.
func TestServerRenewsForFourClients(t *testing.T) {
	t.Parallel() // it waits on the clock: beside the other tests that do
	awsCLIv2(t)
	needPython(t)
	js := jsClient(t)
	goBin := goClient(t)
	w := roleWorld(t)
	const life = 30 * time.Second
	w.sts.SetRoleLifetime(life)
	out := filepath.Join(w.dir, "out")
	if err := os.MkdirAll(out, 0o700); err != nil {
		t.Fatal(err)
	}
	const secs = 100
	script := `set -u
printf %s "$AWS_CONTAINER_CREDENTIALS_FULL_URI" > "$OUT/url"
env > "$OUT/env-names.tmp"; cut -d= -f1 "$OUT/env-names.tmp" > "$OUT/env-names"; rm "$OUT/env-names.tmp"
"$GOCLIENT" -for ${SECS}s > "$OUT/go.json" 2> "$OUT/go.err" &
"$PYTHON" "$TESTDATA/boto3client.py" "$SECS" > "$OUT/boto3.json" 2> "$OUT/boto3.err" &
node "$JSCLIENT/client.mjs" "$SECS" > "$OUT/js.json" 2> "$OUT/js.err" &
"$PYTHON" "$TESTDATA/cliclient.py" "$SECS" > "$OUT/cli.json" 2> "$OUT/cli.err" &
wait
exit 7`
	testdata, _ := filepath.Abs("testdata")
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "exec", "--server", "--profile", w.profile+"-prod", "--", "sh", "-c", script)
	cmd.Env = append(append([]string{}, w.env...),
		"AWS_PROFILE="+w.profile+"-prod", // removed for the child: it must use the server
		"OUT="+out, "SECS="+fmt.Sprint(secs), "GOCLIENT="+goBin, "PYTHON="+python,
		"TESTDATA="+testdata, "JSCLIENT="+js)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if code := cmd.ProcessState.ExitCode(); code != 7 {
		t.Fatalf("mfacred exec --server exited %d (%v), want the command's 7\nstderr: %s", code, err, stderr.String())
	}

	for _, name := range []string{"go", "boto3", "js", "cli"} {
		b, _ := os.ReadFile(filepath.Join(out, name+".json"))
		errs, _ := os.ReadFile(filepath.Join(out, name+".err"))
		var s clientSummary
		if err := json.Unmarshal(b, &s); err != nil {
			t.Errorf("%s printed %q: %v\nstderr: %s", name, b, err, errs)
			continue
		}
		t.Logf("%s: %d calls, %d failed, %d different credentials", name, s.OK, s.Failed, s.Keys)
		minOK := secs / 3 // one call a second; the CLI starts two processes a call
		if name == "cli" {
			minOK = 3 // two AWS CLI processes per call; slow when the machine is busy
		}
		switch {
		case s.Failed != 0:
			t.Errorf("%s: %d of %d calls failed:\n%s", name, s.Failed, s.Failed+s.OK, errs)
		case s.OK < minOK:
			t.Errorf("%s: only %d calls in %d s", name, s.OK, secs)
		case s.Keys < 3:
			t.Errorf("%s: saw %d different credentials in %d s of credentials that live %s, want >= 3", name, s.Keys, secs, life)
		case s.ARN != "arn:aws:sts::222222222222:assumed-role/Admin/alice":
			t.Errorf("%s acted as %s", name, s.ARN)
		}
		if name == "cli" && (s.Refused == nil || !*s.Refused) {
			t.Errorf("the server did not refuse a wrong or missing token (to the AWS CLI, 403, 401)")
		}
	}
	if n := w.sts.Count("GetSessionToken"); n != 1 {
		t.Errorf("%d codes sent, want 1 (the first)", n)
	}
	// One AssumeRole to start, then one per renewal: every 15 s, never per fetch.
	renewEvery := int(life / 2 / time.Second)
	if n := w.sts.Count("AssumeRole"); n < 4 || n > 2*secs/renewEvery+2 {
		t.Errorf("%d AssumeRole calls in %d s, want one every %d s", n, secs, renewEvery)
	}
	names, _ := os.ReadFile(filepath.Join(out, "env-names"))
	for _, v := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"} {
		if strings.Contains("\n"+string(names), "\n"+v+"\n") {
			t.Errorf("the command's environment has %s", v)
		}
	}
	if strings.Contains(stderr.String(), "renew") {
		t.Errorf("mfacred reported a failed renewal:\n%s", stderr.String())
	}
	portClosed(t, waitFile(t, filepath.Join(out, "url")))
}

// The MFA session itself, living 60 s, is renewed by the server in the background (halfway,
// hit.Server.RenewAt: a new TOTP step each time) with a new code from mfa_process while the old
// one still serves: boto3 sees no failure and new credentials in 80 s. Once mfa_process can give
// no code, the session runs out: boto3's fetch fails with an error that names the reason, and
// mfacred's stderr says it once.
func TestServerRenewsSessionAheadAndSaysWhyOnce(t *testing.T) {
	t.Parallel() // it waits on the clock: beside the other tests that do
	needPython(t)
	w := newWorld(t)
	w.mfaProcess() // needs oathtool
	w.writeConfig(`mfa_process = test -e "$MFACRED_TEST_GATE" && oathtool --totp -b "$MFACRED_TEST_SEED"`)
	w.addKeys()
	w.sts.SetSessionLifetime(60 * time.Second)
	out := filepath.Join(w.dir, "out")
	if err := os.MkdirAll(out, 0o700); err != nil {
		t.Fatal(err)
	}
	gate := filepath.Join(out, "gate")
	if err := os.WriteFile(gate, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	// Renewed at about 30 and 60 s; after the gate goes at 80 s, the renewal at about 90 s fails
	// and the session ends at about 120 s, well inside the second run.
	script := `"$PYTHON" testdata/boto3client.py 80 > "$OUT/before.json" 2> "$OUT/before.err"
rm "$MFACRED_TEST_GATE"
"$PYTHON" testdata/boto3client.py 75 > "$OUT/after.json" 2> "$OUT/after.err"`
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "exec", "--server", "--profile", w.profile, "--", "sh", "-c", script)
	cmd.Env = append(append([]string{}, w.env...), "OUT="+out, "PYTHON="+python, "MFACRED_TEST_GATE="+gate)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("mfacred exec --server: %v\nstderr: %s", err, stderr.String())
	}
	read := func(name string) (clientSummary, string) {
		b, _ := os.ReadFile(filepath.Join(out, name+".json"))
		errs, _ := os.ReadFile(filepath.Join(out, name+".err"))
		var s clientSummary
		if err := json.Unmarshal(b, &s); err != nil {
			t.Fatalf("%s: boto3 printed %q: %v\n%s", name, b, err, errs)
		}
		return s, string(errs)
	}
	before, errs := read("before")
	t.Logf("with codes: %d calls, %d failed, %d different credentials; GetSessionToken %d", before.OK, before.Failed, before.Keys, w.sts.Count("GetSessionToken"))
	if before.Failed != 0 || before.Keys < 3 || before.ARN != w.user.ARN() {
		t.Fatalf("while codes could be had: %+v\n%s", before, errs)
	}
	after, errs := read("after")
	t.Logf("without codes: %d calls, %d failed", after.OK, after.Failed)
	if after.Failed == 0 || !strings.Contains(errs, "mfa_process") {
		t.Fatalf("after mfa_process stopped giving codes: %+v, boto3 said:\n%s", after, errs)
	}
	if n := strings.Count(stderr.String(), "renew credentials:"); n != 1 || !strings.Contains(stderr.String(), "mfa_process") {
		t.Fatalf("mfacred said why %d times, want once:\n%s", n, stderr.String())
	}
}

// mfacred exec --server forwards SIGTERM and SIGINT to the command and exits with its status
// (128+N when signal N killed it); the port closes with the command.
func TestExecServerSignalsAndStatus(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.writeConfig(w.mfaProcess())
	w.addKeys()
	for _, tc := range []struct {
		name   string
		script string
		signal syscall.Signal
		want   int
	}{
		{"SIGTERM forwarded", `trap 'exit 42' TERM`, syscall.SIGTERM, 42},
		{"SIGINT forwarded", `trap 'exit 43' INT`, syscall.SIGINT, 43},
		{"killed by a signal", `kill -KILL $$`, 0, 128 + 9},
		{"exit 0", `exit 0`, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			// The URL is written once the trap is set: the test signals as soon as it reads it
			// (written first, a SIGTERM could end the shell before its trap: 143, seen once).
			url := `printf %s "$AWS_CONTAINER_CREDENTIALS_FULL_URI" > "$0/url"; `
			script := url + tc.script + `; while :; do sleep 0.1; done`
			if tc.signal != 0 {
				script = tc.script + "; " + url + `while :; do sleep 0.1; done`
			}
			var stdout, stderr output
			cmd := w.start(&stdout, &stderr, "exec", "--server", "--profile", w.profile, "--", "sh", "-c", script, dir)
			u := waitFile(t, filepath.Join(dir, "url"))
			if tc.signal != 0 {
				cmd.Process.Signal(tc.signal)
			}
			if code := waitExit(t, cmd, 30*time.Second); code != tc.want {
				t.Fatalf("exit status %d, want %d\nstderr: %s", code, tc.want, stderr.String())
			}
			portClosed(t, u)
		})
	}
}

// `mfacred serve` prints the variables for a container, writes the token to a 0600 file, serves
// boto3 with AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, and on SIGINT ends, removing the file and
// closing the port. Without --token-file it refuses; a non-loopback address gets a warning.
func TestServeForContainers(t *testing.T) {
	t.Parallel()
	needPython(t)
	w := newWorld(t)
	w.writeConfig(w.mfaProcess())
	w.addKeys()

	r := w.run(nil, nil, binary, "serve", "--profile", w.profile)
	if r.code == 0 || !strings.Contains(r.stderr, "--token-file") {
		t.Fatalf("serve without --token-file: exit %d, stderr %q", r.code, r.stderr)
	}

	// An existing file, or a symlink to one, is never written through nor removed.
	mine := filepath.Join(w.dir, "mine")
	if err := os.WriteFile(mine, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(w.dir, "link")
	if err := os.Symlink(mine, link); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{mine, link} {
		r := w.run(nil, nil, binary, "serve", "--profile", w.profile, "--token-file", f)
		if r.code == 0 || !strings.Contains(r.stderr, f+" exists") || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Errorf("serve --token-file %s (existing): exit %d, stderr %q", f, r.code, r.stderr)
		}
	}
	if b, err := os.ReadFile(mine); err != nil || string(b) != "keep" {
		t.Fatalf("the existing file now holds %q (%v)", b, err)
	}

	tokenFile := filepath.Join(w.dir, "token")
	var stdout, stderr output
	cmd := w.start(&stdout, &stderr, "serve", "--profile", w.profile, "--token-file", tokenFile, "--listen", "0.0.0.0:0")
	waitFile(t, tokenFile)
	fi, err := os.Stat(tokenFile)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("token file: %v, mode %v", err, fi.Mode())
	}
	var vars []string
	for end := time.Now().Add(10 * time.Second); len(vars) < 4 && time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		vars = nil
		sc := bufio.NewScanner(strings.NewReader(stdout.String()))
		for sc.Scan() {
			vars = append(vars, sc.Text())
		}
	}
	want := []string{"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=" + tokenFile, "AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1"}
	if len(vars) != len(want) {
		t.Fatalf("serve printed %q, want %q", vars, want)
	}
	for i := range want {
		if !strings.HasPrefix(vars[i], want[i]) {
			t.Fatalf("serve printed %q, want %q", vars, want)
		}
	}
	if !strings.Contains(stderr.String(), "warning") {
		t.Errorf("no warning for 0.0.0.0:\n%s", stderr.String())
	}
	token, _ := os.ReadFile(tokenFile)
	if strings.Contains(stdout.String()+stderr.String(), string(token)) {
		t.Fatal("serve printed the token")
	}
	// Listening on 0.0.0.0, serve prints an address a client can use (the SDKs take plain
	// http only from loopback): boto3 gets it as printed.
	uri := strings.TrimPrefix(vars[0], "AWS_CONTAINER_CREDENTIALS_FULL_URI=")
	if !strings.HasPrefix(uri, "http://127.0.0.1:") {
		t.Errorf("serve --listen 0.0.0.0:0 printed %s, want a 127.0.0.1 address", uri)
	}
	py := exec.Command(python, "testdata/boto3client.py", "1")
	py.Env = append(append([]string{}, w.env...), "AWS_DEFAULT_REGION=us-east-1", "AWS_CONTAINER_CREDENTIALS_FULL_URI="+uri, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE="+tokenFile)
	var pyErr bytes.Buffer
	py.Stderr = &pyErr
	b, err := py.Output()
	var s clientSummary
	if err != nil || json.Unmarshal(b, &s) != nil || s.OK != 1 || s.ARN != w.user.ARN() {
		t.Fatalf("boto3 through serve: %v %s\n%s", err, b, pyErr.String())
	}

	cmd.Process.Signal(syscall.SIGINT)
	if code := waitExit(t, cmd, 5*time.Second); code != 0 {
		t.Fatalf("serve exited %d after SIGINT\n%s", code, stderr.String())
	}
	if _, err := os.Stat(tokenFile); !os.IsNotExist(err) {
		t.Errorf("token file left behind: %v", err)
	}
	portClosed(t, uri)
}

// A default profile with credentials of its own would win over the server in every SDK's
// chain: exec --server refuses, naming the setting.
func TestExecServerRefusesDefaultWithCredentials(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.writeConfig(w.mfaProcess(), "[default]\ncredential_process = /bin/false")
	r := w.run(nil, nil, binary, "exec", "--server", "--profile", w.profile, "--", "true")
	if r.code == 0 || !strings.Contains(r.stderr, "profile default") || !strings.Contains(r.stderr, "credential_process") {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
}

// An interactive shell under `mfacred exec --server` takes the terminal's foreground. The first
// credentials are asked for on the terminal before the shell starts; when the 30 s MFA session
// must be renewed (halfway) and there is no seed, mfa_process or desktop, mfacred must not read
// the terminal in the background (SIGTTIN would stop it, server included): fetches keep
// answering, 200 while the session lives and an error after, and mfacred says why once.
func TestExecServerShellKeepsTerminal(t *testing.T) {
	t.Parallel() // it waits on the clock
	needPython(t)
	w := newWorld(t)
	w.writeConfig()
	w.addKeys()
	w.sts.SetSessionLifetime(30 * time.Second)
	out := filepath.Join(w.dir, "out")
	if err := os.MkdirAll(out, 0o700); err != nil {
		t.Fatal(err)
	}
	// The shell's rc starts a fetcher in the background, one GET a second for 50 s; each line
	// is the status, or "timeout" when the server does not answer within 3 s.
	fetcher := `import os, sys, time, urllib.request, urllib.error
end = time.time() + 50
with open(sys.argv[1], "w") as out:
    while time.time() < end:
        req = urllib.request.Request(os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"], headers={"Authorization": os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]})
        try:
            status = urllib.request.urlopen(req, timeout=3).status
        except urllib.error.HTTPError as e:
            status = e.code
        except Exception:
            status = "timeout"
        print(status, file=out, flush=True)
        time.sleep(1)
    print("done", file=out, flush=True)
`
	if err := os.WriteFile(filepath.Join(out, "fetch.py"), []byte(fetcher), 0o600); err != nil {
		t.Fatal(err)
	}
	rc := fmt.Sprintf("PS1='shell$ '\n%q %q %q &\n", python, filepath.Join(out, "fetch.py"), filepath.Join(out, "codes"))
	if err := os.WriteFile(filepath.Join(out, "rc"), []byte(rc), 0o600); err != nil {
		t.Fatal(err)
	}
	// set -m: mfacred in a process group of its own, as a login shell starts it. (In the
	// script's group, orphaned under tmux, a background read fails instead of stopping.)
	tm := startTmux(t, w, fmt.Sprintf("set -m\nunset DISPLAY WAYLAND_DISPLAY\n%s exec --server --profile %s -- bash --rcfile %q -i\necho EXIT=$?", binary, w.profile, filepath.Join(out, "rc")))
	tm.waitFor(fmt.Sprintf("MFA code for profile %s (device %s):", w.profile, w.serial), 20*time.Second)
	tm.typeLine(localsts.Code(w.seed, time.Now()))
	tm.waitFor("shell$", 20*time.Second)

	codes := filepath.Join(out, "codes")
	var lines []string
	for end := time.Now().Add(3 * time.Minute); ; time.Sleep(time.Second) {
		b, _ := os.ReadFile(codes)
		lines = strings.Fields(string(b))
		if len(lines) > 0 && lines[len(lines)-1] == "done" {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("the fetcher did not finish; it saw %q\nscreen:\n%s", lines, tm.screen())
		}
	}
	lines = lines[:len(lines)-1]
	// 200 while the session lives, then the server's error: never a hang, never 200 again.
	first := len(lines)
	for i, l := range lines {
		if l != "200" {
			first = i
			break
		}
	}
	for _, l := range lines[first:] {
		if l != "503" {
			t.Fatalf("fetches answered %q, want 200s then 503s\nscreen:\n%s", lines, tm.screen())
		}
	}
	if first < 10 || first == len(lines) {
		t.Fatalf("fetches answered %q, want 200s while the session lived, then 503s", lines)
	}
	screen := tm.screen()
	if n := strings.Count(screen, "renew credentials:"); n != 1 || !strings.Contains(screen, "totp set") {
		t.Fatalf("mfacred said why %d times, want once, naming `mfacred totp set`:\n%s", n, screen)
	}
	if n := w.sts.Count("GetSessionToken"); n != 1 {
		t.Errorf("%d GetSessionToken, want 1 (the code typed before the shell started)", n)
	}
	tm.typeLine("exit")
	tm.waitFor("EXIT=0", 20*time.Second)
}

// A server and many `mfacred process` calls share one cache and one lock, so one session and
// one code: 20 parallel calls beside a running server send no code; once the session is
// forgotten, 20 calls spread across the server's next renewal (of role credentials that live
// a minute, which needs the session) send one code between them and the server. No call fails,
// and the server did renew: it serves other credentials after than before.
func TestServerAndProcessCallsShareOneSession(t *testing.T) {
	t.Parallel() // it waits on the clock
	w := roleWorld(t)
	w.sts.SetRoleLifetime(time.Minute)
	dir := t.TempDir()
	var stdout, stderr output
	started := time.Now()
	cmd := w.start(&stdout, &stderr, "exec", "--server", "--profile", w.profile+"-prod", "--",
		// The child runs until the test has checked the server (it makes "stop"), at most 2 min:
		// on a busy machine the steps below may take longer than the clock times they aim at.
		"sh", "-c", `printf %s "$AWS_CONTAINER_AUTHORIZATION_TOKEN" > "$0/token"; printf %s "$AWS_CONTAINER_CREDENTIALS_FULL_URI" > "$0/url"; i=0; while [ ! -e "$0/stop" ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i+1)); done`, dir)
	u := waitFile(t, filepath.Join(dir, "url"))
	token := waitFile(t, filepath.Join(dir, "token"))
	w.wantCalls("the server started", "GetSessionToken=1 AssumeRole=1")
	first := servedKey(t, u, token)

	calls := func(n int, gap time.Duration) {
		t.Helper()
		var wg sync.WaitGroup
		errs := make(chan string, n)
		for i := range n {
			profile := w.profile
			if i%2 == 1 {
				profile += "-prod"
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := w.run(nil, nil, binary, "process", "--profile", profile)
				if r.code != 0 || !strings.Contains(r.stdout, `"AccessKeyId"`) {
					errs <- fmt.Sprintf("process --profile %s: exit %d\n%s", profile, r.code, r.stderr)
				}
			}()
			time.Sleep(gap)
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Error(e)
		}
	}
	calls(20, 0)
	if n := w.sts.Count("GetSessionToken"); n != 1 {
		t.Fatalf("%d GetSessionToken after 20 process calls beside the server, want 1", n)
	}

	w.mustRun(binary, "clear", "--profile", w.profile)
	// The server renews the role credentials 30 s after it got them: the calls span that.
	time.Sleep(time.Until(started.Add(25 * time.Second)))
	calls(20, 500*time.Millisecond)
	time.Sleep(time.Until(started.Add(40 * time.Second)))
	t.Logf("after the renewal: %s", w.stsCalls())
	if servedKey(t, u, token) == first {
		t.Errorf("the server serves the credentials it started with, 40 s into their minute: it did not renew them")
	}
	if n := w.sts.Count("GetSessionToken"); n != 2 {
		t.Errorf("%d GetSessionToken, want 2: one to start, one for the session renewed after clear, shared by the server and 20 process calls", n)
	}
	if strings.Contains(stderr.String(), "renew") {
		t.Errorf("the server reported a failed renewal:\n%s", stderr.String())
	}
	if err := os.WriteFile(filepath.Join(dir, "stop"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if code := waitExit(t, cmd, 30*time.Second); code != 0 {
		t.Fatalf("exec --server exited %d\n%s", code, stderr.String())
	}
	portClosed(t, u)
}

// servedKey is the access key id the credentials server at u serves now.
func servedKey(t *testing.T, u, token string) string {
	t.Helper()
	req, err := http.NewRequest("GET", strings.TrimSpace(u), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", token)
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("fetch from the server: %v", err)
	}
	defer resp.Body.Close()
	var c struct{ AccessKeyId string }
	if err := json.NewDecoder(resp.Body).Decode(&c); err != nil || resp.StatusCode != http.StatusOK || c.AccessKeyId == "" {
		t.Fatalf("fetch from the server: status %d, %v", resp.StatusCode, err)
	}
	return c.AccessKeyId
}

// `mfacred serve` started in the background of a shell (a job, as `serve ... &`) must not read
// the terminal when its renewal needs a code (SIGTTIN would stop it): it keeps serving the
// credentials it has, and says once why it could not renew. The session, 20 minutes and 40 s
// long, comes from a `process` call with a typed code; the server picks it up from the cache
// and renews it 20 minutes before it expires (hit.RenewBefore + hit.ServerLead), 40 s
// later; the test fetches for 30 s after that.
func TestServeInBackgroundNeverReadsTerminal(t *testing.T) {
	t.Parallel() // it waits on the clock
	w := newWorld(t)
	w.writeConfig()
	w.addKeys()
	w.sts.SetSessionLifetime(20*time.Minute + 40*time.Second)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	tokenFile := filepath.Join(w.dir, "token")
	pidFile := filepath.Join(w.dir, "serve.pid")
	// The background job outlives the tmux session (no shell hangs it up): end it when done.
	t.Cleanup(func() {
		if b, err := os.ReadFile(pidFile); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 0 {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	})
	// set -m: the job gets a process group of its own, in the background, as in a login shell.
	tm := startTmux(t, w, fmt.Sprintf("set -m\nunset DISPLAY WAYLAND_DISPLAY\n%s process --profile %s > /dev/null && echo GOT-SESSION\n%s serve --profile %s --listen %s --token-file %q &\necho $! > %q",
		binary, w.profile, binary, w.profile, addr, tokenFile, pidFile))
	tm.waitFor(fmt.Sprintf("MFA code for profile %s (device %s):", w.profile, w.serial), 20*time.Second)
	tm.typeLine(localsts.Code(w.seed, time.Now()))
	tm.waitFor("GOT-SESSION", 20*time.Second)
	token := waitFile(t, tokenFile)
	client := &http.Client{Timeout: 3 * time.Second}
	for end := time.Now().Add(70 * time.Second); time.Now().Before(end); time.Sleep(time.Second) {
		req, _ := http.NewRequest("GET", "http://"+addr+"/credentials", nil)
		req.Header.Set("Authorization", token)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("fetch: %v\nscreen:\n%s", err, tm.screen())
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("fetch: status %d\nscreen:\n%s", resp.StatusCode, tm.screen())
		}
	}
	screen := tm.screen()
	if n := strings.Count(screen, "renew credentials:"); n != 1 || !strings.Contains(screen, "foreground") || !strings.Contains(screen, "totp set") {
		t.Fatalf("mfacred said why %d times, want once, naming the foreground and `mfacred totp set`:\n%s", n, screen)
	}
	if n := w.sts.Count("GetSessionToken"); n != 1 {
		t.Errorf("%d GetSessionToken, want 1", n)
	}
}
