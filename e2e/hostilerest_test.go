//go:build linux

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mfacred/mfacred/localsts"
)

// A hostile pass on issue 26's fixes as built (the keyring choice, setup and add on aws login
// profiles and bridges, the role-ARN check, the config reader's guard against what is not a
// regular file, install.sh's PREFIX and stamps), tried as a careful attacker and a careless
// user would. Each table row is a case; a row that found a defect says so.

// TestHostileRestKeyringChoice: every way to name the keyring: each wrong one is a usage error
// (exit 2) in one line on stderr with nothing on stdout, in both binaries, before any keyring
// or AWS call; the right ones work. A value is shown so that the line stays one line (it
// printed a newline in the value as a second line).
func TestHostileRestKeyringChoice(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.addKeys()
	w.writeConfig(w.mfaProcess())
	parseCreds(t, w.mustRun(binary, "process", "--profile", w.profile))
	core := filepath.Join(filepath.Dir(binary), "mfacred-core")
	unset := "-" // the row leaves MFACRED_KEYRING out of the environment
	for _, tc := range []struct {
		env  string
		args []string
		want string // "" means it works (exit 0)
	}{
		{unset, []string{"--keyring", "os"}, ""},
		{unset, []string{"--keyring=os"}, ""},
		{unset, []string{"-keyring", "os"}, ""},
		{unset, []string{"-keyring=os"}, ""},
		{"os", nil, ""},
		{"kernel", []string{"--keyring", "os"}, ""},
		{"", []string{"--keyring", "os"}, ""},
		{"bogus", []string{"--keyring=os"}, ""},
		{"", nil, "mfacred: MFACRED_KEYRING is set but empty: want os or kernel (unset it for the automatic choice)"},
		{" ", nil, `mfacred: MFACRED_KEYRING=" ": want os or kernel`},
		{"OS", nil, "mfacred: MFACRED_KEYRING=OS: want os or kernel"},
		{"Kernel", nil, "mfacred: MFACRED_KEYRING=Kernel: want os or kernel"},
		{"os ", nil, `mfacred: MFACRED_KEYRING="os ": want os or kernel`},
		{" os", nil, `mfacred: MFACRED_KEYRING=" os": want os or kernel`},
		{"os\n", nil, `mfacred: MFACRED_KEYRING="os\n": want os or kernel`},
		{"os,kernel", nil, "mfacred: MFACRED_KEYRING=os,kernel: want os or kernel"},
		{`"os"`, nil, `mfacred: MFACRED_KEYRING="\"os\"": want os or kernel`},
		{"file", nil, "mfacred: MFACRED_KEYRING=file: want os or kernel"},
		{unset, []string{"--keyring="}, "mfacred: --keyring needs a value: os or kernel (leave the flag out for the automatic choice)"},
		{"os", []string{"--keyring", ""}, "mfacred: --keyring needs a value: os or kernel (leave the flag out for the automatic choice)"},
		{unset, []string{"--keyring", " "}, `mfacred: --keyring=" ": want os or kernel`},
		{unset, []string{"--keyring", "x\ny"}, `mfacred: --keyring="x\ny": want os or kernel`},
		{unset, []string{"--keyring", "OS"}, "mfacred: --keyring=OS: want os or kernel"},
		{unset, []string{"--keyring", "os", "--keyring", "kernel"}, "mfacred: --keyring given twice"},
		{unset, []string{"--keyring", "os", "--keyring=os"}, "mfacred: --keyring given twice"},
		{unset, []string{"--keyring=kernel", "-keyring", "os"}, "mfacred: --keyring given twice"},
	} {
		env := []string{}
		if tc.env != unset {
			env = append(env, "MFACRED_KEYRING="+tc.env)
		}
		for _, run := range []struct {
			prog string
			cmd  []string
		}{{binary, []string{"process", "--profile", w.profile}}, {binary, []string{"status"}}, {core, []string{"status"}}} {
			{
				prog := run.prog
				args := append(append([]string{}, tc.args...), run.cmd...)
				r := w.run(nil, env, prog, args...)
				name := fmt.Sprintf("MFACRED_KEYRING=%q %s %q", tc.env, filepath.Base(prog), args)
				if tc.want == "" {
					if r.code != 0 {
						t.Errorf("%s: exit %d: %s", name, r.code, r.stderr)
					}
					continue
				}
				if got := strings.TrimSuffix(r.stderr, "\n"); r.code != 2 || r.stdout != "" || got != tc.want {
					t.Errorf("%s: exit %d, stdout %q\n got: %q\nwant: %q", name, r.code, r.stdout, got, tc.want)
				}
			}
		}
	}
	// The flag after the command is the command's unknown flag, never a keyring choice.
	r := w.run(nil, nil, binary, "process", "--profile", w.profile, "--keyring", "os")
	if r.code != 2 || r.stdout != "" || !strings.Contains(r.stderr, "-keyring") {
		t.Errorf("process --keyring os after the command: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
}

// TestHostileRestLoginProfiles: the commands on the profile `aws login` wrote and on the
// profiles standing on it, with names that need quoting, a login_session spelled in another
// case, and a login profile that is [default].
func TestHostileRestLoginProfiles(t *testing.T) {
	t.Parallel()
	lw := newSigninWorld(t, localsts.Role{ARN: adminRole}, localsts.LoginOptions{})
	base := mustRead(t, lw.configPath())
	reset := func(extra string) {
		t.Helper()
		if err := os.WriteFile(lw.configPath(), []byte(base+extra), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	keysEnv := []string{"AWS_ACCESS_KEY_ID=" + lw.user.AccessKeyID, "AWS_SECRET_ACCESS_KEY=" + lw.user.SecretAccessKey}
	session := lw.user.ARN()

	t.Run("bridge again without role-arn drops the role", func(t *testing.T) {
		// setup --login-session without --role-arn on a profile that assumed a role said it
		// wrote a bridge, and left mfacred_role_arn: process kept serving the role.
		reset("")
		r := lw.run(nil, nil, binary, "setup", "--profile", lw.admin, "--login-session", lw.me)
		if r.err != nil {
			t.Fatalf("setup: %v %s", r.err, r.stderr)
		}
		if cfg := mustRead(t, lw.configPath()); strings.Contains(cfg, "mfacred_role_arn = "+adminRole) {
			t.Fatalf("setup --login-session without --role-arn kept the role:\n%s", cfg)
		}
		if got := lw.caller(lw.admin); got != session {
			t.Fatalf("profile %s acts as %s after it became a bridge, want %s", lw.admin, got, session)
		}
	})
	t.Run("bridge becomes role and back", func(t *testing.T) {
		reset("")
		if r := lw.run(nil, nil, binary, "setup", "--profile", lw.bridge, "--login-session", lw.me, "--role-arn", adminRole); r.err != nil {
			t.Fatalf("setup: %v %s", r.err, r.stderr)
		}
		if got := lw.caller(lw.bridge); !strings.Contains(got, "assumed-role/Admin/") {
			t.Fatalf("bridge with --role-arn acts as %s", got)
		}
		if r := lw.run(nil, nil, binary, "setup", "--profile", lw.bridge, "--login-session", lw.me); r.err != nil {
			t.Fatalf("setup: %v %s", r.err, r.stderr)
		}
		if got := lw.caller(lw.bridge); got != session {
			t.Fatalf("bridge without --role-arn acts as %s", got)
		}
	})
	t.Run("doctor names the session a role stands on", func(t *testing.T) {
		// doctor said a role over the aws login session was assumed "with the MFA session".
		reset("")
		doc := lw.run(nil, nil, binary, "doctor", "--profile", lw.admin)
		if want := "assumes " + adminRole + " with the aws login session of profile " + lw.me; doc.code != 0 || !strings.Contains(doc.stdout, want) || strings.Contains(doc.stdout, "MFA session") {
			t.Fatalf("doctor: exit %d, want %q\n%s%s", doc.code, want, doc.stdout, doc.stderr)
		}
	})
	t.Run("role direct on a login session", func(t *testing.T) {
		// mfacred_role_direct = true on a role over the session was ignored (there are no
		// long-term keys to assume it with): doctor said every line ok while process failed
		// at AWS with the role-chaining limit its duration (allowed only with direct) met.
		reset("mfacred_role_direct = true\nmfacred_role_duration_seconds = 7200\n")
		before := lw.sts.Count("AssumeRole")
		r := lw.run(nil, nil, binary, "process", "--profile", lw.admin)
		oneLineErr(t, r, "profile "+lw.admin+": mfacred_role_direct = true in ", "aws login session of profile "+lw.me)
		if n := lw.sts.Count("AssumeRole") - before; n != 0 {
			t.Fatalf("%d AssumeRole calls for a profile refused", n)
		}
		if doc := lw.run(nil, nil, binary, "doctor", "--profile", lw.admin); doc.code != 1 || !strings.Contains(doc.stdout, "mfacred_role_direct") {
			t.Fatalf("doctor: exit %d\n%s%s", doc.code, doc.stdout, doc.stderr)
		}
		lw.run(nil, nil, binary, "setup", "--profile", lw.admin, "--login-session", lw.me, "--role-arn", adminRole, "--verify=false")
		if cfg := mustRead(t, lw.configPath()); strings.Contains(cfg, "mfacred_role_direct") {
			t.Fatalf("setup --login-session --role-arn kept mfacred_role_direct:\n%s", cfg)
		}
	})
	// setup and add with keys, on a profile that stands on the session: the keys and device
	// would never be used (the session's sign-in did the MFA), and setup's proof would pass on
	// the session's credentials. They are refused as the login profile is, nothing written.
	for _, args := range [][]string{
		{"setup", "--profile", lw.bridge, "--env"},
		{"setup", "--profile", lw.admin, "--env", "--verify=false"},
		{"add", lw.bridge, "--env"},
		{"add", lw.admin, "--env", "--no-verify"},
	} {
		t.Run(strings.Join(args[:3], " "), func(t *testing.T) {
			reset("")
			r := lw.run(nil, keysEnv, binary, args...)
			oneLineErr(t, r, "aws login session of profile "+lw.me)
			if got := mustRead(t, lw.configPath()); got != base {
				t.Fatalf("%q changed the config:\n%s", args, got)
			}
			if _, err := lw.store().Keys(t.Context(), args[2]); err == nil {
				t.Fatalf("%q stored keys", args)
			}
		})
	}
	// The login profile under other spellings and names.
	for _, tc := range []struct{ name, section, key string }{
		{"default", "default", "login_session"},
		{lw.profile + "-Me", "profile " + lw.profile + "-Me", "Login_Session"},
		{lw.profile + "-LOUD", "profile " + lw.profile + "-LOUD", "LOGIN_SESSION"},
		{lw.profile + " spaced me", `profile "` + lw.profile + ` spaced me"`, "login_session"},
		{lw.profile + "-mé-ü", "profile " + lw.profile + "-mé-ü", "login_session"},
		{lw.profile + `-o'me`, `profile "` + lw.profile + `-o'me"`, "login_session"},
		{lw.profile + `-q"me`, `profile "` + lw.profile + `-q\"me"`, "login_session"},
	} {
		t.Run("login profile "+tc.name, func(t *testing.T) {
			reset(fmt.Sprintf("\n[%s]\n%s = %s\nregion = us-east-1\n", tc.section, tc.key, session))
			cfg := mustRead(t, lw.configPath())
			for _, args := range [][]string{
				{"setup", "--profile", tc.name, "--env"},
				{"add", tc.name, "--env", "--no-verify"},
			} {
				r := lw.run(nil, keysEnv, binary, args...)
				oneLineErr(t, r, fmt.Sprintf("profile %s is an aws login profile", tc.name))
				if mustRead(t, lw.configPath()) != cfg {
					t.Fatalf("%q changed the config", args)
				}
			}
			r := lw.run(nil, nil, binary, "totp", "set", "--profile", tc.name)
			oneLineErr(t, r, "profile "+tc.name+": ")
			doc := lw.run(nil, nil, binary, "doctor", "--profile", tc.name)
			if doc.code != 0 || !strings.Contains(doc.stdout, "mode -rw-------") || strings.Contains(doc.stdout, "setup --profile "+tc.name+"`") {
				t.Fatalf("doctor on %q: exit %d\n%s%s", tc.name, doc.code, doc.stdout, doc.stderr)
			}
			// A bridge to it, named as oddly, works.
			bridge := tc.name + "-br"
			if r := lw.run(nil, nil, binary, "setup", "--profile", bridge, "--login-session", tc.name); r.err != nil {
				t.Fatalf("setup bridge to %q: %v %s", tc.name, r.err, r.stderr)
			}
			if got := lw.caller(bridge); got != session {
				t.Fatalf("bridge to %q acts as %s", tc.name, got)
			}
		})
	}
	t.Run("section without profile prefix is no profile", func(t *testing.T) {
		// [NAME] in the config file is not profile NAME (botocore skips it): no login profile.
		name := lw.profile + "-bare"
		reset(fmt.Sprintf("\n[%s]\nlogin_session = %s\n", name, session))
		r := lw.run(nil, nil, binary, "setup", "--profile", name+"-br", "--login-session", name)
		oneLineErr(t, r, "aws login --profile "+name)
	})
	t.Run("login_session empty", func(t *testing.T) {
		name := lw.profile + "-empty"
		reset(fmt.Sprintf("\n[profile %s]\nlogin_session =\n", name))
		r := lw.run(nil, nil, binary, "setup", "--profile", name+"-br", "--login-session", name)
		oneLineErr(t, r, "aws login --profile "+name)
	})
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"setup", "--profile", "x", "--login-session", lw.bridge}, 1, "sign in first with `aws login --profile " + lw.bridge + "`"},
		{[]string{"setup", "--profile", "x", "--login-session", ""}, 2, "--login-session needs a value"},
		{[]string{"setup", "--profile", "x", "--login-session", lw.me, "--role-arn="}, 2, "--role-arn needs a value"},
		{[]string{"setup", "--profile", "x", "--mfa-serial", "", "--env"}, 2, "--mfa-serial needs a value"},
		{[]string{"setup", "--profile", "x", "--login-session", lw.me, "extra"}, 2, `unexpected argument "extra"`},
		{[]string{"setup", "--profile", "x", "--login-session", lw.me, "--role-arn", adminRole, "--role-arn", adminRole}, 2, "--role-arn given twice"},
		{[]string{"setup", "--profile", "x", "--login-session", lw.me, "--login-session", lw.me}, 2, "--login-session given twice"},
		{[]string{"setup", "--profile", "x", "--role-arn", adminRole}, 2, "--role-arn needs --login-session"},
		{[]string{"setup", "--profile", "x", "--login-session", lw.me, "--env"}, 2, "--login-session stores no keys"},
		{[]string{"setup", "--profile", lw.me, "--login-session", lw.me}, 1, "profile " + lw.me + " is an aws login profile"},
		{[]string{"setup", "--profile", "a\nb", "--login-session", lw.me}, 1, "control character"},
		{[]string{"totp", "remove", "--profile", lw.me}, 1, "profile " + lw.me},
		{[]string{"totp", "remove", "--profile", lw.bridge}, 1, "profile " + lw.bridge},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			reset("")
			r := lw.run(nil, nil, binary, tc.args...)
			if r.code != tc.code || r.stdout != "" || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, tc.want) {
				t.Fatalf("exit %d (want %d), stdout %q, stderr %q (want %q)", r.code, tc.code, r.stdout, r.stderr, tc.want)
			}
			if got := mustRead(t, lw.configPath()); got != base {
				t.Fatalf("changed the config:\n%s", got)
			}
		})
	}
	// remove, clear and status on the login profile and a bridge: no error, nothing asked.
	reset("")
	lw.caller(lw.bridge)
	for _, args := range [][]string{
		{"clear", "--profile", lw.bridge},
		{"clear", "--profile", lw.me},
		{"status"},
	} {
		if r := lw.run(nil, nil, binary, args...); r.code != 0 {
			t.Errorf("%q: exit %d %s", args, r.code, r.stderr)
		}
	}
	// remove on the login profile: nothing is stored for it; it says so in one line.
	if r := lw.run(nil, nil, binary, "remove", lw.me); r.code > 1 || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("remove %s: exit %d %q", lw.me, r.code, r.stderr)
	}
	if got := lw.caller(lw.bridge); got != session {
		t.Fatalf("bridge after clear/remove acts as %s", got)
	}
}

// TestHostileRestRoleARNShapes: role ARNs of odd shapes through setup (the flag) and through
// the config (process): each refused one is refused by both, in one line naming it.
func TestHostileRestRoleARNShapes(t *testing.T) {
	t.Parallel()
	lw := newSigninWorld(t, localsts.Role{ARN: adminRole}, localsts.LoginOptions{})
	base := mustRead(t, lw.configPath())
	p := lw.profile + "-odd"
	long := strings.Repeat("n", 64)
	for _, tc := range []struct {
		arn  string
		want string // "" accepted
	}{
		{"arn:aws:iam::123456789012:role/" + long, ""},
		{"arn:aws:iam::123456789012:role/a/b/c/" + long, ""},
		{"arn:aws:iam::123456789012:role/" + long + "x", "more than 64"},
		{"arn:aws:iam::123456789012:role/path/", "no role name after"},
		{"arn:aws:iam::123456789012:role//", "no role name after"},
		{"arn:aws:iam::123456789012:role/a//", "no role name after"},
		{"ARN:aws:iam::123456789012:role/A", "not an ARN"},
		{"arn:AWS:iam::123456789012:role/A", "not an AWS partition"},
		{"arn:aws:IAM::123456789012:role/A", "not iam"},
		{"arn:aws:iam::123456789012:Role/A", "not role/NAME"},
		{"arn:aws:iam::123456789012:role/A:b", "has a character other than"},
		{"arn:aws:iam::123456789012:role/A\tB", "has a character other than"},
		{"arn:aws:iam::١٢٣٤٥٦٧٨٩٠١٢:role/A", "not 12 digits"},
		{"arn:aws:iam::123456789012:role/Ａdmin", "has a character other than"},
		{"arn:aws:iam::123456789012:role/A;x", "has a character other than"},
		{`"arn:aws:iam::123456789012:role/A"`, "not an ARN"},
		{"arn:aws:iam::123456789012", "not an ARN"},
		{"arn:aws:iam::123456789012:role", "not role/NAME"},
	} {
		t.Run(tc.arn, func(t *testing.T) {
			os.WriteFile(lw.configPath(), []byte(base), 0o600)
			r := lw.run(nil, nil, binary, "setup", "--profile", p, "--login-session", lw.me, "--role-arn", tc.arn, "--verify=false")
			if tc.want == "" {
				if r.err != nil {
					t.Fatalf("setup refused %q: %s", tc.arn, r.stderr)
				}
			} else {
				oneLineErr(t, r, tc.want)
			}
			if strings.ContainsAny(tc.arn, "\t") {
				return // a tab is stripped by neither; but a file keeps the rest: covered by setup
			}
			cfg := base + fmt.Sprintf("\n[profile %[1]s]\ncredential_process = %[2]s process --profile %[1]s\nmfacred_source_profile = %[3]s\nmfacred_role_arn = %[4]s\n", p, binary, lw.me, tc.arn)
			os.WriteFile(lw.configPath(), []byte(cfg), 0o600)
			r = lw.run(nil, nil, binary, "process", "--profile", p)
			if tc.want == "" {
				if strings.Contains(r.stderr, "mfacred_role_arn") {
					t.Fatalf("process refused %q from the config: %s", tc.arn, r.stderr)
				}
				return
			}
			oneLineErr(t, r, "mfacred_role_arn", tc.want)
		})
	}
	// As a file carries it: CRLF lines, blanks around it, in [default] of a chain: botocore
	// strips them; the ARN is the one process serves.
	for _, layout := range []string{
		"\r\n[profile %[1]s]\r\ncredential_process = %[2]s process --profile %[1]s\r\nmfacred_source_profile = %[3]s\r\nmfacred_role_arn = %[4]s\r\n",
		"\n[profile %[1]s]\ncredential_process = %[2]s process --profile %[1]s\nmfacred_source_profile = %[3]s\nmfacred_role_arn =   %[4]s  \t\n",
		"\n[profile %[1]s]\ncredential_process = %[2]s process --profile %[1]s\nmfacred_source_profile = %[3]s\nMFACRED_ROLE_ARN = %[4]s\n",
		"\n[profile %[1]s]\ncredential_process = %[2]s process --profile %[1]s\nmfacred_source_profile = %[3]s\nmfacred_role_arn: %[4]s\n",
	} {
		t.Run(fmt.Sprintf("file %q", layout[:40]), func(t *testing.T) {
			os.WriteFile(lw.configPath(), []byte(base+fmt.Sprintf(layout, p, binary, lw.me, adminRole)), 0o600)
			if got := lw.caller(p); !strings.Contains(got, "assumed-role/Admin/") {
				t.Fatalf("acts as %s", got)
			}
		})
	}
}

// TestHostileRestConfigNotAFile: the config and credentials files are fifos, devices, folders,
// huge, a symlink loop, or stdin: every command that reads them ends within seconds with exit
// 1 (doctor: a problem) and a line naming the file, never hangs or reads without end.
func TestHostileRestConfigNotAFile(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.addKeys()
	w.writeConfig(w.mfaProcess())
	good := mustRead(t, w.configPath())
	dir := filepath.Join(w.dir, "odd")
	os.MkdirAll(dir, 0o700)
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	huge := filepath.Join(dir, "huge")
	if f, err := os.Create(huge); err != nil || f.Truncate(17<<20) != nil || f.Close() != nil {
		t.Fatal(err)
	}
	loop := filepath.Join(dir, "loop")
	os.Symlink(loop, loop)
	toFifo := filepath.Join(dir, "to-fifo")
	os.Symlink(fifo, toFifo)
	toZero := filepath.Join(dir, "to-zero")
	os.Symlink("/dev/zero", toZero)
	// A config reached through symbolic links (relative, chained) is read as the AWS CLI reads it.
	real := filepath.Join(dir, "real-config")
	os.WriteFile(real, []byte(good), 0o600)
	os.Symlink("real-config", filepath.Join(dir, "rel-link"))
	os.Symlink(filepath.Join(dir, "rel-link"), filepath.Join(dir, "chain-link"))
	for _, link := range []string{"rel-link", "chain-link"} {
		r := w.run(nil, []string{"AWS_CONFIG_FILE=" + filepath.Join(dir, link)}, binary, "process", "--profile", w.profile)
		if r.code != 0 {
			t.Errorf("config through %s: exit %d %s", link, r.code, r.stderr)
		} else {
			parseCreds(t, r.stdout)
		}
	}
	for _, tc := range []struct{ kind, path, want string }{
		{"fifo", fifo, "not a regular file (a fifo)"},
		{"symlink to a fifo", toFifo, "not a regular file (a fifo)"},
		{"symlink to /dev/zero", toZero, "not a regular file (a character device)"},
		{"/dev/zero", "/dev/zero", "not a regular file (a character device)"},
		{"/dev/stdin", "/dev/stdin", "not a regular file"},
		{"folder", dir, "not a regular file (a directory)"},
		{"17 MiB", huge, "larger than the 16 MiB"},
		{"symlink loop", loop, "too many levels of symbolic links"},
	} {
		for _, which := range []string{"AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"} {
			for _, args := range [][]string{
				{"process", "--profile", w.profile},
				{"status"},
				{"doctor", "--profile", w.profile},
				{"setup", "--profile", w.profile + "-n", "--login-session", w.profile},
			} {
				t.Run(fmt.Sprintf("%s %s %s", which, tc.kind, args[0]), func(t *testing.T) {
					env := []string{which + "=" + tc.path}
					if which == "AWS_SHARED_CREDENTIALS_FILE" {
						os.WriteFile(w.configPath(), []byte(good), 0o600)
					}
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					defer cancel()
					cmd := exec.CommandContext(ctx, binary, args...)
					cmd.Env = append(append([]string{}, w.env...), env...)
					cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
					r := collect(cmd)
					if ctx.Err() != nil {
						t.Fatalf("%q hung on %s = %s", args, which, tc.path)
					}
					out := r.stderr
					if args[0] == "status" {
						// status lists the keyring's items by name alone when the config cannot be read
						if r.code != 0 {
							t.Fatalf("status: exit %d %s", r.code, r.stderr)
						}
						return
					}
					if args[0] == "doctor" {
						out = r.stdout + r.stderr
					} else if r.stdout != "" || strings.Count(r.stderr, "\n") != 1 {
						t.Fatalf("want one line on stderr, got %q / %q", r.stdout, r.stderr)
					}
					if r.code != 1 || !strings.Contains(out, tc.path) || !strings.Contains(out, tc.want) {
						t.Fatalf("%q with %s = %s: exit %d\n%s\nwant %q", args, which, tc.path, r.code, out, tc.want)
					}
				})
			}
		}
	}
}

// fakeGo is a go command for install.sh that builds nothing: the "binary" it writes prints the
// -ldflags install.sh stamped and the folder it was built in, so that install.sh's PREFIX and
// stamping are tried in a second per case.
const fakeGo = `#!/bin/sh
out=; ld=
while [ $# -gt 0 ]; do
	case $1 in -o) out=$2; shift ;; -ldflags) ld=$2; shift ;; esac
	shift
done
printf '#!/bin/sh\necho "ldflags: %s"\necho "built in: %s"\n' "$ld" "$(pwd -P)" > "$out"
chmod +x "$out"
`

// TestHostileRestInstallScript: install.sh with relative and odd PREFIX values and from
// checkouts of every shape (dirty, detached, shallow, tagged, no .git, no git, a tree with no
// .git inside another repository — which stamped the other repository's commit), with a go
// that builds nothing (fakeGo): where the binaries land, what is printed and what is stamped.
func TestHostileRestInstallScript(t *testing.T) {
	t.Parallel()
	gitPath, err := exec.LookPath("git")
	need(t, "git (Debian package git)", err)
	script, err := os.ReadFile("../install.sh")
	if err != nil {
		t.Fatal(err)
	}
	top := t.TempDir()
	tools := filepath.Join(top, "tools")
	os.MkdirAll(tools, 0o755)
	writeProgram(t, filepath.Join(tools, "go"), fakeGo)
	noGit := filepath.Join(top, "nogit")
	os.MkdirAll(noGit, 0o755)
	for _, c := range []string{"sh", "dirname", "mkdir", "mv", "pwd", "chmod", "printf", "cat"} {
		if p, err := exec.LookPath(c); err == nil {
			os.Symlink(p, filepath.Join(noGit, c))
		}
	}
	os.Symlink(filepath.Join(tools, "go"), filepath.Join(noGit, "go"))
	git := func(dir string, args ...string) string {
		t.Helper()
		cmd := exec.Command(gitPath, append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "advice.detachedHead=false"}, args...)...)
		cmd.Env = append(os.Environ(), "TZ=UTC")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %q: %v %s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	// checkout is a repository holding install.sh and a README, with two commits.
	checkout := func(dir string) {
		t.Helper()
		os.MkdirAll(dir, 0o755)
		os.WriteFile(filepath.Join(dir, "install.sh"), script, 0o755)
		os.WriteFile(filepath.Join(dir, "README.md"), []byte("one\n"), 0o644)
		git(dir, "init", "-q")
		git(dir, "add", "-A")
		git(dir, "commit", "-q", "-m", "one")
		os.WriteFile(filepath.Join(dir, "README.md"), []byte("two\n"), 0o644)
		git(dir, "commit", "-q", "-am", "two")
	}
	home := filepath.Join(top, "home")
	os.MkdirAll(home, 0o755)
	type install struct{ out, ldflags, builtIn, bin string }
	run := func(t *testing.T, cwd, scriptPath string, env ...string) (install, error) {
		t.Helper()
		os.MkdirAll(cwd, 0o755)
		cmd := exec.Command("sh", scriptPath)
		cmd.Dir = cwd
		cmd.Env = append([]string{"PATH=" + tools + ":" + os.Getenv("PATH"), "HOME=" + home}, env...)
		b, err := cmd.CombinedOutput()
		in := install{out: string(b)}
		_, in.ldflags, _ = strings.Cut(in.out, "ldflags: ")
		in.ldflags, _, _ = strings.Cut(in.ldflags, "\n")
		_, in.builtIn, _ = strings.Cut(in.out, "built in: ")
		in.builtIn, _, _ = strings.Cut(in.builtIn, "\n")
		_, try, ok := strings.Cut(in.out, "try it without an AWS account: ")
		if ok {
			try, _, _ = strings.Cut(try, "\n")
			in.bin = filepath.Dir(strings.TrimSuffix(try, " demo"))
		}
		return in, err
	}
	stamp := func(version, commit, date string) string {
		return fmt.Sprintf("-s -w -X main.version=%s -X main.commit=%s -X main.date=%s", version, commit, date)
	}
	dateOf := func(dir string) string {
		return git(dir, "-c", "log.showSignature=false", "log", "-1", "--format=%cd", "--date=format-local:%Y-%m-%dT%H:%M:%SZ")
	}

	src := filepath.Join(top, "src")
	checkout(src)
	head := git(src, "rev-parse", "HEAD")
	short := git(src, "rev-parse", "--short", "HEAD")
	date := dateOf(src)
	cwd := filepath.Join(top, "stand")

	// Where the binaries land, for PREFIX values as typed.
	for _, tc := range []struct{ prefix, bin string }{
		{"rel", filepath.Join(cwd, "rel", "bin")},
		{"rel/", filepath.Join(cwd, "rel", "bin")},
		{"./a/../b", filepath.Join(cwd, "b", "bin")},
		{"../up", filepath.Join(top, "up", "bin")},
		{".", filepath.Join(cwd, "bin")},
		{"with space/x", filepath.Join(cwd, "with space", "x", "bin")},
		{"-dash", filepath.Join(cwd, "-dash", "bin")},
		{"~/lit", filepath.Join(home, "lit", "bin")}, // a quoted ~ is the home folder, not a folder named ~
		{"~", filepath.Join(home, "bin")},
		{"", filepath.Join(home, ".local", "bin")},
		{filepath.Join(top, "abs"), filepath.Join(top, "abs", "bin")},
	} {
		t.Run(fmt.Sprintf("PREFIX=%q", tc.prefix), func(t *testing.T) {
			in, err := run(t, cwd, filepath.Join(src, "install.sh"), "PREFIX="+tc.prefix)
			if err != nil {
				t.Fatalf("%v\n%s", err, in.out)
			}
			if in.bin != tc.bin || !strings.Contains(in.out, "installed "+filepath.Join(tc.bin, "mfacred")+" and ") {
				t.Fatalf("installed into %q, want %q:\n%s", in.bin, tc.bin, in.out)
			}
			if _, err := os.Stat(filepath.Join(tc.bin, "mfacred-core")); err != nil {
				t.Fatal(err)
			}
			if in.ldflags != stamp(short, head, date) || in.builtIn != src {
				t.Fatalf("stamped %q in %q, want %q in %s", in.ldflags, in.builtIn, stamp(short, head, date), src)
			}
			if _, err := os.Stat(filepath.Join(cwd, "~")); err == nil {
				os.RemoveAll(filepath.Join(cwd, "~"))
				t.Fatalf("made a folder named ~ in %s", cwd)
			}
		})
	}
	t.Run("PREFIX through a symlink", func(t *testing.T) {
		real := filepath.Join(top, "real")
		os.MkdirAll(real, 0o755)
		os.Symlink(real, filepath.Join(cwd, "link"))
		in, err := run(t, cwd, filepath.Join(src, "install.sh"), "PREFIX=link")
		if err != nil {
			t.Fatalf("%v\n%s", err, in.out)
		}
		if _, err := os.Stat(filepath.Join(real, "bin", "mfacred")); err != nil {
			t.Fatalf("not in the link's target: %v\n%s", err, in.out)
		}
	})
	t.Run("PREFIX under a file", func(t *testing.T) {
		os.WriteFile(filepath.Join(cwd, "afile"), nil, 0o644)
		in, err := run(t, cwd, filepath.Join(src, "install.sh"), "PREFIX=afile/x")
		if err == nil || strings.Contains(in.out, "installed") {
			t.Fatalf("installed under a file:\n%s", in.out)
		}
	})
	t.Run("run from the checkout as sh ./install.sh", func(t *testing.T) {
		in, err := run(t, src, "./install.sh", "PREFIX=inst")
		if err != nil || in.bin != filepath.Join(src, "inst", "bin") {
			t.Fatalf("%v: %q\n%s", err, in.bin, in.out)
		}
		os.RemoveAll(filepath.Join(src, "inst"))
	})
	t.Run("CDPATH set", func(t *testing.T) {
		// `sh src/install.sh` with CDPATH naming a folder that has a src: cd must take ./src.
		decoy := filepath.Join(top, "decoy")
		os.MkdirAll(filepath.Join(decoy, "src"), 0o755)
		in, err := run(t, top, "src/install.sh", "PREFIX=cdp", "CDPATH="+decoy)
		if err != nil || in.builtIn != src || in.ldflags != stamp(short, head, date) {
			t.Fatalf("%v: built in %q, stamped %q\n%s", err, in.builtIn, in.ldflags, in.out)
		}
	})

	// What is stamped, for checkouts of every shape.
	t.Run("dirty", func(t *testing.T) {
		d := filepath.Join(top, "dirty")
		checkout(d)
		os.WriteFile(filepath.Join(d, "README.md"), []byte("changed\n"), 0o644)
		in, err := run(t, cwd, filepath.Join(d, "install.sh"), "PREFIX=p-dirty")
		if want := stamp(git(d, "rev-parse", "--short", "HEAD")+"-dirty", git(d, "rev-parse", "HEAD")+"-dirty", dateOf(d)); err != nil || in.ldflags != want {
			t.Fatalf("%v: stamped %q, want %q", err, in.ldflags, want)
		}
	})
	t.Run("untracked only", func(t *testing.T) {
		d := filepath.Join(top, "untracked")
		checkout(d)
		os.WriteFile(filepath.Join(d, "notes.txt"), []byte("x\n"), 0o644)
		in, err := run(t, cwd, filepath.Join(d, "install.sh"), "PREFIX=p-untracked")
		if want := stamp(git(d, "rev-parse", "--short", "HEAD"), git(d, "rev-parse", "HEAD"), dateOf(d)); err != nil || in.ldflags != want {
			t.Fatalf("%v: stamped %q, want %q", err, in.ldflags, want)
		}
	})
	t.Run("detached", func(t *testing.T) {
		d := filepath.Join(top, "detached")
		checkout(d)
		git(d, "checkout", "-q", "--detach", "HEAD~1")
		in, err := run(t, cwd, filepath.Join(d, "install.sh"), "PREFIX=p-detached")
		if want := stamp(git(d, "rev-parse", "--short", "HEAD"), git(d, "rev-parse", "HEAD"), dateOf(d)); err != nil || in.ldflags != want {
			t.Fatalf("%v: stamped %q, want %q", err, in.ldflags, want)
		}
	})
	t.Run("tagged", func(t *testing.T) {
		d := filepath.Join(top, "tagged")
		checkout(d)
		git(d, "tag", "v1.2.3")
		in, err := run(t, cwd, filepath.Join(d, "install.sh"), "PREFIX=p-tagged")
		if want := stamp("v1.2.3", git(d, "rev-parse", "HEAD"), dateOf(d)); err != nil || in.ldflags != want {
			t.Fatalf("%v: stamped %q, want %q", err, in.ldflags, want)
		}
	})
	t.Run("shallow", func(t *testing.T) {
		d := filepath.Join(top, "shallow")
		git(top, "clone", "-q", "--depth", "1", "file://"+src, d)
		in, err := run(t, cwd, filepath.Join(d, "install.sh"), "PREFIX=p-shallow")
		if want := stamp(short, head, date); err != nil || in.ldflags != want {
			t.Fatalf("%v: stamped %q, want %q", err, in.ldflags, want)
		}
	})
	t.Run("no .git", func(t *testing.T) {
		d := filepath.Join(top, "plain")
		os.MkdirAll(d, 0o755)
		os.WriteFile(filepath.Join(d, "install.sh"), script, 0o755)
		in, err := run(t, cwd, filepath.Join(d, "install.sh"), "PREFIX=p-plain")
		if want := stamp("dev", "", ""); err != nil || in.ldflags != want {
			t.Fatalf("%v: stamped %q, want %q", err, in.ldflags, want)
		}
	})
	t.Run("no .git inside another repository", func(t *testing.T) {
		// An unpacked source archive in a folder that is part of another repository (a home
		// folder kept in git): that repository's commit is not this source's.
		d := filepath.Join(src, "vendor", "mfacred")
		os.MkdirAll(d, 0o755)
		os.WriteFile(filepath.Join(d, "install.sh"), script, 0o755)
		in, err := run(t, cwd, filepath.Join(d, "install.sh"), "PREFIX=p-nested")
		os.RemoveAll(filepath.Join(src, "vendor"))
		if want := stamp("dev", "", ""); err != nil || in.ldflags != want {
			t.Fatalf("%v: stamped %q, want %q (the enclosing repository is %s)", err, in.ldflags, want, head)
		}
	})
	t.Run("no git installed", func(t *testing.T) {
		cmd := exec.Command(filepath.Join(noGit, "sh"), filepath.Join(src, "install.sh"))
		cmd.Dir = cwd
		cmd.Env = []string{"PATH=" + noGit, "HOME=" + home, "PREFIX=p-nogit"}
		b, err := cmd.CombinedOutput()
		if want := "ldflags: " + stamp("dev", "", ""); err != nil || !strings.Contains(string(b), want+"\n") {
			t.Fatalf("%v: want %q:\n%s", err, want, b)
		}
	})
}

// TestHostileRestFoldAsAWSCLI: keys spelled with case mappings that Go's simple one and
// Python's full one part on, in the test's profile: the AWS CLI's botocore (its own Python,
// load_config, one run for all files) and mfacred agree whether the file can be read, and
// mfacred serves the profile where it can.
func TestHostileRestFoldAsAWSCLI(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	head, err := os.ReadFile(awsCLIv2(t))
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(head), "\n")
	python := strings.TrimSpace(strings.TrimPrefix(first, "#!"))
	w.addKeys()
	extras := []string{
		"regİon = eu-west-1",                    // İ folds to i̇: another key
		"REGİON = eu-west-1",                    // the same
		"REGION = eu-west-1",                    // region set twice
		"Region = eu-west-1",                    // region set twice
		"regıon = eu-west-1",                    // dotless ı: another key
		"MFA_SERİAL = x",                        // another key
		"ΣΑΣ = 1\nσας = 2",                      // final sigma: the same key twice
		"ΣΑΣ = 1\nσασ = 2",                      // another key
		"\u212Aey = 1\nkey = 2",                 // Kelvin sign folds to k: the same key
		"STRAßE = 1\nstrasse = 2",               // ß stays: another key
		"MFA_PROCESS = echo 1",                  // mfa_process set twice
		"Credential_Process = /bin/false",       // set twice
		"login_sessİon = arn:aws:iam::1:user/x", // not login_session
	}
	var paths []string
	for i, extra := range extras {
		w.writeConfig(w.mfaProcess(), extra)
		p := fmt.Sprintf("%s.%d", w.configPath(), i)
		if err := os.Rename(w.configPath(), p); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	script := `
import json, sys
from awscli.botocore.configloader import load_config
out = []
for p in sys.argv[1:]:
    try:
        load_config(p)
        out.append("")
    except Exception as e:
        out.append(type(e).__name__)
print(json.dumps(out))
`
	raw, err := exec.Command(python, append([]string{"-c", script}, paths...)...).Output()
	var verdicts []string
	if err != nil || json.Unmarshal(raw, &verdicts) != nil || len(verdicts) != len(paths) {
		t.Fatalf("botocore: %v %s", err, raw)
	}
	for i, extra := range extras {
		r := w.run(nil, []string{"AWS_CONFIG_FILE=" + paths[i]}, binary, "process", "--profile", w.profile)
		if (verdicts[i] == "") != (r.code == 0) {
			t.Errorf("%q: botocore says %q, mfacred process exit %d %s", extra, verdicts[i], r.code, r.stderr)
		} else if r.code == 0 {
			parseCreds(t, r.stdout)
		} else if !strings.Contains(r.stderr, "set twice") {
			t.Errorf("%q: mfacred refuses it for another reason: %s", extra, r.stderr)
		}
	}
}

// TestHostileRestNoSecretInFileErrors: a damaged credentials file next to a secret key (no =,
// an indented continuation, set twice under another case, a quoted value, an unclosed
// section): process and doctor name the file and line, never the secret.
func TestHostileRestNoSecretInFileErrors(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.writeConfig(w.mfaProcess(), "mfacred_source_profile = k")
	const secret = "wJalrXUtnFEMIHOSTILEKEY"
	creds := filepath.Join(w.dir, "home", ".aws", "credentials")
	for _, body := range []string{
		"[k]\naws_access_key_id = AKIAHOSTILE000000001\naws_secret_access_key " + secret,
		"[k]\naws_access_key_id = AKIAHOSTILE000000001\naws_secret_access_key =\n  " + secret,
		"[k]\naws_access_key_id = AKIAHOSTILE000000001\naws_secret_access_key = " + secret + "\nAWS_Secret_Access_Key = " + secret + "2",
		"[k]\naws_access_key_id = AKIAHOSTILE000000001\naws_secret_access_key = \"" + secret + "\"",
		"[k\naws_secret_access_key = " + secret,
		"[k]\naws_access_key_id = AKIAHOSTILE000000001\naws_secret_access_key = " + secret + "\n[k]\nregion = x",
		"[k]\n" + secret,
	} {
		if err := os.WriteFile(creds, []byte(body+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{{"process", "--profile", w.profile}, {"doctor", "--profile", w.profile}, {"status"}} {
			r := w.run(nil, nil, binary, args...)
			if strings.Contains(r.stdout+r.stderr, secret) {
				t.Errorf("%q on %q printed the secret:\n%s%s", args, body, r.stdout, r.stderr)
			}
		}
	}
}

// A config file mounted on its own into a container (docker run -v ~/.aws/config:/root/.aws/config)
// is a mount point: nothing can be renamed over it (EBUSY), so a write through a temporary file
// failed, where `aws configure set`, which writes the file in place, works. setup writes it in
// place there too, and the AWS CLI and mfacred then edit the same file one after the other.
func TestConfigMountedAsOneFileIsWrittenInPlace(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Fatal("unshare (util-linux) is needed to mount the config file on its own for one process")
	}
	lw := newSigninWorld(t, localsts.Role{ARN: adminRole}, localsts.LoginOptions{})
	cfg := lw.configPath()
	mounted := func(args ...string) result {
		return lw.run(nil, nil, "unshare", append([]string{"-m", "sh", "-c", `mount --bind "$0" "$0" && exec "$@"`, cfg}, args...)...)
	}
	if r := mounted("aws", "configure", "set", "region", "eu-west-3", "--profile", "cli-made"); r.err != nil {
		t.Fatalf("aws configure set on the mounted config: %v\n%s", r.err, r.stderr)
	}
	r := mounted(binary, "setup", "--profile", "mounted", "--login-session", lw.me)
	if r.err != nil {
		t.Fatalf("setup on a config mounted as one file: %v\n%s", r.err, r.stderr)
	}
	got := mustRead(t, cfg)
	for _, want := range []string{"[profile cli-made]\nregion = eu-west-3", "[profile mounted]", "mfacred_source_profile = " + lw.me, "[profile " + lw.me + "]"} {
		if !strings.Contains(got, want) {
			t.Fatalf("the config lacks %q:\n%s", want, got)
		}
	}
	if names, _ := os.ReadDir(filepath.Dir(cfg)); slices.ContainsFunc(names, func(e os.DirEntry) bool { return strings.Contains(e.Name(), ".tmp-") }) {
		t.Fatalf("a temporary file was left beside the config: %v", names)
	}
	if got := lw.caller("mounted"); got != lw.sessionARN() {
		t.Fatalf("profile mounted acts as %q, want the aws login session %q", got, lw.sessionARN())
	}
}
