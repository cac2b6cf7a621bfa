// Package loginsession serves the credentials of an `aws login` session — a browser sign-in
// with any MFA, passkeys and security keys included — as a key source for mfacred (README,
// Passkeys and security keys).
//
// The AWS CLI keeps the session in a token file (Path): 15-minute credentials, a refresh
// token and the DPoP key that proves the token's holder. The flow of Session.Credentials,
// top to bottom:
//
//  1. read the token file: serve its credentials if package hit says they serve
//     (hit.Process.JudgeLogin: hit.LoginRefreshBelow or longer left);
//  2. otherwise take the file's lock (the cache's per-name file locks, so that parallel
//     callers share one refresh) and read the file again: another process may have
//     refreshed it meanwhile;
//  3. refresh with the signin service's CreateOAuth2Token (refresh-token grant, a DPoP
//     proof signed with the file's key);
//  4. write the file atomically (a new file, 0600, renamed over the old one), every field
//     kept and the rotated refresh token saved, so that the AWS CLI and the SDKs reading
//     the same file find fresh credentials and need not refresh themselves.
//
// A session that has ended (the refresh token expired or was refused, the password
// changed, no token file) is one error naming the profile and `aws login --profile NAME`,
// and nothing on disk changes. The refresh token, the DPoP key and the credentials never
// appear in errors.
//
// Of the Go SDK's own support, credentials/logincreds and service/signin, this package uses
// the signin client; not logincreds.Provider, which refreshes only after expiry, under no
// lock, rewrites the file in place (truncate, then write) and drops fields it does not know
// (the CLI's idToken), nor its DPoP code, which is not exported. The token file's name and
// format are package tokenfile's, which links no SDK so that the fast path can read it; its
// tests check the name against logincreds.StandardCachedTokenFilepath.
package loginsession

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/signin"
	"github.com/aws/aws-sdk-go-v2/service/signin/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/mfacred/mfacred/awsclient"
	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/deadline"
	"github.com/mfacred/mfacred/hit"
	"github.com/mfacred/mfacred/internal/atomicfile"
	"github.com/mfacred/mfacred/internal/shellword"
	"github.com/mfacred/mfacred/loginsession/tokenfile"
)

// fresh reports whether t's credentials serve as they are, without a refresh: package hit's
// rule (hit.Process.JudgeLogin), which the fast path applies too. A session's credentials
// live 15 minutes.
func (s *Session) fresh(t *Token) bool { return hit.Process.JudgeLogin(t.Expires, s.now()).Serves() }

// usable reports whether t's credentials may still be served when they cannot be refreshed:
// hit's verdict is not Refuse (they live longer than hit.HardLimit, which the SDKs need).
func (s *Session) usable(t *Token) bool {
	return hit.Process.JudgeLogin(t.Expires, s.now()).Action != hit.Refuse
}

// Client is the part of the signin client a refresh needs.
type Client interface {
	CreateOAuth2Token(ctx context.Context, in *signin.CreateOAuth2TokenInput, opts ...func(*signin.Options)) (*signin.CreateOAuth2TokenOutput, error)
}

// Locks is the part of cache.Store that takes cross-process locks.
type Locks interface {
	LockOrWait(ctx context.Context, name string, timeout time.Duration) (cache.Turn, error)
}

// Session is one profile's `aws login` session.
type Session struct {
	// Profile is the profile asked for, for messages.
	Profile string
	Login   awsconfig.Login
	Locks   Locks
	// Target is whose client settings the refresh takes — endpoint_url (and its services
	// block), ca_bundle, retry settings — as the STS and IAM calls of that profile take them:
	// awsclient.For of the profile asked for. The environment (AWS_ENDPOINT_URL_SIGNIN,
	// AWS_CA_BUNDLE, HTTPS_PROXY) goes over it, as everywhere.
	Target awsclient.Target
	// NewClient builds the signin client for region; nil: DefaultClient for Target.
	NewClient func(ctx context.Context, region string) (Client, error)
	Now       func() time.Time
}

// Result is what Credentials got: the credentials, and what to tell the person about them.
type Result struct {
	cache.Entry
	// Warning is set when the credentials are served all the same although something failed:
	// a refresh failed for want of the signin service (the error is ErrUnavailable) while they
	// are still usable; or refreshed credentials could not be saved.
	Warning error
}

// New is the session of a resolved profile's Login.
func New(p *awsconfig.Profile, locks Locks) *Session {
	return &Session{Profile: p.Name, Login: *p.Login, Locks: locks, Target: awsclient.For(p)}
}

func (s *Session) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// ErrEnded marks a session that cannot give credentials any more: it must be signed in
// again with `aws login`.
var ErrEnded = errors.New("aws login session ended")

// ended is the one line for an ended session.
func (s *Session) ended(why string) error {
	return fmt.Errorf("profile %s: the aws login session of profile %s %s: %w; sign in again with `aws login --profile %s`",
		s.Profile, s.Login.Profile, why, ErrEnded, shellword.Quote(s.Login.Profile))
}

// Read reads the session's token file.
func (s *Session) Read() (*Token, string, error) {
	path, err := Path(s.Login.Session)
	if err != nil {
		return nil, "", fmt.Errorf("profile %s: %w", s.Profile, err)
	}
	t, err := tokenfile.ReadFor(path, s.Login.Session)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, path, s.ended("has no token file (" + path + ")")
	case errors.Is(err, ErrBadToken), errors.Is(err, tokenfile.ErrOtherAccount):
		return nil, path, fmt.Errorf("profile %s: token file %s of profile %s: %w; sign in again with `aws login --profile %s`",
			s.Profile, path, s.Login.Profile, err, shellword.Quote(s.Login.Profile))
	case err != nil:
		return nil, path, fmt.Errorf("profile %s: read the aws login token file of profile %s: %w", s.Profile, s.Login.Profile, err)
	}
	return t, path, nil
}

// Credentials returns the session's credentials while they serve (fresh), refreshing them
// first if need be; or, when the signin service cannot be reached, ones still usable as a
// last resort (usable; the Result's Warning says so).
func (s *Session) Credentials(ctx context.Context) (Result, error) {
	t, path, err := s.Read()
	if err != nil {
		return Result{}, err
	}
	if s.fresh(t) {
		return Result{Entry: t.Entry()}, nil
	}
	// The wait leaves room to read what the other process wrote.
	until := time.Now().Add(deadline.Left(ctx, deadline.LockWait, deadline.Keyring))
	real := realPath(path)
	var lock io.Closer
	for lock == nil {
		// One lock per file, whatever spelling of its folder reached it: one refresh.
		turn, err := s.Locks.LockOrWait(ctx, "login|"+real, time.Until(until))
		if err != nil {
			return Result{}, fmt.Errorf("profile %s: wait for the refresh of the aws login session of profile %s: %w", s.Profile, s.Login.Profile, err)
		}
		// Read again, with the lock or after its holder let go: it may have refreshed.
		if t, _, err = s.Read(); err != nil || s.fresh(t) {
			if turn.Lock != nil {
				turn.Lock.Close()
			}
			if err != nil {
				return Result{}, err
			}
			return Result{Entry: t.Entry()}, nil
		}
		lock = turn.Lock
	}
	defer lock.Close()
	// Prove that the answer can be saved before spending the single-use refresh token on it.
	save, err := s.prepareSave(real, t)
	if err != nil {
		if s.usable(t) {
			return Result{Entry: t.Entry(), Warning: err}, nil
		}
		return Result{}, err
	}
	defer save.Abort()
	read := t.Bytes()
	if err := s.refresh(ctx, t); err != nil {
		// The AWS CLI and the SDKs refresh under no lock: one of them may have spent the
		// refresh token just before this refresh, and be writing its new file now. The
		// session lives on in that file: serve it rather than say that it ended.
		if errors.Is(err, ErrEnded) {
			if now := s.newerFile(ctx, path, read, errors.As(err, new(spent))); now != nil {
				return Result{Entry: now.Entry()}, nil
			}
		}
		if errors.Is(err, ErrUnavailable) && ctx.Err() == nil && s.usable(t) {
			// The caller says that the current credentials are served, and how long they live.
			return Result{Entry: t.Entry(), Warning: err}, nil
		}
		return Result{}, err
	}
	// The AWS CLI takes no lock: a sign-in (or its own refresh) may have rewritten the file
	// while this refresh was under way, or `aws logout` removed it. The newer file is kept,
	// and served if it is fresh; a removed one is not brought back.
	if now, changed := s.since(path, read); changed {
		if now != nil && s.fresh(now) {
			return Result{Entry: now.Entry()}, nil
		}
		return Result{Entry: t.Entry()}, nil
	}
	b, err := t.Marshal()
	if err == nil {
		err = save.Commit(b)
	}
	if err != nil {
		// The old refresh token is spent: the session is lost whatever happens now, but
		// the credentials just issued still serve this call.
		return Result{Entry: t.Entry(), Warning: fmt.Errorf("profile %s: save the refreshed aws login session of profile %s in %s: %w; the refresh token it replaced is spent: sign in again with `aws login --profile %s` once this session's credentials end",
			s.Profile, s.Login.Profile, path, err, shellword.Quote(s.Login.Profile))}, nil
	}
	return Result{Entry: t.Entry()}, nil
}

// spentWait is how long a refresh whose token was refused as spent (invalid_grant) waits for
// the file of the refresh that spent it: the other program writes it once its answer came.
const spentWait = time.Second

// newerFile is the token file at path if it is no longer the one read and holds credentials
// whose credentials serve (fresh); else nil. With wait it looks again, for up to spentWait or
// until ctx ends, while the file is still the one read.
func (s *Session) newerFile(ctx context.Context, path string, read []byte, wait bool) *Token {
	end := time.Now().Add(spentWait)
	for {
		now, changed := s.since(path, read)
		changed = changed && now != nil // a file caught missing or half written may be on its way
		if changed && s.fresh(now) {
			return now
		}
		if changed || !wait || time.Now().After(end) {
			return nil
		}
		if deadline.Sleep(ctx, 50*time.Millisecond) != nil {
			return nil
		}
	}
}

// since reads the token file at path again and reports whether it is no longer the file read:
// another program rewrote it, or removed it (`aws logout`), or it cannot be read now; now is
// the file as it is, nil when it cannot be read.
func (s *Session) since(path string, read []byte) (now *Token, changed bool) {
	now, err := tokenfile.ReadFor(path, s.Login.Session)
	if err != nil {
		return nil, true
	}
	return now, !bytes.Equal(now.Bytes(), read)
}

// realPath is where the file at path really is: its links resolved, so that callers who reach
// it through two spellings of its folder share one lock, and a refresh writes through a link
// and keeps it. path itself when it cannot be resolved.
func realPath(path string) string {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		return real
	}
	return path
}

// prepareSave readies the write of the refreshed token file (atomicfile.Prepare) at real, the
// file where it really is (realPath), with room for a file a little larger than t's. A folder
// that cannot be written or a full disk is an error that is ErrUnavailable: nothing is
// refreshed and the session is kept.
func (s *Session) prepareSave(real string, t *Token) (*atomicfile.Pending, error) {
	p, err := atomicfile.Prepare(real, len(t.Bytes())+4096, 0o600)
	if err != nil {
		why := err
		var pe *fs.PathError
		if errors.As(err, &pe) {
			why = pe.Err
		}
		return nil, unavailable{fmt.Errorf("profile %s: the aws login session of profile %s was not refreshed, as a refresh could not be saved in %s (%v); the session is kept: make the folder writable or free space, and try again",
			s.Profile, s.Login.Profile, filepath.Dir(real), why)}
	}
	return p, nil
}

// refresh asks signin for new credentials and a new refresh token, and puts them in t.
func (s *Session) refresh(ctx context.Context, t *Token) error {
	key, err := ParseKey(t.DPoPKey)
	if err != nil {
		return fmt.Errorf("profile %s: token file of profile %s: %w; sign in again with `aws login --profile %s`", s.Profile, s.Login.Profile, err, shellword.Quote(s.Login.Profile))
	}
	region := t.SignInRegion
	if region == "" {
		region = s.Login.Region
	}
	newClient := s.NewClient
	if newClient == nil {
		newClient = func(ctx context.Context, region string) (Client, error) {
			t := s.Target
			t.Region = region
			return DefaultClient(ctx, t)
		}
	}
	client, err := newClient(ctx, region)
	if err != nil {
		return fmt.Errorf("profile %s: %w", s.Profile, err)
	}
	ctx, cancel := context.WithTimeout(ctx, deadline.Call)
	defer cancel()
	now := s.now()
	out, err := client.CreateOAuth2Token(ctx, &signin.CreateOAuth2TokenInput{
		TokenInput: &types.CreateOAuth2TokenRequestBody{
			ClientId:     aws.String(t.ClientID),
			GrantType:    aws.String("refresh_token"),
			RefreshToken: aws.String(t.RefreshToken),
		},
	}, signin.WithAPIOptions(func(st *middleware.Stack) error {
		return st.Finalize.Add(dpopMiddleware{key, s.now}, middleware.After)
	}))
	if err != nil {
		return s.explain(err)
	}
	o := out.TokenOutput
	if o == nil || o.AccessToken == nil || o.AccessToken.AccessKeyId == nil || o.AccessToken.SecretAccessKey == nil ||
		o.AccessToken.SessionToken == nil || o.ExpiresIn == nil || o.RefreshToken == nil || *o.RefreshToken == "" {
		return fmt.Errorf("profile %s: the signin service answered the refresh of profile %s without credentials or a refresh token", s.Profile, s.Login.Profile)
	}
	t.AccessKeyID, t.SecretAccessKey, t.SessionToken = *o.AccessToken.AccessKeyId, *o.AccessToken.SecretAccessKey, *o.AccessToken.SessionToken
	// AWS answers expiresIn ≤ 900 (docs/aws-contract.md §8). A longer life is not believed —
	// the credentials would be served past their real end — and a negative one is no life.
	life := time.Duration(min(max(*o.ExpiresIn, 0), maxExpiresIn)) * time.Second
	t.Expires = now.Add(life).UTC().Truncate(time.Second)
	t.RefreshToken = *o.RefreshToken
	if o.IdToken != nil && *o.IdToken != "" {
		t.SetIDToken(*o.IdToken)
	}
	return nil
}

// maxExpiresIn is the longest life, in seconds, a refresh's credentials are taken to have:
// the 15 minutes AWS gives them.
const maxExpiresIn = 900

// explain words a failed CreateOAuth2Token. The service's message is left out: only its
// error code is named.
func (s *Session) explain(err error) error {
	var denied *types.AccessDeniedException
	if errors.As(err, &denied) {
		switch denied.Error_ {
		case types.OAuth2ErrorCodeTokenExpired:
			return s.ended("has expired (TOKEN_EXPIRED)")
		case types.OAuth2ErrorCodeUserCredentialsChanged:
			return s.ended("ended when the password changed (USER_CREDENTIALS_CHANGED)")
		case types.OAuth2ErrorCodeInsufficientPermissions:
			return fmt.Errorf("profile %s: the aws login session of profile %s may not refresh itself (INSUFFICIENT_PERMISSIONS): allow signin:CreateOAuth2Token", s.Profile, s.Login.Profile)
		}
		return s.ended(fmt.Sprintf("was refused (%s)", denied.Error_))
	}
	var grant *types.InvalidGrantException
	if errors.As(err, &grant) {
		return spent{s.ended("was refused: its refresh token is no longer valid (" + string(grant.Error_) + ")")}
	}
	var bad *types.ValidationException
	if errors.As(err, &bad) {
		return s.ended("was refused (" + bad.ErrorCode() + ")")
	}
	var resp *awshttp.ResponseError
	if errors.As(err, &resp) && (resp.HTTPStatusCode() == 400 || resp.HTTPStatusCode() == 401 || resp.HTTPStatusCode() == 403) {
		return s.ended(fmt.Sprintf("was refused (HTTP %d)", resp.HTTPStatusCode()))
	}
	return unavailable{fmt.Errorf("profile %s: refresh the aws login session of profile %s: %w", s.Profile, s.Login.Profile, scrub(err))}
}

// ErrUnavailable marks a refresh that failed through nobody's fault in the request: the
// signin service did not answer, throttled or failed on its side. Credentials still usable
// (hit's verdict Stale) are served instead.
var ErrUnavailable = errors.New("signin service unavailable")

// spent marks a refresh refused because its refresh token is no longer valid: spent, maybe,
// by another program's refresh a moment before.
type spent struct{ error }

func (s spent) Unwrap() error { return s.error }

type unavailable struct{ error }

func (u unavailable) Is(target error) bool { return target == ErrUnavailable }
func (u unavailable) Unwrap() error        { return u.error }

// scrub keeps the kind of a transport error but not the SDK's text, which may quote the
// request.
func scrub(err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("the signin service did not answer within %s (check the network, HTTPS_PROXY or AWS_ENDPOINT_URL_SIGNIN): %w", deadline.Call, context.DeadlineExceeded)
	}
	return err
}

// dpopMiddleware adds the DPoP proof to the request as it is sent, so that it names the
// final URL.
type dpopMiddleware struct {
	key *ecdsa.PrivateKey
	now func() time.Time
}

func (dpopMiddleware) ID() string { return "mfacredDPoP" }

func (m dpopMiddleware) HandleFinalize(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
	req, ok := in.Request.(*smithyhttp.Request)
	if !ok {
		return middleware.FinalizeOutput{}, middleware.Metadata{}, fmt.Errorf("DPoP proof: unexpected transport %T", in.Request)
	}
	u := *req.URL
	u.RawQuery, u.Fragment = "", ""
	p, err := proof(m.key, req.Method, u.String(), m.now())
	if err != nil {
		return middleware.FinalizeOutput{}, middleware.Metadata{}, err
	}
	req.Header.Set("DPoP", p)
	return next.HandleFinalize(ctx, in)
}

// DefaultClient is the SDK's signin client with t's settings (package awsclient: no profile
// is handed to the SDK's shared-config loader); the call is unsigned.
func DefaultClient(ctx context.Context, t awsclient.Target) (Client, error) {
	cfg, err := awsclient.Config(ctx, t, cache.Credentials{})
	if err != nil {
		return nil, err
	}
	// No retries: a refresh the service carried out but whose answer was lost has spent the
	// refresh token, and sending it again would end the session. The next call tries again.
	return signin.NewFromConfig(cfg, func(o *signin.Options) { o.RetryMaxAttempts = 1 }), nil
}
