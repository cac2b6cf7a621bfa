package prompt

import (
	"context"
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/windows"
)

// console is the console's input and output. Its Close first cancels a pending read:
// closing CONIN$ under a read blocks until someone presses Enter.
type console struct{ in, out *os.File }

func (c console) Read(p []byte) (int, error)  { return c.in.Read(p) }
func (c console) Write(p []byte) (int, error) { return c.out.Write(p) }
func (c console) Close() error {
	_ = windows.CancelIoEx(windows.Handle(c.in.Fd()), nil)
	c.out.Close()
	return c.in.Close()
}

var getConsoleWindow = windows.NewLazySystemDLL("kernel32.dll").NewProc("GetConsoleWindow")

// OpenTTY opens the console (CONIN$ and CONOUT$), unless it has no window to show a prompt
// in (see consoleShown).
func OpenTTY() (io.ReadWriteCloser, error) {
	window, _, _ := getConsoleWindow.Call()
	if err := consoleShown(window); err != nil {
		return nil, err
	}
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
	if ctx.Err() != nil {
		// A read may still be pending: Close cancels it, but the close itself waits for the
		// read to end, so it happens aside.
		go c.Close()
		return answer, err
	}
	c.Close()
	return answer, err
}
