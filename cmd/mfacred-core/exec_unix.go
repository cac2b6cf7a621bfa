//go:build !windows

package main

import (
	"context"
	"fmt"
	"syscall"
)

// execve replaces mfacred with the command: its exit code and the signals sent to it are
// then the command's own, with nothing in between.
func execve(_ context.Context, path string, argv, env []string) error {
	if err := syscall.Exec(path, argv, env); err != nil {
		return fmt.Errorf("exec %s: %w", path, err)
	}
	return nil // not reached
}
