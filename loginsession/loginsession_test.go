package loginsession

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/signin"
	"github.com/aws/aws-sdk-go-v2/service/signin/types"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/hit"
	"github.com/mfacred/mfacred/localsts"
)

var alice = localsts.User{Name: "alice", Account: "123456789012", AccessKeyID: "AKIAALICE", SecretAccessKey: "alice-secret"}

const sessionARN = "arn:aws:iam::123456789012:user/alice"

// world is a local signin/STS, a login cache folder with alice's token file in it, and a
// Session reading it.
type world struct {
	srv  *localsts.Server
	path string
	s    *Session
}

func newWorld(t *testing.T, o localsts.LoginOptions) *world {
	t.Helper()
	srv := localsts.New(alice)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	t.Setenv(CacheDirEnv, dir)
	t.Setenv("AWS_ENDPOINT_URL_SIGNIN", srv.URL)
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "none"))
	t.Setenv("AWS_PROFILE", "")
	file, err := srv.Login(alice.AccessKeyID, o)
	if err != nil {
		t.Fatal(err)
	}
	path, err := Path(sessionARN)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, file, 0o600); err != nil {
		t.Fatal(err)
	}
	s := &Session{Profile: "bridge", Login: awsconfig.Login{Profile: "me", Session: sessionARN, Region: "us-east-1"},
		Locks: &cache.Store{LockDir: t.TempDir()}}
	return &world{srv, path, s}
}

func (w *world) token(t *testing.T) *Token {
	t.Helper()
	b, err := os.ReadFile(w.path)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestPathIsTheSHA256OfTheSessionInTheCacheDir(t *testing.T) {
	t.Setenv(CacheDirEnv, "/x")
	p, err := Path(sessionARN)
	sum := sha256.Sum256([]byte(sessionARN))
	if want := filepath.Join("/x", hex.EncodeToString(sum[:])+".json"); err != nil || p != want {
		t.Fatalf("Path = %q, %v; want %s", p, err, want)
	}
	t.Setenv(CacheDirEnv, "")
	os.Unsetenv(CacheDirEnv)
	t.Setenv("HOME", "/home/u")
	if p, _ := Path(sessionARN); p != filepath.Join("/home/u/.aws/login/cache", hex.EncodeToString(sum[:])+".json") {
		t.Fatalf("without %s: %q", CacheDirEnv, p)
	}
}

func TestFreshCredentialsAreServedWithoutARefresh(t *testing.T) {
	w := newWorld(t, localsts.LoginOptions{})
	before, _ := os.ReadFile(w.path)
	e, err := w.s.Credentials(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if w.srv.Count("CreateOAuth2Token") != 0 || e.AccessKeyID != w.token(t).AccessKeyID {
		t.Fatalf("refreshes %d, served %s", w.srv.Count("CreateOAuth2Token"), e.AccessKeyID)
	}
	after, _ := os.ReadFile(w.path)
	if !bytes.Equal(before, after) {
		t.Fatal("the token file changed without a refresh")
	}
}

func TestRefreshUnderElevenMinutesKeepsEveryFieldAndRotatesTheRefreshToken(t *testing.T) {
	w := newWorld(t, localsts.LoginOptions{Life: 10*time.Minute + 30*time.Second})
	old := w.token(t)
	os.Chmod(w.path, 0o644) // a looser mode than the file must have
	oldFile, _ := os.Stat(w.path)
	e, err := w.s.Credentials(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if w.srv.Refreshes() != 1 {
		t.Fatalf("refreshes = %d, want 1", w.srv.Refreshes())
	}
	nt := w.token(t)
	if nt.RefreshToken == old.RefreshToken || nt.AccessKeyID == old.AccessKeyID || e.AccessKeyID != nt.AccessKeyID {
		t.Fatal("the rotated refresh token or the new credentials were not saved")
	}
	if left := time.Until(e.Expiration); left <= hit.LoginRefreshBelow {
		t.Fatalf("served with %s left", left)
	}
	var was, is map[string]json.RawMessage
	b0, _ := old.Marshal()
	b1, _ := os.ReadFile(w.path)
	json.Unmarshal(b0, &was)
	json.Unmarshal(b1, &is)
	for k, v := range was {
		if k == "accessToken" || k == "refreshToken" {
			continue
		}
		if !bytes.Equal(v, is[k]) {
			t.Errorf("field %s changed or dropped: %s -> %s", k, v, is[k])
		}
	}
	var acc map[string]string
	json.Unmarshal(is["accessToken"], &acc)
	if acc["accountId"] != "123456789012" {
		t.Errorf("accountId dropped: %v", acc)
	}
	fi, _ := os.Stat(w.path)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	// Replaced by a rename, never rewritten in place: a reader holds the old file or the new.
	if os.SameFile(oldFile, fi) {
		t.Error("the token file was rewritten in place")
	}
	// The second call is served from the refreshed file.
	if _, err := w.s.Credentials(context.Background()); err != nil || w.srv.Refreshes() != 1 {
		t.Fatalf("second call: %v, refreshes %d", err, w.srv.Refreshes())
	}
}

func TestParallelCallersShareOneRefresh(t *testing.T) {
	w := newWorld(t, localsts.LoginOptions{Life: 5 * time.Minute})
	var wg sync.WaitGroup
	keys := make([]string, 16)
	errs := make([]error, 16)
	for i := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each its own Session, as separate processes would be; one lock dir.
			s := *w.s
			e, err := s.Credentials(context.Background())
			keys[i], errs[i] = e.AccessKeyID, err
		}()
	}
	wg.Wait()
	for i := range keys {
		if errs[i] != nil || keys[i] != keys[0] {
			t.Fatalf("caller %d: %q %v (caller 0: %q)", i, keys[i], errs[i], keys[0])
		}
	}
	if n := w.srv.Count("CreateOAuth2Token"); n != 1 {
		t.Fatalf("CreateOAuth2Token called %d times, want 1", n)
	}
}

func TestEndedSessionIsOneLineAndChangesNothing(t *testing.T) {
	for _, code := range []string{"TOKEN_EXPIRED", "USER_CREDENTIALS_CHANGED"} {
		t.Run(code, func(t *testing.T) {
			w := newWorld(t, localsts.LoginOptions{Life: 5 * time.Minute})
			w.srv.EndLogins(code)
			before, _ := os.ReadFile(w.path)
			_, err := w.s.Credentials(context.Background())
			if !errors.Is(err, ErrEnded) {
				t.Fatalf("err = %v, want ErrEnded", err)
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") || !strings.Contains(msg, "profile bridge") || !strings.Contains(msg, "`aws login --profile me`") || !strings.Contains(msg, code) {
				t.Fatalf("message %q", msg)
			}
			for _, secret := range w.srv.Secrets() {
				if strings.Contains(msg, secret) {
					t.Fatal("a secret in the message")
				}
			}
			after, _ := os.ReadFile(w.path)
			if !bytes.Equal(before, after) {
				t.Fatal("the token file changed")
			}
		})
	}
}

func TestNoTokenFileSaysLogIn(t *testing.T) {
	w := newWorld(t, localsts.LoginOptions{})
	os.Remove(w.path)
	_, err := w.s.Credentials(context.Background())
	if !errors.Is(err, ErrEnded) || !strings.Contains(err.Error(), "`aws login --profile me`") {
		t.Fatalf("err = %v", err)
	}
	if _, serr := os.Stat(w.path); !errors.Is(serr, os.ErrNotExist) {
		t.Fatal("a token file was made")
	}
}

// A spent refresh token (written back by a tool that lost the race) is refused by the
// local signin as AWS may: the session has ended.
func TestSpentRefreshTokenEndsTheSession(t *testing.T) {
	w := newWorld(t, localsts.LoginOptions{Life: 5 * time.Minute})
	spent, _ := os.ReadFile(w.path)
	if _, err := w.s.Credentials(context.Background()); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(w.path, spent, 0o600)
	_, err := w.s.Credentials(context.Background())
	if !errors.Is(err, ErrEnded) {
		t.Fatalf("err = %v, want ErrEnded", err)
	}
	if after, _ := os.ReadFile(w.path); !bytes.Equal(after, spent) {
		t.Fatal("the token file changed")
	}
}

// A signin service that cannot be reached leaves credentials that still have more than
// hit.HardLimit served, with a warning, and the file untouched.
func TestUnreachableSigninServesCredentialsStillGood(t *testing.T) {
	w := newWorld(t, localsts.LoginOptions{Life: 10*time.Minute + 40*time.Second})
	w.srv.Inject(localsts.Fault{Action: "CreateOAuth2Token", Status: 503, Code: "ServiceUnavailableException", Message: "down"})
	before, _ := os.ReadFile(w.path)
	e, err := w.s.Credentials(context.Background())
	warned := e.Warning
	if err != nil || warned == nil || e.AccessKeyID != w.token(t).AccessKeyID {
		t.Fatalf("err %v, warned %v", err, warned)
	}
	if after, _ := os.ReadFile(w.path); !bytes.Equal(after, before) {
		t.Fatal("the token file changed")
	}
}

func TestParseNamesWhatIsMissing(t *testing.T) {
	_, err := Parse([]byte(`{"accessToken":{"accessKeyId":"A"},"clientId":"c"}`))
	if !errors.Is(err, ErrBadToken) || !strings.Contains(err.Error(), "refreshToken") || !strings.Contains(err.Error(), "dpopKey") {
		t.Fatalf("err = %v", err)
	}
}

// A damaged token file is an error naming the file and the way out (how a file caught while
// another tool writes it is read again: tokenfile's TestReadWaitsOutAFileRewrittenInPlace).
func TestDamagedTokenFileSaysSignInAgain(t *testing.T) {
	w := newWorld(t, localsts.LoginOptions{})
	os.WriteFile(w.path, []byte("{"), 0o600)
	if _, _, err := w.s.Read(); !errors.Is(err, ErrBadToken) || !strings.Contains(err.Error(), "`aws login --profile me`") {
		t.Fatalf("damaged file: %v", err)
	}
}

// answers is a signin client that answers every refresh with credentials said to live
// expiresIn seconds.
type answers struct{ expiresIn int32 }

func (a answers) CreateOAuth2Token(context.Context, *signin.CreateOAuth2TokenInput, ...func(*signin.Options)) (*signin.CreateOAuth2TokenOutput, error) {
	s := func(v string) *string { return &v }
	return &signin.CreateOAuth2TokenOutput{TokenOutput: &types.CreateOAuth2TokenResponseBody{
		AccessToken:  &types.AccessToken{AccessKeyId: s("ASIAODD"), SecretAccessKey: s("secret"), SessionToken: s("token")},
		ExpiresIn:    &a.expiresIn,
		RefreshToken: s("rt-next"),
	}}, nil
}

// A refresh answered with a life longer than AWS gives (15 minutes) is taken to live 15
// minutes, never served past that; a negative life is no life.
func TestRefreshedLifeIsAtMostFifteenMinutes(t *testing.T) {
	for in, want := range map[int32]time.Duration{1<<31 - 1: 15 * time.Minute, 3600: 15 * time.Minute, 900: 15 * time.Minute, 600: 10 * time.Minute, -5: 0} {
		w := newWorld(t, localsts.LoginOptions{Life: 5 * time.Minute})
		w.s.NewClient = func(context.Context, string) (Client, error) { return answers{in}, nil }
		start := time.Now()
		e, err := w.s.Credentials(context.Background())
		if err != nil {
			t.Fatalf("expiresIn %d: %v", in, err)
		}
		if left := e.Expiration.Sub(start); left > want+time.Second || left < want-2*time.Second {
			t.Errorf("expiresIn %d: the credentials are said to live %s, want %s", in, left, want)
		}
		if got := w.token(t).Expires; !got.Equal(e.Expiration) {
			t.Errorf("expiresIn %d: the file says %s, the credentials %s", in, got, e.Expiration)
		}
	}
}
