package prompt

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Terminal asks for codes on the controlling terminal.
type Terminal struct {
	// Open opens the terminal for reading and writing; OpenTTY in production.
	Open func() (io.ReadWriteCloser, error)
	// Fallback is asked when there is no terminal: a desktop dialog, or nil.
	Fallback Source
}

// Name implements Source.
func (Terminal) Name() string { return "terminal" }

// Interactive implements Source.
func (Terminal) Interactive() bool { return true }

// Code implements Source: it writes a prompt naming the profile and device and reads one line.
func (t Terminal) Code(ctx context.Context, r Request) (string, error) {
	open := t.Open
	if open == nil {
		open = OpenTTY
	}
	tty, err := open()
	if errors.Is(err, ErrNoTerminal) && t.Fallback != nil {
		return t.Fallback.Code(ctx, r)
	}
	if err != nil {
		return "", err
	}
	if r.Retry != "" {
		fmt.Fprintf(tty, "mfacred: %s\n", r.Retry)
	}
	fmt.Fprintf(tty, "mfacred: MFA code for profile %s (device %s): ", r.Profile, r.Device)
	got := make(chan line, 1)
	go func() { got <- readLine(tty) }()
	select {
	case l := <-got:
		tty.Close()
		if l.err != nil {
			return "", fmt.Errorf("read code from terminal: %w", l.err)
		}
		return strings.TrimSpace(l.s), nil
	case <-ctx.Done():
		fmt.Fprintln(tty)
		// Not closed here: closing a console under a pending read blocks on Windows.
		go tty.Close()
		return "", fmt.Errorf("no code typed: %w", ctx.Err())
	}
}

type line struct {
	s   string
	err error
}

// readLine reads one line; a last line without a line end counts.
func readLine(r io.Reader) line {
	s, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && s != "" {
		err = nil
	}
	return line{s, err}
}
