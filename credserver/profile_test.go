package credserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/hit"
	"github.com/mfacred/mfacred/internal/child"
	"github.com/mfacred/mfacred/prompt"
	"github.com/mfacred/mfacred/session"
)

// A renewal in the background reads the terminal only in `serve` run in the foreground; with a
// command sharing the terminal, from the background or with no terminal at all, it takes the
// desktop dialog, else it fails as "no terminal" (so that still-good cached credentials serve),
// saying why and how to give a code.
func TestRenewalCodes(t *testing.T) {
	p := &awsconfig.Profile{Name: "work", MFASerial: "arn:aws:iam::123456789012:mfa/u", DeviceProfile: "work"}
	dialog := prompt.Seed{Secret: "stand-in for the dialog"}
	fg := func() child.TerminalState { return child.Foreground }
	bg := func() child.TerminalState { return child.Background }
	none := func() child.TerminalState { return child.NoTerminal }
	for _, tc := range []struct {
		name     string
		src      prompt.Source
		child    string
		terminal func() child.TerminalState
		want     prompt.Source // nil: an error
		why      string
	}{
		{"serve in the foreground asks on the terminal", prompt.Terminal{}, "", fg, prompt.Terminal{}, ""},
		{"serve in the background has no terminal", prompt.Terminal{}, "", bg, nil, "not in the terminal's foreground"},
		{"serve with no terminal says so", prompt.Terminal{}, "", none, nil, "there is no terminal"},
		{"exec --server never asks on the terminal", prompt.Terminal{}, "bash", fg, nil, "belongs to bash"},
		{"exec --server with no terminal says so", prompt.Terminal{}, "python3", none, nil, "there is no terminal"},
		{"exec --server takes the dialog", prompt.Terminal{Fallback: dialog}, "bash", fg, dialog, ""},
		{"serve in the background takes the dialog", prompt.Terminal{Fallback: dialog}, "", bg, dialog, ""},
		{"a seed is always fine", prompt.Seed{Secret: "x"}, "bash", none, prompt.Seed{Secret: "x"}, ""},
		{"mfa_process is always fine", prompt.Process{Command: "x"}, "bash", bg, prompt.Process{Command: "x"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := RenewalCodes(tc.src, p, tc.child, tc.terminal)
			if tc.want != nil {
				if err != nil || fmt.Sprintf("%#v", got) != fmt.Sprintf("%#v", tc.want) {
					t.Fatalf("got %#v, %v; want %#v", got, err, tc.want)
				}
				return
			}
			if err == nil || !errors.Is(err, prompt.ErrNoTerminal) || !strings.Contains(err.Error(), tc.why) ||
				!strings.Contains(err.Error(), "mfacred totp set --profile work") || !strings.Contains(err.Error(), "mfa_process") {
				t.Fatalf("got %#v, %v; want an error saying %q and how to give a code", got, err, tc.why)
			}
			if tc.why == "there is no terminal" && strings.Contains(err.Error(), "belongs to") {
				t.Fatalf("%v: with no terminal at all, nothing owns it", err)
			}
		})
	}
}

// fakeProvider records the options of each call and answers with credentials an hour long.
type fakeProvider struct {
	calls []session.Options
	src   prompt.Source
}

func (f *fakeProvider) CredentialsWith(ctx context.Context, r hit.Request, o session.Options) (session.Outcome, error) {
	f.calls = append(f.calls, o)
	return session.Outcome{Entry: cache.Entry{Credentials: cache.Credentials{AccessKeyID: "ASIAFAKE", SecretAccessKey: "s", SessionToken: "t"}, Expiration: time.Now().Add(time.Hour)}}, nil
}

func (f *fakeProvider) CodeSource(context.Context) (prompt.Source, error) { return f.src, nil }

// The server asks its provider under hit.Server, and a renewal in the background narrows the
// provider's code source (RenewalCodes: a terminal that exec's command owns, or none, is no
// source); the provider itself is left as it was given.
func TestServerCallsItsProviderWithOptions(t *testing.T) {
	p := &awsconfig.Profile{Name: "work", MFASerial: "arn:aws:iam::123456789012:mfa/phone", DeviceProfile: "work"}
	fake := &fakeProvider{src: prompt.Terminal{}}
	srv, err := ForProfile(t.Context(), Profile{Profile: p, Provider: fake, Child: "bash", Log: io.Discard,
		Explain: func(_ context.Context, err error) error { return err }})
	if err != nil {
		t.Fatal(err)
	}
	if len(fake.calls) != 1 || fake.calls[0].Policy != hit.Server || fake.calls[0].Codes != nil {
		t.Fatalf("first fetch: %+v, want hit.Server and the provider's own codes", fake.calls)
	}
	if _, err := srv.Renew(t.Context()); err != nil {
		t.Fatal(err)
	}
	last := fake.calls[len(fake.calls)-1]
	if last.Policy != hit.Server || last.Codes == nil {
		t.Fatalf("renewal: %+v, want hit.Server and a narrowed code source", last)
	}
	if _, err := last.Codes(t.Context()); !errors.As(err, new(noTerminal)) {
		t.Fatalf("the renewal's code source with the terminal owned by exec's command: %v, want no terminal", err)
	}
}
