package session

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/hit"
	"github.com/mfacred/mfacred/internal/cachetest"
	"github.com/mfacred/mfacred/keyring"
	"github.com/mfacred/mfacred/prompt"
)

var t0 = time.Date(2026, 11, 24, 12, 0, 5, 0, time.UTC)

// fakeSTS accepts the codes in good, each once.
type fakeSTS struct {
	mu    sync.Mutex
	good  map[string]bool
	calls []string
	err   error
	now   func() time.Time

	assumed []assumeCall
	roleErr error
	whoami  int
}

func (f *fakeSTS) GetSessionToken(_ context.Context, in *sts.GetSessionTokenInput, _ ...func(*sts.Options)) (*sts.GetSessionTokenOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, *in.TokenCode)
	if f.err != nil {
		return nil, f.err
	}
	if !f.good[*in.TokenCode] {
		return nil, awsErr(403, "AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code.")
	}
	delete(f.good, *in.TokenCode)
	n := len(f.calls)
	return &sts.GetSessionTokenOutput{Credentials: &types.Credentials{
		AccessKeyId: aws.String(fmt.Sprintf("ASIA%d", n)), SecretAccessKey: aws.String("s"), SessionToken: aws.String("t"),
		Expiration: aws.Time(f.now().Add(time.Duration(*in.DurationSeconds) * time.Second)),
	}}, nil
}

// client is the fake STS signed with keys.
type client struct {
	*fakeSTS
	keys cache.Credentials
}

// AssumeRole applies AWS's role chaining cap to session keys and needs a code with long-term ones.
func (c *client) AssumeRole(_ context.Context, in *sts.AssumeRoleInput, _ ...func(*sts.Options)) (*sts.AssumeRoleOutput, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.assumed = append(c.assumed, assumeCall{keys: c.keys.AccessKeyID, in: *in})
	if c.roleErr != nil {
		return nil, c.roleErr
	}
	chained := strings.HasPrefix(c.keys.AccessKeyID, "ASIA")
	if chained && *in.DurationSeconds > 3600 {
		return nil, awsErr(400, "ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	}
	if !chained {
		if in.TokenCode == nil || !c.good[*in.TokenCode] {
			return nil, awsErr(403, "AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code.")
		}
		delete(c.good, *in.TokenCode)
	}
	n := len(c.assumed)
	arn := "arn:aws:sts::222222222222:assumed-role/Admin/" + *in.RoleSessionName
	return &sts.AssumeRoleOutput{
		Credentials: &types.Credentials{
			AccessKeyId: aws.String(fmt.Sprintf("ASIAROLE%d", n)), SecretAccessKey: aws.String("rs"), SessionToken: aws.String("rt"),
			Expiration: aws.Time(c.now().Add(time.Duration(*in.DurationSeconds) * time.Second)),
		},
		AssumedRoleUser: &types.AssumedRoleUser{Arn: &arn},
	}, nil
}

func (c *client) GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.whoami++
	return &sts.GetCallerIdentityOutput{Arn: aws.String("arn:aws:iam::123456789012:user/team/alice")}, nil
}

type assumeCall struct {
	keys string
	in   sts.AssumeRoleInput
}

// codes is a scripted code source.
type codes struct {
	list        []string
	interactive bool
	asked       []prompt.Request
	err         error
}

func (c *codes) Code(_ context.Context, r prompt.Request) (string, error) {
	c.asked = append(c.asked, r)
	if c.err != nil {
		return "", c.err
	}
	if len(c.list) == 0 {
		return "", errors.New("out of codes")
	}
	code := c.list[0]
	c.list = c.list[1:]
	return code, nil
}
func (c *codes) Interactive() bool { return c.interactive }
func (c *codes) Name() string      { return "scripted" }

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }
func (c *clock) sleep(_ context.Context, d time.Duration) error {
	c.t = c.t.Add(d)
	return nil
}

type rig struct {
	p     *Provider
	store *cache.Store
	sts   *fakeSTS
	codes *codes
	clock *clock
	req   Request
}

func newRig(t *testing.T) *rig {
	c := &clock{t: t0}
	r := &rig{
		store: cachetest.NewStore(t.TempDir()),
		sts:   &fakeSTS{good: map[string]bool{"111111": true, "222222": true, "333333": true}, now: c.now},
		codes: &codes{list: []string{"111111", "222222", "333333"}},
		clock: c,
		req:   Request{Profile: "work", Source: "work", Device: "arn:aws:iam::123456789012:mfa/phone", Duration: 12 * time.Hour},
	}
	r.p = &Provider{
		Store:  r.store,
		NewSTS: func(_ context.Context, k cache.Credentials) (STS, error) { return &client{r.sts, k}, nil },
		Codes:  func(context.Context) (prompt.Source, error) { return r.codes, nil },
		Now:    c.now,
		Sleep:  c.sleep,
	}
	if err := r.store.PutKeys(t.Context(), "work", cache.Credentials{AccessKeyID: "AKIAAAAAAAAAAAAAAAAA", SecretAccessKey: "secretsecretsecret"}); err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *rig) get(t *testing.T) cache.Entry {
	t.Helper()
	out, err := r.p.Credentials(context.Background(), r.req)
	if err != nil {
		t.Fatal(err)
	}
	if out.Warning() != nil {
		t.Fatalf("unexpected warning: %v", out.Warning())
	}
	return out.Entry
}

func TestCachedSessionServedUntilRenewalMargin(t *testing.T) {
	for _, tc := range []struct {
		name    string
		after   time.Duration
		renewed bool
	}{
		{"fresh", time.Minute, false},
		{"16 min left", 12*time.Hour - 16*time.Minute, false},
		{"exactly 15 min left", 12*time.Hour - 15*time.Minute, true},
		{"14 min left", 12*time.Hour - 14*time.Minute, true},
		{"expired", 13 * time.Hour, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			first := r.get(t)
			r.clock.t = r.clock.t.Add(tc.after)
			second := r.get(t)
			if got := second.AccessKeyID != first.AccessKeyID; got != tc.renewed {
				t.Fatalf("renewed = %v, want %v", got, tc.renewed)
			}
			if want := 1 + map[bool]int{true: 1}[tc.renewed]; len(r.sts.calls) != want {
				t.Fatalf("%d STS calls, want %d", len(r.sts.calls), want)
			}
		})
	}
}

// Under hit.Server (the credentials server), a session is renewed ServerLead earlier; a
// process caller at the same moment (hit.Process) would still be served the cached one.
func TestServerPolicyRenewsEarlier(t *testing.T) {
	r := newRig(t)
	first := r.get(t)
	r.clock.t = r.clock.t.Add(12*time.Hour - 19*time.Minute)
	if again := r.get(t); again.AccessKeyID != first.AccessKeyID {
		t.Fatal("renewed with 19 min left under hit.Process")
	}
	out, err := r.p.CredentialsWith(context.Background(), r.req, Options{Policy: hit.Server})
	if err != nil || out.Warning() != nil {
		t.Fatal(err, out.Warning())
	}
	if renewed := out.Entry; renewed.AccessKeyID == first.AccessKeyID || len(r.sts.calls) != 2 {
		t.Fatalf("under hit.Server with 19 min left: renewed %v, %d STS calls", renewed.AccessKeyID != first.AccessKeyID, len(r.sts.calls))
	}
}

func TestDurationIsSent(t *testing.T) {
	r := newRig(t)
	r.req.Duration = 900 * time.Second
	e := r.get(t)
	if got := e.Expiration.Sub(t0); got != 900*time.Second {
		t.Fatalf("session lives %s, want 15m", got)
	}
}

func TestReplacedKeysNeverServeOldSession(t *testing.T) {
	r := newRig(t)
	first := r.get(t)
	if err := r.store.PutKeys(t.Context(), "work", cache.Credentials{AccessKeyID: "AKIABBBBBBBBBBBBBBBB", SecretAccessKey: "othersecretother"}); err != nil {
		t.Fatal(err)
	}
	second := r.get(t)
	if second.AccessKeyID == first.AccessKeyID || second.SourceKeyID != "AKIABBBBBBBBBBBBBBBB" {
		t.Fatalf("old session served for new keys: %+v", second)
	}
}

func TestFileKeysMustMatch(t *testing.T) {
	r := newRig(t)
	r.req.Source = "filekeys"
	r.req.FileKeys = &awsconfig.StaticKeys{AccessKeyID: "AKIAFILE000000000001", SecretAccessKey: "x"}
	first := r.get(t)
	if !first.FromFile || first.SourceKeyID != "AKIAFILE000000000001" {
		t.Fatalf("entry does not record the file keys: %+v", first)
	}
	if again := r.get(t); again.AccessKeyID != first.AccessKeyID {
		t.Fatal("same file keys: not served from cache")
	}
	r.req.FileKeys = &awsconfig.StaticKeys{AccessKeyID: "AKIAFILE000000000002", SecretAccessKey: "y"}
	if other := r.get(t); other.AccessKeyID == first.AccessKeyID {
		t.Fatal("session served for other file keys")
	}
}

func TestUsedGeneratedCodeWaitsForNextStep(t *testing.T) {
	r := newRig(t)
	r.codes.list = []string{"111111", "111111", "222222"} // a seed gives the same code within a step
	r.get(t)
	if err := r.p.Store.(*cache.Store).DeleteSession(t.Context(), cache.SessionKey("work", r.req.Device)); err != nil {
		t.Fatal(err)
	}
	start := r.clock.t
	r.get(t)
	if strings.Join(r.sts.calls, ",") != "111111,222222" {
		t.Fatalf("codes sent: %v, want 111111 then 222222 (never one twice)", r.sts.calls)
	}
	if waited := r.clock.t.Sub(start); waited < 20*time.Second || waited > 31*time.Second {
		t.Fatalf("waited %s for the next step", waited)
	}
}

func TestUsedTypedCodeIsAskedAgain(t *testing.T) {
	r := newRig(t)
	r.codes.interactive = true
	r.codes.list = []string{"111111", "111111", "222222"}
	r.get(t)
	_ = r.store.DeleteSession(t.Context(), cache.SessionKey("work", r.req.Device))
	r.get(t)
	if strings.Join(r.sts.calls, ",") != "111111,222222" {
		t.Fatalf("codes sent: %v", r.sts.calls)
	}
	if last := r.codes.asked[len(r.codes.asked)-1]; !strings.Contains(last.Retry, "used already") {
		t.Fatalf("person not told why: %+v", last)
	}
}

func TestWrongTypedCodeRetriedUpToThreeTimes(t *testing.T) {
	for _, tc := range []struct {
		name        string
		list        []string
		interactive bool
		wantErr     bool
		wantCalls   int
	}{
		{"terminal, third code good", []string{"000001", "000002", "111111"}, true, false, 3},
		{"terminal, three wrong", []string{"000001", "000002", "000003", "111111"}, true, true, 3},
		{"generated code is not retried", []string{"000001", "111111"}, false, true, 1},
		{"terminal, not 6 digits asked again without STS", []string{"12345", "abcdef", "111111"}, true, false, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			r.codes.list, r.codes.interactive = tc.list, tc.interactive
			_, err := r.p.Credentials(context.Background(), r.req)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v", err)
			}
			if err != nil && !errors.Is(err, ErrBadCode) {
				t.Fatalf("err = %v, want ErrBadCode", err)
			}
			if len(r.sts.calls) != tc.wantCalls {
				t.Fatalf("%d STS calls, want %d", len(r.sts.calls), tc.wantCalls)
			}
		})
	}
}

func TestFailedRefreshKeepsCachedSession(t *testing.T) {
	r := newRig(t)
	first := r.get(t)
	r.clock.t = r.clock.t.Add(12*time.Hour - 10*time.Minute) // due for renewal, still valid
	r.sts.err = awsErr(400, "Throttling", "Rate exceeded")
	if _, err := r.p.Credentials(context.Background(), r.req); err == nil {
		t.Fatal("refresh did not fail")
	}
	kept, err := r.store.Session(t.Context(), cache.SessionKey("work", r.req.Device))
	if err != nil || kept.AccessKeyID != first.AccessKeyID {
		t.Fatalf("cached session damaged by a failed refresh: %+v %v", kept, err)
	}
	if _, err := r.store.Keys(t.Context(), "work"); err != nil {
		t.Fatalf("keys damaged: %v", err)
	}
}

// awsErr is an error as the SDK returns it for an AWS error answer: an operation error around
// the HTTP response error around the API error with its code.
func awsErr(status int, code, message string) error {
	return &smithy.OperationError{ServiceID: "STS", OperationName: "GetSessionToken", Err: &awshttp.ResponseError{
		RequestID: "x",
		ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}},
			Err:      &smithy.GenericAPIError{Code: code, Message: message},
		},
	}}
}

func TestErrorsAreExplained(t *testing.T) {
	r := Request{Profile: "work", Source: "work", Device: "arn:aws:iam::1:mfa/alice"}
	for _, tc := range []struct {
		aws         error
		want        string
		unavailable bool
	}{
		{awsErr(403, "AccessDenied", "MultiFactorAuthentication failed, unable to validate MFA code. Please verify your MFA serial number is valid and associated with this user."), "device arn:aws:iam::1:mfa/alice is not one of your MFA devices", false},
		{awsErr(403, "AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code."), "AWS rejected the MFA code for device arn:aws:iam::1:mfa/alice", false},
		{awsErr(403, "InvalidClientTokenId", "The security token included in the request is invalid."), "mfacred add work", false},
		{awsErr(403, "SignatureDoesNotMatch", "The request signature we calculated does not match"), "mfacred add work", false},
		// The code decides, not the words: a message that merely mentions a code is not it.
		{awsErr(403, "AccessDenied", "not InvalidClientTokenId"), "GetSessionToken with device arn:aws:iam::1:mfa/alice: operation error STS: GetSessionToken", false},
		{awsErr(400, "Throttling", "Rate exceeded"), "profile work: STS throttled GetSessionToken, still after retries: try again in a minute (Throttling: Rate exceeded)", true},
		{awsErr(429, "SlowDown", "later"), "profile work: STS throttled GetSessionToken", true},
		{awsErr(503, "ServiceUnavailable", "down"), "profile work: STS failed GetSessionToken on its side, still after retries: try again shortly (ServiceUnavailable: down)", true},
		{&smithy.OperationError{ServiceID: "STS", OperationName: "GetSessionToken", Err: &aws.RequestCanceledError{Err: context.DeadlineExceeded}}, "profile work: STS did not answer GetSessionToken within 20s", true},
		{awsErr(400, "ValidationError", "something new"), "profile work: GetSessionToken with device arn:aws:iam::1:mfa/alice: operation error STS: GetSessionToken", false},
	} {
		err := Explain(r, tc.aws)
		if got := err.Error(); !strings.Contains(got, tc.want) {
			t.Errorf("Explain(%v) = %q, want it to contain %q", tc.aws, got, tc.want)
		}
		if errors.Is(err, ErrSTSUnavailable) != tc.unavailable {
			t.Errorf("Explain(%v): errors.Is(ErrSTSUnavailable) = %v", tc.aws, !tc.unavailable)
		}
	}
}

func TestNoKeysAnywhere(t *testing.T) {
	r := newRig(t)
	r.req.Source = "nobody"
	_, err := r.p.Credentials(context.Background(), r.req)
	if !errors.Is(err, ErrNoKeys) || !strings.Contains(err.Error(), "profile nobody") {
		t.Fatalf("err = %v", err)
	}
	if len(r.codes.asked) != 0 {
		t.Fatal("a code was asked for although no keys exist")
	}
}

func TestLockTimeoutNamesDevice(t *testing.T) {
	r := newRig(t)
	r.p.Store = lockedStore{r.store}
	_, err := r.p.Credentials(context.Background(), r.req)
	if err == nil || !strings.Contains(err.Error(), r.req.Device) || !strings.Contains(err.Error(), "profile work") {
		t.Fatalf("err = %v", err)
	}
}

type lockedStore struct{ *cache.Store }

func (lockedStore) LockOrWait(context.Context, string, time.Duration) (cache.Turn, error) {
	return cache.Turn{}, cache.ErrLockTimeout
}

// A process that renewed while we waited on the lock: the re-check serves its session.
func TestRecheckAfterLock(t *testing.T) {
	r := newRig(t)
	key := cache.SessionKey("work", r.req.Device)
	r.p.Store = renewingStore{Store: r.store, key: key, entry: cache.Entry{
		Credentials: cache.Credentials{AccessKeyID: "ASIAOTHER", SecretAccessKey: "s", SessionToken: "t"},
		Expiration:  t0.Add(time.Hour), SourceKeyID: "AKIAAAAAAAAAAAAAAAAA",
	}}
	e := r.get(t)
	if e.AccessKeyID != "ASIAOTHER" || len(r.sts.calls) != 0 {
		t.Fatalf("did not serve the session renewed by another process: %+v, %d calls", e, len(r.sts.calls))
	}
}

type renewingStore struct {
	*cache.Store
	key   cache.Key
	entry cache.Entry
}

func (s renewingStore) LockOrWait(ctx context.Context, name string, d time.Duration) (cache.Turn, error) {
	l, err := s.Store.LockOrWait(ctx, name, d)
	_ = s.Store.PutSession(ctx, s.key, s.entry) // the other process finished while we waited
	return l, err
}

func (r *rig) role(t *testing.T, arn string) cache.Entry {
	t.Helper()
	req := r.req
	req.Profile = "prod"
	req.Role = &awsconfig.Role{ARN: arn, Duration: 3600}
	out, err := r.p.Credentials(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return out.Entry
}

// Two roles on one source: one code in total, each role assumed once with the session's keys,
// named after the IAM user, and then served from the cache.
func TestRolesShareOneSession(t *testing.T) {
	r := newRig(t)
	admin := r.role(t, "arn:aws:iam::222222222222:role/Admin")
	r.role(t, "arn:aws:iam::333333333333:role/ReadOnly")
	if len(r.sts.calls) != 1 {
		t.Fatalf("%d GetSessionToken calls, want 1", len(r.sts.calls))
	}
	if len(r.sts.assumed) != 2 {
		t.Fatalf("%d AssumeRole calls, want 2", len(r.sts.assumed))
	}
	for _, a := range r.sts.assumed {
		if a.keys != "ASIA1" || a.in.TokenCode != nil || *a.in.RoleSessionName != "alice" || *a.in.DurationSeconds != 3600 {
			t.Fatalf("AssumeRole %s with keys %s", awsString(a.in), a.keys)
		}
	}
	if r.sts.whoami != 1 {
		t.Fatalf("%d GetCallerIdentity calls, want 1 (cached)", r.sts.whoami)
	}
	again := r.role(t, "arn:aws:iam::222222222222:role/Admin")
	if again.AccessKeyID != admin.AccessKeyID || len(r.sts.assumed) != 2 {
		t.Fatal("role credentials not served from the cache")
	}
	if admin.Role != "arn:aws:iam::222222222222:role/Admin" || admin.ARN != "arn:aws:sts::222222222222:assumed-role/Admin/alice" || admin.SourceKeyID != "AKIAAAAAAAAAAAAAAAAA" {
		t.Fatalf("entry %+v", admin)
	}
}

func awsString(in sts.AssumeRoleInput) string {
	return fmt.Sprintf("%s as %s for %ds", *in.RoleArn, *in.RoleSessionName, *in.DurationSeconds)
}

// Role credentials outlive a renewal of the session they were made with, and are renewed
// 15 minutes before they expire, from the cached session (no code).
func TestRoleRenewal(t *testing.T) {
	r := newRig(t)
	first := r.role(t, "arn:aws:iam::222222222222:role/Admin")
	_ = r.store.DeleteSession(t.Context(), cache.SessionKey("work", r.req.Device))
	r.get(t) // a new session
	if e := r.role(t, "arn:aws:iam::222222222222:role/Admin"); e.AccessKeyID != first.AccessKeyID {
		t.Fatal("a renewed session dropped still-valid role credentials")
	}
	r.clock.t = r.clock.t.Add(46 * time.Minute)
	if e := r.role(t, "arn:aws:iam::222222222222:role/Admin"); e.AccessKeyID == first.AccessKeyID {
		t.Fatal("role credentials with 14 minutes left were served")
	}
	if len(r.sts.calls) != 2 || len(r.sts.assumed) != 2 {
		t.Fatalf("%d GetSessionToken, %d AssumeRole; want 2, 2", len(r.sts.calls), len(r.sts.assumed))
	}
}

// MinLeft renews role credentials that end sooner, from the cached session (no code), and
// leaves the session itself alone even when it ends sooner than MinLeft.
func TestRoleMinLeft(t *testing.T) {
	r := newRig(t)
	first := r.role(t, "arn:aws:iam::222222222222:role/Admin")
	r.clock.t = r.clock.t.Add(20 * time.Minute) // 40 minutes left
	req := r.req
	req.Profile = "prod"
	req.Role = &awsconfig.Role{ARN: "arn:aws:iam::222222222222:role/Admin", Duration: 3600}
	req.MinLeft = 30 * time.Minute
	if e, err := r.p.Credentials(context.Background(), req); err != nil || e.AccessKeyID != first.AccessKeyID {
		t.Fatalf("40 minutes left, 30 asked: renewed (%v)", err)
	}
	req.MinLeft = 50 * time.Minute
	e, err := r.p.Credentials(context.Background(), req)
	if err != nil || e.AccessKeyID == first.AccessKeyID || e.Expiration.Sub(r.clock.t) != time.Hour {
		t.Fatalf("40 minutes left, 50 asked: not renewed for an hour (%v)", err)
	}
	// The 12-hour session has 11h40m left, less than a MinLeft of 12 h: still no new code.
	req.MinLeft = 12 * time.Hour
	if _, err := r.p.Credentials(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if len(r.sts.calls) != 1 || len(r.sts.assumed) != 3 {
		t.Fatalf("%d GetSessionToken, %d AssumeRole; want 1, 3", len(r.sts.calls), len(r.sts.assumed))
	}
}

// Direct mode assumes the role with the long-term keys and a code of its own.
func TestDirectRoleUsesKeysAndCode(t *testing.T) {
	r := newRig(t)
	req := r.req
	req.Role = &awsconfig.Role{ARN: "arn:aws:iam::222222222222:role/Admin", SessionName: "alice@example.com", ExternalID: "ext-1234", Duration: 8 * 3600, Direct: true}
	e, err := r.p.Credentials(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.sts.calls) != 0 || len(r.sts.assumed) != 1 || r.sts.whoami != 0 {
		t.Fatalf("calls: %d GetSessionToken, %d AssumeRole, %d GetCallerIdentity", len(r.sts.calls), len(r.sts.assumed), r.sts.whoami)
	}
	a := r.sts.assumed[0]
	if a.keys != "AKIAAAAAAAAAAAAAAAAA" || *a.in.TokenCode != "111111" || *a.in.SerialNumber != r.req.Device || *a.in.ExternalId != "ext-1234" || *a.in.RoleSessionName != "alice@example.com" {
		t.Fatalf("AssumeRole %s with keys %s", awsString(a.in), a.keys)
	}
	if got := e.Expiration.Sub(t0); got != 8*time.Hour {
		t.Fatalf("lives %s", got)
	}
	if _, err := r.store.Session(t.Context(), cache.SessionKey("work", r.req.Device)); !errors.Is(err, cache.ErrNotFound) {
		t.Fatal("direct mode made a session")
	}
}

// AWS's chaining error is explained, and a failed AssumeRole caches nothing and keeps the session.
func TestRoleErrorsCacheNothing(t *testing.T) {
	for _, tc := range []struct {
		name    string
		roleErr error
		dur     int // seconds
		want    string
	}{
		{"chaining cap", nil, 7200, "role chaining, which AWS caps at 3600 seconds: set mfacred_role_duration_seconds = 3600 or less, or mfacred_role_direct = true"},
		{"trust policy", awsErr(403, "AccessDenied", "User: arn:aws:iam::1:user/alice is not authorized to perform: sts:AssumeRole on resource: arn"), 3600, "AWS refused to let you assume role arn:aws:iam::222222222222:role/Admin with the MFA session of profile work: check the role's trust policy"},
		{"max duration", awsErr(400, "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."), 3600, "allows shorter sessions than 3600 seconds"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			session := r.get(t)
			r.sts.roleErr = tc.roleErr
			req := r.req
			req.Profile = "prod"
			req.Role = &awsconfig.Role{ARN: "arn:aws:iam::222222222222:role/Admin", Duration: tc.dur}
			_, err := r.p.Credentials(context.Background(), req)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "profile prod: ") {
				t.Fatalf("err = %v\nwant %q", err, tc.want)
			}
			if _, err := r.store.Session(t.Context(), req.Key()); !errors.Is(err, cache.ErrNotFound) {
				t.Fatal("a failed AssumeRole cached something")
			}
			if kept := r.get(t); kept.AccessKeyID != session.AccessKeyID {
				t.Fatal("the session was lost")
			}
		})
	}
}

func TestRoleSessionName(t *testing.T) {
	for arn, want := range map[string]string{
		"arn:aws:iam::123456789012:user/alice":                      "alice",
		"arn:aws:iam::123456789012:user/team/dev/bob.smith@x.com":   "bob.smith@x.com",
		"arn:aws:iam::123456789012:root":                            "root",
		"arn:aws:iam::123456789012:user/a":                          "mfacred-a",
		"arn:aws:iam::123456789012:user/" + strings.Repeat("x", 70): strings.Repeat("x", 64),
		"arn:aws:iam::123456789012:user/j\u00f6rg":                  "j-rg",
	} {
		if got := RoleSessionName(arn); got != want {
			t.Errorf("RoleSessionName(%q) = %q, want %q", arn, got, want)
		}
	}
}

// The keyring failing on the write after GetSessionToken (locked, timing out) does not cost
// the caller the credentials, and the code spent on them: they are returned with one warning
// naming the profile and device, and the session cached before is left as it was.
func TestKeyringFailsOnWrite(t *testing.T) {
	for _, fail := range []error{
		fmt.Errorf("%w: keyring locked", keyring.ErrNoKeyring),
		fmt.Errorf("secret service: %w", context.DeadlineExceeded), // the keyring's own bound, not the call's
	} {
		t.Run(fail.Error(), func(t *testing.T) {
			r := newRig(t)
			first := r.get(t)
			r.clock.t = r.clock.t.Add(12*time.Hour - 10*time.Minute) // due for renewal, still valid
			r.p.Store = &cache.Store{Keyring: failingSets{Keyring: r.store.Keyring.(*cachetest.Keyring), err: fail}, LockDir: r.store.LockDir}
			e, err := r.p.Credentials(context.Background(), r.req)
			var warned []error
			if w := e.Warning(); w != nil {
				warned = append(warned, w)
			}
			if err != nil || e.AccessKeyID == "" || e.AccessKeyID == first.AccessKeyID {
				t.Fatalf("credentials thrown away: %+v %v", e, err)
			}
			if len(r.sts.calls) != 2 {
				t.Fatalf("%d STS calls, want 2", len(r.sts.calls))
			}
			if len(warned) != 1 || !errors.Is(warned[0], ErrNotCached) || !strings.Contains(warned[0].Error(), "profile work") ||
				!strings.Contains(warned[0].Error(), r.req.Device) || !strings.Contains(warned[0].Error(), fail.Error()) {
				t.Fatalf("warnings: %v", warned)
			}
			if kept, err := r.store.Session(t.Context(), r.req.Key()); err != nil || kept != first {
				t.Fatalf("cached session damaged: %+v %v", kept, err)
			}
		})
	}
}

// The record of cached items (kept where the keyring cannot list them) stays locked by another
// process for longer than its wait: the credentials just obtained are returned all the same,
// marked not cached for that reason, and the session cached before is left as it was.
func TestRecordLockHeldOnWrite(t *testing.T) {
	r := newRig(t)
	r.store = &cache.Store{Keyring: &cachetest.Limited{Max: 1 << 20}, LockDir: r.store.LockDir}
	r.p.Store = r.store
	if err := r.store.PutKeys(t.Context(), "work", cache.Credentials{AccessKeyID: "AKIAAAAAAAAAAAAAAAAA", SecretAccessKey: "secretsecretsecret"}); err != nil {
		t.Fatal(err)
	}
	first := r.get(t)
	r.clock.t = r.clock.t.Add(12*time.Hour - 10*time.Minute) // due for renewal, still valid
	// Another process's hold on the record: the same lock file, from a Store of its own.
	other := &cache.Store{Keyring: r.store.Keyring, LockDir: r.store.LockDir}
	held, err := other.LockOrWait(t.Context(), "index", time.Second)
	if err != nil || held.Lock == nil {
		t.Fatalf("take the record's lock: %+v %v", held, err)
	}
	defer held.Lock.Close()
	out, err := r.p.Credentials(context.Background(), r.req)
	if err != nil || out.AccessKeyID == first.AccessKeyID || len(r.sts.calls) != 2 {
		t.Fatalf("credentials thrown away: %+v %v, %d STS calls", out, err, len(r.sts.calls))
	}
	if out.NotCached == nil || !errors.Is(out.NotCached, cache.ErrLockTimeout) {
		t.Fatalf("not marked as not cached for the record's lock: %v", out.Warning())
	}
	if kept, err := r.store.Session(t.Context(), r.req.Key()); err != nil || kept != first {
		t.Fatalf("cached session damaged: %+v %v", kept, err)
	}
}

// A write that fails because the call was cancelled fails the call: nobody is left to take
// the credentials.
func TestWriteCancelledFails(t *testing.T) {
	r := newRig(t)
	ctx, cancel := context.WithCancel(context.Background())
	r.p.Store = cancelOnWrite{Store: r.store, cancel: cancel}
	if _, err := r.p.Credentials(ctx, r.req); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

type cancelOnWrite struct {
	*cache.Store
	cancel context.CancelFunc
}

func (c cancelOnWrite) PutSession(ctx context.Context, _ cache.Key, _ cache.Entry) error {
	c.cancel()
	return fmt.Errorf("store session: %w", ctx.Err())
}

// failingSets is a keyring whose writes of sessions fail with err.
type failingSets struct {
	*cachetest.Keyring
	err error
}

func (f failingSets) Set(ctx context.Context, service, user, secret string) error {
	if strings.Contains(secret, "ASIA") {
		return f.err
	}
	return f.Keyring.Set(ctx, service, user, secret)
}

// The process we waited for stored a session that is already due (its clock, or a slow
// STS): the waiter does not serve it but renews.
func TestSessionExpiringWhileWaiting(t *testing.T) {
	r := newRig(t)
	r.p.Store = renewingStore{Store: r.store, key: r.req.Key(), entry: cache.Entry{
		Credentials: cache.Credentials{AccessKeyID: "ASIASTALE", SecretAccessKey: "s", SessionToken: "t"},
		Expiration:  t0.Add(5 * time.Minute), SourceKeyID: "AKIAAAAAAAAAAAAAAAAA",
	}}
	if e := r.get(t); e.AccessKeyID == "ASIASTALE" || len(r.sts.calls) != 1 {
		t.Fatalf("served a session with 5 minutes left: %+v, %d calls", e, len(r.sts.calls))
	}
}

// Expiry is judged by the provider's clock, read at each call, against the stored
// expiration, so a clock that jumps (suspend and resume, or set back) is seen at the next
// call: the session cached at t0 is served or renewed as the clock now says.
func TestServesAfterClockJumps(t *testing.T) {
	for _, tc := range []struct {
		name    string
		jump    time.Duration
		renewed bool
	}{
		{"no jump", 0, false},
		{"resumed with 16 min left", 11*time.Hour + 44*time.Minute, false},
		{"resumed with 14 min left", 11*time.Hour + 46*time.Minute, true},
		{"resumed after it expired", 72 * time.Hour, true},
		{"clock set back an hour", -time.Hour, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			first := r.get(t)
			r.clock.t = t0.Add(tc.jump) // the jump: nothing but the clock changes
			again := r.get(t)
			if renewed := again.AccessKeyID != first.AccessKeyID; renewed != tc.renewed {
				t.Fatalf("after the clock moved %s: renewed = %v, want %v", tc.jump, renewed, tc.renewed)
			}
		})
	}
}
