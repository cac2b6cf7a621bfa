//go:build linux

package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/mfacred/mfacred/localsts"
	"golang.org/x/sys/unix"
)

// signalBound is how long a process may take to end after a signal. The requirement is 1 s;
// the tests log what they measured, on a 2-core machine shared by parallel test runs: 0-140 ms,
// the top of it being tmux's screen polling. The 1 s beyond the requirement is room for such a
// machine's scheduling under load (not for slower code), far below every wait a signal
// interrupts (45 s for a lock, 20 s for STS, none for a prompt).
const signalBound = 2 * time.Second

// Ctrl-C at `add`'s prompts, and SIGTERM at its secret prompt, end add at once with the shell's
// status, echo restored, and the stored keys (and so their session) as they were.
func TestSignalEndsAddPrompts(t *testing.T) {
	// Serial: the time it checks against signalBound ends with a line on tmux's screen, so it
	// holds tmux's screen polling, the shell's next command and (for Ctrl-C) the start of
	// tmux's client besides mfacred's end; beside the parallel tests on 2 cores those alone
	// may take most of the bound. Run alone, it measures the product's time.
	w := newWorld(t)
	w.writeConfig(w.mfaProcess())
	w.addKeys()
	first := parseCreds(t, w.mustRun(binary, "process", "--profile", w.profile))
	pidFile := filepath.Join(w.dir, "add.pid")
	// The script survives the Ctrl-C (a trap with a handler; the child gets the default).
	tm := startTmux(t, w, fmt.Sprintf(`trap true INT`+"\n"+`sh -c 'echo $$ > %s; exec %s add %s'; echo EXIT=$?; stty -a | tr ' ' '\n' | grep -x -- '-*echo' | sed 's/^/ECHO=/'`+"\n"+
		`sh -c 'echo $$ > %s; exec %s add %s'; echo EXIT2=$?; stty -a | tr ' ' '\n' | grep -x -- '-*echo' | sed 's/^/ECHO2=/'`,
		pidFile, binary, w.profile, pidFile+"2", binary, w.profile))

	tm.waitFor("Access key ID for profile "+w.profile+":", 20*time.Second)
	start := time.Now()
	if out, err := exec.Command("tmux", "-L", tm.socket, "send-keys", "C-c").CombinedOutput(); err != nil {
		t.Fatalf("send-keys C-c: %v %s", err, out)
	}
	screen := tm.waitFor("ECHO=", signalBound)
	t.Logf("Ctrl-C at the key id prompt: ended within %s", time.Since(start).Round(10*time.Millisecond))
	if !strings.Contains(screen, "EXIT=130") || !strings.Contains(screen, "ECHO=echo") {
		t.Fatalf("Ctrl-C at add's first prompt: want exit 130 and echo on:\n%s", screen)
	}

	tm.waitFor("Access key ID for profile "+w.profile+":", 20*time.Second)
	tm.typeLine("AKIAEXAMPLE999999999")
	tm.waitFor("Secret access key:", 10*time.Second)
	pid := readPid(t, pidFile+"2")
	start = time.Now()
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	screen = tm.waitFor("ECHO2=", signalBound)
	t.Logf("SIGTERM at the secret prompt: ended within %s", time.Since(start).Round(10*time.Millisecond))
	if !strings.Contains(screen, "EXIT2=143") || !strings.Contains(screen, "ECHO2=echo") || !strings.Contains(screen, "stopped by SIGTERM") {
		t.Fatalf("SIGTERM at add's secret prompt: want exit 143, a sentence and echo back on:\n%s", screen)
	}
	if again := parseCreds(t, w.mustRun(binary, "process", "--profile", w.profile)); again.AccessKeyId != first.AccessKeyId || w.sts.Count("GetSessionToken") != 1 {
		t.Fatal("an interrupted add changed the stored keys")
	}
}

// waitUntil polls cond until it holds, and fails the test if it has not within 20 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 20 s", what)
		}
	}
}

// readingStdin reports whether a thread of process pid is blocked in read(2) on its stdin
// (Linux: /proc/PID/task/TID/syscall names the call and its first argument, the fd).
func readingStdin(pid int) bool {
	read := map[string]string{"amd64": "0", "arm64": "63", "386": "3"}[runtime.GOARCH]
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/syscall", pid))
	for _, p := range tasks {
		b, _ := os.ReadFile(p)
		if f := strings.Fields(string(b)); len(f) > 1 && f[0] == read && f[1] == "0x0" {
			return true
		}
	}
	return false
}

// hasOpen reports whether process pid has a file open whose path ends in suffix.
// watchOpens reports on the channel each time a file in dir whose name ends in suffix is
// opened (inotify IN_OPEN), until the test ends.
func watchOpens(t *testing.T, dir, suffix string) <-chan struct{} {
	t.Helper()
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := unix.InotifyAddWatch(fd, dir, unix.IN_OPEN); err != nil {
		unix.Close(fd)
		t.Fatalf("watch %s: %v", dir, err)
	}
	opened := make(chan struct{}, 1)
	go func() {
		buf := make([]byte, 64*1024)
		for {
			n, err := unix.Read(fd, buf)
			if err != nil || n <= 0 {
				return
			}
			for off := 0; off+unix.SizeofInotifyEvent <= n; {
				ev := (*unix.InotifyEvent)(unsafe.Pointer(&buf[off]))
				name := strings.TrimRight(string(buf[off+unix.SizeofInotifyEvent:off+unix.SizeofInotifyEvent+int(ev.Len)]), "\x00")
				if strings.HasSuffix(name, suffix) {
					select {
					case opened <- struct{}{}:
					default:
					}
				}
				off += unix.SizeofInotifyEvent + int(ev.Len)
			}
		}
	}()
	t.Cleanup(func() { unix.Close(fd) })
	return opened
}

func readPid(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var pid int
	if _, err := fmt.Sscan(string(b), &pid); err != nil {
		t.Fatalf("pid file %s: %v", path, err)
	}
	return pid
}

// `totp set` reading a stdin that never closes ends at Ctrl-C (SIGINT) or SIGTERM, storing
// nothing.
func TestSignalEndsTOTPSetOnOpenStdin(t *testing.T) {
	t.Parallel() // timed from the signal to the process's end (cmd.Wait), as signalBound allows on a loaded machine
	w := newWorld(t)
	w.writeConfig(w.mfaProcess())
	for _, tc := range []struct {
		sig  syscall.Signal
		code int
	}{{syscall.SIGINT, 130}, {syscall.SIGTERM, 143}} {
		cmd := exec.Command(binary, "totp", "set", "--profile", w.profile)
		cmd.Env = w.env
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		stdin, err := cmd.StdinPipe() // never closed until the end
		if err != nil {
			t.Fatal(err)
		}
		var errb strings.Builder
		cmd.Stderr = &errb
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		fmt.Fprint(stdin, w.seed[:8]) // part of a seed, then nothing
		// The signal is sent once mfacred-core waits in its read of stdin: sent earlier, it would
		// meet the fast binary before it has exec'd the core and handles signals.
		waitUntil(t, "totp set reads stdin", func() bool { return readingStdin(cmd.Process.Pid) })
		start := time.Now()
		_ = cmd.Process.Signal(tc.sig)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(signalBound):
			_ = cmd.Process.Kill()
			<-done
			stdin.Close()
			t.Fatalf("%s: totp set still reading stdin %s after the signal", tc.sig, signalBound)
		}
		stdin.Close()
		t.Logf("%s: ended within %s", tc.sig, time.Since(start).Round(10*time.Millisecond))
		if code := cmd.ProcessState.ExitCode(); code != tc.code || strings.Count(errb.String(), "\n") != 1 || !strings.Contains(errb.String(), "profile "+w.profile) {
			t.Fatalf("%s: exit %d, stderr %q; want %d and one line naming the profile", tc.sig, code, errb.String(), tc.code)
		}
	}
	r := w.run(nil, nil, binary, "totp", "remove", "--profile", w.profile)
	oneLineErr(t, r, "no seed stored for device "+w.serial)
}

// A process waiting for another's refresh (the device's lock, up to 45 s) ends within
// signalBound of SIGTERM or Ctrl-C, with one line naming the profile and device, and so does
// the holder waiting on a hung STS; the waiter spends no code.
func TestSignalEndsLockAndSTSWaits(t *testing.T) {
	t.Parallel() // timed from the signal to the process's end (cmd.Wait), as signalBound allows on a loaded machine
	w := newWorld(t)
	w.writeConfig(w.mfaProcess())
	w.addKeys()
	w.sts.Inject(localsts.Fault{Action: "GetSessionToken", Hang: 5 * time.Minute})
	start := func() (*exec.Cmd, *strings.Builder, chan error) {
		cmd := exec.Command(binary, "process", "--profile", w.profile)
		cmd.Env = w.env
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		var errb strings.Builder
		cmd.Stderr = &errb
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		return cmd, &errb, done
	}
	stop := func(what string, cmd *exec.Cmd, errb *strings.Builder, done chan error, sig syscall.Signal, code int, want ...string) {
		t.Helper()
		begin := time.Now()
		_ = cmd.Process.Signal(sig)
		select {
		case <-done:
		case <-time.After(signalBound):
			_ = cmd.Process.Kill()
			<-done
			t.Fatalf("%s: still running %s after %s", what, signalBound, sig)
		}
		t.Logf("%s: ended within %s of %s: %s", what, time.Since(begin).Round(10*time.Millisecond), sig, strings.TrimSpace(errb.String()))
		got := errb.String()
		if cmd.ProcessState.ExitCode() != code || strings.Count(got, "\n") != 1 {
			t.Fatalf("%s: exit %d, stderr %q; want %d and one line", what, cmd.ProcessState.ExitCode(), got, code)
		}
		for _, s := range want {
			if !strings.Contains(got, s) {
				t.Fatalf("%s: stderr %q does not say %q", what, got, s)
			}
		}
	}

	holder, holderErr, holderDone := start()
	for deadline := time.Now().Add(20 * time.Second); w.sts.Count("GetSessionToken") == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the first process never reached STS")
		}
	}
	// The signal is sent once the waiter has opened the device's lock file, trying for it: the
	// lock library opens the file at each try and closes it between tries, so the open is
	// seen as an inotify event, not by looking at the waiter's open files at some instant.
	opened := watchOpens(t, filepath.Join(w.dir, "home", ".cache", "mfacred"), ".lock")
	waiter, waiterErr, waiterDone := start()
	select {
	case <-opened:
	case <-time.After(20 * time.Second):
		t.Fatal("the second process waits for the lock: it opened no lock file within 20 s")
	}
	stop("waiting for the lock", waiter, waiterErr, waiterDone, syscall.SIGTERM, 143, "profile "+w.profile, "device "+w.serial, "SIGTERM")
	stop("waiting for STS", holder, holderErr, holderDone, syscall.SIGINT, 130, "profile "+w.profile, "Ctrl-C")
	if n := w.sts.Count("GetSessionToken"); n != 1 {
		t.Fatalf("%d GetSessionToken, want 1 (the holder's)", n)
	}
	w.sts.ClearFaults()
	parseCreds(t, w.mustRun(binary, "process", "--profile", w.profile))
}
