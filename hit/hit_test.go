package hit

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/loginsession/tokenfile"
)

const serial = "arn:aws:iam::123456789012:mfa/phone"

// sessions is an in-memory cache for Lookup.
type sessions map[cache.Key]cache.Entry

func (s sessions) Session(_ context.Context, k cache.Key) (cache.Entry, error) {
	if e, ok := s[k]; ok {
		return e, nil
	}
	return cache.Entry{}, cache.ErrNotFound
}

func load(t *testing.T, config, credentials string) *awsconfig.Files {
	t.Helper()
	dir := t.TempDir()
	cfg, creds := filepath.Join(dir, "config"), filepath.Join(dir, "credentials")
	if err := os.WriteFile(cfg, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(creds, []byte(credentials), 0o600); err != nil {
		t.Fatal(err)
	}
	files, err := awsconfig.LoadFiles(cfg, creds)
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestLookup(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	config := "[profile work]\nmfa_serial = " + serial + "\n\n[profile prod]\nmfacred_source_profile = work\nmfacred_role_arn = arn:aws:iam::222222222222:role/Admin\n"
	fresh := cache.Entry{Credentials: cache.Credentials{AccessKeyID: "ASIA1", SecretAccessKey: "s", SessionToken: "t"}, Expiration: now.Add(time.Hour), SourceKeyID: "AKIAKEYRING"}
	fromFile := fresh
	fromFile.SourceKeyID, fromFile.FromFile = "AKIAFILE", true
	due := fresh
	due.Expiration = now.Add(RenewBefore)
	sessionKey := cache.SessionKey("work", serial)
	roleKey := cache.RoleKey("work", serial, "arn:aws:iam::222222222222:role/Admin", "", "", false)
	for _, tc := range []struct {
		name, credentials, profile string
		cached                     sessions
		want                       cache.Key // "" for a miss
	}{
		{"fresh", "", "work", sessions{sessionKey: fresh}, sessionKey},
		{"due", "", "work", sessions{sessionKey: due}, ""},
		{"empty", "", "work", sessions{}, ""},
		{"file keys held", "[work]\naws_access_key_id = AKIAFILE\naws_secret_access_key = s\n", "work", sessions{sessionKey: fromFile}, sessionKey},
		{"file keys replaced", "[work]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = s\n", "work", sessions{sessionKey: fromFile}, ""},
		{"file keys gone", "", "work", sessions{sessionKey: fromFile}, ""},
		// Half a pair is no pair: it matters when keys sign a refresh, not to a cached session.
		{"half a pair, keyring session", "[work]\naws_access_key_id = AKIAFILE\n", "work", sessions{sessionKey: fresh}, sessionKey},
		{"half a pair, file session", "[work]\naws_access_key_id = AKIAFILE\n", "work", sessions{sessionKey: fromFile}, ""},
		{"role", "", "prod", sessions{sessionKey: fresh, roleKey: fresh}, roleKey},
		{"role not cached", "", "prod", sessions{sessionKey: fresh}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := load(t, config, tc.credentials)
			p, err := files.Resolve(tc.profile)
			if err != nil {
				t.Fatal(err)
			}
			r := For(files, p)
			_, v, err := Lookup(t.Context(), tc.cached, r, Process, now)
			ok := v.Serves()
			if err != nil {
				t.Fatal(err)
			}
			if ok != (tc.want != "") || ok && r.Key() != tc.want {
				t.Fatalf("served %v under %s, want %q", ok, r.Key(), tc.want)
			}
		})
	}
}

// A half key pair is kept as the error a refresh reports, naming the file.
func TestForKeepsHalfPairError(t *testing.T) {
	files := load(t, "[profile work]\nmfa_serial = "+serial+"\n", "[work]\naws_secret_access_key = s\n")
	p, err := files.Resolve("work")
	if err != nil {
		t.Fatal(err)
	}
	r := For(files, p)
	if r.FileKeys != nil || r.FileKeysErr == nil || r.Account() != "123456789012" {
		t.Fatalf("request %+v", r)
	}
}

type broken struct{}

func (broken) Session(context.Context, cache.Key) (cache.Entry, error) {
	return cache.Entry{}, errors.New("bus closed")
}

func TestLookupReportsKeyringFailure(t *testing.T) {
	_, v, err := Lookup(t.Context(), broken{}, Request{Profile: "work", Source: "work", Device: serial}, Process, time.Now())
	ok := v.Serves()
	if ok || err == nil || err.Error() != "read cached credentials of profile work: bus closed" {
		t.Fatalf("ok %v err %v", ok, err)
	}
}

// A role on an aws login session has a key of its own, never a device's; the session's own
// credentials are never looked for in the keyring.
func TestLoginKeys(t *testing.T) {
	login := &awsconfig.Login{Profile: "me", Session: "arn:aws:iam::123456789012:user/alice"}
	role := &awsconfig.Role{ARN: "arn:aws:iam::222222222222:role/Admin", Duration: 3600}
	lr := Request{Profile: "admin", Source: "me", Role: role, Login: login}
	dr := Request{Profile: "admin", Source: "me", Device: "arn:aws:iam::123456789012:mfa/x", Role: role}
	if lr.Key() == dr.Key() || !lr.Key().IsRole() || !lr.InKeyring() {
		t.Fatalf("login role key %q, device role key %q", lr.Key(), dr.Key())
	}
	bridge := Request{Profile: "bridge", Source: "me", Login: login}
	if bridge.InKeyring() || bridge.Account() != "123456789012" {
		t.Fatalf("bridge: in keyring %v, account %q", bridge.InKeyring(), bridge.Account())
	}
	t.Setenv("AWS_LOGIN_CACHE_DIRECTORY", t.TempDir())
	_, v, err := Lookup(context.Background(), failingSessions{}, bridge, Process, time.Now())
	ok := v.Serves()
	if ok || err != nil {
		t.Fatalf("Lookup of a bridge without a token file: %v %v", ok, err)
	}
}

// A bridge's credentials are read from the token file and served while they have
// LoginRefreshBelow or more left, with no keyring read.
func TestBridgeServesFromTheTokenFile(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("AWS_LOGIN_CACHE_DIRECTORY", dir)
	bridge := Request{Profile: "bridge", Source: "me", Login: &awsconfig.Login{Profile: "me", Session: "arn:aws:iam::123456789012:user/alice"}}
	now := time.Now()
	for left, want := range map[time.Duration]bool{15 * time.Minute: true, LoginRefreshBelow: true, LoginRefreshBelow - time.Second: false, -time.Minute: false} {
		file := `{"accessToken":{"accessKeyId":"ASIATOKEN","secretAccessKey":"s","sessionToken":"t","accountId":"123456789012","expiresAt":"` +
			now.Add(left).UTC().Format(time.RFC3339) + `"},"clientId":"c","refreshToken":"r","dpopKey":"k"}`
		path, err := tokenfile.Path(bridge.Login.Session)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
			t.Fatal(err)
		}
		e, v, err := Lookup(context.Background(), failingSessions{}, bridge, Process, now.Truncate(time.Second))
		ok := v.Serves()
		if ok != want || err != nil || e.AccessKeyID != "ASIATOKEN" {
			t.Errorf("%s left: served %v (%v, %q), want %v", left, ok, err, e.AccessKeyID, want)
		}
	}
}

type failingSessions struct{}

func (failingSessions) Session(context.Context, cache.Key) (cache.Entry, error) {
	return cache.Entry{}, errors.New("the keyring was read")
}
