package prompt

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/mfacred/mfacred/deadline"
	"github.com/mfacred/mfacred/internal/capped"
)

// Process runs the profile's mfa_process command and reads a code from its output, as
// aws-vault does (`op item get ... --otp`, `ykman oath accounts code ...`).
//
// The command line may hold a seed and its error output a secret, so neither appears in an
// error. The command runs in a process group (a job object on Windows) of its own: on a
// time-out or Ctrl-C every process it started ends with it. When it exits 0 having printed a
// code, the code is taken at once, even if a process it left behind still holds its output.
type Process struct {
	Command string
	Timeout time.Duration // default deadline.CodeProcess
}

// maxProcessOutput caps what is read from mfa_process: a code is 6 digits and a line end.
const maxProcessOutput = 4 << 10

// Name implements Source.
func (Process) Name() string { return "mfa_process" }

// Interactive implements Source.
func (Process) Interactive() bool { return false }

// Code implements Source.
func (p Process) Code(ctx context.Context, r Request) (string, error) {
	timeout := p.Timeout
	if timeout == 0 {
		timeout = deadline.CodeProcess
	}
	what := "profile " + r.Profile + ": mfa_process"
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, errProcessTimeout)
	defer cancel()
	out, err := runProcess(ctx, p.Command)
	var exit *exec.ExitError
	switch {
	case context.Cause(ctx) == errProcessTimeout:
		return "", fmt.Errorf("%s gave no code within %s", what, timeout)
	case ctx.Err() != nil:
		return "", fmt.Errorf("%s: %w", what, context.Cause(ctx))
	case errors.As(err, &exit):
		return "", fmt.Errorf("%s failed with %v (its error output is not shown, as it may hold a secret: run the command in a terminal to see it)", what, exit.ProcessState)
	case errors.Is(err, errTooMuchOutput):
		return "", fmt.Errorf("%s printed more than %d bytes: want a 6-digit code for device %s", what, maxProcessOutput, r.Device)
	case err != nil:
		return "", fmt.Errorf("%s: %w", what, err)
	}
	code := strings.TrimSpace(out)
	if code == "" {
		return "", fmt.Errorf("%s printed nothing: want a 6-digit code for device %s", what, r.Device)
	}
	if err := CheckCode(code); err != nil {
		return "", fmt.Errorf("%s did not print a code for device %s: %v", what, r.Device, err)
	}
	return code, nil
}

var (
	errProcessTimeout = errors.New("mfa_process timed out")
	errTooMuchOutput  = errors.New("too much output")
)

// runProcess runs command with the platform's shell and returns what it printed. It returns
// when the shell exits (or ctx ends, which ends its whole process group), not when the last
// process holding its output lets go.
func runProcess(ctx context.Context, command string) (string, error) {
	cmd, err := shellCommand(command)
	if err != nil {
		return "", err
	}
	cmd.Env = os.Environ()
	// Stdout is a pipe of our own, not a buffer: exec would then wait for every holder of
	// the pipe to close it, which a process left in the background never does.
	rd, wr, err := os.Pipe()
	if err != nil {
		return "", fmt.Errorf("make pipe: %w", err)
	}
	defer rd.Close()
	cmd.Stdout = wr
	group, err := startGroup(cmd)
	wr.Close()
	if err != nil {
		return "", fmt.Errorf("start: %w", err)
	}
	defer group.release()
	out := capped.New(maxProcessOutput)
	read := make(chan struct{})
	go func() {
		_, _ = io.Copy(out, rd)
		close(read)
	}()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err = <-exited:
	case <-ctx.Done():
		group.kill()
		<-exited // the shell was killed: Wait returns at once
		return "", ctx.Err()
	}
	if err != nil {
		return "", err
	}
	// The shell has exited, so whatever it printed is in the pipe: collect it without
	// waiting for processes it left behind.
	collectRest(rd, read, out)
	if out.Over() {
		return "", errTooMuchOutput
	}
	return string(out.Bytes()), nil
}
