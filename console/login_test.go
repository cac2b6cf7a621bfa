package console

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/hit"
)

// --duration takes a Go duration or whole seconds within the console's limits, and nothing else.
func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{"": 0, "90m": 90 * time.Minute, "3600": time.Hour, "12h": 12 * time.Hour} {
		if got, err := ParseDuration(in); err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for in, want := range map[string]string{"1.5s": "whole seconds", "10m": "from 15m to 12h", "13h": "from 15m to 12h", "soon": "not a duration"} {
		if _, err := ParseDuration(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseDuration(%q) = %v, want %q", in, err, want)
		}
	}
}

// A login that cannot be served is refused before any credentials are fetched: a bad
// federation endpoint, a profile without a role, a console session longer than role chaining
// allows.
func TestSignInRefusesBeforeFetching(t *testing.T) {
	role := &awsconfig.Profile{Name: "admin", Role: &awsconfig.Role{ARN: "arn:aws:iam::222222222222:role/Admin", Duration: 3600}}
	for _, tc := range []struct {
		name string
		l    Login
		want string
	}{
		{"endpoint", Login{Endpoint: "http://example.com/federation"}, "MFACRED_FEDERATION_ENDPOINT"},
		{"no role", Login{}, "has no mfacred_role_arn"},
		{"chaining", Login{Duration: 2 * time.Hour}, "more than role chaining allows"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := role
			if tc.name == "no role" {
				p = &awsconfig.Profile{Name: "work"}
			}
			l := tc.l
			l.Profile = p.Name
			l.Load = func(string) (*awsconfig.Files, *awsconfig.Profile, error) { return &awsconfig.Files{}, p, nil }
			l.Credentials = func(context.Context, *awsconfig.Files, *awsconfig.Profile, hit.Request) (cache.Entry, error) {
				t.Fatal("fetched credentials")
				return cache.Entry{}, nil
			}
			if _, _, err := l.SignIn(context.Background()); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
}
