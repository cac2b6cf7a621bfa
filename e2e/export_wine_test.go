//go:build linux

package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The windows-cmd format, run by cmd.exe as a batch script: the variables are the session's,
// and a child of cmd.exe (the Windows SDK caller, with no profile to go on) calls STS with
// them. The script is the export's lines and two of the test's, in a folder outside the
// secret scan's. Under Wine neither the help's one-liner (for /f "delims=" %i in ('mfacred
// export ...') do @%i: Wine's cmd.exe does not run a for variable as a command, and keeps the
// command's output in a temporary file) nor lines piped into cmd.exe (it runs the first of
// each read) can be shown (docs/windows.md). Wine has no PowerShell: the powershell format's
// quoting is checked by export's unit tests only.
func TestWineExportWindowsCmd(t *testing.T) {
	t.Parallel()
	ww := newWinWorld(t)
	ww.writeWinConfig()
	c := parseCreds(t, ww.mustWin(nil, "mfacred.exe", "export", "--profile", ww.profile, "--format", "json"))
	lines := ww.mustWin(nil, "mfacred.exe", "export", "--profile", ww.profile, "--format", "windows-cmd")
	script := filepath.Join(t.TempDir(), "export.cmd")
	if err := os.WriteFile(script, []byte(lines+"set AWS_\r\n"+winPath(filepath.Join(ww.bin, "winclient.exe"))+" identity\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := ww.winCmd(nil, "cmd", "/c", winPath(script))
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("cmd.exe: %v\n%s%s", err, out.String(), errb.String())
	}
	vars := map[string]string{}
	var id identityOut
	for _, l := range strings.Split(strings.ReplaceAll(out.String(), "\r", ""), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok && strings.HasPrefix(k, "AWS_") {
			vars[k] = v
		}
		if strings.HasPrefix(l, "{") {
			if err := json.Unmarshal([]byte(l), &id); err != nil {
				t.Fatalf("winclient identity: %v: %q", err, l)
			}
		}
	}
	for k, want := range map[string]string{
		"AWS_ACCESS_KEY_ID": c.AccessKeyId, "AWS_SECRET_ACCESS_KEY": c.SecretAccessKey, "AWS_SESSION_TOKEN": c.SessionToken,
		"AWS_CREDENTIAL_EXPIRATION": c.Expiration, "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
	} {
		if vars[k] != want {
			t.Errorf("cmd.exe has %s=%q, want %q", k, vars[k], want)
		}
	}
	if id.ARN != ww.user.ARN() || id.Key != c.AccessKeyId {
		t.Fatalf("the child of cmd.exe called STS as %+v, want %s with %s\n%s%s", id, ww.user.ARN(), c.AccessKeyId, out.String(), errb.String())
	}
	ww.wantCalls("export under cmd.exe", "GetSessionToken=1 AssumeRole=0")
}
