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
	"strings"
	"time"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/credproc"
	"github.com/mfacred/mfacred/hit"
)

// Profile returns the profile named by the arguments of `process` (--profile NAME or
// --profile=NAME, else $AWS_PROFILE, else default), or false for arguments it does not know.
func Profile(args []string) (string, bool) {
	name := os.Getenv("AWS_PROFILE")
	if name == "" {
		name = "default"
	}
	for i := 0; i < len(args); i++ {
		if !strings.HasPrefix(args[i], "-") {
			return "", false
		}
		switch a := strings.TrimPrefix(args[i], "-"); {
		case a == "-profile" || a == "profile":
			if i+1 >= len(args) {
				return "", false
			}
			name = args[i+1]
			i++
		case strings.HasPrefix(a, "-profile=") || strings.HasPrefix(a, "profile="):
			name = a[strings.IndexByte(a, '=')+1:]
		default:
			return "", false
		}
	}
	return name, name != ""
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
	files, err := awsconfig.LoadChecked(checked)
	if err != nil {
		return false
	}
	p, err := files.Resolve(name)
	if err != nil {
		return false
	}
	r := hit.For(files, p)
	e, ok, _ := hit.Lookup(ctx, store, r, hit.Process, time.Now())
	return ok && credproc.Print(out, e, r.Account()) == nil
}
