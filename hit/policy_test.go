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
