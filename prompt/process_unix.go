//go:build !windows

package prompt

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/mfacred/mfacred/internal/capped"
)

// shellCommand runs command with /bin/sh -c in a process group of its own.
func shellCommand(command string) (*exec.Cmd, error) {
	cmd := exec.Command("/bin/sh", "-c", command)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd, nil
}

// processGroup is the process group a started command leads.
type processGroup struct{ pgid int }

func startGroup(cmd *exec.Cmd) (processGroup, error) {
	if err := cmd.Start(); err != nil {
		return processGroup{}, err
	}
	return processGroup{cmd.Process.Pid}, nil
}

// kill ends every process of the group, including those the command left in the background.
func (g processGroup) kill() { _ = syscall.Kill(-g.pgid, syscall.SIGKILL) }

// release leaves the processes still running alone: the command succeeded.
func (processGroup) release() {}

// collectRest stops the reader once the pipe is empty: it stops the pending read with a
// deadline, then reads whatever is still buffered without waiting.
func collectRest(rd *os.File, read <-chan struct{}, out *capped.Buffer) {
	if err := rd.SetReadDeadline(time.Now()); err != nil {
		<-read // not pollable (never for a pipe from os.Pipe): wait for the end of output
		return
	}
	<-read
	if err := rd.SetReadDeadline(time.Time{}); err != nil {
		return
	}
	raw, err := rd.SyscallConn()
	if err != nil {
		return
	}
	buf := make([]byte, 512)
	_ = raw.Read(func(fd uintptr) bool {
		for {
			n, err := syscall.Read(int(fd), buf)
			if n > 0 {
				if _, _ = out.Write(buf[:n]); out.Over() {
					return true
				}
				continue
			}
			if errors.Is(err, syscall.EINTR) {
				continue
			}
			return true // empty (EAGAIN), at its end, or failed: never wait
		}
	})
}
