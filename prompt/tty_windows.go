package prompt

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/sys/windows"
)

// console is the console's input and output; h is the input's handle.
type console struct {
	in, out *os.File
	h       windows.Handle
}

func (c console) Read(p []byte) (int, error)  { return c.in.Read(p) }
func (c console) Write(p []byte) (int, error) { return c.out.Write(p) }

// Close closes the console, cancelling a pending read: closing CONIN$ waits for the read
// under it, which would wait for Enter. The file is first marked closed, so that the reader
// cannot start another read, then the read is cancelled until the close goes through (at
// most a second; after that the handle closes when the read ends). The console host may
// still finish a cancelled line read and drop what was typed: by then nobody waits for it.
func (c console) Close() error {
	c.out.Close()
	closed := make(chan error, 1)
	go func() { closed <- c.in.Close() }()
	for range 50 {
		select {
		case err := <-closed:
			return err
		case <-time.After(20 * time.Millisecond):
			_ = windows.CancelIoEx(c.h, nil)
		}
	}
	return nil
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
	return console{in, out, windows.Handle(in.Fd())}, nil
}

func ask(ctx context.Context, question string, secret bool) (string, error) {
	c, err := OpenTTY()
	if err != nil {
		return "", err
	}
	cc := c.(console)
	answer, err := askOn(ctx, cc.in, cc.out, int(cc.in.Fd()), question, secret)
	if ctx.Err() != nil {
		// A read may still be pending: Close cancels it, which can take a moment, so aside.
		go c.Close()
		return answer, err
	}
	c.Close()
	return answer, err
}
