//go:build unix

package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/hit"
	"github.com/mfacred/mfacred/loginsession/tokenfile"
)

// loginRoleConfig adds a profile NAME-me signed in with `aws login` (no token file: the
// core cannot refresh it) and NAME-lrole, a role assumed with its credentials.
var loginRoleConfig = []string{"[profile %[1]s-me]", "login_session = arn:aws:iam::123456789012:user/parity-%[1]s",
	"[profile %[1]s-lrole]", "mfacred_source_profile = %[1]s-me", "mfacred_role_arn = " + adminRole,
	"[profile %[1]s-lbridge]", "mfacred_source_profile = %[1]s-me"}

// plant is a cache item a parity case puts in the keyring before the call.
type plant struct {
	label  string // names the item in the case's want, and makes its access key id
	role   string // the role of a role item ("" for the MFA session)
	ext    string // the role item's external id
	direct bool   // the role item was assumed directly from the keys
	login  bool   // the role item was assumed with the aws login session of profile %[1]s-me
	// signin is the DPoP key of the sign-in a login role item was assumed with, whose token
	// file is written too ("": the key the token file holds, "-": no token file: logged out).
	signin   string
	token    bool // not in the keyring: the token file of that session, with left to live
	left     time.Duration
	fromFile string // the file key id a session was made from ("": from the keyring's keys)
}

func (p plant) accessKeyID() string { return "ASIAPARITY" + strings.ToUpper(p.label) }

// A table of config, credentials-file and cache states, run through both binaries: the
// fast path in mfacred (beside a stand-in core that only says it was run) and mfacred-core
// itself (with no way to get a code, so whatever it does not serve from the cache it cannot
// renew). Both must make the same decision: serve the same cached item, or none. The same
// table runs through `mfacred-core serve`, whose decision is package hit's too: it serves the
// same item, and where its policy (hit.Server) renews an item process still serves, it says
// that the renewal failed and serves the item as long as the SDKs take it (hit.LastResort).
// Each case names the verdict of process's rule (hit.Process.Judge) on the profile's item,
// reason included, and every caller shows that verdict: the fast path and the core serve
// exactly where it serves; doctor's session line says "ok" exactly there, and the reason in
// hit's words (Verdict.Why) everywhere else; status says an item is "renewed at the next
// call", with the same reason, exactly where process does not serve it (for an aws login
// session's own credentials: "refreshed at the next call").
func TestFastPathAndCoreDecideAlike(t *testing.T) {
	t.Parallel() // many calls; its items are its own
	needKeyring(t)
	// The fast binary finds the core beside itself; here that is a stand-in that reports.
	fastDir := filepath.Join(root, "parity-bin")
	if err := os.MkdirAll(fastDir, 0o755); err != nil {
		t.Fatal(err)
	}
	fast := filepath.Join(fastDir, "mfacred")
	if err := os.Link(binary, fast); err != nil { // a link, not a copy: no file open for writing
		t.Fatal(err)
	}
	writeProgram(t, filepath.Join(fastDir, "mfacred-core"), "#!/bin/sh\necho core ran >&2\nexit 3\n")
	core := filepath.Join(filepath.Dir(binary), "mfacred-core")

	const fileKey, otherKey = "AKIAPARITYFILE000001", "AKIAPARITYFILE000002"
	// the name of role credentials made with session tag team=a and source identity alice
	teamA := (&awsconfig.Role{Tags: []awsconfig.Tag{{Key: "team", Value: "a"}}, SourceIdentity: "alice"}).Options()
	session := plant{label: "session", left: time.Hour}
	serve, none := hit.Verdict{Action: hit.Serve, Reason: hit.LongEnough}, hit.Verdict{Action: hit.Refuse, Reason: hit.NotCached}
	keys := hit.Verdict{Action: hit.Refuse, Reason: hit.KeysChanged}
	within := func(m time.Duration) hit.Verdict {
		return hit.Verdict{Action: hit.Refuse, Reason: hit.Within, Margin: m}
	}
	stale := func(m time.Duration) hit.Verdict {
		return hit.Verdict{Action: hit.Stale, Reason: hit.Within, Margin: m}
	}
	for _, tc := range []struct {
		name     string
		config   []string // lines of the user's profile; "[profile %[1]s-prod]" etc. may follow
		creds    string   // the credentials file; %[1]s is the user's profile
		profile  string   // the profile asked for; %[1]s is the user's profile
		env      []string
		plants   []plant
		want     string      // the label of the item served, "" for none
		why      hit.Verdict // process's verdict on the profile's item
		unjudged bool        // the profile does not resolve: there is nothing to judge
		// serveStale: serve renews the item before process would (hit.Server), cannot (no
		// code), and says so while it serves it.
		serveStale bool
		keys       bool // long-term keys are stored, so a renewal gets as far as asking for a code
	}{
		{name: "fresh session", plants: []plant{session}, want: "session", why: serve},
		{name: "session with 17 minutes left", plants: []plant{{label: "s17", left: 17 * time.Minute}}, want: "s17", serveStale: true, keys: true, why: serve},
		{name: "session due for renewal", plants: []plant{{label: "due", left: 10 * time.Minute}}, why: within(10 * time.Minute)},
		{name: "nothing cached", why: none},
		{name: "session from file keys the file still holds", creds: "[%[1]s]\naws_access_key_id = " + fileKey + "\naws_secret_access_key = s\n",
			plants: []plant{{label: "file", left: time.Hour, fromFile: fileKey}}, want: "file", why: serve},
		{name: "session from file keys the file no longer holds", creds: "[%[1]s]\naws_access_key_id = " + otherKey + "\naws_secret_access_key = s\n",
			plants: []plant{{label: "file", left: time.Hour, fromFile: fileKey}}, why: keys},
		{name: "session from file keys, file empty", plants: []plant{{label: "file", left: time.Hour, fromFile: fileKey}}, why: keys},
		{name: "half a key pair in the credentials file, session from keyring keys", creds: "[%[1]s]\naws_access_key_id = " + fileKey + "\n",
			plants: []plant{session}, want: "session", why: serve},
		{name: "half a key pair in the credentials file, session from file keys", creds: "[%[1]s]\naws_access_key_id = " + fileKey + "\n",
			plants: []plant{{label: "file", left: time.Hour, fromFile: fileKey}}, why: keys},
		{name: "role cached", profile: "%[1]s-prod", config: []string{"[profile %[1]s-prod]", "mfacred_source_profile = %[1]s", "mfacred_role_arn = " + adminRole},
			plants: []plant{session, {label: "role", role: adminRole, left: time.Hour}}, want: "role", why: serve},
		{name: "role not cached, its session is", profile: "%[1]s-prod", config: []string{"[profile %[1]s-prod]", "mfacred_source_profile = %[1]s", "mfacred_role_arn = " + adminRole},
			plants: []plant{session}, why: none},
		{name: "role cached without the external id the profile sets", profile: "%[1]s-prod",
			config: []string{"[profile %[1]s-prod]", "mfacred_source_profile = %[1]s", "mfacred_role_arn = " + adminRole, "mfacred_external_id = vendor-1"},
			plants: []plant{session, {label: "role", role: adminRole, left: time.Hour}}, why: none},
		{name: "role cached with the external id", profile: "%[1]s-prod",
			config: []string{"[profile %[1]s-prod]", "mfacred_source_profile = %[1]s", "mfacred_role_arn = " + adminRole, "mfacred_external_id = vendor-1"},
			plants: []plant{session, {label: "role", role: adminRole, left: time.Hour}, {label: "roleext", role: adminRole, ext: "vendor-1", left: time.Hour}}, want: "roleext", why: serve},
		{name: "role cached without the session tags the profile sets", profile: "%[1]s-prod",
			config: []string{"[profile %[1]s-prod]", "mfacred_source_profile = %[1]s", "mfacred_role_arn = " + adminRole, "mfacred_session_tags = team=a", "mfacred_source_identity = alice"},
			plants: []plant{session, {label: "role", role: adminRole, left: time.Hour}}, why: none},
		{name: "role cached with other session tags", profile: "%[1]s-prod",
			config: []string{"[profile %[1]s-prod]", "mfacred_source_profile = %[1]s", "mfacred_role_arn = " + adminRole, "mfacred_session_tags = team=b", "mfacred_source_identity = alice"},
			plants: []plant{session, {label: "roletags", role: adminRole, ext: teamA, left: time.Hour}}, why: none},
		{name: "role cached with the session tags", profile: "%[1]s-prod",
			config: []string{"[profile %[1]s-prod]", "mfacred_source_profile = %[1]s", "mfacred_role_arn = " + adminRole, "mfacred_session_tags = team=a", "mfacred_source_identity = alice"},
			plants: []plant{session, {label: "role", role: adminRole, left: time.Hour}, {label: "roletags", role: adminRole, ext: teamA, left: time.Hour}}, want: "roletags", why: serve},
		{name: "direct role", profile: "%[1]s-prod",
			config: []string{"[profile %[1]s-prod]", "mfacred_source_profile = %[1]s", "mfacred_role_arn = " + adminRole, "mfacred_role_direct = true"},
			plants: []plant{session, {label: "role", role: adminRole, left: time.Hour}, {label: "direct", role: adminRole, direct: true, left: time.Hour}}, want: "direct", why: serve},
		{name: "role with its session's file keys gone", profile: "%[1]s-prod", config: []string{"[profile %[1]s-prod]", "mfacred_source_profile = %[1]s", "mfacred_role_arn = " + adminRole},
			plants: []plant{{label: "role", role: adminRole, left: time.Hour, fromFile: fileKey}}, why: keys},
		{name: "role on an aws login session, cached", profile: "%[1]s-lrole", config: loginRoleConfig,
			plants: []plant{{label: "lrole", role: adminRole, login: true, left: time.Hour}}, want: "lrole", why: serve},
		{name: "role on an aws login session, cached for an earlier sign-in", profile: "%[1]s-lrole", config: loginRoleConfig,
			plants: []plant{{label: "lrole", role: adminRole, login: true, signin: "an earlier key", left: time.Hour}}, why: hit.Verdict{Action: hit.Refuse, Reason: hit.SigninChanged}},
		{name: "role on an aws login session, cached, logged out since", profile: "%[1]s-lrole", config: loginRoleConfig,
			plants: []plant{{label: "lrole", role: adminRole, login: true, signin: "-", left: time.Hour}}, why: hit.Verdict{Action: hit.Refuse, Reason: hit.LoggedOut}},
		{name: "role on an aws login session, due for renewal", profile: "%[1]s-lrole", config: loginRoleConfig,
			plants: []plant{{label: "lrole", role: adminRole, login: true, left: 10 * time.Minute}}, why: within(10 * time.Minute)},
		{name: "role on an aws login session, only a device's role cached", profile: "%[1]s-lrole", config: loginRoleConfig,
			plants: []plant{session, {label: "role", role: adminRole, left: time.Hour}}, why: none},
		{name: "bridge to an aws login session, fresh token file", profile: "%[1]s-lbridge", config: loginRoleConfig,
			plants: []plant{{label: "token", token: true, left: 14 * time.Minute}}, want: "token", why: serve},
		{name: "bridge to an aws login session, token file due for a refresh", profile: "%[1]s-lbridge", config: loginRoleConfig,
			plants: []plant{{label: "token", token: true, left: 10*time.Minute + 30*time.Second}}, why: stale(11 * time.Minute)},
		{name: "AWS_PROFILE names the profile", profile: "-", env: []string{"AWS_PROFILE=%[1]s"}, plants: []plant{session}, want: "session", why: serve},
		{name: "bad duration in the config", config: []string{"mfacred_duration_seconds = 60"}, plants: []plant{session}, unjudged: true},
		{name: "profile not in the config", profile: "%[1]s-missing", plants: []plant{session}, unjudged: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !tc.unjudged && tc.why.Serves() != (tc.want != "") {
				t.Fatalf("the case serves %q under the verdict %v", tc.want, tc.why)
			}
			w := newWorld(t)
			arg := func(s string) string { return strings.ReplaceAll(s, "%[1]s", w.profile) }
			var cfg []string
			for _, l := range tc.config {
				cfg = append(cfg, arg(l))
			}
			w.writeConfig(cfg...)
			if tc.keys {
				w.addKeys()
			}
			if tc.creds != "" {
				if err := os.WriteFile(filepath.Join(w.dir, "home", ".aws", "credentials"), []byte(arg(tc.creds)), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			store := w.store()
			for _, p := range tc.plants {
				k := cache.SessionKey(w.profile, w.serial)
				if p.role != "" {
					k = cache.RoleKey(w.profile, w.serial, p.role, p.ext, "", p.direct)
				}
				// As `aws login` writes it; a dpopKey that is no key, so the core cannot refresh.
				writeToken := func(keyID string, left time.Duration) *tokenfile.Token {
					sum := sha256.Sum256([]byte("arn:aws:iam::123456789012:user/parity-" + w.profile))
					dir := filepath.Join(w.dir, "home", ".aws", "login", "cache")
					file := fmt.Sprintf(`{"accessToken":{"accessKeyId":%q,"secretAccessKey":"parity-secret","sessionToken":"parity-token","accountId":"123456789012","expiresAt":%q},"clientId":"c","refreshToken":"parity-refresh","dpopKey":"none"}`,
						keyID, time.Now().Add(left).UTC().Format(time.RFC3339))
					if err := os.MkdirAll(dir, 0o700); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(filepath.Join(dir, hex.EncodeToString(sum[:])+".json"), []byte(file), 0o600); err != nil {
						t.Fatal(err)
					}
					tok, err := tokenfile.Parse([]byte(file))
					if err != nil {
						t.Fatal(err)
					}
					return tok
				}
				signin := ""
				if p.login {
					k = cache.RoleKey(w.profile+"-me", "aws login", p.role, p.ext, "", false)
					switch p.signin {
					case "":
						signin = writeToken("ASIAPARITYLOGINSESSION", 14*time.Minute).SessionID()
					case "-":
					default:
						tok := writeToken("ASIAPARITYLOGINSESSION", 14*time.Minute)
						signin = (&tokenfile.Token{DPoPKey: p.signin}).SessionID()
						if signin == tok.SessionID() {
							t.Fatal("two DPoP keys make one sign-in")
						}
					}
				}
				if p.token {
					writeToken(p.accessKeyID(), p.left)
					continue
				}
				e := cache.Entry{
					Credentials: cache.Credentials{AccessKeyID: p.accessKeyID(), SecretAccessKey: "parity-secret", SessionToken: "parity-token"},
					Expiration:  time.Now().Add(p.left).UTC().Truncate(time.Second),
					SourceKeyID: w.user.AccessKeyID, Source: w.profile, Device: w.serial, Role: p.role,
					LoginSession: signin,
				}
				if p.fromFile != "" {
					e.SourceKeyID, e.FromFile = p.fromFile, true
				}
				if err := store.PutSession(t.Context(), k, e); err != nil {
					t.Fatal(err)
				}
			}
			args := []string{"process"}
			switch tc.profile {
			case "":
				args = append(args, "--profile", w.profile)
			case "-":
			default:
				args = append(args, "--profile", arg(tc.profile))
			}
			var env []string
			for _, e := range tc.env {
				env = append(env, arg(e))
			}
			served := func(who string, res result) string {
				if res.err != nil {
					return ""
				}
				var out struct{ AccessKeyId string }
				if err := json.Unmarshal([]byte(res.stdout), &out); err != nil {
					t.Fatalf("%s printed %q: %v", who, res.stdout, err)
				}
				for _, p := range tc.plants {
					if out.AccessKeyId == p.accessKeyID() {
						return p.label
					}
				}
				return "" // renewed from STS, not served from the cache
			}
			fastRes := w.run(nil, env, fast, args...)
			if fastRes.err != nil && !strings.Contains(fastRes.stderr, "core ran") {
				t.Fatalf("the fast path failed by itself (it must leave failures to the core): %v\n%s", fastRes.err, fastRes.stderr)
			}
			coreRes := w.run(nil, env, core, args...)
			fastGot, coreGot := served("fast path", fastRes), served("core", coreRes)
			if fastGot != coreGot || fastGot != tc.want {
				t.Fatalf("fast path served %q, core served %q; want %q for both\nfast stderr: %s\ncore stderr: %s", fastGot, coreGot, tc.want, fastRes.stderr, coreRes.stderr)
			}
			labels := map[string]string{}
			for _, p := range tc.plants {
				labels[p.accessKeyID()] = p.label
			}
			serveGot, said, stderr := serveDecision(t, w, core, env, args[1:], labels)
			if serveGot != tc.want || said != tc.serveStale {
				t.Fatalf("serve served %q, said a renewal failed: %v; want %q, %v\nserve stderr: %s", serveGot, said, tc.want, tc.serveStale, stderr)
			}
			if tc.unjudged {
				return
			}
			// doctor's session line is the same verdict: "ok" exactly where process serves, and
			// the verdict's reason in hit's words everywhere else; so is status's line of the
			// profile's item: "renewed at the next call" with that reason exactly where process
			// does not serve it ("refreshed", for an aws login session's own credentials).
			name := w.profile
			if tc.profile != "" && tc.profile != "-" {
				name = arg(tc.profile)
			}
			doc := w.run(nil, env, core, append([]string{"doctor"}, args[1:]...)...)
			line := regexp.MustCompile(`(?m)^(ok|hint)\s+session: .*$`).FindAllString(doc.stdout, -1)
			switch {
			case tc.why.Serves() && (len(line) != 1 || !strings.HasPrefix(line[0], "ok")),
				!tc.why.Serves() && (len(line) != 1 || !strings.HasPrefix(line[0], "hint") || !strings.Contains(line[0], tc.why.Why())):
				t.Fatalf("doctor's session lines %q are not the verdict %v\ndoctor: %s%s", line, tc.why, doc.stdout, doc.stderr)
			}
			st := w.run(nil, env, core, "status")
			token := slices.ContainsFunc(tc.plants, func(p plant) bool { return p.token })
			listed := false
			for _, line := range strings.Split(st.stdout, "\n") {
				first, rest, _ := strings.Cut(strings.TrimSpace(line), "\t")
				renewed := ", renewed at the next call ("
				if token { // the aws login session's line: serves NAMES, then its credentials
					if first != "aws login "+w.profile+"-me" || !strings.Contains(rest, name) {
						continue
					}
					renewed = ", refreshed at the next call ("
				} else if !slices.Contains(strings.Split(first, ","), name) {
					continue
				}
				listed = true
				if strings.Contains(line, renewed) == tc.why.Serves() || !tc.why.Serves() && !strings.Contains(line, renewed+tc.why.Why()+")") {
					t.Fatalf("status's line of profile %s is not the verdict %v\nstatus: %s%s", name, tc.why, st.stdout, st.stderr)
				}
			}
			if listed != (tc.why.Reason != hit.NotCached) {
				t.Fatalf("status lists an item of profile %s: %v, the verdict is %v\nstatus: %s%s", name, listed, tc.why, st.stdout, st.stderr)
			}
		})
	}
}

// serveDecision runs `mfacred-core serve` with flags (the profile's), with no way to get a
// code, fetches the credentials once as a client would, and ends it. It returns the label of
// the planted item served ("" when serve served none: it could not start, or served fresh
// ones), whether it said a renewal failed, and its stderr.
func serveDecision(t *testing.T, w *world, core string, env, flags []string, labels map[string]string) (string, bool, string) {
	t.Helper()
	tokenFile := filepath.Join(t.TempDir(), "token")
	cmd := exec.Command(core, append(append([]string{"serve"}, flags...), "--token-file", tokenFile)...)
	cmd.Env = append(append([]string{}, w.env...), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	var stdout, stderr output
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
			t.Errorf("serve did not end within 10 s of SIGINT")
		}
	}()
	const prefix = "AWS_CONTAINER_CREDENTIALS_FULL_URI="
	var url string
	for deadline := time.Now().Add(60 * time.Second); url == ""; time.Sleep(20 * time.Millisecond) {
		for _, l := range strings.Split(stdout.String(), "\n") {
			if strings.HasPrefix(l, prefix) {
				url = strings.TrimPrefix(l, prefix)
			}
		}
		select {
		case <-exited:
			if url == "" {
				return "", false, stderr.String() // could not start: served nothing
			}
		default:
		}
		if url == "" && time.Now().After(deadline) {
			t.Fatalf("serve printed no address within 60 s\nstderr: %s", stderr.String())
		}
	}
	token, err := os.ReadFile(tokenFile)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", string(token))
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("fetch from serve: %v", err)
	}
	defer resp.Body.Close()
	var body struct{ AccessKeyId string }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("fetch from serve: status %d, %v", resp.StatusCode, err)
	}
	return labels[body.AccessKeyId], strings.Contains(stderr.String(), "renew credentials:"), stderr.String()
}
