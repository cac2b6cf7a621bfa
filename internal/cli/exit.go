package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/keyring"
)

// ExitCode reports a command's error on w, in one line that starts "mfacred: ", and returns
// the exit status for it: 0 for none or a --help, an ExitError's own, 2 for a UsageError,
// 128+N when the context was ended by signal N (SignalContext), else 1.
func ExitCode(ctx context.Context, err error, w io.Writer) int {
	var code ExitError
	var usage UsageError
	var sig SignalError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &code):
		return int(code)
	case errors.As(err, &usage):
		fmt.Fprintf(w, "mfacred: %s\n", OneLine(err.Error()))
		return 2
	case errors.As(context.Cause(ctx), &sig):
		// Interrupted: whatever the wait was, it ended because of the signal; the status says
		// so as a shell's does (130 for Ctrl-C, 143 for SIGTERM).
		msg := OneLine(err.Error())
		if !strings.Contains(msg, sig.Error()) {
			msg += " (" + sig.Error() + ")"
		}
		fmt.Fprintf(w, "mfacred: %s\n", msg)
		return 128 + int(sig.Sig)
	}
	// The AWS CLI shows a helper's stderr only when it fails, as the error text: one complete
	// sentence (docs/aws-contract.md §1).
	fmt.Fprintf(w, "mfacred: %s\n", OneLine(err.Error()))
	return 1
}

// OneLine joins the lines of s with single spaces.
func OneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// OpenStore opens the keyring choice names (KeyringChoice) and the cache in it, in the
// namespace $MFACRED_NAMESPACE names.
func OpenStore(choice, from string) (*cache.Store, error) {
	kr, err := keyring.Open(choice, from)
	if err != nil {
		return nil, err
	}
	return cache.ForNamespace(kr, os.Getenv(cache.NamespaceEnv))
}
