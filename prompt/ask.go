package prompt

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"golang.org/x/term"
)

func askOn(in io.Reader, out io.Writer, fd int, question string, secret bool) (string, error) {
	fmt.Fprint(out, question)
	if secret {
		b, err := term.ReadPassword(fd)
		fmt.Fprintln(out)
		if err != nil {
			return "", fmt.Errorf("read from terminal: %w", err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	s, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && s == "" {
		return "", fmt.Errorf("read from terminal: %w", err)
	}
	return strings.TrimSpace(s), nil
}
