//go:build windows

package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"

	"github.com/mfacred/mfacred/internal/winjob"
)

// execCore runs mfacred-core as a child (Windows has no exec) and exits with its code. The
// child runs in a job object that ends with this process: when mfacred is killed (the Go
// SDK's 60 s kill), mfacred-core and what it started end too.
func execCore(path string, argv []string) error {
	cmd := exec.Command(path, argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	signal.Ignore(os.Interrupt) // the console delivers Ctrl-C to the child as well
	job, err := winjob.Start(cmd, true)
	if err != nil {
		return fmt.Errorf("run %s: %w", path, err)
	}
	err = cmd.Wait()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		os.Exit(exit.ExitCode()) // exiting closes the job
	}
	if err != nil {
		job.Close()
		return fmt.Errorf("run %s: %w", path, err)
	}
	os.Exit(0)
	return nil
}
