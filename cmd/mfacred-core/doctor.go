package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/mfacred/mfacred/awsclient"
	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/deadline"
	"github.com/mfacred/mfacred/hit"
	"github.com/mfacred/mfacred/iamuser"
	"github.com/mfacred/mfacred/loginsession"
	"github.com/mfacred/mfacred/prompt"
	"github.com/mfacred/mfacred/session"
)

var doctorCmd = &command{
	name:    "doctor",
	args:    "[--profile NAME] [--spend-code]",
	summary: "check a profile's set-up, line by line",
	help: `Checks everything a profile needs and prints one line per check: ok, problem or hint.
Exits 1 if there is a problem. Never prints a secret, and works without a cached session.

Checks: the keyring; the config file; that credential_process runs this mfacred for this
profile, with no role_arn or source_profile beside it; the long-term keys and that AWS accepts
them; the clock against AWS's (TOTP codes need less than 30 s of skew); that mfa_serial is one
of the user's MFA devices (ListMFADevices), naming the real ones if not; with --spend-code, that
the stored seed's code is accepted (this uses up a code); for a role profile, that the role can
be assumed with the cached MFA session (no code spent); the cached session.`,
	run: runDoctor,
}

// result is one line of doctor's report.
type result struct {
	kind string // ok, hint or problem
	text string
}

// checklist runs doctor's checks for one profile and collects their results, one line each;
// it needs no terminal, so tests call it with an in-memory keyring and the local STS.
type checklist struct {
	store *cache.Store
	self  string // the mfacred binary credential_process should run
	// provider builds the session.Provider that process would use for the profile.
	provider func(files *awsconfig.Files, p *awsconfig.Profile) *session.Provider
	results  []result
}

func (c *checklist) line(kind, format string, args ...any) {
	c.results = append(c.results, result{kind, oneLine(fmt.Sprintf(format, args...))})
}
func (c *checklist) ok(format string, args ...any)      { c.line("ok", format, args...) }
func (c *checklist) hint(format string, args ...any)    { c.line("hint", format, args...) }
func (c *checklist) problem(format string, args ...any) { c.line("problem", format, args...) }

// problems counts the problems found.
func (c *checklist) problems() int {
	n := 0
	for _, r := range c.results {
		if r.kind == "problem" {
			n++
		}
	}
	return n
}

func runDoctor(ctx context.Context, e *env, fs *flag.FlagSet, args []string) error {
	profile := profileFlag(fs)
	spend := fs.Bool("spend-code", false, "check the stored seed against AWS (uses up one code)")
	if err := parse(fs, args); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, deadline.Process)
	defer cancel()
	self, _ := frontPath()
	c := &checklist{store: e.store, self: self, provider: func(files *awsconfig.Files, p *awsconfig.Profile) *session.Provider {
		return e.provider(ctx, files, p)
	}}
	c.doctor(ctx, *profile, *spend)
	for _, r := range c.results {
		fmt.Fprintf(e.io.Out, "%-8s %s\n", r.kind, r.text)
	}
	if c.problems() > 0 {
		return exitError(1)
	}
	return nil
}

// facts is what doctor's checks learn about the profile, for the checks after them.
type facts struct {
	name     string // the profile asked about
	spend    bool   // --spend-code
	files    *awsconfig.Files
	p        *awsconfig.Profile
	r        hit.Request
	provider *session.Provider
	keys     *cache.Credentials // the long-term keys, nil if there are none
	accepted bool               // AWS accepted the keys
}

// A check looks at one thing, adds its lines to the checklist and reports whether the checks
// after it can run (false: their premise failed).
type check func(c *checklist, ctx context.Context, f *facts) bool

// checks are doctor's checks, in order.
var checks = []check{
	(*checklist).checkKeyring,
	(*checklist).checkConfig,
	(*checklist).checkCredentialProcess,
	(*checklist).checkProfile,
	(*checklist).checkKeys,
	(*checklist).checkAWS,
	(*checklist).checkSeed,
	(*checklist).checkRole,
	(*checklist).checkSession,
}

// doctor runs the checks in order; a check whose premise failed ends the list.
func (c *checklist) doctor(ctx context.Context, name string, spend bool) {
	f := &facts{name: name, spend: spend}
	for _, check := range checks {
		if !check(c, ctx, f) {
			return
		}
	}
}

func (c *checklist) checkKeyring(ctx context.Context, _ *facts) bool {
	keyringName := cache.KeyringName(c.store.Keyring)
	if err := c.store.Reachable(ctx); err != nil {
		c.problem("keyring: %s: %v", keyringName, err)
		return false
	}
	c.ok("keyring: %s reachable", keyringName)
	if c.store.SessionsOnly(ctx) {
		c.hint("keyring: sessions only: long-term keys come from the credentials file (mfacred_source_profile), codes from mfa_process or the terminal")
	}
	return true
}

func (c *checklist) checkConfig(_ context.Context, f *facts) bool {
	files, err := awsconfig.Load()
	if err != nil {
		c.problem("config: %v", err)
		return false
	}
	c.ok("config: %s parses", files.ConfigPath)
	if !files.Exists(f.name) {
		c.problem("profile %s: not in %s", f.name, files.ConfigPath)
		c.hint("run `mfacred setup --profile %s`", f.name)
		return false
	}
	f.files = files
	return true
}

// checkProfile resolves the profile as process does.
func (c *checklist) checkProfile(ctx context.Context, f *facts) bool {
	p, err := f.files.Resolve(f.name)
	if err != nil {
		c.problem("%v", err)
		if errors.Is(err, awsconfig.ErrNoMFASerial) {
			c.hint("run `mfacred setup --profile %s` to find your device and write it", f.name)
		}
		return false
	}
	if p.Role != nil {
		c.ok("profile %s: assumes %s with the MFA session of profile %s", f.name, p.Role.ARN, p.KeySource)
	}
	f.p, f.r, f.provider = p, hit.For(f.files, p), c.provider(f.files, p)
	if p.Login != nil { // an aws login session instead of keys and a device
		try := func(ctx context.Context) (string, error) { return f.provider.TryRole(ctx, f.r) }
		for _, l := range loginsession.Doctor(ctx, p, loginsession.New(p, c.store), try, time.Now()) {
			c.line(l.Kind, "%s", l.Text)
		}
		return false
	}
	return true
}

// checkKeys finds the long-term keys where process would.
func (c *checklist) checkKeys(ctx context.Context, f *facts) bool {
	keys, fromFile, err := f.provider.LongTermKeys(ctx, f.r)
	if err != nil {
		c.problem("%v", err)
		c.hint("store them with `mfacred add %s` or `mfacred setup --profile %s`", f.p.KeySource, f.p.KeySource)
		return true
	}
	where := "in the keyring"
	if fromFile {
		where = "in " + f.r.FileKeys.File
	}
	c.ok("keys of profile %s: access key %s, %s", f.p.KeySource, keys.AccessKeyID, where)
	f.keys = &keys
	return true
}

// checkSession reports the cached credentials of the profile.
func (c *checklist) checkSession(ctx context.Context, f *facts) bool {
	if en, err := c.store.Session(ctx, f.r.Key()); err == nil {
		if err := en.Check(time.Now()); err != nil {
			c.hint("session: %v; the next call replaces them", err)
		} else if d := time.Until(en.Expiration); d > 0 {
			c.ok("session: cached, expires in %s", d.Truncate(time.Minute))
		} else {
			c.hint("session: cached one has expired; the next call asks for a code")
		}
	} else {
		c.hint("session: none cached; the next call asks for a code")
	}
	return true
}

// checkRole assumes the role once with the cached MFA session, as process would, without
// caching the result (session.Provider.TryRole): the trust policy, MFA condition and external
// id are then proven, at no cost of a code. Without a cached session (or in direct mode) that
// would take a code: a hint.
func (c *checklist) checkRole(ctx context.Context, f *facts) bool {
	if f.p.Role == nil {
		return true
	}
	r := f.r
	as, err := f.provider.TryRole(ctx, r)
	switch {
	case errors.Is(err, session.ErrDirectRole):
		c.hint("role: %s is assumed with a code of its own (mfacred_role_direct); not tried, to spend no code", r.Role.ARN)
	case errors.Is(err, session.ErrNoSession):
		c.hint("role: not tried without a cached MFA session of profile %s: run `mfacred process --profile %s` once, then doctor again", r.Source, r.Source)
	case err != nil:
		c.problem("role: %v", err)
	case as != "":
		c.ok("role: %s can be assumed with the MFA session (as %s)", r.Role.ARN, as)
	default:
		c.ok("role: %s can be assumed with the MFA session", r.Role.ARN)
	}
	return true
}

// checkCredentialProcess checks that the profile's credential_process runs this binary for
// this profile, and that no SDK setting beside it gets in the way (docs/aws-contract.md §3).
func (c *checklist) checkCredentialProcess(_ context.Context, f *facts) bool {
	files, name := f.files, f.name
	line := files.Get(name, "credential_process")
	if line == "" {
		c.problem("profile %s: no credential_process, so the AWS CLI and SDKs never call mfacred", name)
		c.hint("run `mfacred setup --profile %s`", name)
	} else if words, err := awsconfig.SplitCommand(line, runtime.GOOS); err != nil || len(words) == 0 {
		c.problem("profile %s: credential_process %q cannot be split into words as the AWS CLI does it: %v", name, line, err)
	} else {
		self := c.self
		prog := words[0]
		if !strings.ContainsRune(prog, filepath.Separator) {
			prog, _ = exec.LookPath(prog)
		}
		if !samePath(prog, self) {
			c.problem("profile %s: credential_process runs %s, not this mfacred (%s)", name, words[0], self)
		} else if len(words) < 4 || words[1] != "process" || words[2] != "--profile" || words[3] != name {
			c.problem("profile %s: credential_process is %q: want `%s process --profile %s`", name, line, words[0], name)
		} else {
			c.ok("profile %s: credential_process runs this mfacred", name)
		}
	}
	for _, conflict := range files.SDKConflicts(name) {
		c.problem("%v", conflict)
	}
	if k, ok, _ := files.StaticKeys(name); ok && line != "" {
		c.problem("profile %s: %s holds static keys for it, which the AWS CLI uses instead of credential_process", name, k.File)
		c.hint("run `mfacred setup --profile %s --move-keys`", name)
	}
	return true
}

func samePath(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	ra, err1 := filepath.EvalSymlinks(a)
	rb, err2 := filepath.EvalSymlinks(b)
	return err1 == nil && err2 == nil && ra == rb
}

// checkTimeout bounds each of doctor's calls to AWS, so that an endpoint that does not answer
// is named and leaves time for the other checks.
const checkTimeout = deadline.Check

// checkAWS asks AWS whether it accepts the keys, how far the clocks are apart and which
// devices the user has; it records in f whether AWS accepted the keys.
func (c *checklist) checkAWS(ctx context.Context, f *facts) bool {
	if f.keys == nil {
		return true
	}
	p, keys := f.p, *f.keys
	cfg, err := awsclient.Config(ctx, awsclient.For(p), keys)
	if err != nil {
		c.problem("%v", err)
		return true
	}
	clock := awsclient.WatchClock(&cfg)
	call, cancel := context.WithTimeout(ctx, checkTimeout)
	user, err := iamuser.WhoAmI(call, sts.NewFromConfig(cfg))
	late := ctx.Err() == nil && call.Err() != nil
	cancel()
	switch {
	case err != nil && late:
		c.problem("STS: %s did not answer GetCallerIdentity within %s: check the network, a proxy or AWS_ENDPOINT_URL_STS", clock.Endpoint(), checkTimeout)
	case err != nil && session.KeysRejected(err):
		c.problem("keys: AWS does not accept access key %s", keys.AccessKeyID)
		c.hint("store working keys with `mfacred add %s`", p.KeySource)
	case err != nil:
		c.problem("STS: GetCallerIdentity failed: %v", err)
	default:
		c.ok("keys: AWS accepts them: %s", user)
	}
	c.checkClock(clock)
	if err != nil {
		return true
	}

	call, cancel = context.WithTimeout(ctx, checkTimeout)
	devs, err := iamuser.List(call, iam.NewFromConfig(cfg), user)
	late = ctx.Err() == nil && call.Err() != nil
	cancel()
	switch {
	case err != nil && late:
		c.hint("device: IAM at %s did not answer ListMFADevices within %s: compare mfa_serial = %s with the IAM console", clock.Endpoint(), checkTimeout, p.MFASerial)
	case err != nil:
		c.hint("device: could not list the MFA devices (%v): compare mfa_serial = %s with the IAM console", err, p.MFASerial)
	case devs.Has(p.MFASerial):
		c.ok("device: mfa_serial %s is one of the MFA devices of %s", p.MFASerial, user)
	case len(devs.Usable) == 0:
		c.problem("device: %s has no MFA device STS can use, so mfa_serial = %s cannot work", user, p.MFASerial)
	default:
		c.problem("device: mfa_serial = %s (in profile %s) is not one of the MFA devices of %s, which are: %s", p.MFASerial, p.DeviceProfile, user, devs)
		c.hint("device: since November 2022 a device has the name it was given, so mfa/USERNAME is often wrong: set mfa_serial = %s in profile %s, or run `mfacred setup --profile %s --mfa-serial SERIAL`",
			devs.Usable[0], p.DeviceProfile, p.DeviceProfile)
	}
	for _, f := range devs.FIDO {
		c.hint("device: %s is a FIDO security key: STS cannot use it, but `aws login` can: README, Passkeys and security keys", f)
	}
	f.accepted = true
	return true
}

func (c *checklist) checkClock(clock *awsclient.Clock) {
	skew, seen := clock.Skew()
	if !seen {
		c.hint("clock: not checked (no Date header from STS)")
		return
	}
	skew = skew.Round(time.Second)
	way := "ahead of"
	if skew > 0 {
		way = "behind"
	}
	abs := skew.Abs()
	switch {
	case abs < 2*time.Second:
		c.ok("clock: within a second of AWS's")
	case abs < 30*time.Second:
		c.ok("clock: %s %s AWS's (TOTP codes tolerate less than 30 s)", abs, way)
	default:
		c.problem("clock: this machine is %s %s AWS; TOTP codes need less than 30 s: turn on time sync (e.g. `timedatectl set-ntp true`)", abs, way)
	}
}

// checkSeed checks a stored seed: that it makes codes, and with spend that AWS accepts its
// code (session.Provider.TrySeed, which never sends a code twice).
func (c *checklist) checkSeed(ctx context.Context, f *facts) bool {
	if !f.accepted {
		return true
	}
	provider, r, p, spend := f.provider, f.r, f.p, f.spend
	seed, err := c.store.Seed(ctx, p.MFASerial)
	if errors.Is(err, cache.ErrNotFound) {
		return true
	} else if err != nil {
		c.problem("seed: %v", err)
		return true
	}
	if _, err := prompt.GenerateCode(seed, time.Now()); err != nil {
		c.problem("seed: the stored seed of %s is damaged: store it again with `mfacred totp set --profile %s`", p.MFASerial, p.Name)
		return true
	}
	if !spend {
		c.hint("seed: stored for %s; `mfacred doctor --profile %s --spend-code` checks it against AWS (uses up one code)", p.MFASerial, p.Name)
		return true
	}
	switch err := provider.TrySeed(ctx, r, seed); {
	case errors.Is(err, session.ErrBadCode), errors.Is(err, session.ErrNotYourDevice):
		c.problem("seed: AWS rejected the code the stored seed makes for %s: the seed belongs to another device, or the clock is off; store the right one with `mfacred totp set --profile %s`", p.MFASerial, p.Name)
	case err != nil:
		c.problem("seed: not checked: %v", err)
	default:
		c.ok("seed: AWS accepted the code the stored seed makes for %s", p.MFASerial)
	}
	return true
}
