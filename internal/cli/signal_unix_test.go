//go:build unix

package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The first Ctrl-C ends the signal context with the signal as its cause (run turns it into
// status 130); a second Ctrl-C, while the program still cleans up, ends the process at once.
// The test runs itself as the program: it sends itself the two signals.
func TestSecondCtrlCEndsTheProcess(t *testing.T) {
	if os.Getenv("MFACRED_TEST_SIGNAL_CHILD") == "1" {
		ctx, stop := SignalContext()
		defer stop()
		_ = syscall.Kill(os.Getpid(), syscall.SIGINT)
		select {
		case <-ctx.Done():
		case <-time.After(10 * time.Second):
			fmt.Println("the first signal did not end the context")
			os.Exit(3)
		}
		var sig SignalError
		if !errors.As(context.Cause(ctx), &sig) || sig.Sig != syscall.SIGINT {
			fmt.Printf("cause %v, want the SIGINT\n", context.Cause(ctx))
			os.Exit(3)
		}
		fmt.Println("first: " + sig.Error())
		_ = syscall.Kill(os.Getpid(), syscall.SIGINT)
		time.Sleep(10 * time.Second) // a clean-up that would take long
		fmt.Println("the second signal was swallowed")
		os.Exit(4)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestSecondCtrlCEndsTheProcess$")
	cmd.Env = append(os.Environ(), "MFACRED_TEST_SIGNAL_CHILD=1")
	start := time.Now()
	out, err := cmd.Output()
	took := time.Since(start)
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("the program was not ended by a signal: %v\n%s", err, out)
	}
	ws, ok := exit.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGINT {
		t.Fatalf("want the program killed by the second SIGINT, got %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "first: stopped by Ctrl-C") {
		t.Fatalf("the first SIGINT was not the context's cause:\n%s", out)
	}
	t.Logf("ended by the second SIGINT after %s", took.Round(time.Millisecond))
}
