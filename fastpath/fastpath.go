// Package fastpath serves `mfacred process` from the cache: read the config, one keyring read,
// print. It is all the `mfacred` binary runs on a cache hit, so it imports nothing of the AWS
// SDK, whose package init alone costs more than the rest of a cached call (README,
// Performance). Whether an item serves is package hit's rule, the one mfacred-core applies
// too. Anything else — a miss, a renewal, any other command — is left to mfacred-core.
package fastpath

import (
	"context"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/credproc"
	"github.com/mfacred/mfacred/hit"
	"github.com/mfacred/mfacred/internal/cli"
)

// Profile returns the profile named by the arguments of `process` (--profile NAME or
// --profile=NAME, else $AWS_PROFILE, else default), or false for arguments it does not know,
// a --profile given twice, or a name mfacred-core refuses (cli.CheckName).
func Profile(args []string) (string, bool) {
	name := os.Getenv("AWS_PROFILE")
	if name == "" {
		name = "default"
	}
	// process takes one flag, once: whatever else args hold is the core's to refuse.
	if len(args) > 0 {
		flag, value, inline := strings.Cut(args[0], "=")
		switch {
		case flag != "--profile" && flag != "-profile":
			return "", false
		case inline && len(args) == 1:
			name = value
		case !inline && len(args) == 2:
			name = args[1]
		default:
			return "", false
		}
	}
	return name, name != "" && cli.CheckName(name) == nil
}

// Serve prints the cached credentials of the profile `process args` names, if the cache holds
// ones that may be served now, and reports whether it did. It never fails: whatever it cannot
// do is left to the full path, which reports errors properly. checked says where the config
// files' stamps live (awsconfig.Checked; the zero value: check every line).
func Serve(ctx context.Context, args []string, store hit.Sessions, checked awsconfig.Checked, out io.Writer) bool {
	name, ok := Profile(args)
	if !ok {
		return false
	}
	r, ok := request(checked, name)
	if !ok {
		return false
	}
	e, v, _ := hit.Lookup(ctx, store, r, hit.Process, time.Now())
	return v.Serves() && credproc.Print(out, e, r.Account()) == nil
}

// loaded, when set, runs between reading the files and resolving the profile: a test truncates
// the mapped config there.
var loaded func()

// request reads the files and resolves profile name into the request hit decides on, or
// reports false for anything it cannot do. A large config is mapped, not read
// (awsconfig.Checked.Map): if another program truncates it meanwhile (the AWS CLI rewrites it
// in place), reading past its new end faults, and the fault — made a panic here — is
// recovered as a miss, for the full path to serve. The request is cloned so that nothing
// after this function holds the mapping.
func request(checked awsconfig.Checked, name string) (r hit.Request, ok bool) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if v := recover(); v != nil {
			if _, fault := v.(interface{ Addr() uintptr }); !fault {
				panic(v)
			}
			r, ok = hit.Request{}, false
		}
	}()
	files, err := awsconfig.LoadChecked(checked)
	if err != nil {
		return hit.Request{}, false
	}
	if loaded != nil {
		loaded()
	}
	p, err := files.Resolve(name)
	if err != nil {
		return hit.Request{}, false
	}
	return hit.For(files, p).Clone(), true
}
