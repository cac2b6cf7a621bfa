//go:build linux

package prompt

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestProcess(t *testing.T) {
	ctx := context.Background()
	r := Request{Profile: "work", Device: "d"}
	for _, tc := range []struct{ cmd, want, err string }{
		{cmd: "echo ' 123456 '", want: "123456"},
		{cmd: "true", err: "profile work: mfa_process printed nothing: want a 6-digit code for device d"},
		{cmd: "echo 12345", err: "profile work: mfa_process did not print a code for device d: an MFA code is 6 digits, got 5 characters"},
		{cmd: "echo abcdef", err: "did not print a code for device d: an MFA code is 6 digits, got characters that are not digits"},
		{cmd: "echo hunter2-password | tr a-z A-Z", err: "got 16 characters"}, // never echoed
		{cmd: "echo HUNTER2 locked >&2; exit 3", err: "profile work: mfa_process failed with exit status 3 (its error output is not shown, as it may hold a secret: run the command in a terminal to see it)"},
		{cmd: "head -c 100000 /dev/zero | tr '\\0' 1", err: "profile work: mfa_process printed more than 4096 bytes: want a 6-digit code for device d"},
		{cmd: "echo 123456; head -c 5000 /dev/zero", err: "printed more than 4096 bytes"},
		{cmd: "sleep 60", err: "profile work: mfa_process gave no code within 200ms"},
	} {
		// A short timeout only where the time-out is the point: on a slow, shared machine a
		// command that answers may take longer than 200 ms to start.
		timeout := 30 * time.Second
		if strings.HasPrefix(tc.cmd, "sleep") {
			timeout = 200 * time.Millisecond
		}
		got, err := Process{Command: tc.cmd, Timeout: timeout}.Code(ctx, r)
		if tc.err != "" {
			// Neither the command line (it may hold a seed) nor its error output is repeated.
			if err == nil || !strings.Contains(err.Error(), tc.err) || strings.Contains(err.Error(), "HUNTER2") || strings.Contains(err.Error(), tc.cmd) {
				t.Errorf("%s: %q %v; want error %q", tc.cmd, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: %q %v", tc.cmd, got, err)
		}
	}
}

// A command that prints a code and exits 0 gives that code, even when a process it left in
// the background still holds its output.
func TestProcessBackgroundChild(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	t.Cleanup(func() { killPID(t, pidFile) })
	code, err := Process{Command: "(sleep 30 & echo $! >" + pidFile + "); echo 123456", Timeout: 20 * time.Second}.
		Code(context.Background(), Request{Profile: "work", Device: "d"})
	if err != nil || code != "123456" {
		t.Fatalf("%q %v, want 123456", code, err)
	}
	if !alive(t, readPID(t, pidFile)) {
		t.Fatal("the background process of a command that succeeded was ended")
	}
}

// On a time-out or Ctrl-C, every process the command started ends: no orphan keeps running.
// The background process writes its own pid before it becomes `sleep MARKER`, so the test
// knows it started, and which process must be gone.
func TestProcessEndsItsProcessGroup(t *testing.T) {
	for _, name := range []string{"time-out", "cancel"} {
		t.Run(name, func(t *testing.T) {
			// The background process is known by a unique argument, so that the test finds it
			// however far the shell got before the end.
			marker := fmt.Sprintf("30.%d%d", os.Getpid(), time.Now().UnixNano()%1e6)
			pidFile := filepath.Join(t.TempDir(), "background.pid")
			t.Cleanup(func() {
				pids, _ := running(marker)
				for _, pid := range pids {
					_ = syscall.Kill(pid, syscall.SIGKILL)
				}
			})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			timeout := 2 * time.Second
			if name == "cancel" {
				timeout = time.Minute
				go func() { // Ctrl-C once the background process runs (no t here: a goroutine)
					for pids, err := running(marker); len(pids) == 0 && err == nil; pids, err = running(marker) {
						time.Sleep(20 * time.Millisecond)
					}
					cancel()
				}()
			}
			command := fmt.Sprintf("(sh -c 'echo $$ > %s; exec sleep %s' &); sleep 30", pidFile, marker)
			_, err := Process{Command: command, Timeout: timeout}.Code(ctx, Request{Profile: "work", Device: "d"})
			if name == "cancel" && !errors.Is(err, context.Canceled) || name == "time-out" && (err == nil || !strings.Contains(err.Error(), "gave no code within 2s")) {
				t.Fatalf("err = %v", err)
			}
			background := readPID(t, pidFile) // fails unless the background process started
			// SIGKILL takes effect asynchronously: allow the kernel time, but not 30 s.
			for deadline := time.Now().Add(10 * time.Second); alive(t, background); time.Sleep(20 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("process %d, started in the background by mfa_process, survived", background)
				}
			}
			if pids, err := running(marker); err != nil || len(pids) > 0 {
				t.Fatalf("processes %v (%v), started in the background by mfa_process, survived", pids, err)
			}
		})
	}
}

// running lists the live processes (not zombies) running `sleep marker`. It takes no
// *testing.T: it is called from a goroutine.
func running(marker string) ([]int, error) {
	dirs, err := filepath.Glob("/proc/[0-9]*/cmdline")
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, f := range dirs {
		b, err := os.ReadFile(f)
		if err != nil || string(b) != "sleep\x00"+marker+"\x00" {
			continue
		}
		pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(f)))
		if live, err := isAlive(pid); err != nil {
			return nil, err
		} else if live {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

func readPID(t *testing.T, file string) int {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

func killPID(t *testing.T, file string) {
	if b, err := os.ReadFile(file); err == nil {
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// alive reports whether pid runs: it exists and is not a zombie waiting to be reaped.
func alive(t *testing.T, pid int) bool {
	t.Helper()
	live, err := isAlive(pid)
	if err != nil {
		t.Fatal(err)
	}
	return live
}

// isAlive is alive for callers without a *testing.T.
func isAlive(pid int) (bool, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	_, rest, _ := strings.Cut(string(b), ") ")
	return !strings.HasPrefix(rest, "Z") && !strings.HasPrefix(rest, "X"), nil
}
