//go:build unix

package keyring

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/mfacred/mfacred/internal/capped"
)

// keychain drives the macOS keychain through the security command, as go-keyring does and
// with items in go-keyring's format (so items stored by earlier versions read the same), but:
//   - each run is bound to the call's context: on a timeout or Ctrl-C its whole process group
//     is killed, never left running;
//   - only its standard output is the value; its standard error (a warning, a prompt's
//     complaint) is used to tell "not found" apart, and never becomes part of a secret;
//   - a secret never appears in an argument list: it is written to `security -i` on stdin, in
//     one command of at most 4,096 bytes, security's limit for an interactive line.
//
// It is built on every Unix so that its tests run on Linux with a stand-in for security.
type keychain struct {
	program string // /usr/bin/security
}

// Prefixes go-keyring puts before a value it encoded; keychain writes base64 as it does.
const (
	keychainHexPrefix    = "go-keyring-encoded:"
	keychainBase64Prefix = "go-keyring-base64:"
)

// maxKeychainCommand is the longest line `security -i` reads.
const maxKeychainCommand = 4096

// errKeychainTooBig is returned for an item whose command would pass maxKeychainCommand.
var errKeychainTooBig = errors.New("item too large for the macOS keychain's security command (4,096 bytes)")

// keychainFindArgs are the arguments that print the secret of service and user on stdout.
func keychainFindArgs(service, user string) []string {
	return []string{"find-generic-password", "-s", service, "-a", user, "-w"}
}

// keychainDeleteArgs are the arguments that delete the item of service and user.
func keychainDeleteArgs(service, user string) []string {
	return []string{"delete-generic-password", "-s", service, "-a", user}
}

// keychainAddCommand is the line for `security -i` that stores secret under service and
// user, replacing an item that is there (-U). Names cannot hold a single quote: item names
// are escaped (cache.Key) and never have one.
func keychainAddCommand(service, user, secret string) (string, error) {
	if strings.ContainsAny(service+user, "'\n") {
		return "", fmt.Errorf("item name %q cannot be passed to the security command", user)
	}
	value := keychainBase64Prefix + base64.StdEncoding.EncodeToString([]byte(secret))
	line := fmt.Sprintf("add-generic-password -U -s '%s' -a '%s' -w '%s'\n", service, user, value)
	if len(line) > maxKeychainCommand {
		return "", errKeychainTooBig
	}
	return line, nil
}

// keychainValue decodes what find-generic-password -w printed on stdout.
func keychainValue(stdout []byte) (string, error) {
	v := strings.TrimSuffix(string(stdout), "\n")
	switch {
	case strings.HasPrefix(v, keychainBase64Prefix):
		b, err := base64.StdEncoding.DecodeString(v[len(keychainBase64Prefix):])
		if err != nil {
			return "", fmt.Errorf("decode keychain item: %w", err)
		}
		return string(b), nil
	case strings.HasPrefix(v, keychainHexPrefix):
		b, err := hex.DecodeString(v[len(keychainHexPrefix):])
		if err != nil {
			return "", fmt.Errorf("decode keychain item: %w", err)
		}
		return string(b), nil
	}
	return v, nil
}

// keychainErr turns a failed run into an error: ErrNotFound for a missing item (exit status
// 44, errSecItemNotFound, or security's sentence for it), else the first line of stderr,
// cut short. A secret, if given, is removed from it, as it is and as written for security.
func keychainErr(exit int, stderr []byte, secret string) error {
	msg := string(stderr)
	if exit == 44 || strings.Contains(msg, "could not be found") {
		return ErrNotFound
	}
	line, _, _ := strings.Cut(strings.TrimSpace(msg), "\n")
	if secret != "" {
		line = strings.ReplaceAll(line, base64.StdEncoding.EncodeToString([]byte(secret)), "…")
		line = strings.ReplaceAll(line, secret, "…")
	}
	if len(line) > 200 {
		line = line[:200] + "…"
	}
	if line == "" {
		return fmt.Errorf("security exited with status %d", exit)
	}
	return fmt.Errorf("security exited with status %d: %s", exit, line)
}

// run runs security with args and stdin, bound to ctx; it returns stdout, and an error made
// by keychainErr (secret kept out of it) if security failed.
func (k keychain) run(ctx context.Context, stdin, secret string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, k.program, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second
	cmd.Stdin = strings.NewReader(stdin)
	stdout, stderr := capped.New(64<<10), capped.New(4<<10)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	err := cmd.Run()
	if ctxErr := ctx.Err(); ctxErr != nil {
		return nil, fmt.Errorf("security: %w", context.Cause(ctx))
	}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return nil, keychainErr(exit.ExitCode(), stderr.Bytes(), secret)
	case err != nil:
		return nil, fmt.Errorf("run security: %w", err)
	case stdin != "" && stderr.Len() > 0:
		// `security -i` may exit 0 when a command it read failed: its complaint says so.
		return nil, keychainErr(0, stderr.Bytes(), secret)
	}
	return stdout.Bytes(), nil
}

func (k keychain) get(ctx context.Context, service, user string) (string, error) {
	out, err := k.run(ctx, "", "", keychainFindArgs(service, user)...)
	if err != nil {
		return "", err
	}
	return keychainValue(out)
}

func (k keychain) set(ctx context.Context, service, user, secret string) error {
	line, err := keychainAddCommand(service, user, secret)
	if err != nil {
		return err
	}
	_, err = k.run(ctx, line, secret, "-i")
	return err
}

func (k keychain) del(ctx context.Context, service, user string) error {
	_, err := k.run(ctx, "", "", keychainDeleteArgs(service, user)...)
	return err
}
