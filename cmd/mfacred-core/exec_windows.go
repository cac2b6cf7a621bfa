//go:build windows

package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"

	"github.com/mfacred/mfacred/internal/winjob"
)

// execve runs the command as a child (Windows has no exec), passing Ctrl-C on to it and its
// exit code back. The child runs in a job object that ends with mfacred: when mfacred is
// killed (the Go SDK's 60 s kill, an IDE's stop button), the command and everything it
// started end too, instead of running on with the credentials.
func execve(_ context.Context, path string, argv, env []string) error {
	cmd := exec.Command(path, argv[1:]...)
	cmd.Env, cmd.Stdin, cmd.Stdout, cmd.Stderr = env, os.Stdin, os.Stdout, os.Stderr
	// The console delivers Ctrl-C to the child as well; mfacred only has to outlive it.
	signal.Ignore(os.Interrupt)
	job, err := winjob.Start(cmd, true)
	if err != nil {
		return fmt.Errorf("run %s: %w", path, err)
	}
	defer job.Close()
	if err := cmd.Wait(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exitError(exit.ExitCode())
		}
		return fmt.Errorf("run %s: %w", path, err)
	}
	return nil
}
