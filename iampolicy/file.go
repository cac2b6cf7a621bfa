package iampolicy

import (
	"fmt"
	"io"
	"os"
)

// MaxSize is far more than any IAM policy (a managed policy holds at most 6,144 characters):
// a larger input is refused unread.
const MaxSize = 1 << 20

// CheckFile reads the policy document at path ("-": stdin) and checks it (Check). Errors name
// the path.
func CheckFile(path string, stdin io.Reader) ([]Finding, error) {
	in := stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("policy check: %w", err)
		}
		defer f.Close()
		in = f
	}
	data, err := io.ReadAll(io.LimitReader(in, MaxSize+1))
	switch {
	case err != nil:
		return nil, fmt.Errorf("policy check %s: %w", path, err)
	case len(data) > MaxSize:
		return nil, fmt.Errorf("policy check %s: more than %d bytes, far more than an IAM policy holds: not checked", path, MaxSize)
	}
	d, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("policy check %s: %w", path, err)
	}
	return Check(d), nil
}
