package prompt

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"

	"golang.org/x/term"
)

// askOn writes question and reads one line from the terminal in (whose descriptor is fd),
// without echo when secret. It returns when ctx ends too (Ctrl-C, SIGTERM), with the
// terminal's echo as it was; the read left behind ends when the terminal is closed or the
// process exits.
func askOn(ctx context.Context, in io.Reader, out io.Writer, fd int, question string, secret bool) (string, error) {
	fmt.Fprint(out, question)
	var state *term.State
	if secret {
		state, _ = term.GetState(fd)
	}
	type answer struct {
		s   string
		err error
	}
	got := make(chan answer, 1)
	go func() {
		if secret {
			b, err := term.ReadPassword(fd)
			got <- answer{string(b), err}
			return
		}
		s, err := bufio.NewReader(in).ReadString('\n')
		if err != nil && s != "" {
			err = nil
		}
		got <- answer{s, err}
	}()
	select {
	case a := <-got:
		if secret {
			fmt.Fprintln(out)
		}
		if a.err != nil {
			return "", fmt.Errorf("read from terminal: %w", a.err)
		}
		return strings.TrimSpace(a.s), nil
	case <-ctx.Done():
		if state != nil {
			_ = term.Restore(fd, state)
		}
		fmt.Fprintln(out)
		return "", fmt.Errorf("nothing typed: %w", ctx.Err())
	}
}
