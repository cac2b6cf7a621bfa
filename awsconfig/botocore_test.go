package awsconfig

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mfacred/mfacred/internal/testenv"
)

// awsCLI and awsPython: the AWS CLI v2 and its Python, as internal/testenv finds them.
func awsCLI(t *testing.T) string    { t.Helper(); return testenv.AWSCLI(t) }
func awsPython(t *testing.T) string { t.Helper(); return testenv.AWSPython(t) }

// botocoreScript asks the AWS CLI's own botocore what `aws configure get KEY --profile P`
// asks it (Session.get_scoped_config), for many queries in one process: one `aws` call per
// query would take a second each.
const botocoreScript = `
import json, sys
from awscli.botocore.session import Session
out = []
for p, k in json.loads(sys.argv[1]):
    s = Session()
    s.set_config_variable('profile', p)
    try:
        v = s.get_scoped_config().get(k)
        out.append({"set": isinstance(v, str), "value": v if isinstance(v, str) else ""})
    except Exception as e:
        out.append({"error": type(e).__name__})
print(json.dumps(out))
`

// botocoreAnswer is botocore's answer to one query.
type botocoreAnswer struct {
	Set   bool // a value (not a nested block)
	Value string
	Error string // ProfileNotFound, ConfigParseError
}

func botocoreGet(t *testing.T, cli, config, credentials string, queries [][2]string) []botocoreAnswer {
	t.Helper()
	// The interpreter the AWS CLI runs on, from its #! line.
	head, err := os.ReadFile(cli)
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(head), "\n")
	python := strings.TrimSpace(strings.TrimPrefix(first, "#!"))
	q, _ := json.Marshal(queries)
	c := exec.Command(python, "-c", botocoreScript, string(q))
	c.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir(), "AWS_CONFIG_FILE=" + config, "AWS_SHARED_CREDENTIALS_FILE=" + credentials}
	out, err := c.Output()
	if err != nil {
		t.Fatalf("ask botocore: %v", err)
	}
	var answers []botocoreAnswer
	if err := json.Unmarshal(out, &answers); err != nil || len(answers) != len(queries) {
		t.Fatalf("botocore answered %q: %v", out, err)
	}
	return answers
}

type fileCase struct {
	name                string
	config, credentials string
	queries             [][2]string // profile, key
}

// The files are read exactly as the AWS CLI v2 reads them: each query is asked of
// `aws configure get` and of Files, on the same files.
func TestReadsAsBotocore(t *testing.T) {
	cli := awsCLI(t)
	cases := []fileCase{
		{"quoted, spaced and tabbed section names",
			"[profile \"my prof\"]\nregion = r1 # not a comment\n[profile  x ]\nregion = r2\n[ profile y]\nregion=r3\n[profilez w]\nregion=r4\n[profile\tt]\nregion=r5\n[profile \"a \\\"q\\\"\" ]\nregion=r6\n[profile 'it''s']\nregion=r7\n[profile a b]\nregion=r8\n",
			"", [][2]string{{"my prof", "region"}, {"x", "region"}, {"y", "region"}, {"w", "region"}, {"t", "region"}, {`a "q"`, "region"}, {"its", "region"}, {"a", "region"}}},
		{"CR-only line endings",
			"[profile b]\rk = 2\r  more\r[profile c]\rregion = rc\r", "", [][2]string{{"b", "k"}, {"c", "region"}}},
		{"comments, continuations, nested blocks, case and colons",
			"# top\n[profile c]\n; x\nREGION : up\n  # indented comment\n\n  continued\ns3 =\n  max_concurrent_requests = 10\nmfa_serial = arn:aws:iam::123456789012:mfa/a\n",
			"", [][2]string{{"c", "region"}, {"c", "s3"}, {"c", "mfa_serial"}}},
		{"DEFAULT, and the last section naming a profile wins",
			"[DEFAULT]\nregion = dflt\n[profile d]\nk=1\n[profile e]\nk=1\n[profile \"e\"]\nk=2\n[default]\nk=3\n[profile default]\nk=4\n",
			"", [][2]string{{"d", "region"}, {"e", "k"}, {"default", "k"}}},
		{"a section twice", "[profile a]\nk=1\n[profile a]\nk=2\n", "", [][2]string{{"a", "k"}}},
		{"a key twice", "[profile a]\nk=1\nK=2\n", "", [][2]string{{"a", "k"}}},
		{"non-ASCII keys folded as Python's str.lower folds them, twice", "[profile a]\nÉk=1\néK=2\n", "", [][2]string{{"a", "ék"}}},
		{"non-ASCII keys that lower-casing keeps apart", "[profile a]\nſ=1\ns=2\nx=3\n", "", [][2]string{{"a", "ſ"}, {"a", "s"}, {"a", "x"}}},
		{"a key before any section", "k=1\n[profile a]\nk=2\n", "", [][2]string{{"a", "k"}}},
		{"a nested line without =", "[profile a]\ns3 =\n  junk\nk=2\n", "", [][2]string{{"a", "k"}}},
		{"credentials sections are names",
			"[profile \"my prof\"]\nregion=x\n",
			"[my prof]\naws_access_key_id = AKIDQUOTE\naws_secret_access_key = s1\n[profile q]\naws_access_key_id = AKIDPROF\naws_secret_access_key = s2\n",
			[][2]string{{"my prof", "aws_access_key_id"}, {"profile q", "aws_access_key_id"}, {"q", "aws_access_key_id"}}},
		{"the credentials file's keys merged over the config file's",
			"[DEFAULT]\nregion = cfg-dflt\n[profile \"m p\"]\nregion = cfg\nmfa_serial = cfg-serial\nk = 1\n[profile n]\nk = 2\n[default]\nmfa_process = cfg-proc\n",
			"[DEFAULT]\nmfa_process = cred-dflt\n[m p]\nregion = cred\ncredential_process = mfacred process\n[n]\nk3 = 3\n[only]\nregion = only-cred\n[default]\nmfa_serial = cred-serial\n",
			[][2]string{{"m p", "region"}, {"m p", "mfa_serial"}, {"m p", "k"}, {"m p", "credential_process"}, {"m p", "mfa_process"},
				{"n", "k"}, {"n", "k3"}, {"n", "region"}, {"n", "mfa_process"}, {"only", "region"}, {"only", "mfa_process"},
				{"default", "mfa_process"}, {"default", "mfa_serial"}, {"default", "region"}}},
		{"a nested block in the credentials file",
			"[profile n]\nregion = r\n", "[n]\nregion =\n  a = b\n", [][2]string{{"n", "region"}}},
	}
	type result struct {
		name, config, credentials string
		q                         [2]string
		a                         botocoreAnswer
	}
	var results []result
	dir := t.TempDir()
	for i, c := range cases {
		cfg := filepath.Join(dir, "config"+string(rune('a'+i)))
		cred := filepath.Join(dir, "credentials"+string(rune('a'+i)))
		if err := os.WriteFile(cfg, []byte(c.config), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(cred, []byte(c.credentials), 0o600); err != nil {
			t.Fatal(err)
		}
		for j, a := range botocoreGet(t, cli, cfg, cred, c.queries) {
			results = append(results, result{c.name, cfg, cred, c.queries[j], a})
		}
	}
	for _, r := range results {
		files, err := LoadFiles(r.config, r.credentials)
		profile, key := r.q[0], r.q[1]
		what := r.name + ": " + key + " of " + profile
		noSuch := r.a.Error == "ProfileNotFound"
		switch {
		case r.a.Error == "ConfigParseError":
			if err == nil {
				t.Errorf("%s: botocore refuses the file, mfacred reads it", what)
			}
			continue
		case err != nil:
			t.Errorf("%s: mfacred refuses the file (%v), botocore reads it", what, err)
			continue
		}
		var got string
		if strings.HasPrefix(key, "aws_") {
			k, _, _ := files.StaticKeys(profile)
			got = k.AccessKeyID
		} else {
			got = files.Get(profile, key)
		}
		switch {
		case r.a.Error != "" && !noSuch:
			t.Errorf("%s: botocore fails with %s", what, r.a.Error)
		case noSuch && files.Exists(profile):
			t.Errorf("%s: botocore finds no such profile, mfacred does", what)
		case !noSuch && !files.Exists(profile):
			t.Errorf("%s: botocore finds the profile, mfacred does not", what)
		case r.a.Set && got != r.a.Value:
			t.Errorf("%s: botocore reads %q, mfacred %q", what, r.a.Value, got)
		case !r.a.Set && got != "":
			t.Errorf("%s: botocore reads nothing, mfacred %q", what, got)
		}
	}
	if len(results) < 20 {
		t.Fatalf("only %d queries ran", len(results))
	}
}

// The answers above are what the aws command itself prints.
func TestAWSConfigureGetAgrees(t *testing.T) {
	cli := awsCLI(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config")
	if err := os.WriteFile(cfg, []byte("[profile \"my prof\"]\rregion = r1 # kept\r"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := exec.Command(cli, "configure", "get", "region", "--profile", "my prof")
	c.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + dir, "AWS_CONFIG_FILE=" + cfg, "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(dir, "none")}
	var out bytes.Buffer
	c.Stdout = &out
	if err := c.Run(); err != nil {
		t.Fatal(err)
	}
	want := botocoreGet(t, cli, cfg, filepath.Join(dir, "none"), [][2]string{{"my prof", "region"}})[0].Value
	files, err := LoadFiles(cfg, filepath.Join(dir, "none"))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSuffix(out.String(), "\n"); got != want || got != files.Get("my prof", "region") || got != "r1 # kept" {
		t.Fatalf("aws configure get: %q, botocore: %q, mfacred: %q", got, want, files.Get("my prof", "region"))
	}
}
