//go:build linux

package e2e

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/mfacred/mfacred/localsts"
	"github.com/mfacred/mfacred/loginsession"
)

// A second hostile pass over the `aws login` path as built (after issue 26's fixes): the
// token file's contents and kinds, the cache folder's spellings, concurrency with the AWS
// CLI's own refresh and sign-in, identity changes, the refresh's failures, signals, and the
// README's promises word by word. Every token file lives outside the scanned root.

// hostileToken is a token file the local signin issued for lw's user, decoded, for a case to
// damage; life is how long its credentials live.
func (lw *signinWorld) hostileToken(life time.Duration) map[string]any {
	lw.t.Helper()
	b, err := lw.sts.Login(lw.user.AccessKeyID, localsts.LoginOptions{Life: life})
	if err != nil {
		lw.t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		lw.t.Fatal(err)
	}
	return m
}

func (lw *signinWorld) writeToken(b []byte) {
	lw.t.Helper()
	os.RemoveAll(lw.tokenPath())
	if err := os.WriteFile(lw.tokenPath(), b, 0o600); err != nil {
		lw.t.Fatal(err)
	}
}

func mustJSON(v any) []byte {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		panic(err)
	}
	return b
}

// noSecret fails if any secret the local STS or signin handed out is in outs.
func (lw *signinWorld) noSecret(t *testing.T, outs ...string) {
	t.Helper()
	for _, out := range outs {
		for _, s := range lw.sts.Secrets() {
			if s != "" && strings.Contains(out, s) {
				t.Fatalf("a secret is in the output: %q", out)
			}
		}
		// the PEM body of a DPoP key, whichever key it is
		if strings.Contains(out, "PRIVATE KEY") {
			t.Fatalf("a private key is in the output: %q", out)
		}
	}
}

// failsInOneLine checks a refused call: nothing on stdout, one line on stderr naming the
// profile and each of want, no secret.
func (lw *signinWorld) failsInOneLine(t *testing.T, r result, profile string, want ...string) {
	t.Helper()
	if r.err == nil || r.stdout != "" {
		t.Fatalf("served: %v %q", r.err, r.stdout)
	}
	line := strings.TrimSpace(r.stderr)
	if line == "" || strings.Contains(line, "\n") {
		t.Fatalf("want one line on stderr, got %q", r.stderr)
	}
	for _, w := range append([]string{"profile " + profile}, want...) {
		if !strings.Contains(line, w) {
			t.Fatalf("error %q lacks %q", line, w)
		}
	}
	lw.noSecret(t, r.stderr)
}

// cliRefresh refreshes the session in the token file at path as the AWS CLI does: its own
// CreateOAuth2Token at endpoint with a DPoP proof made here, independently of mfacred, then
// the file rewritten in place (truncate, then write) under no lock, at once or, with later,
// 300 ms after the answer came. It returns the new file.
func cliRefresh(endpoint, path string, later bool) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f map[string]any
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, err
	}
	keyPEM, _ := f["dpopKey"].(string)
	key, err := loginsession.ParseKey(keyPEM)
	if err != nil {
		return nil, err
	}
	proof, err := dpopProof(key, endpoint+"/v1/token")
	if err != nil {
		return nil, err
	}
	body, _ := json.Marshal(map[string]any{"clientId": f["clientId"], "grantType": "refresh_token", "refreshToken": f["refreshToken"]})
	req, _ := http.NewRequest(http.MethodPost, endpoint+"/v1/token", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("DPoP", proof)
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	ans, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("the CLI's refresh: HTTP %d %s", resp.StatusCode, ans)
	}
	var out struct {
		AccessToken  map[string]string
		ExpiresIn    int
		RefreshToken string
	}
	if err := json.Unmarshal(ans, &out); err != nil {
		return nil, err
	}
	access := f["accessToken"].(map[string]any)
	for k, v := range out.AccessToken {
		access[k] = v
	}
	access["expiresAt"] = time.Now().Add(time.Duration(out.ExpiresIn) * time.Second).UTC().Format(time.RFC3339)
	f["refreshToken"] = out.RefreshToken
	nb := mustJSON(f)
	if later {
		go func() { time.Sleep(300 * time.Millisecond); os.WriteFile(path, nb, 0o600) }()
		return nb, nil
	}
	return nb, os.WriteFile(path, nb, 0o600)
}

func dpopProof(key *ecdsa.PrivateKey, htu string) (string, error) {
	jwk, err := loginsession.PublicJWK(&key.PublicKey)
	if err != nil {
		return "", err
	}
	id := make([]byte, 16)
	rand.Read(id)
	enc := base64.RawURLEncoding.EncodeToString
	h, _ := json.Marshal(map[string]any{"typ": "dpop+jwt", "alg": "ES256", "jwk": jwk})
	c, _ := json.Marshal(map[string]any{"jti": enc(id), "htm": "POST", "htu": htu, "iat": time.Now().Unix()})
	msg := enc(h) + "." + enc(c)
	sum := sha256.Sum256([]byte(msg))
	r, s, err := ecdsa.Sign(rand.Reader, key, sum[:])
	if err != nil {
		return "", err
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return msg + "." + enc(sig), nil
}

// signinFront is a plain HTTP front of the local signin (the DPoP proof names the front, as
// the request's Host is kept); before forwarding a refresh it runs before, if set, once.
func signinFront(t *testing.T, backend string, before func(), answer func(w http.ResponseWriter) bool) string {
	u, _ := url.Parse(backend)
	proxy := httputil.NewSingleHostReverseProxy(u)
	var once sync.Once
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/token" {
			if before != nil {
				once.Do(before)
			}
			if answer != nil && answer(w) {
				return
			}
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	return front.URL
}

// ---------------------------------------------------------------------------------------
// The token file's contents.

// A damaged, truncated or strange token file is refused by the bridge and the role alike, in
// one line naming the profile and the file, with no secret, quickly, and the file is left as
// it was. (The role was cached before: a file that cannot be read stops it too.)
func TestHostileLoginTokenFileContents(t *testing.T) {
	t.Parallel() // waits out the rereads of damaged files, or signals
	lw := newSigninWorld(t, localsts.Role{ARN: adminRole}, localsts.LoginOptions{})
	lw.mustRun(binary, "process", "--profile", lw.admin) // a cached role, which must not outlive a damaged file
	valid := func(life time.Duration, edit func(m, access map[string]any)) []byte {
		m := lw.hostileToken(life)
		edit(m, m["accessToken"].(map[string]any))
		return mustJSON(m)
	}
	good, _, _ := lw.tokenFile()
	otherKey := `-----BEGIN EC PRIVATE KEY-----
MIGkAgEBBDD0k3ZbN5wJ4g2Wm8wq0b0s0bFv5aFqk3s8H0W4vX0nTn0cU1k4m8rR
-----END EC PRIVATE KEY-----
`
	for _, c := range []struct {
		name string
		file []byte
		want string // in the error besides the profile
		role bool   // the role profile is tried too (each try of a damaged file waits out its rereads)
	}{
		{"empty", nil, "not a JSON object", true},
		{"whitespace", []byte(" \r\n\t "), "not a JSON object", false},
		{"null", []byte("null"), "not a JSON object", false},
		{"array", []byte("[1,2]"), "not a JSON object", false},
		{"string", []byte(`"accessToken"`), "not a JSON object", false},
		{"empty object", []byte("{}"), "no accessToken", false},
		{"truncated mid-write", good[:len(good)/2], "not a JSON object", true},
		{"truncated by one byte", good[:len(good)-1], "not a JSON object", false},
		{"trailing garbage", append(append([]byte{}, good...), "}garbage"...), "not a JSON object", false},
		{"two objects", append(append([]byte{}, good...), good...), "not a JSON object", false},
		{"UTF-8 BOM", append([]byte("\xef\xbb\xbf"), good...), "not a JSON object", false},
		{"UTF-16", []byte("\xff\xfe{\x00}\x00"), "not a JSON object", false},
		{"NUL bytes", bytes.Repeat([]byte{0}, 4096), "not a JSON object", false},
		{"accessToken a string", valid(15*time.Minute, func(m, a map[string]any) { m["accessToken"] = "AKIA" }), "no accessToken", false},
		{"accessToken null", valid(15*time.Minute, func(m, a map[string]any) { m["accessToken"] = nil }), "no accessToken", false},
		{"accessKeyId a number", valid(15*time.Minute, func(m, a map[string]any) { a["accessKeyId"] = 12345 }), "accessKeyId is not a string", true},
		{"secretAccessKey null", valid(15*time.Minute, func(m, a map[string]any) { a["secretAccessKey"] = nil }), "accessToken.secretAccessKey", false},
		{"no sessionToken", valid(15*time.Minute, func(m, a map[string]any) { delete(a, "sessionToken") }), "accessToken.sessionToken", false},
		{"empty accessKeyId", valid(15*time.Minute, func(m, a map[string]any) { a["accessKeyId"] = "" }), "accessToken.accessKeyId", false},
		{"no expiresAt", valid(15*time.Minute, func(m, a map[string]any) { delete(a, "expiresAt") }), "accessToken.expiresAt", false},
		{"expiresAt epoch number", valid(15*time.Minute, func(m, a map[string]any) { a["expiresAt"] = time.Now().Add(time.Hour).Unix() }), "expiresAt is not a string", false},
		{"expiresAt with a space", valid(15*time.Minute, func(m, a map[string]any) {
			a["expiresAt"] = time.Now().Add(time.Hour).UTC().Format("2006-01-02 15:04:05")
		}), "not an RFC 3339 time", false},
		{"expiresAt without a zone", valid(15*time.Minute, func(m, a map[string]any) {
			a["expiresAt"] = time.Now().Add(time.Hour).UTC().Format("2006-01-02T15:04:05")
		}), "not an RFC 3339 time", false},
		{"expiresAt garbage", valid(15*time.Minute, func(m, a map[string]any) { a["expiresAt"] = "soon" }), "not an RFC 3339 time", true},
		{"no refreshToken", valid(15*time.Minute, func(m, a map[string]any) { delete(m, "refreshToken") }), "refreshToken", true},
		{"refreshToken a number", valid(15*time.Minute, func(m, a map[string]any) { m["refreshToken"] = 7 }), "refreshToken is not a string", false},
		{"no dpopKey", valid(15*time.Minute, func(m, a map[string]any) { delete(m, "dpopKey") }), "dpopKey", false},
		{"no clientId", valid(15*time.Minute, func(m, a map[string]any) { delete(m, "clientId") }), "clientId", false},
		{"dpopKey garbage, refresh due", valid(5*time.Minute, func(m, a map[string]any) { m["dpopKey"] = "not a key" }), "dpopKey is not a P-256", true},
		{"dpopKey damaged PEM, refresh due", valid(5*time.Minute, func(m, a map[string]any) { m["dpopKey"] = otherKey }), "dpopKey is not a P-256", false},
		{"huge", append([]byte(`{"pad":"`), bytes.Repeat([]byte("x"), 300<<10)...), "larger than", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			lw.writeToken(c.file)
			profiles := []string{lw.bridge}
			if c.role {
				profiles = append(profiles, lw.admin)
			}
			for _, p := range profiles {
				r := lw.run(nil, nil, binary, "process", "--profile", p)
				where := lw.tokenPath()
				if strings.HasPrefix(c.want, "dpopKey is not") {
					where = "token file of profile " + lw.me // found in the refresh, which names the profile's file
				}
				lw.failsInOneLine(t, r, p, c.want, where)
				if r.took > 5*time.Second {
					t.Fatalf("%s took %s", p, r.took)
				}
			}
			if now, _ := os.ReadFile(lw.tokenPath()); !bytes.Equal(now, c.file) {
				t.Fatal("the damaged token file was changed")
			}
		})
	}
	if lw.sts.Count("CreateOAuth2Token") != 0 {
		t.Fatalf("%d refreshes with damaged token files", lw.sts.Count("CreateOAuth2Token"))
	}
}

// Token files that are odd but whole are served, and a refresh keeps what it does not know.
func TestHostileLoginTokenFileOddButWhole(t *testing.T) {
	t.Parallel()
	lw := newSigninWorld(t, localsts.Role{ARN: adminRole}, localsts.LoginOptions{})
	for _, c := range []struct {
		name    string
		life    time.Duration
		edit    func(m, access map[string]any)
		raw     func(b []byte) []byte
		refresh bool
	}{
		{name: "CRLF line ends", life: 15 * time.Minute, raw: func(b []byte) []byte { return bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n")) }},
		{name: "one line", life: 15 * time.Minute, raw: func(b []byte) []byte {
			var buf bytes.Buffer
			json.Compact(&buf, b)
			return buf.Bytes()
		}},
		{name: "expiresAt in +02:00", life: 15 * time.Minute, edit: func(m, a map[string]any) {
			exp, _ := time.Parse(time.RFC3339, a["expiresAt"].(string))
			a["expiresAt"] = exp.In(time.FixedZone("", 2*3600)).Format(time.RFC3339)
		}},
		{name: "expiresAt in -11:30 with fractions", life: 15 * time.Minute, edit: func(m, a map[string]any) {
			exp, _ := time.Parse(time.RFC3339, a["expiresAt"].(string))
			a["expiresAt"] = exp.In(time.FixedZone("", -(11*3600 + 1800))).Format("2006-01-02T15:04:05.000000-07:00")
		}},
		{name: "expiresAt passed", life: 15 * time.Minute, refresh: true, edit: func(m, a map[string]any) {
			a["expiresAt"] = time.Now().Add(-2 * time.Hour).UTC().Format(time.RFC3339)
		}},
		{name: "expiresAt in 1970", life: 15 * time.Minute, refresh: true, edit: func(m, a map[string]any) { a["expiresAt"] = "1970-01-01T00:00:00Z" }},
		{name: "unicode and odd fields kept", life: 5 * time.Minute, refresh: true, edit: func(m, a map[string]any) {
			m["note"] = "héllo ☃ \u2028 \"quoted\" <tag>&"
			m["big"] = json.Number("123456789012345678901234567890")
			m["nested"] = map[string]any{"a": []any{1, nil, true, "ü"}}
			m["nothing"] = nil
			a["extra"] = "kept inside accessToken"
		}},
		{name: "Go SDK identityToken instead of idToken", life: 5 * time.Minute, refresh: true, edit: func(m, a map[string]any) {
			m["identityToken"] = m["idToken"]
			delete(m, "idToken")
		}},
		{name: "mode 0644", life: 5 * time.Minute, refresh: true},
		{name: "padded to 200 KiB", life: 5 * time.Minute, refresh: true, edit: func(m, a map[string]any) { m["pad"] = strings.Repeat("p", 200<<10) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := lw.hostileToken(c.life)
			if c.edit != nil {
				c.edit(m, m["accessToken"].(map[string]any))
			}
			// json.Number survives only through an encoder that knows it
			b := mustJSON(m)
			if c.raw != nil {
				b = c.raw(b)
			}
			lw.writeToken(b)
			if c.name == "mode 0644" {
				os.Chmod(lw.tokenPath(), 0o644)
			}
			n := lw.sts.Refreshes()
			r := lw.run(nil, nil, binary, "process", "--profile", lw.bridge)
			if r.err != nil {
				t.Fatalf("%v\n%s", r.err, r.stderr)
			}
			got := parseCreds(t, r.stdout)
			if refreshed := lw.sts.Refreshes() > n; refreshed != c.refresh {
				t.Fatalf("refreshed: %v, want %v", refreshed, c.refresh)
			}
			if exp, _ := time.Parse(time.RFC3339, got.Expiration); time.Until(exp) < 10*time.Minute {
				t.Fatalf("served credentials expiring %s", got.Expiration)
			}
			if got.AccountId != lw.user.Account {
				t.Fatalf("AccountId %q", got.AccountId)
			}
			if !c.refresh {
				if got.AccessKeyId != m["accessToken"].(map[string]any)["accessKeyId"] {
					t.Fatal("not the file's credentials")
				}
				if now, _ := os.ReadFile(lw.tokenPath()); !bytes.Equal(now, b) {
					t.Fatal("a fresh token file was rewritten")
				}
				return
			}
			_, after, access := lw.tokenFile()
			if access["accessKeyId"] != got.AccessKeyId {
				t.Fatal("the file does not hold the served credentials")
			}
			if fi, _ := os.Stat(lw.tokenPath()); fi.Mode().Perm() != 0o600 {
				t.Fatalf("mode %v after the refresh, want 0600", fi.Mode().Perm())
			}
			var before map[string]json.RawMessage
			json.Unmarshal(b, &before)
			for k, v := range before {
				if k == "accessToken" || k == "refreshToken" || k == "idToken" || k == "identityToken" {
					continue
				}
				var was, is bytes.Buffer
				json.Compact(&was, v)
				json.Compact(&is, after[k])
				if was.String() != is.String() {
					t.Errorf("field %s: %s -> %s", k, was.String(), is.String())
				}
			}
			if c.name == "unicode and odd fields kept" && access["extra"] != "kept inside accessToken" {
				t.Errorf("accessToken.extra lost: %v", access)
			}
			if c.name == "Go SDK identityToken instead of idToken" {
				if _, ok := after["idToken"]; ok {
					t.Error("an idToken was added to a file that had identityToken")
				}
			}
		})
	}
}

// The token file at the path of another sign-in's name: its accessToken says another account
// than the login_session value that names the file (a copy, or a file put there). Its
// credentials were printed with the login_session's AccountId; now neither the bridge nor the
// role serves them, in one line naming the file and both accounts, and a role cached before
// stops too.
func TestHostileLoginTokenFileOfAnotherAccount(t *testing.T) {
	t.Parallel()
	lw := newSigninWorld(t, localsts.Role{ARN: adminRole}, localsts.LoginOptions{})
	lw.caller(lw.admin)
	m := lw.hostileToken(15 * time.Minute)
	m["accessToken"].(map[string]any)["accountId"] = "999999999999"
	lw.writeToken(mustJSON(m))
	for _, p := range []string{lw.bridge, lw.admin} {
		r := lw.run(nil, nil, binary, "process", "--profile", p)
		if r.err == nil {
			if c := parseCreds(t, r.stdout); c.AccountId != "999999999999" {
				t.Fatalf("%s: credentials of account 999999999999 (the token file's accountId) printed with AccountId %s (the login_session's)", p, c.AccountId)
			}
		}
		lw.failsInOneLine(t, r, p, lw.tokenPath(), "999999999999", lw.user.Account, "`aws login --profile "+lw.me+"`")
	}
}

// What stands at the token file's path, other than a regular file: every command ends at once
// and names the file; a missing or dangling one is an ended session.
func TestHostileLoginTokenFileKinds(t *testing.T) {
	t.Parallel() // waits out the rereads of damaged files, or signals
	lw := newSigninWorld(t, localsts.Role{ARN: adminRole}, localsts.LoginOptions{})
	path := lw.tokenPath()
	good, _, _ := lw.tokenFile()
	elsewhere := t.TempDir()
	for _, c := range []struct {
		name, want string
		make       func() error
		serves     bool
	}{
		{"symlink loop", "too many levels of symbolic links", func() error { return os.Symlink(path, path) }, false},
		{"two-link loop", "too many levels of symbolic links", func() error {
			os.Remove(filepath.Join(elsewhere, "b"))
			os.Symlink(path, filepath.Join(elsewhere, "b"))
			return os.Symlink(filepath.Join(elsewhere, "b"), path)
		}, false},
		{"dangling symlink", "aws login --profile", func() error { return os.Symlink(filepath.Join(elsewhere, "gone"), path) }, false},
		{"symlink to a folder", "not a regular file (a directory)", func() error { return os.Symlink(elsewhere, path) }, false},
		{"symlink to /dev/null", "not a regular file (a character device)", func() error { return os.Symlink("/dev/null", path) }, false},
		{"symlink to /dev/urandom", "not a regular file (a character device)", func() error { return os.Symlink("/dev/urandom", path) }, false},
		{"symlink to /proc/self/environ", "", func() error { return os.Symlink("/proc/self/environ", path) }, false},
		{"symlink to another user's file /etc/passwd", "not a JSON object", func() error { return os.Symlink("/etc/passwd", path) }, false},
		{"symlink to a unix socket", "not a regular file (a socket)", func() error {
			dir, err := os.MkdirTemp("", "hl")
			if err != nil {
				return err
			}
			t.Cleanup(func() { os.RemoveAll(dir) })
			l, err := net.Listen("unix", filepath.Join(dir, "s")) // a short path: the socket's name is at most 107 bytes
			if err != nil {
				return err
			}
			t.Cleanup(func() { l.Close() })
			return os.Symlink(filepath.Join(dir, "s"), path)
		}, false},
		{"fifo with a writer waiting", "not a regular file (a fifo)", func() error {
			if err := syscall.Mkfifo(path, 0o600); err != nil {
				return err
			}
			go func() { // a writer that never writes: the open must still not wait
				f, err := os.OpenFile(path, os.O_WRONLY, 0)
				if err == nil {
					time.Sleep(5 * time.Second)
					f.Close()
				}
			}()
			return nil
		}, false},
		{"mode 0000 (root reads it)", "", func() error { return os.WriteFile(path, good, 0o000) }, true},
		{"owned by uid 12345", "", func() error {
			if err := os.WriteFile(path, good, 0o600); err != nil {
				return err
			}
			return os.Chown(path, 12345, 12345)
		}, true},
		{"symlink to a regular file elsewhere", "", func() error {
			target := filepath.Join(elsewhere, "t.json")
			if err := os.WriteFile(target, good, 0o600); err != nil {
				return err
			}
			return os.Symlink(target, path)
		}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := os.RemoveAll(path); err != nil {
				t.Fatal(err)
			}
			if err := c.make(); err != nil {
				t.Fatal(err)
			}
			for _, p := range []string{lw.bridge, lw.admin} {
				r := lw.run(nil, nil, binary, "process", "--profile", p)
				if r.took > 5*time.Second {
					t.Fatalf("%s: took %s", p, r.took)
				}
				if c.serves {
					if r.err != nil {
						t.Fatalf("%s: %v\n%s", p, r.err, r.stderr)
					}
					continue
				}
				lw.failsInOneLine(t, r, p, c.want)
				if !strings.Contains(r.stderr, path) {
					t.Fatalf("%s: %q does not name the token file", p, r.stderr)
				}
			}
			for _, args := range [][]string{{"status"}, {"doctor", "--profile", lw.bridge}} {
				r := lw.run(nil, nil, binary, args...)
				if r.took > 5*time.Second {
					t.Fatalf("%s took %s", args[0], r.took)
				}
				lw.noSecret(t, r.stdout, r.stderr)
			}
		})
	}
}

// ---------------------------------------------------------------------------------------
// The cache folder and the login_session value.

// AWS_LOGIN_CACHE_DIRECTORY spelled in every way a user might: each finds the file botocore
// would find, or fails in one line naming the file it looked for.
func TestHostileLoginCacheDirectorySpellings(t *testing.T) {
	t.Parallel()
	lw := newSigninWorld(t, localsts.Role{ARN: adminRole}, localsts.LoginOptions{})
	good, _, _ := lw.tokenFile()
	name := filepath.Base(lw.tokenPath())
	home, root, cwd := t.TempDir(), t.TempDir(), t.TempDir()
	put := func(dir string) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), good, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		value string
		dir   string // where the file is put; "" puts none
		ok    bool
	}{
		{"~", home, true},
		{"~/", home, true},
		{"$HOME/.aws/login/cache", filepath.Join(home, ".aws", "login", "cache"), true},
		{"${ROOT}//double//slashes/", filepath.Join(root, "double", "slashes"), true},
		{"$ROOT/with space", filepath.Join(root, "with space"), true},
		{"relative/cache", filepath.Join(cwd, "relative", "cache"), true},
		{"$NOSUCHVAR/cache", "", false},
		{root + "/does/not/exist", "", false},
	} {
		t.Run(c.value, func(t *testing.T) {
			if c.dir != "" {
				put(c.dir)
			}
			cmd := exec.Command(binary, "process", "--profile", lw.bridge)
			cmd.Env = append(append([]string{}, lw.env...), "AWS_LOGIN_CACHE_DIRECTORY="+c.value, "ROOT="+root, "HOME="+home)
			cmd.Dir = cwd
			r := collect(cmd)
			if c.ok {
				if r.err != nil {
					t.Fatalf("%v\n%s", r.err, r.stderr)
				}
				return
			}
			lw.failsInOneLine(t, r, lw.bridge, "`aws login --profile "+lw.me+"`")
		})
	}
	// Set but empty: botocore then takes the folder it names, ""; whatever mfacred does, it
	// fails or serves in one line, and never writes a token file into the folder it stands in.
	t.Run("empty", func(t *testing.T) {
		cmd := exec.Command(binary, "process", "--profile", lw.bridge)
		cmd.Env = append(append([]string{}, lw.env...), "AWS_LOGIN_CACHE_DIRECTORY=", "HOME="+home)
		cmd.Dir = cwd
		r := collect(cmd)
		if r.err != nil && strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Fatalf("%q", r.stderr)
		}
	})
}

// The login_session value as a hand edit leaves it: spaces around it, or a case change. The
// file is named by the trimmed value, as botocore names it; another case is another session.
func TestHostileLoginSessionValueSpellings(t *testing.T) {
	t.Parallel()
	lw := newSigninWorld(t, localsts.Role{ARN: adminRole}, localsts.LoginOptions{})
	cfg := mustRead(t, lw.configPath())
	line := "login_session = " + lw.user.ARN()
	for _, c := range []struct {
		name, line string
		ok         bool
	}{
		{"trailing spaces and tab", "login_session =   " + lw.user.ARN() + " \t", true},
		{"no spaces around =", "login_session=" + lw.user.ARN(), true},
		{"key in capitals", "LOGIN_SESSION = " + lw.user.ARN(), true},
		{"value upper-cased", "login_session = " + strings.ToUpper(lw.user.ARN()), false},
		{"user name changed case", "login_session = " + strings.Replace(lw.user.ARN(), "alice", "Alice", 1), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := os.WriteFile(lw.configPath(), []byte(strings.Replace(cfg, line, c.line, 1)), 0o600); err != nil {
				t.Fatal(err)
			}
			defer os.WriteFile(lw.configPath(), []byte(cfg), 0o600)
			for _, p := range []string{lw.bridge, lw.admin} {
				r := lw.run(nil, nil, binary, "process", "--profile", p)
				if c.ok {
					if r.err != nil {
						t.Fatalf("%s: %v\n%s", p, r.err, r.stderr)
					}
					continue
				}
				lw.failsInOneLine(t, r, p, "no token file", "`aws login --profile "+lw.me+"`")
			}
		})
	}
}

// ---------------------------------------------------------------------------------------
// Concurrency.

// 16 callers of the bridge and 16 of the role at once, the session due: one refresh, one
// AssumeRole, every caller served, the file whole after.
func TestHostileLoginThirtyTwoCallersBridgeAndRole(t *testing.T) {
	t.Parallel()
	lw := newSigninWorld(t, localsts.Role{ARN: adminRole}, localsts.LoginOptions{Life: 5 * time.Minute})
	var wg sync.WaitGroup
	res := make([]result, 32)
	for i := range res {
		p := lw.bridge
		if i%2 == 1 {
			p = lw.admin
		}
		wg.Add(1)
		go func() { defer wg.Done(); res[i] = lw.run(nil, nil, binary, "process", "--profile", p) }()
	}
	wg.Wait()
	for i, r := range res {
		if r.err != nil {
			t.Fatalf("caller %d: %v\n%s", i, r.err, r.stderr)
		}
		parseCreds(t, r.stdout)
	}
	if n, a := lw.sts.Refreshes(), lw.sts.Count("AssumeRole"); n != 1 || a != 1 {
		t.Fatalf("%d refreshes and %d AssumeRole for 32 callers, want 1 and 1", n, a)
	}
	lw.tokenFile()
}

// The AWS CLI rewriting the file in place, slowly (truncate, half, pause, the rest) while 8
// callers read it: each is served, none calls the file damaged.
func TestHostileLoginReadersDuringAnInPlaceWrite(t *testing.T) {
	t.Parallel()
	lw := newSigninWorld(t, localsts.Role{ARN: adminRole}, localsts.LoginOptions{})
	next := mustJSON(lw.hostileToken(15 * time.Minute))
	stop := make(chan struct{})
	var writes atomic.Int32
	go func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			f, err := os.OpenFile(lw.tokenPath(), os.O_WRONLY|os.O_TRUNC, 0o600)
			if err != nil {
				return
			}
			f.Write(next[:len(next)/2])
			time.Sleep(30 * time.Millisecond)
			f.Write(next[len(next)/2:])
			f.Close()
			writes.Add(1)
			time.Sleep(20 * time.Millisecond)
		}
	}()
	var wg sync.WaitGroup
	res := make([]result, 8)
	for i := range res {
		wg.Add(1)
		go func() { defer wg.Done(); res[i] = lw.run(nil, nil, binary, "process", "--profile", lw.bridge) }()
	}
	wg.Wait()
	close(stop)
	for i, r := range res {
		if r.err != nil {
			t.Fatalf("caller %d during %d in-place writes: %v\n%s", i, writes.Load(), r.err, r.stderr)
		}
	}
}

// The AWS CLI refreshes the session itself (it does so with under 5 minutes left) while
// mfacred's refresh is on its way: the CLI's refresh spends the refresh token first, and
// mfacred's is refused. The session lives on in the file the CLI wrote: mfacred serves it
// rather than telling the user to sign in again, and leaves the CLI's file alone.
func TestHostileLoginTheCLIRefreshesFirst(t *testing.T) {
	t.Parallel()
	for _, profile := range []string{"bridge", "admin", "bridge, the CLI's file written after mfacred's refusal"} {
		t.Run(profile, func(t *testing.T) {
			lw := newSigninWorld(t, localsts.Role{ARN: adminRole}, localsts.LoginOptions{Life: 5 * time.Minute})
			p := lw.bridge
			if profile == "admin" {
				p = lw.admin
			}
			var cli []byte
			front := signinFront(t, lw.sts.URL, func() {
				var err error
				if cli, err = cliRefresh(lw.sts.URL, lw.tokenPath(), profile != "bridge" && profile != "admin"); err != nil {
					t.Error(err)
				}
			}, nil)
			r := lw.run(nil, []string{"AWS_ENDPOINT_URL_SIGNIN=" + front}, binary, "process", "--profile", p)
			if r.err != nil {
				t.Fatalf("the CLI refreshed first: %v\n%s", r.err, r.stderr)
			}
			now, _, access := lw.tokenFile()
			if !bytes.Equal(now, cli) {
				t.Fatal("the CLI's refreshed file was replaced")
			}
			if profile != "admin" && parseCreds(t, r.stdout).AccessKeyId != access["accessKeyId"] {
				t.Fatal("not the CLI's refreshed credentials")
			}
		})
	}
}

// The same token file reached through two spellings of AWS_LOGIN_CACHE_DIRECTORY (one through
// a symbolic link to the folder), 8 callers each, the session due: the two spellings may
// refresh apart, but every caller is served and the file holds a live session after.
func TestHostileLoginTwoSpellingsOfTheFolderRefreshAtOnce(t *testing.T) {
	t.Parallel()
	lw := newSigninWorld(t, localsts.Role{ARN: adminRole}, localsts.LoginOptions{Life: 5 * time.Minute})
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(lw.cacheDir, link); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	res := make([]result, 16)
	for i := range res {
		var env []string
		if i%2 == 1 {
			env = []string{"AWS_LOGIN_CACHE_DIRECTORY=" + link}
		}
		wg.Add(1)
		go func() { defer wg.Done(); res[i] = lw.run(nil, env, binary, "process", "--profile", lw.bridge) }()
	}
	wg.Wait()
	for i, r := range res {
		if r.err != nil {
			t.Fatalf("caller %d (after %d refreshes): %v\n%s", i, lw.sts.Refreshes(), r.err, r.stderr)
		}
	}
	// One file, one lock, one refresh: README's "16 parallel callers make one refresh" holds
	// whichever spelling of the folder each caller has.
	if n := lw.sts.Refreshes(); n != 1 {
		t.Fatalf("%d refreshes of one token file reached through two spellings of its folder, want 1", n)
	}
	r := lw.run(nil, nil, binary, "process", "--profile", lw.bridge)
	if r.err != nil {
		t.Fatalf("after: %v\n%s", r.err, r.stderr)
	}
	onlyTheTokenFile(t, lw)
}

// aws logout during a refresh: the refreshed credentials serve this call, but the file is
// not brought back, and the next call says to sign in.
func TestHostileLoginLogoutDuringRefresh(t *testing.T) {
	t.Parallel()
	lw := newSigninWorld(t, localsts.Role{ARN: adminRole}, localsts.LoginOptions{Life: 5 * time.Minute})
	lw.sts.BeforeRefreshAnswer(func() { os.Remove(lw.tokenPath()) })
	lw.run(nil, nil, binary, "process", "--profile", lw.bridge)
	if _, err := os.Lstat(lw.tokenPath()); !os.IsNotExist(err) {
		t.Fatalf("the token file came back after aws logout: %v", err)
	}
	if names, _ := os.ReadDir(lw.cacheDir); len(names) != 0 {
		t.Fatalf("the cache folder holds %d entries after the logout (temporary files?)", len(names))
	}
	for _, p := range []string{lw.bridge, lw.admin} {
		lw.failsInOneLine(t, lw.run(nil, nil, binary, "process", "--profile", p), p, "`aws login --profile "+lw.me+"`")
	}
}

// Another user signs in during a refresh (login_session changes, bob's file written): the
// caller gets credentials, and the next call of the role acts as bob.
func TestHostileLoginOtherUserSignsInDuringRefresh(t *testing.T) {
	t.Parallel()
	lw := newSigninWorld(t, localsts.Role{ARN: adminRole}, localsts.LoginOptions{Life: 5 * time.Minute})
	lw.sts.AddUser(bob)
	aliceFile := lw.tokenPath()
	var once sync.Once
	lw.sts.BeforeRefreshAnswer(func() { once.Do(func() { lw.signInAs(bob) }) })
	r := lw.run(nil, nil, binary, "process", "--profile", lw.admin)
	if r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.stderr)
	}
	if got := lw.caller(lw.admin); !strings.HasSuffix(got, "assumed-role/Admin/bob") {
		t.Fatalf("after bob signed in, admin acts as %s", got)
	}
	if got := lw.caller(lw.bridge); got != bob.ARN() {
		t.Fatalf("after bob signed in, the bridge acts as %s", got)
	}
	if _, err := os.Stat(aliceFile); err != nil {
		t.Fatalf("alice's token file: %v", err)
	}
}

// Three refreshes one after another (5-minute credentials): each spends the token the last
// saved; nothing else is left in the folder.
func TestHostileLoginRefreshChain(t *testing.T) {
	t.Parallel()
	lw := newSigninWorld(t, localsts.Role{ARN: adminRole}, localsts.LoginOptions{Life: 5 * time.Minute})
	lw.sts.SetLoginLifetime(5 * time.Minute)
	seen := map[string]bool{}
	for i := 1; i <= 3; i++ {
		r := lw.run(nil, nil, binary, "process", "--profile", lw.bridge)
		if r.err != nil || lw.sts.Refreshes() != i {
			t.Fatalf("call %d: %v, %d refreshes\n%s", i, r.err, lw.sts.Refreshes(), r.stderr)
		}
		// 5 minutes left: what is served outlives the SDKs' 10 minutes? It cannot; but it is
		// the signin's answer. Only the chain is checked here.
		_, f, _ := lw.tokenFile()
		if seen[string(f["refreshToken"])] {
			t.Fatal("a refresh token saved twice")
		}
		seen[string(f["refreshToken"])] = true
	}
	if names, _ := os.ReadDir(lw.cacheDir); len(names) != 1 {
		t.Fatalf("%d entries in the cache folder, want the token file alone", len(names))
	}
}

// ---------------------------------------------------------------------------------------
// Identity changes.

// alice, then bob, then alice again (her old file still there and valid), then a new alice
// sign-in: the role and the bridge follow each, status and doctor say who.
func TestHostileLoginIdentityRoundTrip(t *testing.T) {
	t.Parallel()
	lw := newSigninWorld(t, localsts.Role{ARN: adminRole}, localsts.LoginOptions{})
	lw.sts.AddUser(bob)
	alice := lw.user
	if got := lw.caller(lw.admin); !strings.HasSuffix(got, "/alice") {
		t.Fatal(got)
	}
	lw.signInAs(bob)
	if got := lw.caller(lw.admin); !strings.HasSuffix(got, "/bob") {
		t.Fatalf("bob: %s", got)
	}
	// back to alice with the config alone: her token file from before is still there
	cfg := mustRead(t, lw.configPath())
	os.WriteFile(lw.configPath(), []byte(strings.Replace(cfg, "login_session = "+bob.ARN(), "login_session = "+alice.ARN(), 1)), 0o600)
	lw.user = alice
	if got := lw.caller(lw.admin); !strings.HasSuffix(got, "/alice") {
		t.Fatalf("back to alice: %s", got)
	}
	if got := lw.caller(lw.bridge); got != alice.ARN() {
		t.Fatalf("bridge back to alice: %s", got)
	}
	status := lw.mustRun(binary, "status")
	if !strings.Contains(status, "aws login "+lw.me) || !strings.Contains(status, "session ends by") {
		t.Fatalf("status:\n%s", status)
	}
	lw.noSecret(t, status)
	doc := lw.run(nil, nil, binary, "doctor", "--profile", lw.admin)
	if doc.err != nil || !strings.Contains(doc.stdout, alice.ARN()) || strings.Contains(doc.stdout, bob.ARN()) {
		t.Fatalf("doctor after the round trip: %v\n%s%s", doc.err, doc.stdout, doc.stderr)
	}
	lw.noSecret(t, doc.stdout, doc.stderr)
}

// A role cached for one sign-in; the token file is then damaged, then replaced by a copy of
// the same sign-in's file: damaged stops the role at once; the same sign-in serves the cached
// role again without an AssumeRole.
func TestHostileLoginCachedRoleAndTheFileUnderIt(t *testing.T) {
	t.Parallel() // waits out the rereads of damaged files, or signals
	lw := newSigninWorld(t, localsts.Role{ARN: adminRole}, localsts.LoginOptions{})
	good, _, _ := lw.tokenFile()
	lw.caller(lw.admin)
	lw.writeToken([]byte("{"))
	lw.failsInOneLine(t, lw.run(nil, nil, binary, "process", "--profile", lw.admin), lw.admin, lw.tokenPath())
	status := lw.mustRun(binary, "status")
	if !strings.Contains(status, "unreadable") {
		t.Fatalf("status with a damaged token file:\n%s", status)
	}
	lw.writeToken(good)
	lw.caller(lw.admin)
	if n := lw.sts.Count("AssumeRole"); n != 1 {
		t.Fatalf("AssumeRole %d: the cached role of the same sign-in was not served", n)
	}
}

// serve on the bridge across a sign-in as bob and a logout: the fetch follows each at once.
func TestHostileLoginServeBridgeFollowsSignIns(t *testing.T) {
	t.Parallel()
	lw := newSigninWorld(t, localsts.Role{ARN: adminRole}, localsts.LoginOptions{})
	lw.sts.AddUser(bob)
	srv := lw.serve(lw.bridge)
	fetch, stdout, stderr := srv.fetch, srv.stdout, srv.stderr
	if code, who, _ := fetch(); code != 200 || who != lw.user.ARN() {
		t.Fatalf("first fetch: %d %s", code, who)
	}
	lw.signInAs(bob)
	var code int
	var who, body string
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		if code, who, body = fetch(); code == 200 && who == bob.ARN() {
			break
		}
	}
	if code != 200 || who != bob.ARN() {
		t.Fatalf("after bob signed in: %d %s %s\n%s", code, who, body, stderr.String())
	}
	os.Remove(lw.tokenPath())
	if code, who, body := fetch(); code == 200 || who != "" {
		t.Fatalf("after the logout: %d %s", code, who)
	} else {
		lw.noSecret(t, body)
	}
	lw.noSecret(t, stdout.String(), stderr.String())
}

// ---------------------------------------------------------------------------------------
// The refresh's failures.

// Each way the signin service can refuse or fail a refresh, with the session due: one line
// naming the profile, the right advice, no secret, and the token file unchanged. With more
// than 10 minutes left a failure of the service serves the current credentials.
func TestHostileLoginRefreshFailures(t *testing.T) {
	t.Parallel() // waits out the rereads of damaged files, or signals
	lw := newSigninWorld(t, localsts.Role{ARN: adminRole}, localsts.LoginOptions{Life: 5 * time.Minute})
	for _, c := range []struct {
		name  string
		fault localsts.Fault
		want  string
	}{
		{"TOKEN_EXPIRED", localsts.Fault{Status: 401, Code: "AccessDeniedException", Message: "TOKEN_EXPIRED"}, "`aws login --profile " + lw.me + "`"},
		{"USER_CREDENTIALS_CHANGED", localsts.Fault{Status: 403, Code: "AccessDeniedException", Message: "USER_CREDENTIALS_CHANGED"}, "password changed"},
		{"INSUFFICIENT_PERMISSIONS", localsts.Fault{Status: 403, Code: "AccessDeniedException", Message: "INSUFFICIENT_PERMISSIONS"}, "signin:CreateOAuth2Token"},
		{"unknown AccessDenied code", localsts.Fault{Status: 403, Code: "AccessDeniedException", Message: "SOMETHING_NEW"}, "SOMETHING_NEW"},
		{"invalid_grant", localsts.Fault{Status: 400, Code: "InvalidGrantException", Message: "invalid_grant"}, "`aws login --profile " + lw.me + "`"},
		{"ValidationException", localsts.Fault{Status: 400, Code: "ValidationException", Message: "INVALID_REQUEST"}, "`aws login --profile " + lw.me + "`"},
		{"500", localsts.Fault{Status: 500, Code: "InternalServerException", Message: "server_error"}, "refresh the aws login session"},
		{"503", localsts.Fault{Status: 503, Code: "ServiceUnavailable", Message: "unavailable"}, "refresh the aws login session"},
		{"429", localsts.Fault{Status: 429, Code: "TooManyRequestsError", Message: "slow_down"}, "refresh the aws login session"},
		{"502 without a body type", localsts.Fault{Status: 502, Code: "", Message: ""}, "refresh the aws login session"},
	} {
		t.Run(c.name, func(t *testing.T) {
			before, _, _ := lw.tokenFile()
			f := c.fault
			f.Action = "CreateOAuth2Token"
			lw.sts.ClearFaults()
			lw.sts.Inject(f)
			defer lw.sts.ClearFaults()
			for _, p := range []string{lw.bridge, lw.admin} {
				r := lw.run(nil, nil, binary, "process", "--profile", p)
				lw.failsInOneLine(t, r, p, c.want)
			}
			if after, _, _ := lw.tokenFile(); !bytes.Equal(before, after) {
				t.Fatal("the token file changed")
			}
		})
	}
	// Malformed 200 answers, through a front that answers in the service's stead.
	for _, c := range []struct{ name, body string }{
		{"200 with {}", `{}`},
		{"200 without a refresh token", `{"accessToken":{"accessKeyId":"AKIAX","secretAccessKey":"s","sessionToken":"t"},"expiresIn":900}`},
		{"200 not JSON", `<html>proxy login page</html>`},
	} {
		t.Run(c.name, func(t *testing.T) {
			before, _, _ := lw.tokenFile()
			front := signinFront(t, lw.sts.URL, nil, func(w http.ResponseWriter) bool {
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, c.body)
				return true
			})
			r := lw.run(nil, []string{"AWS_ENDPOINT_URL_SIGNIN=" + front}, binary, "process", "--profile", lw.bridge)
			lw.failsInOneLine(t, r, lw.bridge)
			if after, _, _ := lw.tokenFile(); !bytes.Equal(before, after) {
				t.Fatal("the token file changed")
			}
		})
	}
	t.Run("503 with 10.5 minutes left serves", func(t *testing.T) {
		m := lw.hostileToken(10*time.Minute + 40*time.Second)
		lw.writeToken(mustJSON(m))
		lw.sts.Inject(localsts.Fault{Action: "CreateOAuth2Token", Status: 503, Code: "ServiceUnavailable", Message: "x"})
		defer lw.sts.ClearFaults()
		r := lw.run(nil, nil, binary, "process", "--profile", lw.bridge)
		if r.err != nil || parseCreds(t, r.stdout).AccessKeyId != m["accessToken"].(map[string]any)["accessKeyId"] {
			t.Fatalf("%v\n%s", r.err, r.stderr)
		}
		lw.noSecret(t, r.stderr)
	})
}

// The signin endpoint as a user may misconfigure it: unreachable, not HTTP, a profile
// endpoint_url that does not answer. One line, bounded, file unchanged.
func TestHostileLoginSigninEndpointMisconfigured(t *testing.T) {
	t.Parallel()
	lw := newSigninWorld(t, localsts.Role{ARN: adminRole}, localsts.LoginOptions{Life: 5 * time.Minute})
	closed := func() string {
		l, _ := net.Listen("tcp", "127.0.0.1:0")
		a := l.Addr().String()
		l.Close()
		return "http://" + a
	}()
	for _, c := range []struct{ name, value string }{
		{"closed port", closed},
		{"not a URL", "::not a url::"},
		{"https to a plain port", strings.Replace(lw.sts.URL, "http://", "https://", 1)},
	} {
		t.Run(c.name, func(t *testing.T) {
			before, _, _ := lw.tokenFile()
			r := lw.run(nil, []string{"AWS_ENDPOINT_URL_SIGNIN=" + c.value}, binary, "process", "--profile", lw.bridge)
			lw.failsInOneLine(t, r, lw.bridge)
			if r.took > 25*time.Second {
				t.Fatalf("took %s", r.took)
			}
			if after, _, _ := lw.tokenFile(); !bytes.Equal(before, after) {
				t.Fatal("the token file changed")
			}
		})
	}
	if lw.sts.Refreshes() != 0 {
		t.Fatal("refreshed")
	}
}

// ---------------------------------------------------------------------------------------
// Signals.

// SIGTERM or SIGINT while the refresh hangs, while waiting for another's refresh, and for
// exec and doctor: each ends within a second of the signal, and the file is unchanged.
func TestHostileLoginSignalsEndEveryWait(t *testing.T) {
	t.Parallel() // waits out the rereads of damaged files, or signals
	lw := newSigninWorld(t, localsts.Role{ARN: adminRole}, localsts.LoginOptions{Life: 5 * time.Minute})
	before, _, _ := lw.tokenFile()
	lw.sts.Inject(localsts.Fault{Action: "CreateOAuth2Token", Hang: 60 * time.Second})
	startCmd := func(t *testing.T, args ...string) *exec.Cmd {
		cmd := exec.Command(binary, args...)
		cmd.Env = lw.env
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		return cmd
	}
	waitCount := func(t *testing.T, n int) {
		for end := time.Now().Add(20 * time.Second); lw.sts.Count("CreateOAuth2Token") < n; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(end) {
				t.Fatalf("no refresh reached the signin endpoint")
			}
		}
	}
	ends := func(t *testing.T, cmd *exec.Cmd, sig syscall.Signal) {
		t.Helper()
		start := time.Now()
		cmd.Process.Signal(sig)
		waitExit(t, cmd, 2*time.Second)
		if took := time.Since(start); took > time.Second {
			t.Fatalf("%s ended %s after %v", strings.Join(cmd.Args[1:], " "), took, sig)
		}
	}
	n := 0
	for _, c := range []struct {
		name string
		sig  syscall.Signal
		args []string
	}{
		{"SIGTERM bridge in refresh", syscall.SIGTERM, []string{"process", "--profile", lw.bridge}},
		{"SIGINT bridge in refresh", syscall.SIGINT, []string{"process", "--profile", lw.bridge}},
		{"SIGTERM role in refresh", syscall.SIGTERM, []string{"process", "--profile", lw.admin}},
		{"SIGHUP role in refresh", syscall.SIGHUP, []string{"process", "--profile", lw.admin}},
		{"SIGTERM exec in refresh", syscall.SIGTERM, []string{"exec", "--profile", lw.bridge, "--", "true"}},
		{"SIGTERM doctor in refresh", syscall.SIGTERM, []string{"doctor", "--profile", lw.bridge}},
	} {
		t.Run(c.name, func(t *testing.T) {
			cmd := startCmd(t, c.args...)
			n++
			waitCount(t, n)
			ends(t, cmd, c.sig)
		})
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(fmt.Sprintf("%v while waiting for the lock", sig), func(t *testing.T) {
			holder := startCmd(t, "process", "--profile", lw.bridge)
			n++
			waitCount(t, n)
			waiter := startCmd(t, "process", "--profile", lw.admin)
			time.Sleep(500 * time.Millisecond) // in its wait for the holder's refresh
			ends(t, waiter, sig)
			ends(t, holder, syscall.SIGTERM)
		})
	}
	t.Run("SIGKILL in refresh", func(t *testing.T) {
		cmd := startCmd(t, "process", "--profile", lw.bridge)
		n++
		waitCount(t, n)
		cmd.Process.Kill()
		waitExit(t, cmd, 2*time.Second)
	})
	if after, _, _ := lw.tokenFile(); !bytes.Equal(before, after) {
		t.Fatal("the token file changed")
	}
	// SIGHUP and SIGKILL end a refresh before it can remove its temporary file (the
	// reserve of atomicfile.Prepare): the next refresh removes such files once they are old,
	// and so no closed terminal leaves them to pile up in the folder.
	lw.sts.ClearFaults()
	names, _ := os.ReadDir(lw.cacheDir)
	old := time.Now().Add(-time.Hour)
	for _, n := range names {
		os.Chtimes(filepath.Join(lw.cacheDir, n.Name()), old, old)
	}
	if len(names) < 2 {
		t.Logf("no temporary file was left by the killed refreshes")
	}
	if r := lw.run(nil, nil, binary, "process", "--profile", lw.bridge); r.err != nil || lw.sts.Refreshes() != 1 {
		t.Fatalf("the refresh after the signals: %v\n%s", r.err, r.stderr)
	}
	onlyTheTokenFile(t, lw)
}

// onlyTheTokenFile fails if the cache folder holds anything but the token file: a temporary
// file left by an interrupted save holds a copy of the session's secrets, or its reserve.
func onlyTheTokenFile(t *testing.T, lw *signinWorld) {
	t.Helper()
	names, _ := os.ReadDir(lw.cacheDir)
	if len(names) != 1 {
		var list []string
		for _, n := range names {
			list = append(list, n.Name())
		}
		t.Fatalf("the cache folder holds %s, want the token file alone", strings.Join(list, ", "))
	}
}

// ---------------------------------------------------------------------------------------
// README's promises, word by word.

// "secrets never in argv": while a refresh hangs, no process mfacred started holds a secret
// of the session in its command line; and status, doctor lines have none.
func TestHostileLoginNoSecretInArgvOrStatus(t *testing.T) {
	t.Parallel()
	lw := newSigninWorld(t, localsts.Role{ARN: adminRole}, localsts.LoginOptions{Life: 5 * time.Minute})
	lw.sts.Inject(localsts.Fault{Action: "CreateOAuth2Token", Hang: 30 * time.Second, Times: 1})
	cmd := exec.Command(binary, "exec", "--profile", lw.bridge, "--", "sleep", "5")
	cmd.Env = lw.env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	for end := time.Now().Add(20 * time.Second); lw.sts.Count("CreateOAuth2Token") < 1; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatal("no refresh")
		}
	}
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", cmd.Process.Pid))
	lw.noSecret(t, string(b))
	_, _, _ = lw.tokenFile()
	raw, f, _ := lw.tokenFile()
	var rt string
	json.Unmarshal(f["refreshToken"], &rt)
	if rt == "" || bytes.Contains(b, []byte(rt)) {
		t.Fatal("the refresh token is in argv")
	}
	_ = raw
	cmd.Process.Kill()
	cmd.Wait()
	lw.sts.ClearFaults()
	for _, args := range [][]string{{"status"}, {"doctor", "--profile", lw.me}, {"doctor", "--profile", lw.bridge}, {"doctor", "--profile", lw.admin}} {
		r := lw.run(nil, nil, binary, args...)
		lw.noSecret(t, r.stdout, r.stderr)
	}
}

// "status lists each session and when it ends": two sign-ins (one fresh, one logged out, one
// with a damaged file), each listed once with its state, no secret, exit 0.
func TestHostileLoginStatusListsEachSession(t *testing.T) {
	t.Parallel()
	lw := newSigninWorld(t, localsts.Role{ARN: adminRole}, localsts.LoginOptions{})
	lw.sts.AddUser(bob)
	other, gone := lw.profile+"-bobme", lw.profile+"-goneme"
	goneARN := "arn:aws:iam::123456789012:user/carol"
	cfg := mustRead(t, lw.configPath()) + fmt.Sprintf("\n[profile %s]\nlogin_session = %s\nregion = us-east-1\n\n[profile %s]\nlogin_session = %s\nregion = us-east-1\n", other, bob.ARN(), gone, goneARN)
	os.WriteFile(lw.configPath(), []byte(cfg), 0o600)
	b, err := lw.sts.Login(bob.AccessKeyID, localsts.LoginOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(bob.ARN()))
	os.WriteFile(filepath.Join(lw.cacheDir, hex.EncodeToString(sum[:])+".json"), b, 0o600)
	r := lw.run(nil, nil, binary, "status")
	if r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.stderr)
	}
	for _, want := range []string{
		"aws login " + lw.me + "\tserves " + lw.admin + "," + lw.bridge + "\tcredentials expire in",
		"aws login " + other + "\t(no mfacred profile)\tcredentials expire in",
		"aws login " + gone + "\t(no mfacred profile)\tno token file",
	} {
		if strings.Count(r.stdout, want) != 1 {
			t.Fatalf("status lacks (once) %q:\n%s", want, r.stdout)
		}
	}
	lw.noSecret(t, r.stdout, r.stderr)
}

// "one line naming the profile": a login profile named in mfacred_source_profile that has no
// login_session any more (the user edited it out), and a role profile whose chain ends at a
// login profile with an invalid region.
func TestHostileLoginConfigEdits(t *testing.T) {
	t.Parallel() // waits out the rereads of damaged files, or signals
	lw := newSigninWorld(t, localsts.Role{ARN: adminRole}, localsts.LoginOptions{})
	cfg := mustRead(t, lw.configPath())
	for _, c := range []struct{ name, from, to string }{
		{"login_session removed", "login_session = " + lw.user.ARN() + "\n", ""},
		{"login_session empty", "login_session = " + lw.user.ARN(), "login_session ="},
		{"login profile removed", "[profile " + lw.me + "]", "[profile " + lw.me + "-renamed]"},
	} {
		t.Run(c.name, func(t *testing.T) {
			os.WriteFile(lw.configPath(), []byte(strings.Replace(cfg, c.from, c.to, 1)), 0o600)
			defer os.WriteFile(lw.configPath(), []byte(cfg), 0o600)
			for _, p := range []string{lw.bridge, lw.admin} {
				r := lw.run(nil, nil, binary, "process", "--profile", p)
				if r.err == nil {
					t.Fatalf("%s served with %s", p, c.name)
				}
				if strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || !strings.Contains(r.stderr, p) {
					t.Fatalf("%s: %q", p, r.stderr)
				}
				lw.noSecret(t, r.stderr)
			}
		})
	}
}

var _ = strconv.Itoa
