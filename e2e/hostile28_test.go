//go:build linux

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/internal/cmdline"
	"github.com/mfacred/mfacred/localsts"
)

// A hostile pass on issue 28's export, as built: values no AWS answer holds but a damaged or
// foreign cache item may (quotes of every kind, $(), backticks, %, !, white space, unicode,
// control characters, long values), put into the cached session that both the fast path and
// mfacred-core serve, each printed in every format and read back by what the format is for:
// the real shells (bash, dash as sh, bash in POSIX mode) by eval, botocore's config reader
// for ini, a JSON parser for process. Each value comes back exactly, or is refused in one
// line with nothing on stdout; nothing in it ever runs.

// hostileValues are the session tokens and secret keys tried; mark is a file that a value
// which ran would create.
func hostileValues(mark string) []string {
	return []string{
		`'`, `"`, `\`, `\'`, `'\''`, `\\'`, `''`, `"'"'"`,
		`$(touch ` + mark + `)`, "`touch " + mark + "`", `${HOME}`, `$HOME`, `$'\x41'`,
		`'$(touch ` + mark + `)'`, `"$(touch ` + mark + `)"`, `';touch ` + mark + `;'`,
		`%PATH%`, `!!`, `!x`, `a b`, `*`, `~`, `#c`, `;x`, `a=b`, `-n`, `&|<>^`,
		` lead`, `trail `, "\u00a0nbsp\u00a0", "\u2028sep", "\u2018typo\u2019", "ключ🔑",
		strings.Repeat(`x'"$`, 5000),
		"\xff\xfe", "a\nb", "a\rb", "\x1b[31m", "a\x00b", "\x7f", "\u0085",
	}
}

func TestHostile28ExportValues(t *testing.T) {
	t.Parallel()
	w, _ := exportWorld(t)
	key := cache.SessionKey(w.profile, w.serial)
	good, err := w.store().Session(t.Context(), key)
	if err != nil {
		t.Fatal(err)
	}
	core := filepath.Join(filepath.Dir(binary), "mfacred-core")
	mark := filepath.Join(t.TempDir(), "ran")
	dir := t.TempDir()
	botocore := `import json, sys
from botocore.configloader import load_config
out = []
for f in sys.argv[2:]:
    p = load_config(f)["profiles"][sys.argv[1]]
    out.append([p["aws_secret_access_key"], p["aws_session_token"]])
json.dump(out, sys.stdout)`
	var inis []iniCase
	for i, v := range hostileValues(mark) {
		e := good
		e.SessionToken, e.SecretAccessKey = v, v
		if err := w.store().PutSession(t.Context(), key, e); err != nil {
			t.Fatal(err)
		}
		// The keyring item is JSON: bytes that are not UTF-8 are stored as U+FFFD. What is
		// served is what was stored.
		if e, err = w.store().Session(t.Context(), key); err != nil {
			t.Fatal(err)
		}
		v = e.SessionToken
		name := fmt.Sprintf("value %d %.40q", i, v)
		refused := strings.IndexFunc(v, unicode.IsControl) >= 0
		var evals, formats []string
		for _, format := range []string{"env", "export-env", "env-no-export", "process", "json", "ini", "powershell", "windows-cmd"} {
			fast := w.run(nil, nil, binary, "export", "--profile", w.profile, "--format", format)
			full := w.run(nil, nil, core, "export", "--profile", w.profile, "--format", format)
			if fast.stdout != full.stdout || fast.stderr != full.stderr || fast.code != full.code {
				t.Errorf("%s, %s: the fast path and mfacred-core differ:\n%d %q %q\n%d %q %q", name, format, fast.code, fast.stdout, fast.stderr, full.code, full.stdout, full.stderr)
				continue
			}
			// JSON escapes every control character: process prints them, as mfacred process does.
			isJSON := format == "process" || format == "json"
			cmdRefused := format == "windows-cmd" && strings.ContainsAny(v, `"%`)
			// A config file has no quotes: botocore strips white space from a value's ends.
			iniRefused := format == "ini" && strings.TrimFunc(v, unicode.IsSpace) != v
			if refused && !isJSON || cmdRefused || iniRefused {
				if fast.code == 0 || fast.stdout != "" || strings.Count(fast.stderr, "\n") != 1 || len(v) > 2 && strings.Contains(fast.stderr, v) {
					t.Errorf("%s, %s: want one line refusing it (without the value), got %d %q %q", name, format, fast.code, fast.stdout, fast.stderr)
				}
				continue
			}
			if fast.code != 0 {
				t.Errorf("%s, %s: exit %d %s", name, format, fast.code, fast.stderr)
				continue
			}
			switch format {
			case "process", "json":
				var c credsJSON
				if err := json.Unmarshal([]byte(fast.stdout), &c); err != nil || c.SessionToken != v || c.SecretAccessKey != v {
					t.Errorf("%s, %s: read back %q %q (%v)", name, format, c.SecretAccessKey, c.SessionToken, err)
				}
			case "ini":
				// Read back by botocore once for all values, below.
				file := filepath.Join(dir, fmt.Sprintf("config-%d", i))
				if err := os.WriteFile(file, []byte(fast.stdout), 0o600); err != nil {
					t.Fatal(err)
				}
				inis = append(inis, iniCase{name, file, v, fast.stdout})
			case "env", "export-env", "env-no-export":
				// What `eval "$(mfacred export …)"` evaluates: the printed text, as command
				// substitution gives it (trailing line breaks dropped). Each shell evaluates
				// the three formats in one run, below.
				file := filepath.Join(dir, fmt.Sprintf("%s-%d", format, i))
				if err := os.WriteFile(file, []byte(fast.stdout), 0o600); err != nil {
					t.Fatal(err)
				}
				read := `printf '%s\0%s' "$AWS_SECRET_ACCESS_KEY" "$AWS_SESSION_TOKEN"`
				if format != "env-no-export" {
					read = `sh -c '` + strings.ReplaceAll(read, `'`, `"`) + `'` // exported: a child sees them
				}
				evals = append(evals, `(eval "$(cat '`+file+`')" && `+read+`); printf '\001'`)
				formats = append(formats, format)
			}
		}
		if len(evals) > 0 {
			script := strings.Join(evals, "; ")
			for _, sh := range [][]string{{"bash", "-c", script}, {"dash", "-c", script}, {"bash", "--posix", "-c", script}, {"bash", "-O", "extglob", "-c", "set -H; " + script}} {
				r := w.run(nil, nil, sh[0], sh[1:]...)
				got := strings.Split(r.stdout, "\x01")
				if r.err != nil || len(got) != len(evals)+1 {
					t.Errorf("%s in %q: %q (%v %s)", name, sh[:len(sh)-1], r.stdout, r.err, r.stderr)
					continue
				}
				for j, format := range formats {
					if got[j] != v+"\x00"+v {
						t.Errorf("%s, %s in %q: got %q", name, format, sh[:len(sh)-1], got[j])
					}
				}
			}
		}
		if _, err := os.Stat(mark); err == nil {
			t.Fatalf("%s: a value ran as a command", name)
		}
	}
	// botocore's config reader, one run for every ini the formats printed.
	files := []string{}
	for _, c := range inis {
		files = append(files, c.file)
	}
	out, err := exec.Command("python3", append([]string{"-c", botocore, w.profile}, files...)...).Output()
	var got [][2]string
	if err != nil || json.Unmarshal(out, &got) != nil || len(got) != len(inis) {
		t.Fatalf("botocore read the ini files: %v %q", err, out)
	}
	for j, c := range inis {
		if got[j] != [2]string{c.v, c.v} {
			t.Errorf("%s, ini: botocore reads back %q; mfacred printed %q", c.name, got[j], c.printed)
		}
	}
}

// iniCase is a value export printed as ini, for botocore to read back.
type iniCase struct{ name, file, v, printed string }

// TestHostile28ExportArgs: every odd command line of export, with a session cached that the
// fast path could serve: the mfacred binary (fast path, or mfacred-core where it leaves the
// line to it) and mfacred-core answer alike, byte for byte and exit code; a refusal is one
// line on stderr and nothing on stdout; no line reaches STS.
func TestHostile28ExportArgs(t *testing.T) {
	t.Parallel()
	w, c := exportWorld(t)
	p := w.profile
	core := filepath.Join(filepath.Dir(binary), "mfacred-core")
	unset := "\x00unset"
	for _, tc := range []struct {
		awsProfile string
		args       []string
		ok         bool // prints the session
	}{
		{unset, []string{"--profile", p}, true},
		{unset, []string{"--profile=" + p}, true},
		{unset, []string{"-profile", p}, true},
		{unset, []string{"-profile=" + p, "--format=env"}, true},
		{unset, []string{"--format", "json", "--profile", p}, true},
		{unset, []string{"--profile", p, "-format", "export-env"}, true},
		{p, nil, true},
		{p, []string{"--format", "ini"}, true},
		{"nope", []string{"--profile", p}, true},
		{unset, []string{"--profile", p, "--profile", p}, false},
		{unset, []string{"--profile", p, "--profile=nope"}, false},
		{unset, []string{"--profile", p, "--format", "env", "--format", "env"}, false},
		{unset, []string{"--profile", p, "--format="}, false},
		{unset, []string{"--profile", p, "--format"}, false},
		{unset, []string{"--profile", p, "--format", "ENV"}, false},
		{unset, []string{"--profile", p, "--format", " env"}, false},
		{unset, []string{"--profile", p, "--format", "env,ini"}, false},
		{unset, []string{"--profile", p, "--format", "json=x"}, false},
		{unset, []string{"--profile", p, "--format=json=x"}, false},
		{unset, []string{"--profile", p, "--Format", "env"}, false},
		{unset, []string{"--PROFILE", p}, false},
		{unset, []string{"---profile", p}, false},
		{unset, []string{"--profile", p, "--bogus"}, false},
		{unset, []string{"--profile", p, "--region=eu-west-1"}, false},
		{unset, []string{"--profile", p, "--"}, false},
		{unset, []string{"--profile", p, "--", "extra"}, false},
		{unset, []string{"--", "--profile", p}, false},
		{unset, []string{p}, false},
		{unset, []string{"--profile", p, "--format", "process", "extra"}, false},
		{unset, []string{"--profile", ""}, false},
		{unset, []string{"--profile="}, false},
		{unset, []string{"--profile"}, false},
		{unset, nil, false},    // default, which is not in the files
		{"", nil, false},       // AWS_PROFILE set but empty: default too
		{p + "\n", nil, false}, // a control character
		{unset, []string{"--profile", p + " "}, false},
		{unset, []string{"--profile", p + "\n"}, false},
		{unset, []string{"--profile", "nope"}, false},
		{unset, []string{"--profile", "$(touch x)"}, false},
		{unset, []string{"--profile", strings.Repeat("a", 70000)}, false},
	} {
		env := []string{}
		if tc.awsProfile != unset {
			env = append(env, "AWS_PROFILE="+tc.awsProfile)
		}
		args := append([]string{"export"}, tc.args...)
		fast := w.run(nil, env, binary, args...)
		full := w.run(nil, env, core, args...)
		name := fmt.Sprintf("AWS_PROFILE=%.20q export %.60q", tc.awsProfile, tc.args)
		if fast.stdout != full.stdout || fast.stderr != full.stderr || fast.code != full.code {
			t.Errorf("%s: mfacred and mfacred-core differ:\n%d %q %q\n%d %q %q", name, fast.code, fast.stdout, fast.stderr, full.code, full.stdout, full.stderr)
			continue
		}
		switch {
		case tc.ok && (fast.code != 0 || !strings.Contains(fast.stdout, c.SessionToken) || fast.stderr != ""):
			t.Errorf("%s: exit %d %q %q", name, fast.code, fast.stdout, fast.stderr)
		case !tc.ok && (fast.code == 0 || fast.stdout != "" || strings.Count(fast.stderr, "\n") != 1):
			t.Errorf("%s: want one line refusing it, got exit %d %q %.300q", name, fast.code, fast.stdout, fast.stderr)
		}
	}
	w.wantCalls("after every command line", "GetSessionToken=1 AssumeRole=0")
}

// TestHostile28ExportCacheStates: export decides as process does on a cached session that is
// fresh, within the renewal margin, expired, damaged, or made with keys the files no longer
// hold: in each, a world's export and another world's process, in the same state, both serve
// it or both renew it (one more GetSessionToken).
func TestHostile28ExportCacheStates(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		change func(e *cache.Entry)
	}{
		{"fresh", func(e *cache.Entry) {}},
		{"within the margin", func(e *cache.Entry) { e.Expiration = time.Now().Add(9 * time.Minute).UTC().Truncate(time.Second) }},
		{"expired", func(e *cache.Entry) { e.Expiration = time.Now().Add(-time.Minute).UTC().Truncate(time.Second) }},
		{"damaged", func(e *cache.Entry) { e.SessionToken = "" }},
		{"too long", func(e *cache.Entry) { e.Expiration = time.Now().Add(40 * time.Hour).UTC().Truncate(time.Second) }},
		{"other keys", func(e *cache.Entry) { e.SourceKeyID = "AKIAOTHERKEY00000000" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var served [2]bool
			for i, cmd := range [][]string{{"process"}, {"export", "--format", "process"}} {
				w, _ := exportWorld(t)
				key := cache.SessionKey(w.profile, w.serial)
				e, err := w.store().Session(t.Context(), key)
				if err != nil {
					t.Fatal(err)
				}
				e.AccessKeyID = "ASIAPUT0000000000001"
				tc.change(&e)
				if err := w.store().PutSession(t.Context(), key, e); err != nil {
					t.Fatal(err)
				}
				r := w.run(nil, nil, binary, append(cmd, "--profile", w.profile)...)
				if r.err != nil {
					t.Fatalf("%q: %v %s", cmd, r.err, r.stderr)
				}
				served[i] = w.sts.Count("GetSessionToken") == 1
				if served[i] != (parseCreds(t, r.stdout).AccessKeyId == e.AccessKeyID) {
					t.Fatalf("%q: served the cached item %v, but printed %s", cmd, served[i], r.stdout)
				}
			}
			if served[0] != served[1] {
				t.Fatalf("process served the cached item: %v, export: %v", served[0], served[1])
			}
		})
	}
}

// pythonTOTP is an mfa_process line printing the device's code with Python's standard
// library (RFC 6238), another implementation of TOTP than mfacred's, for a machine without
// oathtool.
const pythonTOTP = `mfa_process = /usr/bin/python3 -c "import base64,hmac,struct,time,os; k=base64.b32decode(os.environ['MFACRED_TEST_SEED']); h=hmac.digest(k,struct.pack('>Q',int(time.time())//30),'sha1'); o=h[-1]&15; print('%06d'%((struct.unpack('>I',h[o:o+4])[0]&0x7fffffff)%1000000))"`

// TestHostile28RotateDeleteCommand: rotate names the command that deletes a key left at AWS
// (here IAM refuses DeleteAccessKey); for a profile whose name holds blanks, quotes and $(),
// that command, pasted into a shell, must run nothing of the name and name the profile.
func TestHostile28RotateDeleteCommand(t *testing.T) {
	t.Parallel()
	for i, hostile := range []string{" $(touch MARK)", "'s `touch MARK`", `"b;touch MARK`} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			mark := filepath.Join(t.TempDir(), "ran")
			// The name starts with the world's own, so that its keyring items are cleaned up.
			name := w.profile + strings.ReplaceAll(hostile, "MARK", mark)
			section, err := awsconfig.ConfigSection(name)
			if err != nil {
				t.Fatal(err)
			}
			line, err := cmdline.CredentialProcess(binary, name, "linux")
			if err != nil {
				t.Fatal(err)
			}
			cfg := fmt.Sprintf("[%s]\ncredential_process = %s\nmfa_serial = %s\nregion = us-east-1\n%s\n", section, line, w.serial, pythonTOTP)
			if err := os.WriteFile(w.configPath(), []byte(cfg), 0o600); err != nil {
				t.Fatal(err)
			}
			w.addKeysAs(name)
			w.sts.Inject(localsts.Fault{Action: "DeleteAccessKey", Status: 403, Code: "AccessDenied", Message: "not authorized to perform: iam:DeleteAccessKey"})
			r := w.run(nil, nil, binary, "rotate", "--profile", name)
			w.noSecret(r.stdout, r.stderr)
			// The command is the rest of the line but its closing backtick: the name has some.
			_, after, ok := strings.Cut(strings.TrimSuffix(r.stderr, "\n"), "delete it with `aws iam delete-access-key ")
			command := strings.TrimSuffix(after, "`")
			if r.code != 1 || !ok {
				t.Fatalf("%q: exit %d %s", name, r.code, r.stderr)
			}
			got := w.run(nil, nil, "bash", "-c", `f() { printf '%s\0' "$@"; }; f `+command)
			if _, err := os.Stat(mark); err == nil || got.err != nil || !strings.HasSuffix(got.stdout, "--profile\x00"+name+"\x00") {
				t.Fatalf("%q: the command rotate named, `%s`, in bash: ran something: %v, words %q (%v %s)", name, command, err == nil, got.stdout, got.err, got.stderr)
			}
		})
	}
}

// TestHostile28TagLines: session tag, transitive key and source identity lines written as
// people write them (odd spacing, continuation lines, keys in capitals, comments, limits,
// unicode): mfacred reads each value as botocore does (`aws configure get`), and either STS is
// asked for exactly the tags aws-vault's rule makes of it (split at commas, cut at the first
// =, trimmed), or it is refused in one line before any AWS call.
func TestHostile28TagLines(t *testing.T) {
	t.Parallel()
	awsCLIv2(t)
	tw := newTagWorld(t, localsts.Role{ARN: adminRole, RequireMFA: true, TagSession: true, SetSourceIdentity: true})
	tw.mustRun(binary, "process", "--profile", tw.profile) // the MFA session, once
	many := func(n int) string {
		var tags []string
		for i := range n {
			tags = append(tags, fmt.Sprintf("k%d=v", i))
		}
		return strings.Join(tags, ",")
	}
	for _, tc := range []struct {
		lines string // the tagged profile's tag lines
		ok    bool
	}{
		{"mfacred_session_tags=a=b", true},
		{"mfacred_session_tags   =   a = b ,  c = d  ", true},
		{"mfacred_session_tags\t=\ta=b,\tc=d", true},
		{"mfacred_session_tags =\n  a=b,\n  c=d", true},
		{"mfacred_session_tags = a=b,\n  c=d", true},
		{"MFACRED_SESSION_TAGS = a=b", true},
		{"Mfacred_Session_Tags = a=b\nmfacred_transitive_session_tags = a", true},
		{"mfacred_session_tags = a=b=c", true},
		{"mfacred_session_tags = a=", true},
		{"mfacred_session_tags = ключ=значение", true},
		{"mfacred_session_tags = k:1=v/2,k@3=+-_.", true},
		{"mfacred_session_tags = " + many(50), true},
		{"mfacred_session_tags = " + many(51), false},
		{"mfacred_session_tags = " + strings.Repeat("k", 128) + "=" + strings.Repeat("v", 256), true},
		{"mfacred_session_tags = " + strings.Repeat("k", 129) + "=v", false},
		{"mfacred_session_tags = k=" + strings.Repeat("v", 257), false},
		{"mfacred_session_tags = a=b ; comment", false},
		{"mfacred_session_tags = a=b # comment", false},
		{"mfacred_session_tags = A=1,a=2", false},
		{"mfacred_session_tags = a=b,", false},
		{"mfacred_session_tags = =b", false},
		{"mfacred_session_tags = a", false},
		{"mfacred_session_tags = a=$(id)", false},
		{"mfacred_session_tags = a='b'", false},
		{"mfacred_session_tags = a=\"b\"", false},
		{"mfacred_session_tags = a=b\nmfacred_transitive_session_tags = x", false},
		{"mfacred_session_tags = a=b\nmfacred_transitive_session_tags = A", true},
		{"mfacred_session_tags = a=b\nmfacred_transitive_session_tags = a,,a ,", true},
		{"mfacred_transitive_session_tags = a", false},
		{"mfacred_source_identity = x", false},
		{"mfacred_source_identity = xy", true},
		{"mfacred_source_identity = " + strings.Repeat("s", 64), true},
		{"mfacred_source_identity = " + strings.Repeat("s", 65), false},
		{"mfacred_source_identity = aws:x", false},
		{"mfacred_source_identity = a b", false},
		{"mfacred_source_identity = a+=,.@-_", true},
		{"MFACRED_SOURCE_IDENTITY = alice", true},
		{"mfacred_source_identity = ключ", false},
		// aws-vault's names, which mfacred does not read: the role would be assumed without them.
		{"session_tags = a=b", false},
		{"Session_Tags = a=b", false},
		{"mfacred_session_tags = a=b\ntransitive_session_tags = a", false},
		{"source_identity = alice", false},
		{"session_tags = a=b\nmfacred_session_tags = a=b", true},
		{"source_identity = bob\nmfacred_source_identity = alice", true},
	} {
		// retag's lines without its three keys: botocore refuses a key given twice.
		tw.writeConfig(tw.mfaProcess(), fmt.Sprintf("\n[profile %[1]s]\ncredential_process = %[2]s process --profile %[1]s\nregion = us-east-1\nmfacred_source_profile = %[3]s\nmfacred_role_arn = %[4]s\n%[5]s\n",
			tw.tagged, binary, tw.profile, adminRole, tc.lines))
		name := fmt.Sprintf("%.80q", tc.lines)
		before := tw.stsCalls()
		r := tw.run(nil, nil, binary, "process", "--profile", tw.tagged)
		if !tc.ok {
			if r.code == 0 || r.stdout != "" || strings.Count(r.stderr, "\n") != 1 || tw.stsCalls() != before {
				t.Errorf("%s: want one line and no AWS call, got %d %q %q (%s, then %s)", name, r.code, r.stdout, r.stderr, before, tw.stsCalls())
			}
			continue
		}
		if r.code != 0 {
			t.Errorf("%s: exit %d %s", name, r.code, r.stderr)
			continue
		}
		got, ok := tw.sts.AssumedWith(parseCreds(t, r.stdout).AccessKeyId)
		if !ok {
			t.Fatalf("%s: not a role session", name)
		}
		// The AWS CLI (a second or so of CPU each start) is asked, in one start, only for the
		// keys the lines name: a key they do not name is in no line of the profile.
		var keys []string
		for _, key := range []string{"mfacred_source_identity", "mfacred_session_tags", "mfacred_transitive_session_tags"} {
			if strings.Contains(strings.ToLower(tc.lines), key) {
				keys = append(keys, key)
			}
		}
		values := map[string]string{}
		if len(keys) > 0 {
			for i, v := range awsConfigGet(t, tw.env, tw.tagged, keys...) {
				values[keys[i]] = strings.TrimSuffix(v, "\n")
			}
		}
		get := func(key string) string { return values[key] }
		want := localsts.Tagging{SourceIdentity: get("mfacred_source_identity")}
		if v := get("mfacred_session_tags"); v != "" {
			for _, part := range strings.Split(v, ",") {
				k, v, _ := strings.Cut(part, "=")
				want.Tags = append(want.Tags, localsts.Tag{Key: strings.TrimSpace(k), Value: strings.TrimSpace(v)})
			}
		}
		for _, k := range strings.Split(get("mfacred_transitive_session_tags"), ",") {
			if k = strings.TrimSpace(k); k != "" {
				want.TransitiveTagKeys = append(want.TransitiveTagKeys, k)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: STS was asked for %+v; botocore reads %+v", name, got, want)
		}
	}
}
