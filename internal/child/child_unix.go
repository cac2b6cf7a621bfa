//go:build !windows

package child

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
)

// Exec replaces mfacred with the command: its exit code and the signals sent to it are then the
// command's own, with nothing in between. It returns only when the exec failed.
func Exec(path string, argv, env []string) (int, error) {
	if err := syscall.Exec(path, argv, env); err != nil {
		return 0, fmt.Errorf("run %s: %w", path, err)
	}
	return 0, nil // not reached
}

// forwardSignals are the signals Run passes on to its command.
var forwardSignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGUSR1, syscall.SIGUSR2}

// stopSignals end a process that runs code at exit (serve's token file) beside the Ctrl-C and
// SIGTERM that every command handles: a closed terminal or ssh session (SIGHUP), Ctrl-\.
var stopSignals = []os.Signal{syscall.SIGHUP, syscall.SIGQUIT}

func start(cmd *exec.Cmd) (func(), error) { return func() {}, cmd.Start() }

// terminalSent reports whether sig is a Ctrl-C or Ctrl-\ that the terminal delivered to its
// whole foreground process group, the command included: passing it on would deliver it twice.
func terminalSent(sig os.Signal) bool {
	if sig != syscall.SIGINT && sig != syscall.SIGQUIT {
		return false
	}
	return Terminal() == Foreground
}

// Terminal is where mfacred stands towards its controlling terminal: only in the foreground can
// it read the terminal without being stopped (SIGTTIN).
func Terminal() TerminalState {
	tty, err := os.Open("/dev/tty")
	if err != nil {
		return NoTerminal
	}
	defer tty.Close()
	fg, err := unix.IoctlGetInt(int(tty.Fd()), unix.TIOCGPGRP)
	if err == nil && fg == syscall.Getpgrp() {
		return Foreground
	}
	return Background
}

// IgnoreTerminalStops makes a read of the terminal from the background fail (EIO) instead of
// stopping mfacred, and with it a credentials server. Children started after this inherit it,
// so it is called once the command runs.
func IgnoreTerminalStops() {
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
