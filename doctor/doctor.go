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

	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/hit"
	"github.com/mfacred/mfacred/iamuser"
	"github.com/mfacred/mfacred/loginsession"
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

// Doctor checks profiles against one keyring. What it asks of the keyring, of the flow
// process runs, of AWS and of an `aws login` session it asks through the small interfaces
// below, which New fills with the real ones.
type Doctor struct {
	Store   Store
	Keyring string // the keyring's name, for the first line (cache.Store.KeyringName)
	Self    string // the mfacred binary credential_process should run
	// Load reads the config and credentials files, as process does (awsconfig.Load).
	Load func() (*awsconfig.Files, error)
	// Probes is what process would use for the profile (a session.Provider): doctor asks it
	// for the long-term keys, and to try a seed or a role without caching the result.
	Probes func(files *awsconfig.Files, p *awsconfig.Profile) Probes
	// AWS is STS and IAM for profile p, signed with keys, with a watch on AWS's clock.
	AWS func(ctx context.Context, p *awsconfig.Profile, keys cache.Credentials) (AWS, error)
	// Login is the `aws login` session profile p's credentials come from (p.Login is set).
	Login func(p *awsconfig.Profile) LoginSession
	Now   func() time.Time // nil: time.Now
}

// Store is what doctor reads from the keyring (cache.Store), and where process reads the
// cached credentials of a request.
type Store interface {
	Reachable(ctx context.Context) error
	SessionsOnly(ctx context.Context) bool
	Seed(ctx context.Context, serial string) (string, error)
	// Lookup is r's cached credentials judged at now by process's own rule: hit.Lookup under
	// hit.Process (the keyring, or an aws login session's token file).
	Lookup(ctx context.Context, r hit.Request, now time.Time) (cache.Entry, hit.Verdict, error)
}

// Probes is the part of process's flow (session.Provider) doctor runs: where the long-term
// keys are, and a seed's code or the role tried once, nothing cached.
type Probes interface {
	LongTermKeys(ctx context.Context, r hit.Request) (keys cache.Credentials, fromFile bool, err error)
	TrySeed(ctx context.Context, r hit.Request, seed string) error
	TryRole(ctx context.Context, r hit.Request) (as string, err error)
}

// AWS is the part of STS and IAM doctor calls with a profile's long-term keys, and what their
// answers said of AWS's clock.
type AWS interface {
	iamuser.Identity            // sts:GetCallerIdentity
	iam.ListMFADevicesAPIClient // iam:ListMFADevices
	// Skew is how far AWS's clock is ahead of this machine's; seen is false before an answer
	// carried a Date (awsclient.Clock).
	Skew() (skew time.Duration, seen bool)
	// Endpoint is the scheme and host last called, to name one that does not answer.
	Endpoint() string
}

// LoginSession is the part of an `aws login` session (loginsession.Session) doctor reads.
type LoginSession interface {
	// Path is where its token file is (loginsession.Path).
	Path() (string, error)
	// Read reads the token file.
	Read() (*loginsession.Token, string, error)
	// Credentials are what process would serve, refreshed first if due.
	Credentials(ctx context.Context) (cache.Entry, error)
}

// facts is what the checks learn about the profile, for the checks after them.
type facts struct {
	name     string // the profile asked about
	spend    bool   // check the seed with AWS (spends a code)
	files    *awsconfig.Files
	p        *awsconfig.Profile
	r        hit.Request
	probes   Probes
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
