//go:build linux

package e2e

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mfacred/mfacred/keyring"
)

// outranking are variables that make an SDK's default chain pick credentials before the
// container provider (docs/container-chain.md): `exec --server` must not hand them to its command.
var outranking = []string{
	"AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_SESSION_NAME",
	"AWS_ACCESS_KEY", "AWS_SECRET_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
	"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
}

// boto3 run by `mfacred exec --server` in an environment set up for web identity (an EKS pod's
// AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE) and with keys of the other names the SDKs read
// gets its credentials from mfacred's server: none of those variables reaches it.
func TestExecServerChildGetsNoOutrankingVariables(t *testing.T) {
	t.Parallel()
	needPython(t)
	w := newWorld(t)
	w.writeConfig(w.mfaProcess())
	w.addKeys()
	webToken := filepath.Join(w.dir, "web-identity-token")
	if err := os.WriteFile(webToken, []byte("eyJhbGciOiJSUzI1NiJ9.e30.c2ln"), 0o600); err != nil {
		t.Fatal(err)
	}
	names := filepath.Join(w.dir, "env-names")
	testdata, _ := filepath.Abs("testdata")
	r := w.run(nil, []string{
		"AWS_ROLE_ARN=arn:aws:iam::123456789012:role/web", "AWS_WEB_IDENTITY_TOKEN_FILE=" + webToken, "AWS_ROLE_SESSION_NAME=pod",
		"AWS_ACCESS_KEY=AKIAOTHERNAME0000000", "AWS_SECRET_KEY=other/secret", "AWS_DEFAULT_PROFILE=nothere",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/v2/credentials/x",
		"NAMES=" + names, "PY=" + python, "CLIENT=" + filepath.Join(testdata, "boto3client.py"),
	}, binary, "exec", "--server", "--profile", w.profile, "--", "sh", "-c", `env | cut -d= -f1 > "$NAMES"; exec "$PY" "$CLIENT" 1`)
	var s clientSummary
	if r.err != nil || json.Unmarshal([]byte(r.stdout), &s) != nil || s.OK != 1 || s.Failed != 0 || s.ARN != w.user.ARN() {
		t.Fatalf("boto3 under exec --server: %v %s\nstderr: %s", r.err, r.stdout, r.stderr)
	}
	b, err := os.ReadFile(names)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range outranking {
		if strings.Contains("\n"+string(b), "\n"+v+"\n") {
			t.Errorf("the command's environment has %s", v)
		}
	}
}

// A serve ended by SIGHUP (a closed terminal, a dropped ssh session) exits 129 and removes its
// token file, so the same --token-file serves again. A token file left by a serve killed with
// SIGKILL is recognised: the error says no serve owns it and how to go on; one owned by a
// running serve says so.
func TestServeTokenFileAfterHangupAndKill(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.writeConfig(w.mfaProcess())
	w.addKeys()
	tokenFile := filepath.Join(w.dir, "token")
	var stdout, stderr output
	cmd := w.start(&stdout, &stderr, "serve", "--profile", w.profile, "--token-file", tokenFile)
	waitFile(t, tokenFile)
	cmd.Process.Signal(syscall.SIGHUP)
	if code := waitExit(t, cmd, signalBound); code != 129 {
		t.Fatalf("serve exited %d after SIGHUP, want 129\n%s", code, stderr.String())
	}
	if _, err := os.Lstat(tokenFile); !os.IsNotExist(err) {
		t.Fatalf("token file left behind after SIGHUP: %v", err)
	}

	var stdout2, stderr2 output
	live := w.start(&stdout2, &stderr2, "serve", "--profile", w.profile, "--token-file", tokenFile)
	waitFile(t, tokenFile)
	r := w.run(nil, nil, binary, "serve", "--profile", w.profile, "--token-file", tokenFile)
	if r.code == 0 || !strings.Contains(r.stderr, tokenFile) || !strings.Contains(r.stderr, "in use by a running mfacred serve") {
		t.Errorf("serve on a live server's token file: exit %d, stderr %q", r.code, r.stderr)
	}
	live.Process.Signal(syscall.SIGKILL)
	waitExit(t, live, signalBound)
	if _, err := os.Lstat(tokenFile); err != nil {
		t.Fatalf("SIGKILL cannot run code, yet the token file is gone: %v", err)
	}
	before := w.sts.Count("GetSessionToken")
	r = w.run(nil, nil, binary, "serve", "--profile", w.profile, "--token-file", tokenFile)
	if r.code == 0 || !strings.Contains(r.stderr, tokenFile) || !strings.Contains(r.stderr, "no running mfacred serve owns it") ||
		!strings.Contains(r.stderr, "remove it") || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Errorf("serve on a killed server's token file: exit %d, stderr %q", r.code, r.stderr)
	}
	if n := w.sts.Count("GetSessionToken") - before; n != 0 {
		t.Errorf("%d GetSessionToken before refusing the token file", n)
	}
}

// serve checks its token file's folder and its listen address before it gets credentials
// (no code is spent on a server that cannot start), and refuses a token file named as a
// folder (`dir/`) instead of making a file named dir.
func TestServeChecksTokenFileAndListenFirst(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.writeConfig(w.mfaProcess())
	w.addKeys()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	missing := filepath.Join(w.dir, "no-such-folder", "token")
	slash := filepath.Join(w.dir, "newdir") + "/"
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"missing folder", []string{"--token-file", missing}, filepath.Dir(missing)},
		{"folder name", []string{"--token-file", slash}, "names a folder"},
		{"busy address", []string{"--token-file", filepath.Join(w.dir, "token"), "--listen", busy.Addr().String()}, "listen on " + busy.Addr().String()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := w.run(nil, nil, binary, append([]string{"serve", "--profile", w.profile}, tc.args...)...)
			if r.code == 0 || !strings.Contains(r.stderr, tc.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
				t.Errorf("exit %d, stderr %q, want one line with %q", r.code, r.stderr, tc.want)
			}
			if n := w.sts.Count("GetSessionToken"); n != 0 {
				t.Errorf("%d GetSessionToken before the refusal, want none", n)
			}
		})
	}
	if _, err := os.Lstat(strings.TrimSuffix(slash, "/")); !os.IsNotExist(err) {
		t.Errorf("--token-file %s made %v", slash, err)
	}
	if _, err := os.Lstat(filepath.Join(w.dir, "token")); !os.IsNotExist(err) {
		t.Errorf("the token file of the refused serve is there: %v", err)
	}
}

// `exec --server` with no terminal at all (no controlling terminal, no desktop, no seed, no
// mfa_process) whose renewal needs a code says there is no terminal, not that the terminal
// belongs to the command.
func TestExecServerRenewalWithNoTerminalSaysSo(t *testing.T) {
	t.Parallel() // waits 40 s for renewals
	w := newWorld(t)
	w.writeConfig(w.mfaProcess())
	w.addKeys()
	// Served as it is at first, renewed 20 minutes before it expires: 30 s later.
	w.sts.SetSessionLifetime(20*time.Minute + 30*time.Second)
	w.mustRun(binary, "process", "--profile", w.profile) // a session, its code from mfa_process
	w.writeConfig()                                      // and from now on no way to a code
	r := w.run(nil, []string{"DISPLAY=", "WAYLAND_DISPLAY="}, binary, "exec", "--server", "--profile", w.profile, "--", "sh", "-c", "sleep 40")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "renew credentials:") || strings.Contains(r.stderr, "belongs to") || !strings.Contains(r.stderr, "no terminal") {
		t.Fatalf("want the renewals to say there is no terminal:\n%s", r.stderr)
	}
}

// A demo killed with SIGKILL cannot clean up: the next demo removes the folder, lock folder and
// keyring items of every demo that no longer runs.
func TestDemoRemovesWhatAKilledDemoLeft(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	tmp := filepath.Join(w.dir, "tmp")
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	pidFile := filepath.Join(w.dir, "demo.pid")
	tm := startTmux(t, w, "export TMPDIR="+tmp+"\necho $$ > "+pidFile+"\nexec "+binary+" demo")
	tm.waitFor("MFA code for profile demo", 30*time.Second)
	all, _ := exec.Command("tmux", "-L", tm.socket, "capture-pane", "-p", "-J", "-S", "-").Output() // with the lines scrolled off
	m := regexp.MustCompile(`Files go to (\S+), keyring items under the service (mfacred-demo-[0-9a-f]+);`).FindStringSubmatch(string(all))
	if m == nil {
		t.Fatalf("no folder and namespace on the screen:\n%s", all)
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		t.Fatalf("pid %q: %v", b, err)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// Killed is dead: a zombie its parent (tmux) has not reaped yet, on a busy machine, runs
	// no more.
	for end := time.Now().Add(signalBound); !processEnded(pid); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(end) {
			stat, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
			t.Fatalf("demo %d still runs after SIGKILL: %s", pid, stat)
		}
	}
	_ = exec.Command("tmux", "-L", tm.socket, "kill-server").Run() // the demo's orphaned prompt goes with it
	lockDir := filepath.Join(w.dir, "home", ".cache", m[2])
	ctx := t.Context()
	if items, err := (keyring.OS{}).List(ctx, m[2]); err != nil || len(items) == 0 {
		t.Fatalf("the killed demo left no keyring items to clean (%v %v): the test shows nothing", items, err)
	}
	if _, err := os.Stat(m[1]); err != nil {
		t.Fatalf("the killed demo left no folder: %v", err)
	}
	r := w.run(nil, []string{"TMPDIR=" + tmp, "PATH=" + filepath.Dir(binary)}, binary, "demo", "--auto")
	if r.err != nil {
		t.Fatalf("the next demo: %v\n%s%s", r.err, r.stdout, r.stderr)
	}
	if _, err := os.Stat(m[1]); !os.IsNotExist(err) {
		t.Errorf("the killed demo's folder %s is still there (%v)", m[1], err)
	}
	if _, err := os.Stat(lockDir); !os.IsNotExist(err) {
		t.Errorf("the killed demo's lock folder %s is still there (%v)", lockDir, err)
	}
	if items, err := (keyring.OS{}).List(ctx, m[2]); err != nil || len(items) != 0 {
		t.Errorf("keyring items of the killed demo %s: %v %v", m[2], items, err)
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, "mfacred-demo-*")); len(left) != 0 {
		t.Errorf("demo folders left: %v", left)
	}
}
