package doctor

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/hit"
	"github.com/mfacred/mfacred/internal/cmdline"
	"github.com/mfacred/mfacred/internal/shellword"
)

func (d *Doctor) keyring(ctx context.Context, _ *facts) ([]Result, bool) {
	name := d.Keyring
	if err := d.Store.Reachable(ctx); err != nil {
		return []Result{result(Problem, "keyring: %s: %v", name, err)}, false
	}
	rs := []Result{result(OK, "keyring: %s reachable", name)}
	if d.Store.SessionsOnly(ctx) {
		rs = append(rs, result(Hint, "keyring: sessions only: long-term keys come from the credentials file (mfacred_source_profile), codes from mfa_process or the terminal"))
	}
	return rs, true
}

func (d *Doctor) config(_ context.Context, f *facts) ([]Result, bool) {
	files, err := d.Load()
	if err != nil {
		return []Result{result(Problem, "config: %v", err)}, false
	}
	rs := []Result{result(OK, "config: %s parses", files.ConfigPath)}
	if !files.Exists(f.name) {
		return append(rs, result(Problem, "profile %s: not in %s", f.name, files.ConfigPath).fix("run `mfacred setup --profile %s`", shellword.Quote(f.name))), false
	}
	f.files = files
	return rs, true
}

// credentialProcess checks that the profile's credential_process runs this binary for this
// profile, and that no SDK setting beside it gets in the way (docs/aws-contract.md §3).
func (d *Doctor) credentialProcess(_ context.Context, f *facts) ([]Result, bool) {
	files, name := f.files, f.name
	line := files.Get(name, "credential_process")
	if files.Get(name, awsconfig.KeyLoginSession) != "" {
		return loginProfile(name, line), true
	}
	var rs []Result
	if line == "" {
		rs = append(rs, result(Problem, "profile %s: no credential_process, so the AWS CLI and SDKs never call mfacred", name).fix("run `mfacred setup --profile %s`", shellword.Quote(name)))
	} else if words, err := cmdline.SplitCommand(line, runtime.GOOS); err != nil || len(words) == 0 {
		rs = append(rs, result(Problem, "profile %s: credential_process %q cannot be split into words as the AWS CLI does it: %v", name, line, err))
	} else {
		prog := words[0]
		if !strings.ContainsRune(prog, filepath.Separator) {
			prog, _ = exec.LookPath(prog)
		}
		switch {
		case !samePath(prog, d.Self):
			rs = append(rs, result(Problem, "profile %s: credential_process runs %s, not this mfacred (%s)", name, words[0], d.Self))
		case !runsProcess(words[1:], name):
			rs = append(rs, result(Problem, "profile %s: credential_process is %q: want `%s process --profile %s`", name, line, words[0], shellword.Quote(name)))
		default:
			rs = append(rs, result(OK, "profile %s: credential_process runs this mfacred", name))
		}
	}
	for _, conflict := range files.SDKConflicts(name) {
		rs = append(rs, result(Problem, "%v", conflict))
	}
	if k, ok, _ := files.StaticKeys(name); ok && line != "" {
		rs = append(rs, result(Problem, "profile %s: %s holds static keys for it, which the AWS CLI uses instead of credential_process", name, k.File).
			fix("run `mfacred setup --profile %s --move-keys`", shellword.Quote(name)))
	}
	return rs, true
}

// loginProfile is credentialProcess for the profile `aws login` wrote (login_session): the
// AWS CLI and the SDKs that read login_session use it as it is, so it needs no
// credential_process; the tools that cannot are served by a profile standing on it
// (README, Passkeys and security keys). The session itself is checked by profile.
func loginProfile(name, line string) []Result {
	if line == "" {
		return []Result{result(OK, "profile %s: no credential_process, and none needed: the AWS CLI and SDKs that read login_session use it as it is", name)}
	}
	return []Result{result(Hint, "profile %s: credential_process beside login_session, and the SDKs choose between the two each in its own order: leave the profile as `aws login` wrote it (remove credential_process and mfa_serial)", name).
		fix("serve tools that cannot read login_session with `mfacred setup --profile NEW --login-session %s`", shellword.Quote(name))}
}

func samePath(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	ra, err1 := filepath.EvalSymlinks(a)
	rb, err2 := filepath.EvalSymlinks(b)
	return err1 == nil && err2 == nil && ra == rb
}

// profile resolves the profile as process does.
func (d *Doctor) profile(ctx context.Context, f *facts) ([]Result, bool) {
	p, err := f.files.Resolve(f.name)
	if err != nil {
		r := result(Problem, "%v", err)
		if errors.Is(err, awsconfig.ErrNoMFASerial) {
			r = r.fix("run `mfacred setup --profile %s` to find your device and write it", shellword.Quote(f.name))
		}
		return []Result{r}, false
	}
	var rs []Result
	switch {
	case p.Role != nil && p.Login != nil:
		rs = append(rs, result(OK, "profile %s: assumes %s with the aws login session of profile %s", f.name, p.Role.ARN, p.KeySource))
	case p.Role != nil:
		rs = append(rs, result(OK, "profile %s: assumes %s with the MFA session of profile %s", f.name, p.Role.ARN, p.KeySource))
	}
	f.p, f.r, f.probes = p, hit.For(f.files, p), d.Probes(f.files, p)
	if p.Login != nil { // an aws login session's checks instead of keys, device and code
		rs = append(rs, d.login(ctx, f)...)
		session, _ := d.session(ctx, f) // what process does with what it would serve
		return append(rs, session...), false
	}
	return rs, true
}

// longTermKeys finds the long-term keys where process would.
func (d *Doctor) longTermKeys(ctx context.Context, f *facts) ([]Result, bool) {
	keys, fromFile, err := f.probes.LongTermKeys(ctx, f.r)
	if err != nil {
		return []Result{result(Problem, "%v", err).fix("store them with `mfacred add %s` or `mfacred setup --profile %s`", shellword.Quote(f.p.KeySource), shellword.Quote(f.p.KeySource))}, true
	}
	where := "in the keyring"
	if fromFile {
		where = "in " + f.r.FileKeys.File
	}
	f.keys = &keys
	return []Result{result(OK, "keys of profile %s: access key %s, %s", f.p.KeySource, keys.AccessKeyID, where)}, true
}

// session says what process would do with the cached credentials of the profile: serve them
// or renew them, and why: the verdict of process's own rule (Store.Lookup: hit.Lookup under
// hit.Process), put in words, never worked out again here.
func (d *Doctor) session(ctx context.Context, f *facts) ([]Result, bool) {
	now := d.now()
	en, v, err := d.Store.Lookup(ctx, f.r, now)
	switch {
	case err != nil:
		return []Result{result(Problem, "session: %v", err)}, true
	case !f.r.InKeyring() && v.Reason == hit.NotCached:
		return nil, true // no token file: doctor's login report says so (login.go), and how to sign in
	}
	return []Result{sessionLine(f.r, en, v, now)}, true
}

// sessionLine is doctor's session line for the cached entry en of r, judged v at now by
// process's rule: "ok" exactly when v serves, and the verdict's reason in words otherwise.
func sessionLine(r hit.Request, en cache.Entry, v hit.Verdict, now time.Time) Result {
	left := en.Expiration.Sub(now).Truncate(time.Minute)
	renew := "asks for a code"
	if r.Login != nil {
		renew = "renews them with the aws login session"
	}
	switch {
	case v.Serves():
		return result(OK, "session: cached, expires in %s", left)
	case v.Reason == hit.NotCached:
		return result(Hint, "session: none cached; the next call %s", renew)
	case v.Reason == hit.Damaged:
		return result(Hint, "session: %v; the next call replaces them", en.Check(now))
	case v.Reason == hit.Expired:
		return result(Hint, "session: cached one has expired; the next call %s", renew)
	case v.Reason == hit.KeysChanged:
		return result(Hint, "session: cached, but %s (access key %s); the next call replaces it", v.Why(), en.SourceKeyID)
	case v.Reason == hit.Within:
		return result(Hint, "session: cached, expires in %s, too soon to serve (%s); the next call renews it", left, v.Why())
	}
	return result(Hint, "session: cached, expires in %s, not served (%s); the next call renews it", left, v.Why())
}

// runsProcess reports whether args, what a credential_process line hands mfacred, are
// `process --profile NAME` in one of the spellings the flag package reads (--profile NAME,
// --profile=NAME, one dash as well) and nothing more: process refuses any other word.
func runsProcess(args []string, name string) bool {
	switch {
	case len(args) == 3 && args[0] == "process" && (args[1] == "--profile" || args[1] == "-profile"):
		return args[2] == name
	case len(args) == 2 && args[0] == "process":
		return args[1] == "--profile="+name || args[1] == "-profile="+name
	}
	return false
}
