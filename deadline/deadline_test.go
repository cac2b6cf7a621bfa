package deadline

import (
	"context"
	"errors"
	"testing"
	"time"
)

// The shares that are set as values, not derived from the others (LockWait, Dialog, Check and
// Process are derived, so they fit by definition): a person has at least 30 s to answer a
// dialog, an mfa_process command and the STS call its code is sent with fit the call, and the
// fast path gives up on the keyring before the core's own keyring bound would.
func TestBudgetFitsTheKill(t *testing.T) {
	for _, tc := range []struct {
		what string
		ok   bool
	}{
		{"a person has 30 s for a dialog", Dialog >= 30*time.Second},
		{"mfa_process and the STS call fit the call", CodeProcess+Call < Process},
		{"the fast path's keyring read is shorter than the core's", FastPath < Keyring},
	} {
		if !tc.ok {
			t.Errorf("%s: process %s, dialog %s, mfa_process %s, call %s, fast path %s, keyring %s", tc.what, Process, Dialog, CodeProcess, Call, FastPath, Keyring)
		}
	}
}

func TestLeft(t *testing.T) {
	if got := Left(context.Background(), time.Hour, Keyring); got != time.Hour {
		t.Fatalf("no deadline: %s, want the cap", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), Process)
	defer cancel()
	if got := Left(ctx, time.Hour, Keyring); got > Process-Keyring || got < Process-Keyring-time.Second {
		t.Fatalf("fresh call: %s, want about %s", got, Process-Keyring)
	}
	if got := Left(ctx, 5*time.Second, Keyring); got != 5*time.Second {
		t.Fatalf("capped: %s", got)
	}
	short, cancel2 := context.WithTimeout(context.Background(), time.Second)
	defer cancel2()
	if got := Left(short, time.Hour, Keyring); got != 0 {
		t.Fatalf("spent: %s", got)
	}
}

// Sleep waits its time, and ends at once when ctx ends, with ctx's error.
func TestSleep(t *testing.T) {
	start := time.Now()
	if err := Sleep(context.Background(), 20*time.Millisecond); err != nil || time.Since(start) < 20*time.Millisecond {
		t.Fatalf("full wait: %v after %s", err, time.Since(start))
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	done := make(chan error, 1)
	go func() { done <- Sleep(ctx, time.Hour) }()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled wait: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a cancelled wait of an hour did not end")
	}
}

// Expired tells a wait's own deadline from the end of the call it is part of.
func TestExpired(t *testing.T) {
	parent, cancel := context.WithCancel(context.Background())
	sub, cancelSub := context.WithTimeout(parent, time.Nanosecond)
	defer cancelSub()
	<-sub.Done()
	if !Expired(parent, sub) {
		t.Fatal("the wait's own deadline passed: not seen")
	}
	cancel()
	if Expired(parent, sub) {
		t.Fatal("the call ended (Ctrl-C): taken for the wait's own deadline")
	}
	live, cancelLive := context.WithCancel(context.Background())
	defer cancelLive()
	if Expired(context.Background(), live) {
		t.Fatal("a live wait is expired")
	}
}
