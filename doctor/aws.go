package doctor

import (
	"context"
	"errors"
	"time"

	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/deadline"
	"github.com/mfacred/mfacred/iamuser"
	"github.com/mfacred/mfacred/internal/shellword"
	"github.com/mfacred/mfacred/prompt"
	"github.com/mfacred/mfacred/session"
)

// checkTimeout bounds each of doctor's calls to AWS, so that an endpoint that does not answer
// is named and leaves time for the other checks.
const checkTimeout = deadline.Check

// aws asks AWS whether it accepts the keys (iamuser.Verify), how far the clocks are apart and
// which devices the user has; it records in f whether AWS accepted the keys.
func (d *Doctor) aws(ctx context.Context, f *facts) ([]Result, bool) {
	if f.keys == nil {
		return nil, true
	}
	p, keys := f.p, *f.keys
	client, err := d.AWS(ctx, p, keys)
	if err != nil {
		return []Result{result(Problem, "%v", err)}, true
	}
	user, err := iamuser.Verify(ctx, client, checkTimeout)
	var rs []Result
	switch {
	case errors.Is(err, iamuser.ErrTimedOut):
		rs = append(rs, result(Problem, "STS: %s did not answer GetCallerIdentity within %s: check the network, a proxy or AWS_ENDPOINT_URL_STS", client.Endpoint(), checkTimeout))
	case errors.Is(err, iamuser.ErrRejected):
		rs = append(rs, result(Problem, "keys: AWS does not accept access key %s", keys.AccessKeyID).fix("store working keys with `mfacred add %s`", shellword.Quote(p.KeySource)))
	case err != nil:
		rs = append(rs, result(Problem, "STS: GetCallerIdentity failed: %v", err))
	default:
		rs = append(rs, result(OK, "keys: AWS accepts them: %s", user))
	}
	rs = append(rs, clockResult(client))
	if err != nil {
		return rs, true
	}
	f.accepted = true
	return append(rs, devices(ctx, client, f, user)...), true
}

// devices checks that mfa_serial is one of the user's devices.
func devices(ctx context.Context, client AWS, f *facts, user string) []Result {
	p := f.p
	call, cancel := context.WithTimeout(ctx, checkTimeout)
	devs, err := iamuser.List(call, client, user)
	late := ctx.Err() == nil && call.Err() != nil
	cancel()
	var rs []Result
	switch {
	case err != nil && late:
		rs = append(rs, result(Hint, "device: IAM at %s did not answer ListMFADevices within %s: compare mfa_serial = %s with the IAM console", client.Endpoint(), checkTimeout, p.MFASerial))
	case err != nil:
		rs = append(rs, result(Hint, "device: could not list the MFA devices (%v): compare mfa_serial = %s with the IAM console", err, p.MFASerial))
	case devs.Has(p.MFASerial):
		rs = append(rs, result(OK, "device: mfa_serial %s is one of the MFA devices of %s", p.MFASerial, user))
	case len(devs.Usable) == 0:
		rs = append(rs, result(Problem, "device: %s has no MFA device STS can use, so mfa_serial = %s cannot work", user, p.MFASerial))
	default:
		rs = append(rs, result(Problem, "device: mfa_serial = %s (in profile %s) is not one of the MFA devices of %s, which are: %s", p.MFASerial, p.DeviceProfile, user, devs).
			fix("device: since November 2022 a device has the name it was given, so mfa/USERNAME is often wrong: set mfa_serial = %s in profile %s, or run `mfacred setup --profile %s --mfa-serial SERIAL`",
				devs.Usable[0], p.DeviceProfile, shellword.Quote(p.DeviceProfile)))
	}
	for _, key := range devs.FIDO {
		rs = append(rs, result(Hint, "device: %s is a FIDO security key: STS cannot use it, but `aws login` can: README, Passkeys and security keys", key))
	}
	return rs
}

func clockResult(client AWS) Result {
	skew, seen := client.Skew()
	if !seen {
		return result(Hint, "clock: not checked (no Date header from STS)")
	}
	skew = skew.Round(time.Second)
	way := "ahead of"
	if skew > 0 {
		way = "behind"
	}
	abs := skew.Abs()
	switch {
	case abs < 2*time.Second:
		return result(OK, "clock: within a second of AWS's")
	case abs < 30*time.Second:
		return result(OK, "clock: %s %s AWS's (TOTP codes tolerate less than 30 s)", abs, way)
	}
	return result(Problem, "clock: this machine is %s %s AWS; TOTP codes need less than 30 s: turn on time sync (e.g. `timedatectl set-ntp true`)", abs, way)
}

// seed checks a stored seed: that it makes codes, and with spend that AWS accepts its code
// (Probes.TrySeed: session.Provider.TrySeed, which never sends a code twice).
func (d *Doctor) seed(ctx context.Context, f *facts) ([]Result, bool) {
	if !f.accepted {
		return nil, true
	}
	p := f.p
	seed, err := d.Store.Seed(ctx, p.MFASerial)
	switch {
	case errors.Is(err, cache.ErrNotFound):
		return nil, true
	case err != nil:
		return []Result{result(Problem, "seed: %v", err)}, true
	}
	if _, err := prompt.GenerateCode(seed, d.now()); err != nil {
		return []Result{result(Problem, "seed: the stored seed of %s is damaged: store it again with `mfacred totp set --profile %s`", p.MFASerial, shellword.Quote(p.Name))}, true
	}
	if !f.spend {
		return []Result{result(Hint, "seed: stored for %s; `mfacred doctor --profile %s --spend-code` checks it against AWS (uses up one code)", p.MFASerial, shellword.Quote(p.Name))}, true
	}
	switch err := f.probes.TrySeed(ctx, f.r, seed); {
	case errors.Is(err, session.ErrBadCode), errors.Is(err, session.ErrNotYourDevice):
		return []Result{result(Problem, "seed: AWS rejected the code the stored seed makes for %s: the seed belongs to another device, or the clock is off; store the right one with `mfacred totp set --profile %s`", p.MFASerial, shellword.Quote(p.Name))}, true
	case err != nil:
		return []Result{result(Problem, "seed: not checked: %v", err)}, true
	}
	return []Result{result(OK, "seed: AWS accepted the code the stored seed makes for %s", p.MFASerial)}, true
}

// role assumes the role once with the cached MFA session, as process would, without caching
// the result (session.Provider.TryRole): the trust policy, MFA condition and external id are
// then proven, at no cost of a code. Without a cached session (or in direct mode) that would
// take a code: a hint.
func (d *Doctor) role(ctx context.Context, f *facts) ([]Result, bool) {
	if f.p.Role == nil {
		return nil, true
	}
	r := f.r
	as, err := f.probes.TryRole(ctx, r)
	var res Result
	switch {
	case errors.Is(err, session.ErrDirectRole):
		res = result(Hint, "role: %s is assumed with a code of its own (mfacred_role_direct); not tried, to spend no code", r.Role.ARN)
	case errors.Is(err, session.ErrNoSession):
		res = result(Hint, "role: not tried without a cached MFA session of profile %s: run `mfacred process --profile %s` once, then doctor again", r.Source, shellword.Quote(r.Source))
	case err != nil:
		res = result(Problem, "role: %v", err)
	case as != "":
		res = result(OK, "role: %s can be assumed with the MFA session (as %s)", r.Role.ARN, as)
	default:
		res = result(OK, "role: %s can be assumed with the MFA session", r.Role.ARN)
	}
	return []Result{res}, true
}
