//go:build unix

package keyring

import (
	"context"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fakeSecurity writes a shell script that stands in for /usr/bin/security.
func fakeSecurity(t *testing.T, script string) keychain {
	t.Helper()
	path := filepath.Join(t.TempDir(), "security")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+script), 0o700); err != nil {
		t.Fatal(err)
	}
	return keychain{program: path}
}

// Only stdout is the value: what security says on stderr stays out of it; a missing item is
// ErrNotFound; a secret goes on stdin, never in the arguments.
func TestKeychainRuns(t *testing.T) {
	value := base64.StdEncoding.EncodeToString([]byte("the secret"))
	k := fakeSecurity(t, `echo "security: warning: keychain is slow" >&2; echo "go-keyring-base64:`+value+`"`)
	if got, err := k.get(ctx, service, "session:work|d"); err != nil || got != "the secret" {
		t.Fatalf("get: %q %v", got, err)
	}
	k = fakeSecurity(t, `echo "security: SecKeychainSearchCopyNext: The specified item could not be found in the keychain." >&2; exit 44`)
	if _, err := k.get(ctx, service, "x"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing: %v", err)
	}
	if err := k.del(ctx, service, "x"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("delete missing: %v", err)
	}
	dir := t.TempDir()
	k = fakeSecurity(t, `echo "$@" > `+dir+`/args; cat > `+dir+`/stdin`)
	if err := k.set(ctx, service, "session:work|d", "the secret"); err != nil {
		t.Fatal(err)
	}
	args, _ := os.ReadFile(filepath.Join(dir, "args"))
	stdin, _ := os.ReadFile(filepath.Join(dir, "stdin"))
	if string(args) != "-i\n" || !strings.Contains(string(stdin), value) {
		t.Fatalf("args %q, stdin %q", args, stdin)
	}
	k = fakeSecurity(t, `cat >/dev/null; echo "security: SecKeychainItemCreateFromContent (<default>): User interaction is not allowed." >&2`)
	if err := k.set(ctx, service, "x", "v"); err == nil || !strings.Contains(err.Error(), "User interaction is not allowed") {
		t.Fatalf("a failed interactive command: %v", err)
	}
}

// A security that does not answer is killed with its whole process group when the call's
// context ends; the call returns at once.
func TestKeychainTimeoutKillsTheGroup(t *testing.T) {
	dir := t.TempDir()
	k := fakeSecurity(t, `sleep 60 & echo $! > `+dir+`/child; echo $$ > `+dir+`/pid; wait`)
	c, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := k.get(c, service, "x")
	if err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("returned after %s", took)
	}
	for _, f := range []string{"pid", "child"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		deadline := time.Now().Add(5 * time.Second)
		for running(pid) {
			if time.Now().After(deadline) {
				t.Fatalf("%s %d still runs", f, pid)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// running reports whether pid is a live process (a zombie no one has reaped yet is not).
func running(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true // no /proc (macOS): the signal test is all there is
	}
	_, after, _ := strings.Cut(string(stat), ") ")
	return !strings.HasPrefix(after, "Z")
}
