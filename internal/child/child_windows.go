//go:build windows

package child

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"

	"github.com/mfacred/mfacred/internal/winjob"
)

// Exec runs the command as a child (Windows has no exec) in a job object that ends with
// mfacred, passing Ctrl-C on to it (the console delivers it to both) and returning its exit
// code. When mfacred is killed (the Go SDK's 60 s kill, an IDE's stop button), the command and
// everything it started end too, instead of running on with the credentials.
func Exec(path string, argv, env []string) (int, error) {
	cmd := exec.Command(path, argv[1:]...)
	cmd.Env, cmd.Stdin, cmd.Stdout, cmd.Stderr = env, os.Stdin, os.Stdout, os.Stderr
	signal.Ignore(os.Interrupt)
	done, err := start(cmd)
	if err != nil {
		return 0, fmt.Errorf("run %s: %w", path, err)
	}
	defer done()
	err = cmd.Wait()
	if code, ok := exitStatus(cmd, err); ok {
		return code, nil
	}
	return 0, fmt.Errorf("run %s: %w", path, err)
}

// forwardSignals are the signals Run catches: Ctrl-C reaches every process of the console, the
// command included, so mfacred only has to survive it.
var forwardSignals = []os.Signal{os.Interrupt}

// stopSignals: a console sends nothing beyond the Ctrl-C every command handles.
var stopSignals []os.Signal

// start starts cmd in a job object that kills it when closed (by done, or by mfacred's exit).
func start(cmd *exec.Cmd) (func(), error) {
	job, err := winjob.Start(cmd, true)
	if err != nil {
		return nil, err
	}
	return func() { job.Close() }, nil
}

// terminalSent reports whether the console delivered sig to the command already: always.
func terminalSent(os.Signal) bool { return true }

// Terminal is Foreground: a console has no background, and stops no process that reads it.
func Terminal() TerminalState { return Foreground }

// IgnoreTerminalStops does nothing: a console stops no process that reads it.
func IgnoreTerminalStops() {}

// exitStatus is the command's exit code.
func exitStatus(cmd *exec.Cmd, err error) (int, bool) {
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		return 0, false
	}
	return cmd.ProcessState.ExitCode(), true
}
