// Package prompt gets MFA codes: from a stored TOTP seed, from the profile's mfa_process
// command, or from the person at the controlling terminal.
//
// Callers of a credential_process helper capture its stderr and may hold its stdin as a pipe
// that never closes (docs/aws-contract.md §2), so the terminal source talks to the terminal device
// itself and never to stdin or stderr.
package prompt

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// ErrNoTerminal is returned when there is no controlling terminal to ask on.
var ErrNoTerminal = errors.New("no terminal to ask for an MFA code")

// ErrCancelled is returned when the person cancelled the prompt: not asked again.
var ErrCancelled = errors.New("MFA code prompt cancelled")

// ErrTimedOut is returned when nobody answered a dialog in its time: not asked again.
var ErrTimedOut = errors.New("MFA code prompt timed out")

// Request says what a code is for.
type Request struct {
	Profile string
	Device  string
	// Retry, when not empty, says why an earlier code was not used ("AWS rejected that code").
	Retry string
}

// Source produces one MFA code.
type Source interface {
	Code(ctx context.Context, r Request) (string, error)
	// Interactive reports whether a person types the codes; only then is a rejected code
	// worth asking for again.
	Interactive() bool
	// Name says what the source is, for messages.
	Name() string
}

// CheckCode returns an error unless code is the 6 digits STS accepts (docs/aws-contract.md §4). The
// error never repeats what it got: a program asked for a code may print a password instead.
func CheckCode(code string) error {
	switch {
	case len(code) != 6:
		return fmt.Errorf("an MFA code is 6 digits, got %d characters", len(code))
	case strings.Trim(code, "0123456789") != "":
		return fmt.Errorf("an MFA code is 6 digits, got characters that are not digits")
	}
	return nil
}

// Ask asks a question on the controlling terminal and reads one line; with secret set the
// answer is not echoed. It gives up when ctx ends.
func Ask(ctx context.Context, question string, secret bool) (string, error) {
	return ask(ctx, question, secret)
}
