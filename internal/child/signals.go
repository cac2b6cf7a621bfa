package child

import (
	"context"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
)

// TerminalState is where mfacred stands towards its controlling terminal.
type TerminalState int

const (
	// NoTerminal: mfacred has no controlling terminal at all.
	NoTerminal TerminalState = iota
	// Background: a terminal, whose foreground belongs to another process group.
	Background
	// Foreground: mfacred's process group owns the terminal's foreground.
	Foreground
)

// UntilStopped is ctx, also ended by the signals that end a process which has cleanup to do
// besides Ctrl-C and SIGTERM (SIGHUP from a closed terminal or ssh session, Ctrl-\). status is
// then 128+N for signal N, as a shell reports it, else 0. stop releases the signals.
func UntilStopped(ctx context.Context) (_ context.Context, status func() int, stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var got atomic.Int32
	sigs := make(chan os.Signal, 1)
	if len(stopSignals) > 0 {
		signal.Notify(sigs, stopSignals...)
	}
	go func() {
		select {
		case sig := <-sigs:
			if s, ok := sig.(syscall.Signal); ok {
				got.Store(128 + int32(s))
			}
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, func() int { return int(got.Load()) }, func() { signal.Stop(sigs); cancel() }
}
