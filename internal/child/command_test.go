package child

import "testing"

// exec with no command runs the platform's shell: Windows has no $SHELL, its shell is
// %ComSpec%.
func TestDefaultCommand(t *testing.T) {
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	both := env(map[string]string{"SHELL": "/bin/bash", "ComSpec": `C:\Windows\system32\cmd.exe`})
	for _, tc := range []struct {
		goos   string
		getenv func(string) string
		want   string
		err    string
	}{
		{goos: "linux", getenv: both, want: "/bin/bash"},
		{goos: "darwin", getenv: both, want: "/bin/bash"},
		{goos: "windows", getenv: both, want: `C:\Windows\system32\cmd.exe`},
		// Git Bash and MSYS set SHELL on Windows too, to a path Windows cannot run.
		{goos: "windows", getenv: env(map[string]string{"SHELL": "/usr/bin/bash"}), err: "no command given and %ComSpec% is unset"},
		{goos: "linux", getenv: env(map[string]string{"ComSpec": "cmd.exe"}), err: "no command given and $SHELL is unset"},
	} {
		got, err := DefaultCommand(tc.goos, tc.getenv)
		if got != tc.want || (err == nil) != (tc.err == "") || err != nil && err.Error() != tc.err {
			t.Errorf("%s: %q %v, want %q %q", tc.goos, got, err, tc.want, tc.err)
		}
	}
}
