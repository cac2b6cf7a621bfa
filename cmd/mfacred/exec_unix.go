//go:build !windows

package main

import (
	"fmt"
	"os"
	"syscall"
)

// execCore becomes mfacred-core, keeping stdio, environment, signals and exit code.
func execCore(path string, argv []string) error {
	if err := syscall.Exec(path, argv, os.Environ()); err != nil {
		return fmt.Errorf("run %s: %w", path, err)
	}
	return nil
}
