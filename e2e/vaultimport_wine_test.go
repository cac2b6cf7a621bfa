//go:build linux

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mfacred/mfacred/localsts"
)

// On Windows, aws-vault's default backend is the Credential Manager (wincred): items written
// there by aws-vault's keyring library built for Windows are imported by mfacred.exe with no
// backend named, and the Windows SDK then calls STS as the role through the rewritten
// profiles with one code; aws-vault's items stay; a second import changes nothing.
func TestWineImportFromWincred(t *testing.T) {
	t.Parallel()
	ww := newWinWorld(t)
	ww.sts.AddRole(localsts.Role{ARN: adminRole, RequireMFA: true})
	p := ww.profile
	cfg := fmt.Sprintf("[profile %[1]s]\nmfa_serial = %[2]s\n%[3]s\nregion = us-east-1\n\n[profile %[1]s-prod]\nsource_profile = %[1]s\nrole_arn = %[4]s\nregion = us-east-1\n\n[profile %[1]s-tool]\ncredential_process = aws-vault export --format=json %[1]s-prod\nregion = us-east-1\n",
		p, ww.serial, ww.mfaProcess(), adminRole)
	if err := os.WriteFile(ww.configPath(), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	vault := func(action, stdin string) string {
		t.Helper()
		cmd := ww.winCmd(nil, "vaultwriter.exe", "wincred", action)
		cmd.Stdin = strings.NewReader(stdin)
		r := collect(cmd)
		if r.err != nil {
			t.Fatalf("vaultwriter.exe wincred %s: %v\n%s", action, r.err, r.stderr)
		}
		return r.stdout
	}
	vault("set", p+" "+ww.user.AccessKeyID+" "+ww.user.SecretAccessKey+"\n")
	items := vault("list", "")
	if !strings.HasPrefix(items, fmt.Sprintf("%q ", p)) {
		t.Fatalf("aws-vault's items: %q", items)
	}

	r := ww.win(nil, "mfacred.exe", "import", "aws-vault", "--yes")
	if r.err != nil || !strings.Contains(r.stdout, "Keys in aws-vault (backend wincred") {
		t.Fatalf("import: %v\n%s\n%s", r.err, r.stdout, r.stderr)
	}
	line := "credential_process = " + winPath(filepath.Join(ww.bin, "mfacred.exe")) + " process --profile " + p + "-prod\n"
	after := ww.readFile(ww.configPath())
	if !strings.Contains(after, line) || !strings.Contains(after, "mfacred_role_arn = "+adminRole) || strings.Contains(after, "\nrole_arn") {
		t.Fatalf("import wrote:\n%s\nwant the line %q", after, line)
	}
	want := "arn:aws:sts::222222222222:assumed-role/Admin/alice"
	if id := ww.identity(p + "-prod"); id.ARN != want {
		t.Fatalf("the role profile is %s, want %s", id.ARN, want)
	}
	if id := ww.identity(p + "-tool"); id.ARN != want {
		t.Fatalf("the rewritten aws-vault line is %s, want %s", id.ARN, want)
	}
	ww.wantCalls("both profiles", "GetSessionToken=1 AssumeRole=1")
	if got := vault("list", ""); got != items {
		t.Fatalf("aws-vault's items changed:\n%s", got)
	}
	if r := ww.win(nil, "mfacred.exe", "import", "aws-vault", "--yes"); r.err != nil || !strings.Contains(r.stdout, "nothing to do") || ww.readFile(ww.configPath()) != after {
		t.Fatalf("a second import: %v\n%s\n%s", r.err, r.stdout, r.stderr)
	}
}
