// Command mfacred-core is mfacred's full program: every command, and `process` when the
// credentials must be renewed. Users run `mfacred`, which answers a cached `process` itself and
// becomes this program for everything else. See README.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signalContext()
	defer stop()
	os.Exit(run(ctx, os.Args[1:], stdio{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}))
}

// signalContext ends at the first SIGINT or SIGTERM, with the signal as its cause, so that
// every wait ends and run exits with the shell's status for it (128 + signal number). After
// the first signal it stops listening: a second Ctrl-C, during clean-up, ends the process at
// once as the signal's default action does.
func signalContext() (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sigs
		signal.Stop(sigs)
		if s, ok := s.(syscall.Signal); ok {
			cancel(signalError{s})
		}
	}()
	return ctx, func() { signal.Stop(sigs); cancel(nil) }
}
