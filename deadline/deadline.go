// Package deadline is the time budget of one `process` call. Every bound derives from the one
// limit that matters: the Go SDK (and so Terraform) kills a credential_process helper after
// 60 s (docs/aws-contract.md §2). A failure must reach the caller as mfacred's sentence, not as
// a kill, so the whole call ends a margin before it and each wait inside takes a share.
package deadline

import (
	"context"
	"time"
)

// SDKKill is when the strictest caller kills the helper.
const SDKKill = 60 * time.Second

// Process bounds a whole call: the kill less a margin for start-up, printing and exit.
const Process = SDKKill - 5*time.Second

// Keyring bounds one keyring operation, so that a hung Secret Service fails with a sentence.
const Keyring = 10 * time.Second

// Call bounds one STS operation, its retries included.
const Call = 20 * time.Second

// Check bounds each of doctor's calls to AWS: two fit in one STS call's share, so that an
// endpoint that does not answer is named and the other checks still run.
const Check = Call / 2

// FastPath bounds the fast binary's keyring read. A hit takes milliseconds; a keyring that
// has not answered by then is left to mfacred-core, which waits up to Keyring and says what is
// wrong, so a hung keyring costs FastPath + Keyring rather than twice Keyring.
const FastPath = time.Second

// LockWait bounds the wait for another process's refresh: the whole call, less one keyring
// operation to read what that process stored.
const LockWait = Process - Keyring

// DialogGrace is how long a dialog may outlive its own timer: its program is ended 2 s after
// that timer should have closed it, then given 1 s to exit (prompt/dialog.go).
const DialogGrace = 3 * time.Second

// Dialog bounds a person answering a desktop dialog: what the whole call leaves after the
// dialog's grace and the STS call that sends the code (32 s).
const Dialog = Process - Call - DialogGrace

// CodeProcess bounds an mfa_process command, which prints a code without asking anyone: one
// STS call's worth.
const CodeProcess = Call

// Left is what remains of ctx's deadline after keeping reserve for what must follow, capped
// at max; max when ctx has no deadline. It is never negative.
func Left(ctx context.Context, max, reserve time.Duration) time.Duration {
	d, ok := ctx.Deadline()
	if !ok {
		return max
	}
	left := time.Until(d) - reserve
	switch {
	case left < 0:
		return 0
	case left > max:
		return max
	}
	return left
}
