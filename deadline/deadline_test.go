package deadline

import (
	"context"
	"testing"
	"time"
)

func TestBudgetFitsTheKill(t *testing.T) {
	if LockWait+Keyring > Process || Dialog+DialogGrace+Call > Process || Dialog < 30*time.Second || CodeProcess+Call >= Process || Process >= SDKKill {
		t.Fatalf("the shares exceed the budget (or leave a person too little time): process %s, lock %s, dialog %s + %s, mfa_process %s, call %s", Process, LockWait, Dialog, DialogGrace, CodeProcess, Call)
	}
}

func TestLeft(t *testing.T) {
	if got := Left(context.Background(), LockWait, Keyring); got != LockWait {
		t.Fatalf("no deadline: %s", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), Process)
	defer cancel()
	if got := Left(ctx, time.Hour, Keyring); got > LockWait || got < LockWait-time.Second {
		t.Fatalf("fresh call: %s, want about %s", got, LockWait)
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
