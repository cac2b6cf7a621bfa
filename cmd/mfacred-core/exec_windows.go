//go:build windows

package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
)

// execve runs the command as a child (Windows has no exec), passing Ctrl-C on to it and its
// exit code back.
func execve(_ context.Context, path string, argv, env []string) error {
	cmd := exec.Command(path, argv[1:]...)
	cmd.Env, cmd.Stdin, cmd.Stdout, cmd.Stderr = env, os.Stdin, os.Stdout, os.Stderr
	// The console delivers Ctrl-C to the child as well; mfacred only has to outlive it.
	signal.Ignore(os.Interrupt)
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exitError(exit.ExitCode())
		}
		return fmt.Errorf("exec %s: %w", path, err)
	}
	return nil
}
