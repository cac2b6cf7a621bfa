//go:build unix

package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// exportWorld is a world whose profile calls eu-west-1 (AWS_REGION unset, so the profile's
// region counts), with keys stored and its session cached by one process call.
func exportWorld(t *testing.T) (*world, credsJSON) {
	t.Helper()
	w := newWorld(t)
	w.env = append(w.env, "AWS_REGION=") // empty is unset, for mfacred and for the AWS CLI
	cfg := fmt.Sprintf("[profile %s]\ncredential_process = %s process --profile %s\nmfa_serial = %s\nregion = eu-west-1\n%s\n",
		w.profile, binary, w.profile, w.serial, w.mfaProcess())
	if err := os.WriteFile(w.configPath(), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	w.addKeys()
	return w, parseCreds(t, w.mustRun(binary, "process", "--profile", w.profile))
}

// wantVars checks the AWS_ lines printenv printed in a child of the shell: the session process
// serves and the profile's region, nothing else of AWS_.
func wantVars(t *testing.T, shell, printed string, c credsJSON) {
	t.Helper()
	want := []string{
		"AWS_ACCESS_KEY_ID=" + c.AccessKeyId, "AWS_CREDENTIAL_EXPIRATION=" + c.Expiration, "AWS_DEFAULT_REGION=eu-west-1",
		"AWS_REGION=eu-west-1", "AWS_SECRET_ACCESS_KEY=" + c.SecretAccessKey, "AWS_SESSION_TOKEN=" + c.SessionToken,
	}
	var got []string
	for _, l := range strings.Split(printed, "\n") {
		if strings.HasPrefix(l, "AWS_") && !strings.HasPrefix(l, "AWS_CONFIG_FILE=") && !strings.HasPrefix(l, "AWS_SHARED_CREDENTIALS_FILE=") &&
			!strings.HasPrefix(l, "AWS_ENDPOINT_URL_") && !strings.HasPrefix(l, "AWS_EC2_METADATA_DISABLED=") && !strings.HasPrefix(l, "AWS_PAGER=") {
			got = append(got, l)
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("%s: a child process has\n%s\nwant\n%s", shell, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// Each format is evaluated by the shell it is for, and the variables reach a child: printenv
// shows the very session process serves, and the AWS CLI, with nothing but them to go on (no
// default profile, no credentials file), calls STS as the user. One code in all.
func TestExportEvaluatedByEachShell(t *testing.T) {
	t.Parallel()
	aws := awsCLIv2(t)
	w, c := exportWorld(t)
	p, url := w.profile, w.sts.URL
	child := fmt.Sprintf("printenv | LC_ALL=C sort; %s sts get-caller-identity --endpoint-url %s --query Arn --output text", aws, url)
	for _, tc := range []struct{ shell, script string }{
		{"bash", `eval "$(mfacred export --profile ` + p + `)"; ` + child},
		{"zsh", `eval "$(mfacred export --profile ` + p + ` --format export-env)"; ` + child},
		{"fish", `mfacred export --profile ` + p + ` --format env | source; ` + child},
		// env-no-export sets shell variables: a child has them only where the shell exports
		// every assignment (set -a, as when sourcing a .env file).
		{"sh", `set -a; eval "$(mfacred export --profile ` + p + ` --format env-no-export)"; set +a; ` + child},
	} {
		if _, err := exec.LookPath(tc.shell); err != nil {
			need(t, tc.shell+" (Debian package "+tc.shell+")", err)
		}
		r := w.run(nil, nil, tc.shell, "-c", tc.script)
		if r.err != nil {
			t.Fatalf("%s: %v\n%s%s", tc.shell, r.err, r.stdout, r.stderr)
		}
		wantVars(t, tc.shell, r.stdout, c)
		if !strings.HasSuffix(r.stdout, w.user.ARN()+"\n") {
			t.Fatalf("%s: the AWS CLI in the shell is not the user:\n%s\n%s", tc.shell, r.stdout, r.stderr)
		}
	}
	// Without set -a, env-no-export's variables stay in the shell.
	r := w.run(nil, nil, "sh", "-c", `eval "$(mfacred export --profile `+p+` --format env-no-export)"; echo "shell: $AWS_ACCESS_KEY_ID"; printenv AWS_ACCESS_KEY_ID || echo "child: none"`)
	if r.err != nil || r.stdout != "shell: "+c.AccessKeyId+"\nchild: none\n" {
		t.Fatalf("env-no-export: %v %q %s", r.err, r.stdout, r.stderr)
	}
	w.wantCalls("after every shell", "GetSessionToken=1 AssumeRole=0")
}

// process and json are credential_process output the AWS CLI takes; ini is a config of its
// own the AWS CLI reads, region and all.
func TestExportReadByTheAWSCLI(t *testing.T) {
	t.Parallel()
	aws := awsCLIv2(t)
	w, _ := exportWorld(t)
	p, url := w.profile, w.sts.URL
	cfg, err := os.ReadFile(w.configPath())
	if err != nil {
		t.Fatal(err)
	}
	cfg = fmt.Appendf(cfg, "[profile %[1]s-process]\ncredential_process = %[2]s export --profile %[1]s --format process\n\n"+
		"[profile %[1]s-json]\ncredential_process = %[2]s export --format json --profile %[1]s\n", p, binary)
	if err := os.WriteFile(w.configPath(), cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, caller := range []string{p + "-process", p + "-json"} {
		arn := w.mustRun(aws, "sts", "get-caller-identity", "--profile", caller, "--region", "eu-west-1", "--endpoint-url", url, "--query", "Arn", "--output", "text")
		if arn != w.user.ARN()+"\n" {
			t.Fatalf("%s: %q", caller, arn)
		}
	}
	// The ini section goes into a file of its own, outside the folder the secret scan reads:
	// the keys in it are written by the test, not by mfacred.
	ini := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(ini, []byte(w.mustRun(binary, "export", "--profile", p, "--format", "ini")), 0o600); err != nil {
		t.Fatal(err)
	}
	iniEnv := []string{"AWS_CONFIG_FILE=" + ini}
	r := w.run(nil, iniEnv, aws, "sts", "get-caller-identity", "--profile", p, "--endpoint-url", url, "--query", "Arn", "--output", "text")
	if r.err != nil || r.stdout != w.user.ARN()+"\n" {
		t.Fatalf("the ini export as the config: %v %q %s", r.err, r.stdout, r.stderr)
	}
	if r := w.run(nil, iniEnv, aws, "configure", "get", "region", "--profile", p); r.stdout != "eu-west-1\n" {
		t.Fatalf("the ini export's region: %q %s", r.stdout, r.stderr)
	}
	w.wantCalls("after the AWS CLI", "GetSessionToken=1 AssumeRole=0")
}

// A cached export is served by the mfacred binary alone, in every format, with the same bytes
// mfacred-core prints; on a miss it needs mfacred-core, as process does.
func TestExportServedByFastPath(t *testing.T) {
	t.Parallel()
	w, _ := exportWorld(t)
	alone := filepath.Join(w.dir, "alone")
	if err := os.MkdirAll(alone, 0o700); err != nil {
		t.Fatal(err)
	}
	front := filepath.Join(alone, "mfacred")
	if err := os.Link(binary, front); err != nil {
		t.Fatal(err)
	}
	core := filepath.Join(filepath.Dir(binary), "mfacred-core")
	for _, format := range []string{"env", "env-no-export", "process", "json", "powershell", "windows-cmd", "ini", "export-env"} {
		fast := w.run(nil, nil, front, "export", "--profile", w.profile, "--format", format)
		full := w.run(nil, nil, core, "export", "--profile", w.profile, "--format", format)
		if fast.err != nil || full.err != nil || fast.stdout != full.stdout || fast.stderr != "" {
			t.Fatalf("%s: the fast path printed (%v)\n%s%s\nmfacred-core (%v)\n%s%s", format, fast.err, fast.stdout, fast.stderr, full.err, full.stdout, full.stderr)
		}
	}
	w.mustRun(binary, "clear", "--profile", w.profile)
	r := w.run(nil, nil, front, "export", "--profile", w.profile)
	if r.err == nil || r.stdout != "" || !strings.Contains(r.stderr, filepath.Join(alone, "mfacred-core")+" is missing") {
		t.Fatalf("a miss without mfacred-core: %v %q %q", r.err, r.stdout, r.stderr)
	}
	// A miss is mfacred-core's, with the same code source as process: one more session.
	w.mustRun(binary, "export", "--profile", w.profile)
	w.wantCalls("after the miss", "GetSessionToken=2 AssumeRole=0")
}

// Bad input gets one line on stderr, nothing on stdout, the exit status of a usage error (2)
// or of process for the same profile, and no STS call — also with a session cached that the
// fast path could serve.
func TestExportBadInput(t *testing.T) {
	t.Parallel()
	w, _ := exportWorld(t)
	p := w.profile
	unknown := w.run(nil, nil, binary, "process", "--profile", "nope")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--profile", p, "--format", "yaml"}, 2,
			`mfacred: export: unknown format "yaml": want process (json), env (export-env), env-no-export, powershell, windows-cmd or ini: run ` + "`mfacred help export`"},
		{[]string{"--profile", p, "--format="}, 2,
			`mfacred: export: unknown format "": want process (json), env (export-env), env-no-export, powershell, windows-cmd or ini: run ` + "`mfacred help export`"},
		{[]string{"--profile", p, "--format", "env", "--format", "ini"}, 2, "mfacred: export: --format given twice: run `mfacred help export`"},
		{[]string{p}, 2, `mfacred: export: unexpected argument "` + p + `" (a profile is named with --profile ` + p + "): run `mfacred help export`"},
		{[]string{"--profile", p, "extra"}, 2, `mfacred: export: unexpected argument "extra" (a profile is named with --profile extra): run ` + "`mfacred help export`"},
		{[]string{"--profile"}, 2, "mfacred: export: flag needs an argument: -profile: run `mfacred help export`"},
		{[]string{"--profile", p, "--region", "eu-west-1"}, 2, "mfacred: export: flag provided but not defined: -region: run `mfacred help export`"},
		{[]string{"--profile", "nope"}, unknown.code, strings.TrimSuffix(unknown.stderr, "\n")},
	} {
		r := w.run(nil, nil, binary, append([]string{"export"}, tc.args...)...)
		if got := strings.TrimSuffix(r.stderr, "\n"); r.code != tc.code || r.stdout != "" || got != tc.want {
			t.Errorf("export %q: exit %d, stdout %q\n got: %s\nwant: %s (exit %d)", tc.args, r.code, r.stdout, got, tc.want, tc.code)
		}
	}
	if unknown.code == 0 || !strings.Contains(unknown.stderr, "profile nope") {
		t.Fatalf("process --profile nope: exit %d %q", unknown.code, unknown.stderr)
	}
	w.wantCalls("after the bad inputs", "GetSessionToken=1 AssumeRole=0")
}
