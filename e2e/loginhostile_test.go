//go:build linux

package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mfacred/mfacred/localsts"
)

// The defects a hostile run found in `aws login` sessions as a key source (issue 26), each
// tried as a user meets it, with the real binaries, the local signin/STS and real files.

// bob is a second user of the account, who signs in where alice was signed in.
var bob = localsts.User{Name: "bob", Account: "123456789012", AccessKeyID: "AKIABOBEXAMPLE000001", SecretAccessKey: "bob-secret-wJalrXUtnFEMI/K7MDENG"}

// caller is the principal the credentials `process --profile` prints act as.
func (lw *signinWorld) caller(profile string) string {
	lw.t.Helper()
	r := lw.run(nil, nil, binary, "process", "--profile", profile)
	if r.err != nil {
		lw.t.Fatalf("process --profile %s: %v\n%s", profile, r.err, r.stderr)
	}
	return lw.sts.Caller(parseCreds(lw.t, r.stdout).AccessKeyId)
}

// signInAs does what `aws login --profile NAME-me` does when u signs in: the profile's
// login_session becomes u's ARN and u's token file is written (the old one stays).
func (lw *signinWorld) signInAs(u localsts.User) {
	lw.t.Helper()
	cfg, err := os.ReadFile(lw.configPath())
	if err != nil {
		lw.t.Fatal(err)
	}
	old := "login_session = " + lw.sessionARN()
	if !bytes.Contains(cfg, []byte(old)) {
		lw.t.Fatalf("config has no %q", old)
	}
	if err := os.WriteFile(lw.configPath(), bytes.Replace(cfg, []byte(old), []byte("login_session = "+u.ARN()), 1), 0o600); err != nil {
		lw.t.Fatal(err)
	}
	lw.user = u
	lw.login(localsts.LoginOptions{})
}

// sessionARN is the login_session value the config holds now.
func (lw *signinWorld) sessionARN() string { return lw.user.ARN() }

// #1: after `aws login` signs in as bob where alice was, the role profile on the session acts
// as bob at once, from the fast path and the core alike; a new sign-in of the same user makes
// a new role session too.
func TestLoginSessionNewSignInNeverServesTheOldPrincipalsRole(t *testing.T) {
	t.Parallel()
	lw := newSigninWorld(t, localsts.Role{ARN: adminRole}, localsts.LoginOptions{})
	lw.sts.AddUser(bob)
	if got := lw.caller(lw.admin); !strings.HasSuffix(got, "assumed-role/Admin/alice") {
		t.Fatalf("admin acts as %s before the change", got)
	}
	if got := lw.caller(lw.admin); !strings.HasSuffix(got, "/alice") || lw.sts.Count("AssumeRole") != 1 {
		t.Fatalf("the cached role: %s after %d AssumeRole", got, lw.sts.Count("AssumeRole"))
	}
	lw.signInAs(bob)
	if got := lw.caller(lw.admin); !strings.HasSuffix(got, "assumed-role/Admin/bob") {
		t.Fatalf("after bob signed in, admin acts as %s", got)
	}
	if got := lw.caller(lw.bridge); got != bob.ARN() {
		t.Fatalf("after bob signed in, the bridge acts as %s", got)
	}
	n := lw.sts.Count("AssumeRole")
	lw.login(localsts.LoginOptions{}) // bob signs in again: a new session, a new DPoP key
	if got := lw.caller(lw.admin); !strings.HasSuffix(got, "/bob") || lw.sts.Count("AssumeRole") != n+1 {
		t.Fatalf("after a new sign-in: %s, AssumeRole %d, want %d", got, lw.sts.Count("AssumeRole"), n+1)
	}
	if got := lw.caller(lw.admin); !strings.HasSuffix(got, "/bob") || lw.sts.Count("AssumeRole") != n+1 {
		t.Fatalf("the role of the new sign-in is not cached: %s, AssumeRole %d", got, lw.sts.Count("AssumeRole"))
	}
}

// #2: `aws logout` removes the token file: every profile on the session fails at once,
// cached role credentials included, with the one line that says to sign in again.
func TestLoginSessionLogoutStopsEveryProfileOnIt(t *testing.T) {
	t.Parallel()
	lw := newSigninWorld(t, localsts.Role{ARN: adminRole}, localsts.LoginOptions{})
	for _, p := range []string{lw.admin, lw.bridge} {
		lw.mustRun(binary, "process", "--profile", p)
	}
	if err := os.Remove(lw.tokenPath()); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{lw.admin, lw.bridge} {
		r := lw.run(nil, nil, binary, "process", "--profile", p)
		if r.err == nil || r.stdout != "" {
			t.Fatalf("%s served after the logout: %s", p, r.stdout)
		}
		if line := strings.TrimSpace(r.stderr); strings.Contains(line, "\n") || !strings.Contains(line, "profile "+p) ||
			!strings.Contains(line, "`aws login --profile "+lw.me+"`") {
			t.Fatalf("%s: %q: want one line naming the profile and aws login --profile %s", p, r.stderr, lw.me)
		}
	}
	if lw.sts.Count("AssumeRole") != 1 {
		t.Fatalf("AssumeRole %d, want 1", lw.sts.Count("AssumeRole"))
	}
}

// #3: what stands at the token file's path is checked before it is read: a fifo, a link to
// /dev/zero, a folder, a file of megabytes. Every command that reads it ends at once with a
// line that names the file and what it is; none hangs, none reads without end.
func TestLoginSessionTokenFileThatIsNotAFile(t *testing.T) {
	t.Parallel()
	lw := newSigninWorld(t, localsts.Role{ARN: adminRole}, localsts.LoginOptions{})
	path := lw.tokenPath()
	for _, c := range []struct {
		name, want string
		make       func() error
	}{
		{"fifo", "not a regular file (a fifo)", func() error { return syscall.Mkfifo(path, 0o600) }},
		{"link to /dev/zero", "not a regular file (a character device)", func() error { return os.Symlink("/dev/zero", path) }},
		{"folder", "not a regular file (a directory)", func() error { return os.Mkdir(path, 0o700) }},
		{"huge", "larger than", func() error {
			return os.WriteFile(path, append([]byte(`{"x":"`), bytes.Repeat([]byte("a"), 3<<20)...), 0o600)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := os.RemoveAll(path); err != nil {
				t.Fatal(err)
			}
			if err := c.make(); err != nil {
				t.Fatal(err)
			}
			for _, args := range [][]string{
				{"process", "--profile", lw.bridge},
				{"process", "--profile", lw.admin},
				{"exec", "--profile", lw.bridge, "--", "true"},
				{"status"},
				{"doctor", "--profile", lw.admin},
			} {
				ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
				cmd := exec.CommandContext(ctx, binary, args...)
				cmd.Env = lw.env
				var stdout, stderr bytes.Buffer
				cmd.Stdout, cmd.Stderr = &stdout, &stderr
				start := time.Now()
				err := cmd.Run()
				cancel()
				if took := time.Since(start); took > 10*time.Second {
					t.Fatalf("%s: took %s", strings.Join(args, " "), took)
				}
				out := stdout.String() + stderr.String()
				if args[0] == "status" {
					continue // it lists what it can; that it ends is the point
				}
				if args[0] != "doctor" && err == nil {
					t.Fatalf("%s: succeeded with %s at the token file", strings.Join(args, " "), c.name)
				}
				if !strings.Contains(out, c.want) || !strings.Contains(out, path) {
					t.Fatalf("%s: %q: want %q and the file's path", strings.Join(args, " "), out, c.want)
				}
			}
		})
	}
}

// #4: the refresh goes where the profile's endpoint_url says and trusts its ca_bundle, as
// its STS calls do (behind a TLS-inspecting proxy, the usual reason for a ca_bundle).
func TestLoginSessionRefreshUsesTheProfilesEndpointAndCABundle(t *testing.T) {
	t.Parallel()
	lw := newSigninWorld(t, localsts.Role{ARN: adminRole}, localsts.LoginOptions{Life: 5 * time.Minute})
	backend, _ := url.Parse(lw.sts.URL)
	front := httptest.NewTLSServer(&httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(backend)
		r.Out.Host = r.In.Host // a TLS-inspecting proxy passes the request on as it came
		r.SetXForwarded()      // X-Forwarded-Proto: https, which the local signin reads
	}})
	t.Cleanup(front.Close)
	bundle := filepath.Join(lw.dir, "proxy-ca.pem")
	if err := os.WriteFile(bundle, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: front.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := os.ReadFile(lw.configPath())
	if err != nil {
		t.Fatal(err)
	}
	head := "[profile " + lw.bridge + "]\n"
	cfg = bytes.Replace(cfg, []byte(head), []byte(head+"endpoint_url = "+front.URL+"\nca_bundle = "+bundle+"\n"), 1)
	if err := os.WriteFile(lw.configPath(), cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range lw.env {
		if !strings.HasPrefix(kv, "AWS_ENDPOINT_URL_SIGNIN=") {
			env = append(env, kv)
		}
	}
	lw.env = env
	r := lw.run(nil, nil, binary, "process", "--profile", lw.bridge)
	if r.err != nil || lw.sts.Refreshes() != 1 {
		t.Fatalf("refresh through the profile's endpoint and CA bundle: %v, %d refreshes\n%s", r.err, lw.sts.Refreshes(), r.stderr)
	}
	_, _, access := lw.tokenFile()
	if parseCreds(t, r.stdout).AccessKeyId != access["accessKeyId"] {
		t.Fatal("the refreshed credentials are not the ones served")
	}
}

// #5: the AWS CLI writes a new sign-in while mfacred's refresh is in flight: the new file is
// kept, and its credentials are the ones served.
func TestLoginSessionSignInDuringARefreshIsKept(t *testing.T) {
	t.Parallel()
	lw := newSigninWorld(t, localsts.Role{ARN: adminRole}, localsts.LoginOptions{Life: 5 * time.Minute})
	var signedIn []byte
	lw.sts.BeforeRefreshAnswer(func() {
		b, err := lw.sts.Login(lw.user.AccessKeyID, localsts.LoginOptions{})
		if err == nil {
			err = os.WriteFile(lw.tokenPath(), b, 0o600) // in place, as the CLI writes
		}
		if err != nil {
			t.Error(err)
		}
		signedIn = b
	})
	r := lw.run(nil, nil, binary, "process", "--profile", lw.bridge)
	if r.err != nil || lw.sts.Refreshes() != 1 {
		t.Fatalf("process: %v, %d refreshes\n%s", r.err, lw.sts.Refreshes(), r.stderr)
	}
	now, _, access := lw.tokenFile()
	if !bytes.Equal(now, signedIn) {
		t.Fatal("the sign-in written during the refresh was replaced")
	}
	if parseCreds(t, r.stdout).AccessKeyId != access["accessKeyId"] {
		t.Fatal("the credentials served are not the new sign-in's")
	}
}

// #6: a refresh whose result could not be saved would spend the single-use refresh token and
// lose the session. With the token file's folder read-only, or its disk full, mfacred does not
// refresh: one line says what is wrong and where, and once the folder can be written again the
// session refreshes as before.
func TestLoginSessionRefreshThatCannotBeSavedSpendsNothing(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Fatal("unshare (util-linux) is needed to mount a read-only or full folder for one process")
	}
	lw := newSigninWorld(t, localsts.Role{ARN: adminRole}, localsts.LoginOptions{Life: 5 * time.Minute})
	before, _, _ := lw.tokenFile()
	keep := filepath.Join(t.TempDir(), "token-copy.json") // outside the scanned root, as the token files
	if err := os.WriteFile(keep, before, 0o600); err != nil {
		t.Fatal(err)
	}
	dir, name := lw.cacheDir, filepath.Base(lw.tokenPath())
	for _, c := range []struct{ name, mount, want string }{
		{"read-only", fmt.Sprintf("mount --bind %[1]s %[1]s && mount -o remount,bind,ro %[1]s", dir), "read-only file system"},
		{"full", fmt.Sprintf("mount -t tmpfs -o size=64k,mode=0700 tmpfs %[1]s && cp -p %[2]s %[1]s/%[3]s && (dd if=/dev/zero of=%[1]s/fill bs=4k 2>/dev/null; true)", dir, keep, name), "no space left on device"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := lw.run(nil, nil, "unshare", "-m", "sh", "-c", c.mount+` && exec "$0" process --profile "$1"`, binary, lw.bridge)
			if r.err == nil {
				t.Fatalf("served credentials with 5 minutes left, which the SDKs would not use")
			}
			line := strings.TrimSpace(r.stderr)
			for _, want := range []string{"profile " + lw.bridge, dir, c.want, "not refreshed"} {
				if !strings.Contains(line, want) {
					t.Fatalf("stderr %q lacks %q", line, want)
				}
			}
			if strings.Contains(line, "\n") || strings.Contains(line, "sign in again") {
				t.Fatalf("stderr %q: want one line, and the session is not lost", line)
			}
			if n := lw.sts.Refreshes(); n != 0 {
				t.Fatalf("the refresh token was spent (%d refreshes) though the result could not be saved", n)
			}
		})
	}
	if after, _, _ := lw.tokenFile(); !bytes.Equal(after, before) {
		t.Fatal("the token file changed")
	}
	r := lw.run(nil, nil, binary, "process", "--profile", lw.bridge)
	if r.err != nil || lw.sts.Refreshes() != 1 {
		t.Fatalf("the session did not refresh once the folder was writable: %v\n%s", r.err, r.stderr)
	}
}

// #7: AWS_LOGIN_CACHE_DIRECTORY is expanded as botocore expands it ($VAR, ${VAR}, then ~),
// so mfacred reads the token file the AWS CLI wrote.
func TestLoginCacheDirectoryExpandsAsBotocore(t *testing.T) {
	t.Parallel()
	lw := newSigninWorld(t, localsts.Role{ARN: adminRole}, localsts.LoginOptions{})
	// Outside the scanned root, as every token file of the tests: they hold secrets by design.
	home, root := t.TempDir(), t.TempDir()
	b, _, _ := lw.tokenFile()
	for _, c := range []struct{ value, dir string }{
		{"~/login-cache", filepath.Join(home, "login-cache")},
		{"$LOGIN_ROOT/cache", filepath.Join(root, "cache")},
		{"${LOGIN_ROOT}/c2", filepath.Join(root, "c2")},
	} {
		t.Run(c.value, func(t *testing.T) {
			if err := os.MkdirAll(c.dir, 0o700); err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256([]byte(lw.user.ARN()))
			if err := os.WriteFile(filepath.Join(c.dir, hex.EncodeToString(sum[:])+".json"), b, 0o600); err != nil {
				t.Fatal(err)
			}
			env := []string{"AWS_LOGIN_CACHE_DIRECTORY=" + c.value, "LOGIN_ROOT=" + root, "HOME=" + home}
			r := lw.run(nil, env, binary, "process", "--profile", lw.bridge)
			if r.err != nil {
				t.Fatalf("AWS_LOGIN_CACHE_DIRECTORY=%s: %v\n%s", c.value, r.err, r.stderr)
			}
		})
	}
}

// A token file that is a symbolic link (dotfiles kept elsewhere) stays one when mfacred
// refreshes the session: the link's target gets the new session, mode 0600.
func TestLoginSessionRefreshKeepsASymlinkedTokenFile(t *testing.T) {
	t.Parallel()
	lw := newSigninWorld(t, localsts.Role{ARN: adminRole}, localsts.LoginOptions{Life: 5 * time.Minute})
	elsewhere := filepath.Join(t.TempDir(), "dotfiles")
	if err := os.MkdirAll(elsewhere, 0o700); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(elsewhere, "token.json")
	if err := os.Rename(lw.tokenPath(), target); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, lw.tokenPath()); err != nil {
		t.Fatal(err)
	}
	r := lw.run(nil, nil, binary, "process", "--profile", lw.bridge)
	if r.err != nil || lw.sts.Refreshes() != 1 {
		t.Fatalf("process: %v, %d refreshes\n%s", r.err, lw.sts.Refreshes(), r.stderr)
	}
	fi, err := os.Lstat(lw.tokenPath())
	if err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the token file is no longer a link: %v %v", fi.Mode(), err)
	}
	tfi, err := os.Stat(target)
	if err != nil || tfi.Mode().Perm() != 0o600 {
		t.Fatalf("target: %v %v", tfi, err)
	}
	_, _, access := lw.tokenFile()
	if parseCreds(t, r.stdout).AccessKeyId != access["accessKeyId"] {
		t.Fatal("the link's target does not hold the refreshed session")
	}
	if names, _ := os.ReadDir(lw.cacheDir); len(names) != 1 {
		t.Fatalf("the cache folder holds %d entries, want the link alone", len(names))
	}
}

// #2 and #1 for the credentials server: `serve` on the role profile stops handing out the
// role credentials it holds as soon as the session is logged out, and after a new sign-in
// hands out the new principal's role without waiting for its renewal time.
func TestLoginSessionServeFollowsLogoutAndNewSignIn(t *testing.T) {
	t.Parallel()
	lw := newSigninWorld(t, localsts.Role{ARN: adminRole}, localsts.LoginOptions{})
	lw.sts.AddUser(bob)
	srv := lw.serve(lw.admin)
	fetch := func() (int, string) { code, who, _ := srv.fetch(); return code, who }
	if code, who := fetch(); code != 200 || !strings.HasSuffix(who, "/alice") {
		t.Fatalf("first fetch: %d %s", code, who)
	}
	lw.signInAs(bob) // alice's token file stays, as aws login leaves it
	var code int
	var who string
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		if code, who = fetch(); code == 200 && !strings.HasSuffix(who, "/alice") {
			break
		}
	}
	if code != 200 || !strings.HasSuffix(who, "assumed-role/Admin/bob") {
		t.Fatalf("after bob signed in: %d %s\n%s", code, who, srv.stderr.String())
	}
	if err := os.Remove(lw.tokenPath()); err != nil { // aws logout
		t.Fatal(err)
	}
	if code, who := fetch(); code != 503 || who != "" {
		t.Fatalf("after the logout: %d %s, want 503 and nothing", code, who)
	}
}

// served is a running `mfacred serve` of a profile of a signin world.
type served struct {
	stdout, stderr *output
	fetch          func() (code int, who, body string) // one fetch as a client makes it: status, principal, body
}

// serve starts `mfacred serve --profile profile`, waits for its address, and ends it (SIGTERM)
// when the test ends.
func (lw *signinWorld) serve(profile string) served {
	t := lw.t
	t.Helper()
	tokenFile := filepath.Join(lw.dir, "serve-token-"+profile)
	s := served{stdout: &output{}, stderr: &output{}}
	cmd := lw.start(s.stdout, s.stderr, "serve", "--profile", profile, "--token-file", tokenFile)
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		waitExit(t, cmd, signalBound)
	})
	const prefix = "AWS_CONTAINER_CREDENTIALS_FULL_URI="
	var uri string
	for end := time.Now().Add(30 * time.Second); uri == ""; time.Sleep(20 * time.Millisecond) {
		for _, l := range strings.Split(s.stdout.String(), "\n") {
			if strings.HasPrefix(l, prefix) {
				uri = strings.TrimPrefix(l, prefix)
			}
		}
		if uri == "" && time.Now().After(end) {
			t.Fatalf("serve printed no address\n%s", s.stderr.String())
		}
	}
	token, err := os.ReadFile(tokenFile)
	if err != nil {
		t.Fatal(err)
	}
	s.fetch = func() (int, string, string) {
		req, _ := http.NewRequest(http.MethodGet, uri, nil)
		req.Header.Set("Authorization", string(token))
		resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var body struct{ AccessKeyId string }
		json.Unmarshal(b, &body)
		return resp.StatusCode, lw.sts.Caller(body.AccessKeyId), string(b)
	}
	return s
}
