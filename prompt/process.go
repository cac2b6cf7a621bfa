package prompt

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// Process runs the profile's mfa_process command and reads a code from its output, as
// aws-vault does (`op item get ... --otp`, `ykman oath accounts code ...`).
type Process struct {
	Command string
	Timeout time.Duration // default 20 s: well inside the Go SDK's 60 s limit
}

// Name implements Source.
func (Process) Name() string { return "mfa_process" }

// Interactive implements Source.
func (Process) Interactive() bool { return false }

// Code implements Source.
func (p Process) Code(ctx context.Context, r Request) (string, error) {
	timeout := p.Timeout
	if timeout == 0 {
		timeout = 20 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var cmd *exec.Cmd
	if runtime.GOOS == "windows" {
		cmd = exec.CommandContext(ctx, "cmd.exe", "/C", p.Command)
	} else {
		cmd = exec.CommandContext(ctx, "/bin/sh", "-c", p.Command)
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	cmd.WaitDelay = time.Second
	cmd.Env = os.Environ()
	err := cmd.Run()
	what := fmt.Sprintf("profile %s: mfa_process (%s)", r.Profile, p.Command)
	switch {
	case ctx.Err() == context.DeadlineExceeded:
		return "", fmt.Errorf("%s gave no code within %s", what, timeout)
	case err != nil:
		msg := lastLine(errOut.String())
		var ee *exec.ExitError
		if errors.As(err, &ee) && msg != "" {
			return "", fmt.Errorf("%s failed: %v: %s", what, err, msg)
		}
		return "", fmt.Errorf("%s failed: %v", what, err)
	}
	code := strings.TrimSpace(out.String())
	if code == "" {
		return "", fmt.Errorf("%s printed nothing: want a 6-digit code for device %s", what, r.Device)
	}
	if err := CheckCode(code); err != nil {
		return "", fmt.Errorf("%s did not print a code for device %s: %v", what, r.Device, err)
	}
	return code, nil
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
