//go:build !windows

package main

import (
	"errors"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
)

// forwardSignals are the signals `exec --server` passes on to its command.
var forwardSignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGUSR1, syscall.SIGUSR2}

// terminalSent reports whether sig is a Ctrl-C or Ctrl-\ that the terminal delivered to its
// whole foreground process group, the command included: passing it on would deliver it twice.
func terminalSent(sig os.Signal) bool {
	if sig != syscall.SIGINT && sig != syscall.SIGQUIT {
		return false
	}
	return inForeground()
}

// inForeground reports whether mfacred's process group is its terminal's foreground group:
// only then can it read the terminal without being stopped (SIGTTIN).
func inForeground() bool {
	tty, err := os.Open("/dev/tty")
	if err != nil {
		return false
	}
	defer tty.Close()
	fg, err := unix.IoctlGetInt(int(tty.Fd()), unix.TIOCGPGRP)
	return err == nil && fg == syscall.Getpgrp()
}

// ignoreTerminalStops makes a read of the terminal from the background fail (EIO) instead of
// stopping mfacred, and with it the credentials server. Children started after this inherit
// it, so it is called once the command runs.
func ignoreTerminalStops() {
	signal.Ignore(syscall.SIGTTIN, syscall.SIGTTOU)
}

// exitStatus is the command's exit status, 128+N when signal N ended it (as a shell reports it).
func exitStatus(cmd *exec.Cmd, err error) (int, bool) {
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		return 0, false
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal()), true
	}
	return cmd.ProcessState.ExitCode(), true
}
