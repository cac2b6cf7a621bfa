package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
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

// goClient builds internal/sdkclient.
func goClient(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(root, "bin-sdkclient", "sdkclient")
	if out, err := exec.Command("go", "build", "-o", bin, "../internal/sdkclient").CombinedOutput(); err != nil {
		t.Fatalf("build sdkclient: %v\n%s", err, out)
	}
	return bin
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
// more than three minutes, read a role's credentials from `mfacred exec --server` while STS
// issues role credentials that live one minute: zero failed calls, every client sees at least
// three different credentials (two renewals), one code in all, a wrong or missing token
// refused; the command's exit status is mfacred's, and the port is closed afterwards.
func TestServerRenewsForFourClients(t *testing.T) {
	t.Parallel() // beside TestServerRenewsSessionAheadAndSaysWhyOnce: the suite waits once
	awsCLIv2(t)
	needPython(t)
	js := jsClient(t)
	goBin := goClient(t)
	w := roleWorld(t)
	w.sts.SetRoleLifetime(time.Minute)
	out := filepath.Join(w.dir, "out")
	if err := os.MkdirAll(out, 0o700); err != nil {
		t.Fatal(err)
	}
	const secs = 190
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
			minOK = 6 // two AWS CLI processes per call; slow when the machine is busy
		}
		switch {
		case s.Failed != 0:
			t.Errorf("%s: %d of %d calls failed:\n%s", name, s.Failed, s.Failed+s.OK, errs)
		case s.OK < minOK:
			t.Errorf("%s: only %d calls in %d s", name, s.OK, secs)
		case s.Keys < 3:
			t.Errorf("%s: saw %d different credentials in %d s of one-minute credentials, want >= 3", name, s.Keys, secs)
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
	// One AssumeRole to start, then one per renewal: every 30 s, never per fetch.
	if n := w.sts.Count("AssumeRole"); n < 4 || n > 2*secs/30+2 {
		t.Errorf("%d AssumeRole calls in %d s, want one every 30 s", n, secs)
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

// The MFA session itself, living 90 s, is renewed by the server in the background with a new
// code from mfa_process while the old one still serves: boto3 sees no failure and new
// credentials. Once mfa_process can give no code, the session runs out: boto3's fetch fails with
// an error that names the reason, and mfacred's stderr says it once.
func TestServerRenewsSessionAheadAndSaysWhyOnce(t *testing.T) {
	t.Parallel()
	needPython(t)
	w := newWorld(t)
	w.mfaProcess() // needs oathtool
	w.writeConfig(`mfa_process = test -e "$MFACRED_TEST_GATE" && oathtool --totp -b "$MFACRED_TEST_SEED"`)
	w.addKeys()
	w.sts.SetSessionLifetime(90 * time.Second)
	out := filepath.Join(w.dir, "out")
	if err := os.MkdirAll(out, 0o700); err != nil {
		t.Fatal(err)
	}
	gate := filepath.Join(out, "gate")
	if err := os.WriteFile(gate, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	script := `"$PYTHON" testdata/boto3client.py 120 > "$OUT/before.json" 2> "$OUT/before.err"
rm "$MFACRED_TEST_GATE"
"$PYTHON" testdata/boto3client.py 110 > "$OUT/after.json" 2> "$OUT/after.err"`
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
			script := `printf %s "$AWS_CONTAINER_CREDENTIALS_FULL_URI" > "$0/url"; ` + tc.script + `; while :; do sleep 0.1; done`
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
	needPython(t)
	w := newWorld(t)
	w.writeConfig(w.mfaProcess())
	w.addKeys()

	r := w.run(nil, nil, binary, "serve", "--profile", w.profile)
	if r.code == 0 || !strings.Contains(r.stderr, "--token-file") {
		t.Fatalf("serve without --token-file: exit %d, stderr %q", r.code, r.stderr)
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
	// The SDKs take plain http only from loopback: hand boto3 the 127.0.0.1 address.
	served, err := url.Parse(strings.TrimPrefix(vars[0], "AWS_CONTAINER_CREDENTIALS_FULL_URI="))
	if err != nil {
		t.Fatal(err)
	}
	port := served.Port()
	uri := "http://127.0.0.1:" + port + "/credentials"
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
	w := newWorld(t)
	w.writeConfig(w.mfaProcess(), "[default]\ncredential_process = /bin/false")
	r := w.run(nil, nil, binary, "exec", "--server", "--profile", w.profile, "--", "true")
	if r.code == 0 || !strings.Contains(r.stderr, "profile default") || !strings.Contains(r.stderr, "credential_process") {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
}
