//go:build unix

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/internal/cmdline"
)

// A command a message suggests, pasted into a shell, names the profile as one word and runs
// nothing of its name, whatever the name holds (blanks, quotes, $(), ;). Three messages of
// three rooms: the profile in no file (awsconfig), no keys stored (process), no
// credential_process (doctor). internal/shellword's rule test holds every other message so.
func TestSuggestedCommandsNameTheProfileAsOneWord(t *testing.T) {
	t.Parallel()
	for i, hostile := range []string{" $(touch MARK)", "';touch MARK;'", `"a b;touch MARK`} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			mark := filepath.Join(t.TempDir(), "ran")
			name := w.profile + strings.ReplaceAll(hostile, "MARK", mark)
			section, err := awsconfig.ConfigSection(name)
			if err != nil {
				t.Fatal(err)
			}
			line, err := cmdline.CredentialProcess(binary, name, "linux")
			if err != nil {
				t.Fatal(err)
			}
			missing := name + "-missing"
			bare := name + "-bare"
			bareSection, _ := awsconfig.ConfigSection(bare)
			cfg := fmt.Sprintf("[%s]\ncredential_process = %s\nmfa_serial = %s\n\n[%s]\nmfa_serial = %s\n", section, line, w.serial, bareSection, w.serial)
			if err := os.WriteFile(w.configPath(), []byte(cfg), 0o600); err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				profile string
				args    []string
				want    string // the command's start
			}{
				{missing, []string{"process", "--profile", missing}, "mfacred setup --profile "},
				{name, []string{"process", "--profile", name}, "mfacred add "},
				{bare, []string{"doctor", "--profile", bare}, "mfacred setup --profile "},
			} {
				r := w.run(nil, nil, binary, c.args...)
				out := r.stdout + r.stderr
				var commands []string
				for i, part := range strings.Split(out, "`") {
					if i%2 == 1 && strings.HasPrefix(part, c.want) {
						commands = append(commands, part)
					}
				}
				if len(commands) == 0 {
					t.Fatalf("%q: %v suggests no `%s…`: exit %d\n%s", c.profile, c.args, c.want, r.code, out)
				}
				for _, command := range commands {
					got := w.run(nil, nil, "bash", "-c", `f() { printf '%s\0' "$@"; }; f `+command)
					words := strings.Split(strings.TrimSuffix(got.stdout, "\x00"), "\x00")
					_, ran := os.Stat(mark)
					if ran == nil || got.err != nil || words[len(words)-1] != c.profile && !contains(words, c.profile) {
						t.Fatalf("%q: %v suggests `%s`; in bash it ran something (%v) or split the name: %q (%v %s)", c.profile, c.args, command, ran == nil, words, got.err, got.stderr)
					}
				}
			}
		})
	}
}

func contains(words []string, w string) bool {
	for _, x := range words {
		if x == w {
			return true
		}
	}
	return false
}
