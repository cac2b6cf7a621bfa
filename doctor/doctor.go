// Package doctor checks a profile's set-up, one thing at a time, as `mfacred doctor` reports
// it: the keyring, the config file, credential_process, the profile, the long-term keys and
// whether AWS accepts them, the clock, the MFA device, a stored seed, a role, the cached
// session. Each check returns its results (ok, hint or problem, with a fix where there is
// one); the command only prints them. Run needs no terminal and spends no code unless asked.
//
// What doctor says of the cached session is what process would do with it: the decision is
// package hit's (hit.Lookup), the one both binaries serve by.
package doctor

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/hit"
	"github.com/mfacred/mfacred/session"
)

// Kind is how a result reads: all is well, something to know, or something to fix.
type Kind string

// The kinds of result.
const (
	OK      Kind = "ok"
	Hint    Kind = "hint"
	Problem Kind = "problem"
)

// Result is one finding: its kind, what was found, and what to do about it ("" if nothing).
type Result struct {
	Kind Kind
	Text string
	Fix  string
}

func result(kind Kind, format string, args ...any) Result {
	return Result{Kind: kind, Text: strings.Join(strings.Fields(fmt.Sprintf(format, args...)), " ")}
}

// fix adds what to do to r.
func (r Result) fix(format string, args ...any) Result {
	r.Fix = fmt.Sprintf(format, args...)
	return r
}

// Problems counts the problems among results.
func Problems(results []Result) int {
	n := 0
	for _, r := range results {
		if r.Kind == Problem {
			n++
		}
	}
	return n
}

// Doctor checks profiles against one keyring.
type Doctor struct {
	Store *cache.Store
	Self  string // the mfacred binary credential_process should run
	// Provider builds the session.Provider that process would use for the profile.
	Provider func(files *awsconfig.Files, p *awsconfig.Profile) *session.Provider
	Now      func() time.Time // nil: time.Now
}

// facts is what the checks learn about the profile, for the checks after them.
type facts struct {
	name     string // the profile asked about
	spend    bool   // check the seed with AWS (spends a code)
	files    *awsconfig.Files
	p        *awsconfig.Profile
	r        hit.Request
	provider *session.Provider
	keys     *cache.Credentials // the long-term keys, nil if there are none
	accepted bool               // AWS accepted the keys
}

// A check looks at one thing and reports whether the checks after it can run (false: their
// premise failed).
type check func(d *Doctor, ctx context.Context, f *facts) ([]Result, bool)

// checks are the checks, in order.
var checks = []check{
	(*Doctor).keyring,
	(*Doctor).config,
	(*Doctor).credentialProcess,
	(*Doctor).profile,
	(*Doctor).longTermKeys,
	(*Doctor).aws,
	(*Doctor).seed,
	(*Doctor).role,
	(*Doctor).session,
}

// Run runs the checks for profile in order; a check whose premise failed ends the list. With
// spend, a stored seed's code is sent to AWS (which uses it up).
func (d *Doctor) Run(ctx context.Context, profile string, spend bool) []Result {
	f := &facts{name: profile, spend: spend}
	var all []Result
	for _, check := range checks {
		results, next := check(d, ctx, f)
		all = append(all, results...)
		if !next {
			break
		}
	}
	return all
}

func (d *Doctor) now() time.Time {
	if d.Now == nil {
		return time.Now()
	}
	return d.Now()
}
