//go:build windows

package prompt

import (
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/mfacred/mfacred/internal/capped"
	"github.com/mfacred/mfacred/internal/winjob"
)

// shellCommand runs command with cmd.exe, given the command line cmd.exe expects: exec would
// escape the command's double quotes as \", which cmd.exe does not understand.
func shellCommand(command string) (*exec.Cmd, error) {
	comspec := os.Getenv("ComSpec")
	if comspec == "" {
		comspec = `C:\Windows\System32\cmd.exe`
	}
	line, err := cmdLine(comspec, command)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(comspec)
	cmd.SysProcAttr = &syscall.SysProcAttr{CmdLine: line, HideWindow: true}
	return cmd, nil
}

// processGroup is the job object holding the command and whatever it starts.
type processGroup struct{ job *winjob.Job }

func startGroup(cmd *exec.Cmd) (processGroup, error) {
	job, err := winjob.Start(cmd, false)
	return processGroup{job}, err
}

func (g processGroup) kill() { _ = g.job.Terminate() }

// release closes the job without ending what still runs in it: the command succeeded.
func (g processGroup) release() { _ = g.job.Close() }

// collectRest waits a moment for the end of output: an anonymous pipe on Windows has no
// deadlines, so a process left holding it is not waited for longer than that. The reader is
// abandoned; its pipe closes when that process ends.
func collectRest(_ *os.File, read <-chan struct{}, _ *capped.Buffer) {
	select {
	case <-read:
	case <-time.After(200 * time.Millisecond):
	}
}
