//go:build unix

package e2e

import (
	"path/filepath"
	"strings"
	"testing"
)

// A flag given twice is a usage error naming it, in both binaries and for every command that
// takes flags, never "the last one wins": `--profile a --profile b` could otherwise serve b
// to a caller who meant a. Nothing is run, spent or served.
func TestFlagGivenTwiceIsUsageError(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.addKeys()
	calls := w.sts.Count("GetSessionToken") + w.sts.Count("GetCallerIdentity")
	p := w.profile
	for _, tc := range []struct {
		args []string
		flag string
	}{
		{[]string{"process", "--profile", p, "--profile", "default"}, "--profile"},
		{[]string{"process", "--profile=" + p, "-profile", p}, "--profile"},
		{[]string{"exec", "--profile", p, "--profile", p, "--", "true"}, "--profile"},
		{[]string{"exec", "--server", "--server", "--", "true"}, "--server"},
		{[]string{"login", "--stdout", "--stdout"}, "--stdout"},
		{[]string{"login", "--duration", "1h", "--duration", "2h"}, "--duration"},
		{[]string{"setup", "--profile", p, "--mfa-serial", w.serial, "--mfa-serial", w.serial}, "--mfa-serial"},
		{[]string{"doctor", "--profile", p, "--profile", p}, "--profile"},
		{[]string{"doctor", "--spend-code", "--spend-code=false"}, "--spend-code"},
		{[]string{"policy", "--partition", "aws", "--partition", "aws-cn"}, "--partition"},
		{[]string{"add", p, "--env", "--env"}, "--env"},
		{[]string{"totp", "set", "--profile", p, "--profile", p}, "--profile"},
		{[]string{"totp", "remove", "--profile", p, "--profile", "x"}, "--profile"},
		{[]string{"clear", "--profile", p, "--profile", p}, "--profile"},
		{[]string{"serve", "--listen", "127.0.0.1:0", "--listen", "127.0.0.1:0"}, "--listen"},
		{[]string{"demo", "--auto", "--auto"}, "--auto"},
	} {
		for _, bin := range []string{binary, filepath.Join(filepath.Dir(binary), "mfacred-core")} {
			t.Run(filepath.Base(bin)+" "+strings.Join(tc.args, " "), func(t *testing.T) {
				r := w.run(nil, nil, bin, tc.args...)
				want := "mfacred: " + tc.args[0] + ": " + tc.flag + " given twice: run `mfacred help " + tc.args[0] + "`\n"
				if r.code != 2 || r.stdout != "" || r.stderr != want {
					t.Fatalf("exit %d, stdout %q, stderr %q; want exit 2 and %q", r.code, r.stdout, r.stderr, want)
				}
			})
		}
	}
	if n := w.sts.Count("GetSessionToken") + w.sts.Count("GetCallerIdentity"); n != calls {
		t.Fatalf("%d calls to STS after usage errors, want %d", n, calls)
	}
}

// A profile name with a control character (a line break, a tab, an escape) is refused with one
// line that shows it escaped, in both binaries, before anything is stored or asked: no config
// section can be named so, and it would split the one line an error is.
func TestControlCharacterNamesRefused(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	env := []string{"AWS_ACCESS_KEY_ID=" + w.user.AccessKeyID, "AWS_SECRET_ACCESS_KEY=" + w.user.SecretAccessKey}
	for _, tc := range []struct {
		args []string
		name string // as the error shows it
	}{
		{[]string{"add", "a\nb", "--env"}, `"a\nb"`},
		{[]string{"add", "--env", "a\tb"}, `"a\tb"`},
		{[]string{"remove", "a\rb"}, `"a\rb"`},
		{[]string{"process", "--profile", "a\x1b[2Jb"}, `"a\x1b[2Jb"`},
		{[]string{"doctor", "--profile=a\nb"}, `"a\nb"`},
		{[]string{"totp", "set", "--profile", "a\nb"}, `"a\nb"`},
		{[]string{"clear", "--profile", "a\nb"}, `"a\nb"`},
	} {
		for _, bin := range []string{binary, filepath.Join(filepath.Dir(binary), "mfacred-core")} {
			t.Run(filepath.Base(bin)+" "+tc.args[0], func(t *testing.T) {
				r := w.run(nil, env, bin, tc.args...)
				want := "mfacred: profile " + tc.name + ": a profile name cannot hold a control character (a line break, tab or the like)\n"
				if r.code != 1 || r.stdout != "" || r.stderr != want {
					t.Fatalf("exit %d, stdout %q, stderr %q; want exit 1 and %q", r.code, r.stdout, r.stderr, want)
				}
			})
		}
	}
	if n := w.sts.Count("GetCallerIdentity"); n != 0 {
		t.Fatalf("%d calls to STS for names that were refused", n)
	}
}
