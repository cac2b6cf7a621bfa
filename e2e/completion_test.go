//go:build unix

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// completionWorld writes a config with three profiles and each shell's script, and returns
// the environment that finds the built mfacred on PATH.
func completionWorld(t *testing.T, shell string) (env []string, script string) {
	t.Helper()
	_, err := exec.LookPath(shell)
	need(t, shell+" (Debian package "+shell+")", err)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config")
	if err := os.WriteFile(cfg, []byte("[default]\nregion = us-east-1\n[profile work]\nmfa_serial = arn:aws:iam::1:mfa/phone\n[profile 'prod eu']\n[profile prod]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env = append(os.Environ(), "PATH="+filepath.Dir(binary)+":"+os.Getenv("PATH"), "AWS_CONFIG_FILE="+cfg, "HOME="+dir, "XDG_CONFIG_HOME="+dir, "XDG_DATA_HOME="+dir)
	out, err := exec.Command(binary, "completion", shell).Output()
	if err != nil {
		t.Fatalf("mfacred completion %s: %v", shell, err)
	}
	script = filepath.Join(dir, "mfacred."+shell)
	if err := os.WriteFile(script, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return env, script
}

func shellOut(t *testing.T, env []string, shell string, args ...string) string {
	t.Helper()
	cmd := exec.Command(shell, args...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", shell, args, err, out)
	}
	return string(out)
}

// bash: the script registers _mfacred for mfacred, which completes commands, flags (from the
// command itself), subcommands and profile names from the config file.
func TestCompletionBash(t *testing.T) {
	t.Parallel()
	env, script := completionWorld(t, "bash")
	complete := func(words string, cword int) string {
		return shellOut(t, env, "bash", "-c", `source "$1"; complete -p mfacred; COMP_WORDS=(`+words+`); COMP_CWORD=`+string(rune('0'+cword))+`; _mfacred; printf '%s|' "${COMPREPLY[@]}"`, "bash", script)
	}
	for _, c := range []struct {
		words string
		cword int
		want  string
	}{
		{`mfacred se`, 1, "serve|setup|"},
		{`mfacred process --profile ""`, 3, `default|prod|prod\ eu|work|`},
		{`mfacred process --profile p`, 3, `prod|prod\ eu|`},
		{`mfacred setup --m`, 2, "--mfa-serial|--move-keys|"},
		{`mfacred totp ""`, 2, "remove|set|"},
		{`mfacred ro`, 1, "rotate|"},
		{`mfacred rotate --profile w`, 3, "work|"},
		{`mfacred totp set --`, 3, "--profile|"},
		{`mfacred --keyring k`, 2, "kernel|"},
		{`mfacred completion ""`, 2, "bash|fish|zsh|"},
	} {
		got := complete(c.words, c.cword)
		if !strings.Contains(got, "complete -o default -F _mfacred mfacred") {
			t.Fatalf("complete -p: %s", got)
		}
		if !strings.HasSuffix(strings.TrimSpace(got), c.want) {
			t.Errorf("%s: completions %q, want %q", c.words, got, c.want)
		}
	}
}

// fish: the script parses, and fish's own completer (complete -C) offers what mfacred says.
func TestCompletionFish(t *testing.T) {
	t.Parallel()
	env, script := completionWorld(t, "fish")
	shellOut(t, env, "fish", "-n", script)
	got := shellOut(t, env, "fish", "-c", `source $argv[1]; complete -C "mfacred process --profile "; echo ---; complete -C "mfacred doc"`, script)
	for _, want := range []string{"default\n", "prod\n", "work\n", "---\ndoctor"} {
		if !strings.Contains(got, want) {
			t.Errorf("fish completions lack %q:\n%s", want, got)
		}
	}
}

// zsh: the script parses and, loaded after compinit, registers _mfacred for mfacred.
func TestCompletionZsh(t *testing.T) {
	t.Parallel()
	env, script := completionWorld(t, "zsh")
	shellOut(t, env, "zsh", "-n", script)
	got := shellOut(t, env, "zsh", "-c", `autoload -U compinit && compinit -u -D && source $1 && print -r -- $_comps[mfacred]`, "zsh", script)
	if strings.TrimSpace(got) != "_mfacred" {
		t.Fatalf("zsh: mfacred completes with %q, want _mfacred", got)
	}
}
