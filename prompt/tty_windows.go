package prompt

import (
	"context"
	"fmt"
	"io"
	"os"
)

type console struct{ in, out *os.File }

func (c console) Read(p []byte) (int, error)  { return c.in.Read(p) }
func (c console) Write(p []byte) (int, error) { return c.out.Write(p) }
func (c console) Close() error                { c.out.Close(); return c.in.Close() }

// OpenTTY opens the console (CONIN$ and CONOUT$).
func OpenTTY() (io.ReadWriteCloser, error) {
	in, err := os.OpenFile("CONIN$", os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("%w (%v)", ErrNoTerminal, err)
	}
	out, err := os.OpenFile("CONOUT$", os.O_RDWR, 0)
	if err != nil {
		in.Close()
		return nil, fmt.Errorf("%w (%v)", ErrNoTerminal, err)
	}
	return console{in, out}, nil
}

func ask(ctx context.Context, question string, secret bool) (string, error) {
	c, err := OpenTTY()
	if err != nil {
		return "", err
	}
	cc := c.(console)
	answer, err := askOn(ctx, cc.in, cc.out, int(cc.in.Fd()), question, secret)
	// Closing CONIN$ under a pending read blocks: when the read was abandoned, the handles are
	// left to the process's exit.
	if ctx.Err() == nil {
		c.Close()
	}
	return answer, err
}
