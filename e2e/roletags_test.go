//go:build unix

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/localsts"
)

// tagWorld is a world whose user may assume adminRole (MFA required, its trust policy
// allowing sts:TagSession and sts:SetSourceIdentity) through profile NAME-tagged, written
// by retag with the given session tags and source identity.
type tagWorld struct {
	*world
	tagged string
	extra  string // more lines of the tagged profile
}

func newTagWorld(t *testing.T, role localsts.Role) *tagWorld {
	w := newWorld(t)
	w.sts.AddRole(role)
	tw := &tagWorld{world: w, tagged: w.profile + "-tagged"}
	tw.retag("team=platform, cost center = 42", "team", "alice")
	w.addKeys()
	return tw
}

// retag writes the config with the tagged profile's mfacred_session_tags,
// mfacred_transitive_session_tags and mfacred_source_identity.
func (tw *tagWorld) retag(tags, transitive, identity string) {
	tw.writeConfig(tw.mfaProcess(), fmt.Sprintf(`
[profile %[1]s]
credential_process = %[2]s process --profile %[1]s
region = us-east-1
mfacred_source_profile = %[3]s
mfacred_role_arn = %[4]s
mfacred_session_tags = %[5]s
mfacred_transitive_session_tags = %[6]s
mfacred_source_identity = %[7]s
%[8]s
`, tw.tagged, binary, tw.profile, adminRole, tags, transitive, identity, tw.extra))
}

// seen is what the session of the last GetCallerIdentity the local STS answered was assumed
// with: what a real caller's credentials carry.
func (w *world) seen(who string) localsts.Tagging {
	w.t.Helper()
	callers := w.sts.IdentityCallers()
	if len(callers) == 0 {
		w.t.Fatalf("%s made no GetCallerIdentity", who)
	}
	tg, ok := w.sts.AssumedWith(callers[len(callers)-1])
	if !ok {
		w.t.Fatalf("%s did not call as a role session", who)
	}
	return tg
}

func (w *world) wantSeen(who string, want localsts.Tagging) {
	w.t.Helper()
	if got := w.seen(who); !reflect.DeepEqual(got, want) {
		w.t.Fatalf("%s called with a role session assumed with %+v, want %+v", who, got, want)
	}
}

// tagging is what STS keeps of tags "team=TEAM, cost center=42", transitive key team and
// source identity id.
func tagging(team, id string) localsts.Tagging {
	return localsts.Tagging{Tags: []localsts.Tag{{Key: "team", Value: team}, {Key: "cost center", Value: "42"}}, TransitiveTagKeys: []string{"team"}, SourceIdentity: id}
}

// A role profile with session tags, a transitive key and a source identity: the AWS CLI,
// boto3 and the Go SDK call STS with a role session assumed with exactly those (the local
// STS says what it received), as do `exec` and `exec --server`; warm calls cost no STS call
// and the fast binary alone serves them. A changed tag or source identity is another cache
// item: the fast path does not serve the old session, the next call assumes the role again
// with the new values; going back to the first values finds their session still cached.
func TestRoleSessionTagsReachSTS(t *testing.T) {
	t.Parallel() // waits on the AWS CLI, boto3 and the Go SDK
	aws := awsCLIv2(t)
	needPython(t)
	goBin := goClient(t)
	tw := newTagWorld(t, localsts.Role{ARN: adminRole, RequireMFA: true, TagSession: true, SetSourceIdentity: true})
	cli := func() {
		t.Helper()
		tw.mustRun(aws, "sts", "get-caller-identity", "--profile", tw.tagged, "--endpoint-url", tw.sts.URL)
	}

	cli()
	tw.wantSeen("the AWS CLI", tagging("platform", "alice"))
	tw.wantCalls("cold", "GetSessionToken=1 AssumeRole=1")

	tw.mustRun(python, "-c", fmt.Sprintf(`
import boto3
boto3.Session(profile_name=%q, region_name="us-east-1").client("sts", endpoint_url=%q).get_caller_identity()`, tw.tagged, tw.sts.URL))
	tw.wantSeen("boto3", tagging("platform", "alice"))

	if r := tw.run(nil, []string{"AWS_PROFILE=" + tw.tagged}, goBin, "-for", "1ms", "-every", "1ms"); r.err != nil || !strings.Contains(r.stdout, `"ok":1`) {
		t.Fatalf("the Go SDK: %v\n%s\n%s", r.err, r.stdout, r.stderr)
	}
	tw.wantSeen("the Go SDK", tagging("platform", "alice"))

	key := strings.TrimSpace(tw.mustRun(binary, "exec", "--profile", tw.tagged, "--", "sh", "-c", `printf %s "$AWS_ACCESS_KEY_ID"`))
	if got, _ := tw.sts.AssumedWith(key); !reflect.DeepEqual(got, tagging("platform", "alice")) {
		t.Fatalf("exec handed over a role session assumed with %+v", got)
	}
	if r := tw.run(nil, nil, binary, "exec", "--server", "--profile", tw.tagged, "--", goBin, "-for", "1ms", "-every", "1ms"); r.err != nil || !strings.Contains(r.stdout, `"ok":1`) {
		t.Fatalf("exec --server with the Go SDK: %v\n%s\n%s", r.err, r.stdout, r.stderr)
	}
	tw.wantSeen("the Go SDK through exec --server", tagging("platform", "alice"))
	tw.wantCalls("warm callers", "GetSessionToken=1 AssumeRole=1")

	// The fast binary with no mfacred-core beside it: it serves what is cached for these tags,
	// and nothing else.
	alone := filepath.Join(tw.dir, "alone")
	if err := os.MkdirAll(alone, 0o700); err != nil {
		t.Fatal(err)
	}
	front := filepath.Join(alone, "mfacred")
	if err := os.Link(binary, front); err != nil { // a link, not a copy: no file open for writing
		t.Fatal(err)
	}
	fast := func() (string, bool) {
		r := tw.run(nil, nil, front, "process", "--profile", tw.tagged)
		if r.err != nil {
			return "", false
		}
		return parseCreds(t, r.stdout).AccessKeyId, true
	}
	if k, ok := fast(); !ok || k != key {
		t.Fatalf("the fast path alone did not serve the cached role session (%q, want %q)", k, key)
	}

	for i, change := range []struct{ tags, id, team string }{
		{"team=data, cost center=42", "alice", "data"}, // a tag's value
		{"team=data, cost center=42", "bob", "data"},   // the source identity
	} {
		tw.retag(change.tags, "team", change.id)
		if k, ok := fast(); ok {
			t.Fatalf("after %s/%s the fast path served %s, a session made with other tags", change.tags, change.id, k)
		}
		cli()
		tw.wantSeen("the AWS CLI after a change", tagging(change.team, change.id))
		tw.wantCalls("after a change", fmt.Sprintf("GetSessionToken=1 AssumeRole=%d", i+2))
		if _, ok := fast(); !ok {
			t.Fatal("the fast path alone did not serve the session of the new tags")
		}
	}
	// The order tags are written in is no change; the first values' session is still cached.
	tw.retag("cost center=42,team=platform", "team", "alice")
	if k, ok := fast(); !ok || k != key {
		t.Fatalf("the first tags, reordered: the fast path served %q, want the first session %q", k, key)
	}
	cli()
	tw.wantSeen("the AWS CLI on the first tags again", tagging("platform", "alice"))
	tw.wantCalls("back to the first tags", "GetSessionToken=1 AssumeRole=3")
}

// A bad tag, transitive key or source identity is one line naming the profile and the key,
// from process and from the AWS CLI running it; STS is not called (so nothing is asked or
// cached: no MFA session is in the keyring) and the config is as it was.
func TestRoleSessionTagsBadValues(t *testing.T) {
	t.Parallel()
	aws := awsCLIv2(t)
	tw := newTagWorld(t, localsts.Role{ARN: adminRole, RequireMFA: true, TagSession: true, SetSourceIdentity: true})
	for _, tc := range []struct{ tags, transitive, id, want string }{
		{"team", "", "alice", "mfacred_session_tags = \"team\" in "},
		{"team=a*b", "", "alice", "has a character STS refuses"},
		{"team=a,Team=b", "", "alice", "the tag key Team is given twice"},
		{"k=" + strings.Repeat("v", 257), "", "alice", "longer than 256 characters"},
		{"team=a", "owner", "alice", "mfacred_transitive_session_tags = \"owner\" in "},
		{"team=a", "team", "aws:me", "mfacred_source_identity = \"aws:me\" in "},
		{"team=a", "team", "x", "want 2 to 64"},
	} {
		tw.retag(tc.tags, tc.transitive, tc.id)
		before, err := os.ReadFile(tw.configPath())
		if err != nil {
			t.Fatal(err)
		}
		r := tw.run(nil, nil, binary, "process", "--profile", tw.tagged)
		lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
		if r.code != 1 || len(lines) != 1 || !strings.HasPrefix(lines[0], "mfacred: profile "+tw.tagged+": ") || !strings.Contains(lines[0], tc.want) {
			t.Fatalf("%s / %s / %s: exit %d, stderr %q; want one line naming the profile with %q", tc.tags, tc.transitive, tc.id, r.code, r.stderr, tc.want)
		}
		c := tw.run(nil, nil, aws, "sts", "get-caller-identity", "--profile", tw.tagged, "--endpoint-url", tw.sts.URL)
		if c.err == nil || !strings.Contains(c.stderr, tc.want) {
			t.Fatalf("the AWS CLI on %s: %v, stderr %q", tc.tags, c.err, c.stderr)
		}
		after, _ := os.ReadFile(tw.configPath())
		if string(after) != string(before) {
			t.Fatalf("a bad value changed the config:\n%s\n%s", before, after)
		}
		if _, err := tw.store().Session(t.Context(), cache.SessionKey(tw.profile, tw.serial)); err == nil {
			t.Fatal("a bad value left an MFA session in the keyring")
		}
		tw.wantCalls(tc.tags, "GetSessionToken=0 AssumeRole=0")
	}
}

// A trust policy that does not allow sts:TagSession refuses the tags: process says which
// settings the trust policy must allow, and doctor's trial of the role, which sends the
// tags as process does, says so too; allowed, both pass.
func TestRoleSessionTagsTrustPolicy(t *testing.T) {
	t.Parallel()
	tw := newTagWorld(t, localsts.Role{ARN: adminRole, RequireMFA: true})
	r := tw.run(nil, nil, binary, "process", "--profile", tw.tagged)
	if r.err == nil || !strings.Contains(r.stderr, "sts:TagSession for mfacred_session_tags, sts:SetSourceIdentity for mfacred_source_identity") {
		t.Fatalf("process with tags the trust policy refuses: %v\n%s", r.err, r.stderr)
	}
	d := tw.run(nil, nil, binary, "doctor", "--profile", tw.tagged)
	if d.err == nil || !strings.Contains(d.stdout+d.stderr, "sts:TagSession") {
		t.Fatalf("doctor did not find the refused tags: %v\n%s%s", d.err, d.stdout, d.stderr)
	}
	tw.sts.AddRole(localsts.Role{ARN: adminRole, RequireMFA: true, TagSession: true, SetSourceIdentity: true})
	if d := tw.run(nil, nil, binary, "doctor", "--profile", tw.tagged); d.err != nil {
		t.Fatalf("doctor with tags the trust policy allows: %v\n%s%s", d.err, d.stdout, d.stderr)
	}
	if r := tw.run(nil, nil, binary, "process", "--profile", tw.tagged); r.err != nil {
		t.Fatalf("process with tags the trust policy allows: %v\n%s", r.err, r.stderr)
	}
}

// setup writes a role over an aws login session with session tags, transitive keys and a
// source identity (aws-vault's formats), checked as process checks them; the AWS CLI and
// boto3 then call as a role session assumed with them. Set up again without them, the
// profile loses them and the next call assumes the role again without. A bad value, or tags
// without --role-arn, is one line and the config is unchanged.
func TestRoleSessionTagsOverLoginSessionBySetup(t *testing.T) {
	t.Parallel()
	aws := awsCLIv2(t)
	needPython(t)
	lw := newSigninWorld(t, localsts.Role{ARN: adminRole, TagSession: true, SetSourceIdentity: true}, localsts.LoginOptions{})
	tagged := lw.profile + "-tagged"
	r := lw.run(nil, nil, binary, "setup", "--profile", tagged, "--login-session", lw.me, "--role-arn", adminRole,
		"--session-tags", "team=platform,cost center=42", "--transitive-session-tags", "team", "--source-identity", "alice")
	if r.err != nil {
		t.Fatalf("setup: %v\n%s", r.err, r.stderr)
	}
	cfg := mustRead(t, lw.configPath())
	for _, line := range []string{"mfacred_session_tags = team=platform,cost center=42\n", "mfacred_transitive_session_tags = team\n", "mfacred_source_identity = alice\n"} {
		if !strings.Contains(cfg, line) {
			t.Fatalf("setup did not write %q:\n%s", line, cfg)
		}
	}
	lw.wantSeen("setup's proof", tagging("platform", "alice"))
	lw.mustRun(aws, "sts", "get-caller-identity", "--profile", tagged, "--endpoint-url", lw.sts.URL)
	lw.wantSeen("the AWS CLI", tagging("platform", "alice"))
	lw.mustRun(python, "-c", fmt.Sprintf(`
import boto3
boto3.Session(profile_name=%q, region_name="us-east-1").client("sts", endpoint_url=%q).get_caller_identity()`, tagged, lw.sts.URL))
	lw.wantSeen("boto3", tagging("platform", "alice"))
	if n := lw.sts.Count("AssumeRole"); n != 1 {
		t.Fatalf("AssumeRole %d, want 1", n)
	}

	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"--role-arn", adminRole, "--session-tags", "a*b=c"}, "mfacred: profile " + tagged + `: mfacred_session_tags "a*b=c": the tag key "a*b" has a character STS refuses`},
		{[]string{"--role-arn", adminRole, "--session-tags", "team=a", "--transitive-session-tags", "owner"}, "mfacred: profile " + tagged + `: mfacred_transitive_session_tags "owner": owner is not among the session tags`},
		{[]string{"--role-arn", adminRole, "--source-identity", "aws:me"}, "mfacred: profile " + tagged + `: mfacred_source_identity "aws:me": want 2 to 64`},
		{[]string{"--session-tags", "team=a"}, "--session-tags, --transitive-session-tags and --source-identity need --role-arn"},
	} {
		before := mustRead(t, lw.configPath())
		r := lw.run(nil, nil, binary, append([]string{"setup", "--profile", tagged, "--login-session", lw.me}, bad.args...)...)
		if lines := strings.Split(strings.TrimSpace(r.stderr), "\n"); r.err == nil || len(lines) != 1 || !strings.Contains(lines[0], bad.want) {
			t.Fatalf("setup %q: %v\n%s\nwant one line with %q", bad.args, r.err, r.stderr, bad.want)
		}
		if mustRead(t, lw.configPath()) != before {
			t.Fatalf("setup %q changed the config", bad.args)
		}
	}

	if r := lw.run(nil, nil, binary, "setup", "--profile", tagged, "--login-session", lw.me, "--role-arn", adminRole); r.err != nil {
		t.Fatalf("setup without tags: %v\n%s", r.err, r.stderr)
	}
	if cfg := mustRead(t, lw.configPath()); strings.Contains(cfg, "mfacred_session_tags") || strings.Contains(cfg, "mfacred_transitive_session_tags") || strings.Contains(cfg, "mfacred_source_identity") {
		t.Fatalf("setup without tags kept them:\n%s", cfg)
	}
	lw.mustRun(aws, "sts", "get-caller-identity", "--profile", tagged, "--endpoint-url", lw.sts.URL)
	lw.wantSeen("the AWS CLI without tags", localsts.Tagging{})
	if n := lw.sts.Count("AssumeRole"); n != 2 {
		t.Fatalf("AssumeRole %d after the tags were dropped, want 2", n)
	}
}

// A role assumed straight from the long-term keys (mfacred_role_direct, with a code of its
// own) carries the tags too; then cached, the next call is served without STS.
func TestRoleSessionTagsDirect(t *testing.T) {
	t.Parallel()
	aws := awsCLIv2(t)
	tw := newTagWorld(t, localsts.Role{ARN: adminRole, RequireMFA: true, TagSession: true, SetSourceIdentity: true, MaxSessionDuration: 7200})
	tw.extra = "mfacred_role_direct = true\nmfacred_role_duration_seconds = 7200"
	tw.retag("team=platform, cost center = 42", "team", "alice")
	for range 2 {
		tw.mustRun(aws, "sts", "get-caller-identity", "--profile", tw.tagged, "--endpoint-url", tw.sts.URL)
		tw.wantSeen("the AWS CLI on a direct role", tagging("platform", "alice"))
		tw.wantCalls("direct", "GetSessionToken=0 AssumeRole=1")
	}
}
