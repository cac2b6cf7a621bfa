package main

import (
	"errors"
	"os"
	"os/exec"
)

// forwardSignals are the signals `exec --server` catches: Ctrl-C reaches every process of the
// console, the command included, so mfacred only has to survive it.
var forwardSignals = []os.Signal{os.Interrupt}

// terminalSent reports whether the console delivered sig to the command already: always.
func terminalSent(os.Signal) bool { return true }

// exitStatus is the command's exit code.
func exitStatus(cmd *exec.Cmd, err error) (int, bool) {
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		return 0, false
	}
	return cmd.ProcessState.ExitCode(), true
}

// inForeground reports whether mfacred may ask on the console: a console has no background.
func inForeground() bool { return true }

// ignoreTerminalStops does nothing: a console stops no process that reads it.
func ignoreTerminalStops() {}
