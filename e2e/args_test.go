//go:build unix

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// An argument a command does not expect is a usage error that names it, in both binaries and
// for every command, and never a fallback to the default profile: with `credential_process =
// mfacred process work` (the flag forgotten) the AWS CLI used to get default's session.
func TestStrayArgumentsNeverServeDefault(t *testing.T) {
	t.Parallel() // waits on the AWS CLI
	aws := awsCLIv2(t)
	w := newWorld(t)
	w.addKeys()
	caller := w.profile + "caller"
	cfg := "[default]\nmfa_serial = " + w.serial + "\nmfacred_source_profile = " + w.profile + "\n" + w.mfaProcess() + "\n\n" +
		"[profile " + w.profile + "]\nmfa_serial = " + w.serial + "\n" + w.mfaProcess() + "\n\n" +
		"[profile " + caller + "]\ncredential_process = " + binary + " process " + caller + "\n"
	if err := os.WriteFile(w.configPath(), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	// Both sessions are cached, so a fallback (or a lenient fast path) would serve silently.
	def := parseCreds(t, w.mustRun(binary, "process", "--profile", "default"))
	parseCreds(t, w.mustRun(binary, "process", "--profile", w.profile))
	calls := w.sts.Count("GetSessionToken")

	r := w.run(nil, nil, aws, "sts", "get-caller-identity", "--profile", caller, "--endpoint-url", w.sts.URL, "--output", "json")
	if r.err == nil || strings.Contains(r.stdout, w.user.Account) {
		t.Fatalf("the AWS CLI got credentials for %s from `process %s`: %s", caller, caller, r.stdout)
	}
	if want := `mfacred: process: unexpected argument "` + caller + `" (a profile is named with --profile ` + caller + `)`; !strings.Contains(r.stderr, want) {
		t.Fatalf("the AWS CLI reported\n%s\nwant it to say %s", r.stderr, want)
	}

	p := w.profile
	// The usage errors run in parallel (each only reads); the group ends when all have.
	t.Run("usage errors", func(t *testing.T) { usageErrors(t, w, p) })
	// Nothing was spent, served, cleared or replaced.
	if n := w.sts.Count("GetSessionToken"); n != calls {
		t.Fatalf("%d GetSessionToken after the usage errors, want %d", n, calls)
	}
	if again := parseCreds(t, w.mustRun(binary, "process", "--profile", "default")); again.AccessKeyId != def.AccessKeyId {
		t.Fatal("a usage error changed default's cached session")
	}
}

// usageErrors runs each command with an argument it does not expect, in both binaries.
func usageErrors(t *testing.T, w *world, p string) {
	for _, tc := range []struct {
		args  []string
		names string // what the one line must say
	}{
		{[]string{"process", "work"}, `unexpected argument "work"`},
		{[]string{"process", "--profile", p, "extra"}, `unexpected argument "extra"`},
		{[]string{"process", "--", "--profile", p}, `unexpected argument "--profile"`},
		{[]string{"process", "--profile", p, "--"}, `unexpected argument "--"`},
		{[]string{"process", "--"}, `unexpected argument "--"`},
		{[]string{"process", "--frob"}, "flag provided but not defined: -frob"},
		{[]string{"process", "--profile"}, "flag needs an argument: -profile"},
		{[]string{"process", "--profile="}, "--profile needs a name"},
		{[]string{"process", "--profile", p, "--keyring", "os"}, "flag provided but not defined: -keyring"},
		{[]string{"export", "work"}, `export: unexpected argument "work"`},
		{[]string{"export", "--"}, `export: unexpected argument "--"`},
		{[]string{"export", "--profile", p, "--format", "yaml"}, `export: unknown format "yaml": want process (json), env (export-env)`},
		{[]string{"export", "--format=", "--profile", p}, `export: unknown format ""`},
		{[]string{"export", "--profile", p, "--format", "env", "-format", "env"}, "export: --format given twice"},
		{[]string{"export", "--format", "env", p}, `export: unexpected argument "` + p + `"`},
		{[]string{"exec", "--profile", p, "aws", "sts"}, `exec: unexpected argument "aws": put the command after --`},
		{[]string{"exec", p, "--", "true"}, `exec: unexpected argument "` + p + `"`},
		{[]string{"status", "extra"}, `status: unexpected argument "extra"`},
		{[]string{"clear", "everything"}, `clear: unexpected argument "everything"`},
		{[]string{"clear", "--profile", p, "extra"}, `clear: unexpected argument "extra"`},
		{[]string{"doctor", p}, `doctor: unexpected argument "` + p + `"`},
		{[]string{"setup", p}, `setup: unexpected argument "` + p + `"`},
		{[]string{"totp", "set", p}, `totp: unexpected argument "` + p + `"`},
		{[]string{"totp", "remove", "--profile", p, "extra"}, `totp: unexpected argument "extra"`},
		{[]string{"totp", "frob"}, `totp: unexpected argument "frob": want set or remove`},
		{[]string{"add", p, "extra", "--env"}, `add: unexpected argument "extra"`},
		{[]string{"add", p, "--frob"}, "add: flag provided but not defined: -frob"},
		{[]string{"remove", p, "extra"}, `remove: unexpected argument "extra"`},
		{[]string{"remove"}, `remove: missing argument`},
		{[]string{"policy", "extra"}, `policy: unexpected argument "extra"`},
		{[]string{"policy", "check", "a.json", "b.json"}, `policy: unexpected argument "b.json"`},
		{[]string{"version", "extra"}, `version: unexpected argument "extra"`},
		{[]string{"login", p}, `login: unexpected argument "` + p + `"`},
		{[]string{"serve", "extra"}, `serve: unexpected argument "extra"`},
		{[]string{"demo", "extra"}, `demo: unexpected argument "extra"`},
		{[]string{"completion", "ksh"}, `completion: unexpected argument "ksh": want bash, zsh or fish`},
		{[]string{"completion", "bash", "extra"}, `completion: unexpected argument "extra"`},
		{[]string{"completion"}, `completion: missing argument`},
		{[]string{"help", "process", "extra"}, `help: unexpected argument "extra"`},
	} {
		for _, bin := range []string{binary, filepath.Join(filepath.Dir(binary), "mfacred-core")} {
			t.Run(filepath.Base(bin)+" "+strings.Join(tc.args, " "), func(t *testing.T) {
				t.Parallel()
				r := w.run(nil, nil, bin, tc.args...)
				if r.code != 2 || r.stdout != "" || strings.Count(r.stderr, "\n") != 1 || !strings.HasPrefix(r.stderr, "mfacred: ") || !strings.Contains(r.stderr, tc.names) {
					t.Fatalf("exit %d, stdout %q, stderr %q; want exit 2 and one line saying %s", r.code, r.stdout, r.stderr, tc.names)
				}
			})
		}
	}
}
