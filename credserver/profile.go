package credserver

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/hit"
	"github.com/mfacred/mfacred/internal/child"
	"github.com/mfacred/mfacred/internal/shellword"
	"github.com/mfacred/mfacred/prompt"
	"github.com/mfacred/mfacred/session"
)

// Provider is what the server needs of a *session.Provider: credentials for a request under a
// call's options, and the profile's code source, which a renewal in the background narrows.
type Provider interface {
	CredentialsWith(ctx context.Context, r hit.Request, o session.Options) (session.Outcome, error)
	CodeSource(ctx context.Context) (prompt.Source, error)
}

// Profile is what the server of one profile is built from (ForProfile).
type Profile struct {
	Profile  *awsconfig.Profile
	Request  hit.Request
	Provider Provider // as for `mfacred process`: same cache, locks and code sources
	// Explain adds the ways out to an error of the provider, once, at the edge.
	Explain func(context.Context, error) error
	// Child is the name of the command of `exec --server`, which shares the terminal; "" for serve.
	Child string
	Log   io.Writer
}

// ForProfile gets the profile's first credentials (within ctx, where a code may be asked for
// on the terminal) and returns the server that keeps them renewed with the same provider,
// under hit.Server. A renewal in the background asks for a code only where RenewalCodes
// allows. Both are options of each call (session.Options): the provider is not changed.
func ForProfile(ctx context.Context, c Profile) (*Server, error) {
	token, err := NewToken()
	if err != nil {
		return nil, err
	}
	background := session.Options{Policy: hit.Server, Codes: func(ctx context.Context) (prompt.Source, error) {
		src, err := c.Provider.CodeSource(ctx)
		if err != nil {
			return nil, err
		}
		return RenewalCodes(src, c.Profile, c.Child, child.Terminal)
	}}
	srv := &Server{
		// Each called by one goroutine at a time: Start, then the renewer.
		Fetch:     c.fetch(session.Options{Policy: hit.Server}),
		Renew:     c.fetch(background),
		Token:     token,
		AccountID: hit.Of(c.Profile).Account(),
		Log:       c.Log,
		Valid:     func(e cache.Entry) bool { return hit.StillSignedIn(c.current(), e) },
	}
	if err := srv.Start(ctx); err != nil {
		return nil, err
	}
	return srv, nil
}

// fetch gets the credentials of c.current() from c.Provider with o, errors explained. The
// server keeps serving what it has by itself, so stale credentials (cached ones the provider
// could not renew) are a failed renewal to it, to retry and report (Server.Fetch).
func (c Profile) fetch(o session.Options) func(ctx context.Context) (session.Outcome, error) {
	explain := func(ctx context.Context, err error) error {
		if errors.As(err, new(noTerminal)) {
			return err // says why already
		}
		return c.Explain(ctx, err)
	}
	return func(ctx context.Context) (session.Outcome, error) {
		out, err := c.Provider.CredentialsWith(ctx, c.current(), o)
		if err != nil {
			return out, explain(ctx, err)
		}
		if out.Stale != nil {
			out.Stale.Cause = explain(ctx, out.Stale.Cause)
		}
		return out, nil
	}
}

// current is the request as the files have it now, for a profile on an `aws login` session:
// `aws login` as another user rewrites the profile's login_session, and the server follows it
// (hit.StillSignedIn) rather than serve the previous principal until it is restarted. Every
// other profile is served as it was read at the start.
func (c Profile) current() hit.Request {
	if c.Request.Login == nil {
		return c.Request
	}
	files, p, err := session.LoadProfile(c.Profile.Name)
	if err != nil || p.Login == nil {
		return c.Request.Reread()
	}
	return hit.For(files, p)
}

// RenewalCodes is the code source of a renewal in the background: src, unless src is the
// terminal and mfacred may not read it — because there is none, because the command of
// `exec --server` (child) shares it (a shell there takes the foreground, and any other command
// would split the keystrokes with mfacred), or because mfacred is not in its foreground
// (reading would stop it, server included). Then the desktop dialog, if there is one, else no
// code: the renewal fails saying how to give one.
func RenewalCodes(src prompt.Source, p *awsconfig.Profile, childName string, terminal func() child.TerminalState) (prompt.Source, error) {
	t, ok := src.(prompt.Terminal)
	if !ok {
		return src, nil
	}
	state := terminal()
	if childName == "" && state == child.Foreground {
		return src, nil
	}
	if t.Fallback != nil {
		return t.Fallback, nil
	}
	why := "mfacred is not in the terminal's foreground"
	switch {
	case state == child.NoTerminal:
		why = "there is no terminal or desktop to ask on"
	case childName != "":
		why = "the terminal belongs to " + childName
	}
	return nil, noTerminal{fmt.Sprintf("profile %s needs a new MFA code for device %s and %s: store a seed with `mfacred totp set --profile %s`, or set mfa_process in profile %s",
		p.Name, p.MFASerial, why, shellword.Quote(p.Name), p.DeviceProfile)}
}

// noTerminal is a renewal that could have no code. It is prompt.ErrNoTerminal to the
// provider, which then serves cached credentials that are still good.
type noTerminal struct{ text string }

func (n noTerminal) Error() string { return n.text }
func (n noTerminal) Unwrap() error { return prompt.ErrNoTerminal }
