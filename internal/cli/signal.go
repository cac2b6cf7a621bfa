package cli

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// SignalError is the cause of a context ended by a signal (SignalContext).
type SignalError struct{ Sig syscall.Signal }

func (e SignalError) Error() string {
	if e.Sig == syscall.SIGTERM {
		return "stopped by SIGTERM"
	}
	return "stopped by Ctrl-C"
}

// SignalContext ends at the first SIGINT or SIGTERM, with the signal as its cause, so that
// every wait ends and the command exits with the shell's status for it (128 + signal number).
// After the first signal it stops listening: a second Ctrl-C, during clean-up, ends the
// process at once as the signal's default action does.
func SignalContext() (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sigs
		signal.Stop(sigs)
		if s, ok := s.(syscall.Signal); ok {
			cancel(SignalError{s})
		}
	}()
	return ctx, func() { signal.Stop(sigs); cancel(nil) }
}
