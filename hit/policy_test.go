package hit

import (
	"testing"
	"time"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/cache"
)

// Each policy serves an entry while it lives longer than the policy's margin, and not at the
// margin itself; the policies are ordered as their callers need: the server renews before
// process would, process before the SDKs give up (last resort), and a fetch from the server
// takes anything that outlives it.
func TestPoliciesServeWhileLongerThanTheirMargin(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	good := cache.Entry{Credentials: cache.Credentials{AccessKeyID: "ASIA1", SecretAccessKey: "s", SessionToken: "t"}, SourceKeyID: "AKIAKEYRING"}
	for _, tc := range []struct {
		p    Policy
		want time.Duration
	}{
		{Server, 20 * time.Minute}, {Process, 15 * time.Minute}, {LastResort, 10 * time.Minute},
		{Trial, time.Minute}, {Handout, time.Second},
	} {
		if tc.p.Margin() != tc.want {
			t.Errorf("%s: margin %s, want %s", tc.p, tc.p.Margin(), tc.want)
		}
		for _, left := range []time.Duration{tc.want - time.Second, tc.want, tc.want + time.Second} {
			e := good
			e.Expiration = now.Add(left)
			if got, want := tc.p.Serves(Request{}, e, now), left > tc.want; got != want {
				t.Errorf("%s with %s left: serves = %v, want %v", tc.p, left, got, want)
			}
			if got, want := tc.p.Lives(e.Expiration, now), left > tc.want; got != want {
				t.Errorf("%s with %s left: lives = %v, want %v", tc.p, left, got, want)
			}
		}
	}
	if !(Server.Margin() > Process.Margin() && Process.Margin() > LastResort.Margin() && LastResort.Margin() > Trial.Margin() && Trial.Margin() > Handout.Margin()) {
		t.Fatal("the policies are out of order")
	}
}

// A damaged entry never serves, under any policy, however long it says it lives.
func TestDamagedEntriesNeverServe(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	for name, e := range map[string]cache.Entry{
		"no token":        {Credentials: cache.Credentials{AccessKeyID: "ASIA1", SecretAccessKey: "s"}, Expiration: now.Add(time.Hour)},
		"no secret":       {Credentials: cache.Credentials{AccessKeyID: "ASIA1", SessionToken: "t"}, Expiration: now.Add(time.Hour)},
		"37-hour session": {Credentials: cache.Credentials{AccessKeyID: "ASIA1", SecretAccessKey: "s", SessionToken: "t"}, Expiration: now.Add(37 * time.Hour)},
	} {
		for _, p := range []Policy{Process, Server, LastResort, Trial, Handout} {
			if p.Serves(Request{}, e, now) || WouldServe(Request{}, e, now) {
				t.Errorf("%s: served under %s", name, p)
			}
		}
	}
}

// WouldServe is process's decision, MinLeft and file keys included: what doctor and status
// report can never differ from what process does.
func TestWouldServeIsProcess(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	e := cache.Entry{Credentials: cache.Credentials{AccessKeyID: "ASIA1", SecretAccessKey: "s", SessionToken: "t"}, SourceKeyID: "AKIAFILE", FromFile: true}
	for _, left := range []time.Duration{12 * time.Minute, 15 * time.Minute, 16 * time.Minute, time.Hour} {
		e.Expiration = now.Add(left)
		for _, r := range []Request{{}, {MinLeft: 30 * time.Minute}} {
			for _, keys := range []string{"", "AKIAFILE", "AKIAOTHER"} {
				r := r
				if keys != "" {
					r.FileKeys = &awsconfig.StaticKeys{AccessKeyID: keys}
				}
				want := left > RenewBefore && left >= r.MinLeft && keys == "AKIAFILE"
				if got := WouldServe(r, e, now); got != want || got != Process.Serves(r, e, now) {
					t.Errorf("%s left, MinLeft %s, file keys %q: WouldServe = %v, want %v", left, r.MinLeft, keys, got, want)
				}
			}
		}
	}
}

// The credentials server (hit.Server) renews what it holds ServerLead before the SDKs'
// window, or halfway through a short life (moved here from package credserver with the rule).
func TestRenewAt(t *testing.T) {
	window := Server.Margin()
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		life time.Duration
		want time.Duration // after t0
	}{
		{"12h session: 20 min before expiry", 12 * time.Hour, 12*time.Hour - 20*time.Minute},
		{"1h role: 20 min before expiry", time.Hour, 40 * time.Minute},
		{"40 min: halfway", 40 * time.Minute, 20 * time.Minute},
		{"1 min test role: halfway", time.Minute, 30 * time.Second},
		{"expired: now", -time.Minute, -30 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Server.RenewAt(t0, t0.Add(tc.life)).Sub(t0)
			if got != tc.want {
				t.Fatalf("RenewAt = t0+%s, want t0+%s", got, tc.want)
			}
			// Long-lived credentials never enter the SDKs' 15-minute window while served.
			if tc.life > 2*window && t0.Add(tc.life).Sub(t0.Add(got)) <= RenewBefore {
				t.Fatalf("renewed with only %s left", tc.life-got)
			}
		})
	}
}

// Credentials the server starts with may come from the cache, obtained long before: role
// credentials with 30 minutes left are renewed before the SDKs' 15-minute window (at window
// before expiry), not halfway through what is left. Short-lived ones keep the halfway rule.
func TestRenewAtForCredentialsFromTheCache(t *testing.T) {
	window := Server.Margin()
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		left time.Duration // at now, when the server picks them up
		want time.Duration // before expiry
	}{
		{"role from the cache, 30 min left", 30 * time.Minute, window},
		{"role from the cache, 25 min left", 25 * time.Minute, window},
		{"fresh role, 1 h", time.Hour, window},
		{"session from the cache, 11 h left", 11 * time.Hour, window},
		{"past the window already: halfway", 16 * time.Minute, 8 * time.Minute},
		{"short-lived: halfway", time.Minute, 30 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			exp := now.Add(tc.left)
			at := Server.RenewNext(now, exp, now)
			if got := exp.Sub(at); got != tc.want {
				t.Fatalf("renewed %s before expiry, want %s", got, tc.want)
			}
			if tc.left > window && exp.Sub(at) < RenewBefore {
				t.Fatalf("renewed inside the SDKs' window")
			}
		})
	}
}

// awsconfig refuses sessions shorter than MinDuration (it reads profiles for hit, so it
// cannot import it): the two are one number.
func TestMinDurationIsAwsconfigs(t *testing.T) {
	if got := time.Duration(awsconfig.MinDuration) * time.Second; got != MinDuration {
		t.Fatalf("awsconfig.MinDuration is %s, hit.MinDuration %s", got, MinDuration)
	}
	if MinDuration != 2*Process.Margin() {
		t.Fatalf("MinDuration %s is not twice what process renews ahead (%s)", MinDuration, Process.Margin())
	}
}

// Every verdict, with its reason, for each source: a session, a role on an aws login session
// and that session's own credentials (its token file), under each policy that renews.
func TestJudge(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	whole := cache.Entry{Credentials: cache.Credentials{AccessKeyID: "ASIA1", SecretAccessKey: "s", SessionToken: "t"}, SourceKeyID: "AKIAFILE"}
	login := &awsconfig.Login{Profile: "me", Session: "arn:aws:iam::123456789012:user/alice"}
	role := &awsconfig.Role{ARN: "arn:aws:iam::222222222222:role/Admin"}
	session, onLogin, token := Request{}, Request{Login: login, Role: role, Signin: "s1"}, Request{Login: login}
	fileKeys := Request{FileKeys: &awsconfig.StaticKeys{AccessKeyID: "AKIAOTHER"}}
	at := func(left time.Duration, change func(*cache.Entry)) cache.Entry {
		e := whole
		e.Expiration, e.LoginSession = now.Add(left), "s1"
		if change != nil {
			change(&e)
		}
		return e
	}
	for _, tc := range []struct {
		name string
		p    Policy
		r    Request
		e    cache.Entry
		want Verdict
	}{
		{"session, an hour", Process, session, at(time.Hour, nil), Verdict{Serve, LongEnough, 0}},
		{"session, 17 min, process", Process, session, at(17*time.Minute, nil), Verdict{Serve, LongEnough, 0}},
		{"session, 17 min, server", Server, session, at(17*time.Minute, nil), Verdict{RenewAhead, Within, 20 * time.Minute}},
		{"session, 12 min, process", Process, session, at(12*time.Minute, nil), Verdict{Stale, Within, RenewBefore}},
		{"session, 12 min, server", Server, session, at(12*time.Minute, nil), Verdict{Stale, Within, RenewBefore}},
		{"session, 12 min, last resort", LastResort, session, at(12*time.Minute, nil), Verdict{Serve, LongEnough, 0}},
		{"session, 9 min", Process, session, at(9*time.Minute, nil), Verdict{Refuse, Within, HardLimit}},
		{"session, 30 s, trial", Trial, session, at(30*time.Second, nil), Verdict{Refuse, Within, time.Minute}},
		{"session, expired", Process, session, at(-time.Second, nil), Verdict{Refuse, Expired, 0}},
		{"session, damaged", Process, session, at(time.Hour, func(e *cache.Entry) { e.SessionToken = "" }), Verdict{Refuse, Damaged, 0}},
		{"session from file keys replaced", Process, fileKeys, at(time.Hour, func(e *cache.Entry) { e.FromFile = true }), Verdict{Refuse, KeysChanged, 0}},
		{"session ending before MinLeft", Process, Request{MinLeft: 2 * time.Hour}, at(time.Hour, nil), Verdict{Refuse, BelowMinLeft, 2 * time.Hour}},
		{"role on aws login, an hour", Process, onLogin, at(time.Hour, nil), Verdict{Serve, LongEnough, 0}},
		{"role on aws login, logged out", Process, Request{Login: login, Role: role}, at(time.Hour, nil), Verdict{Refuse, LoggedOut, 0}},
		{"role on aws login, earlier sign-in", Process, onLogin, at(time.Hour, func(e *cache.Entry) { e.LoginSession = "s0" }), Verdict{Refuse, SigninChanged, 0}},
		{"token, 14 min, server", Server, token, at(14*time.Minute, nil), Verdict{Serve, LongEnough, 0}},
		{"token, exactly LoginRefreshBelow", Process, token, at(LoginRefreshBelow, nil), Verdict{Serve, LongEnough, 0}},
		{"token, 10.5 min", Process, token, at(10*time.Minute+30*time.Second, nil), Verdict{Stale, Within, LoginRefreshBelow}},
		{"token, 10.5 min, last resort", LastResort, token, at(10*time.Minute+30*time.Second, nil), Verdict{Serve, LongEnough, 0}},
		{"token, 10 min", Process, token, at(10*time.Minute, nil), Verdict{Refuse, Within, HardLimit}},
		{"token, expired", Process, token, at(0, nil), Verdict{Refuse, Expired, 0}},
	} {
		if got := tc.p.Judge(tc.r, tc.e, now); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	if got := Process.JudgeLogin(now.Add(10*time.Minute+30*time.Second), now); got != (Verdict{Stale, Within, LoginRefreshBelow}) {
		t.Errorf("JudgeLogin: %v", got)
	}
}

// The verdict is made on every cached call of the fast path: it must cost no allocation.
func TestJudgeDoesNotAllocate(t *testing.T) {
	now := time.Now()
	r := Request{FileKeys: &awsconfig.StaticKeys{AccessKeyID: "AKIAFILE"}}
	e := cache.Entry{Credentials: cache.Credentials{AccessKeyID: "ASIA1", SecretAccessKey: "s", SessionToken: "t"}, Expiration: now.Add(time.Hour), SourceKeyID: "AKIAFILE", FromFile: true}
	if n := testing.AllocsPerRun(100, func() { _ = Process.Judge(r, e, now) }); n != 0 {
		t.Fatalf("Judge allocates %v times", n)
	}
}
