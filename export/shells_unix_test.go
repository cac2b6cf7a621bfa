//go:build unix

package export

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Every value a shell could misread — quotes, backslashes, $, backquotes, #, blanks, globs —
// comes back as it was when the env line is evaluated by sh, bash, zsh and fish and the
// variable read by a child process (printenv).
func TestPOSIXQuotingReadBackByEachShell(t *testing.T) {
	values := []string{
		`it's`, `back\slash`, `two\\back`, `\'`, `'\''`, `$HOME $(id) ${x}` + "`id`", `a # not a comment`,
		`  blanks  `, `*?[a]`, `a/b+c==`, `!event`, `~user`, `;&|<>()`, `"double"`, `%PATH%`, "",
	}
	for _, sh := range [][]string{{"sh", "-c"}, {"bash", "-c"}, {"zsh", "-c"}, {"fish", "-c"}} {
		if _, err := exec.LookPath(sh[0]); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is missing (Debian package %s): %v", sh[0], sh[0], err)
			}
			t.Logf("%s is missing: not run", sh[0])
			continue
		}
		for _, v := range values {
			script := "export MFACRED_QUOTED=" + posix(v) + "\nprintenv MFACRED_QUOTED"
			out, err := exec.Command(sh[0], sh[1], script).CombinedOutput()
			if got := strings.TrimSuffix(string(out), "\n"); err != nil || got != v {
				t.Errorf("%s: %q quoted %s reads back as %q (%v)", sh[0], v, posix(v), got, err)
			}
		}
	}
}
