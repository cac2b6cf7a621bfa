//go:build !windows

package prompt

import (
	"context"
	"fmt"
	"io"
	"os"
)

// OpenTTY opens the controlling terminal. Without one (cron, an IDE, setsid) the open fails
// at once with ENXIO, which is ErrNoTerminal: never block waiting for a person who is not there.
func OpenTTY() (io.ReadWriteCloser, error) {
	f, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("%w (%v)", ErrNoTerminal, err)
	}
	return f, nil
}

func ask(ctx context.Context, question string, secret bool) (string, error) {
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return "", fmt.Errorf("%w (%v)", ErrNoTerminal, err)
	}
	defer tty.Close()
	return askOn(ctx, tty, tty, int(tty.Fd()), question, secret)
}
