//go:build linux

package e2e

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mfacred/mfacred/cache"
)

// A hostile pass on `mfacred import aws-vault` as built (issue 28 item 1): odd config files,
// odd aws-vault items, credential_process lines in every spelling, and the process itself
// (terminal answers, signals, a config changed under it, an unreachable STS). Each row runs the
// real import against aws-vault's file backend written with aws-vault's own library
// (internal/vaultwriter); an import that refuses must refuse in one line and change nothing.

// hrow is one hostile case: the config (and credentials file) with {p} for the row's profile
// prefix, aws-vault's items (name -> JSON, "" for the user's keys), and what must come of it.
type hrow struct {
	name    string
	config  string
	creds   string
	items   map[string]string
	args    []string
	env     []string
	prepare func(t *testing.T, vw *vaultWorld, p string)
	wantErr []string // one line on stderr saying each, nothing changed
	wantOut []string // in the plan (stdout)
	notOut  []string // never in stdout or stderr
	wantCfg []string // in the config afterwards
	notCfg  []string
	keys    []string // profiles whose keys mfacred must hold afterwards
	noKeys  []string // profiles whose keys mfacred must not hold
	check   func(t *testing.T, vw *vaultWorld, p string, r result)
}

// runRows runs each row in a world of its own profile prefix ({p} = workNN-rI), with a file
// backend directory of its own.
func runRows(t *testing.T, vw *vaultWorld, rows []hrow) int {
	t.Helper()
	for i, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			p := fmt.Sprintf("%s-r%d", vw.profile, i)
			sub := func(s string) string { return strings.ReplaceAll(s, "{p}", p) }
			dir := filepath.Join(t.TempDir(), "keys")
			env := append([]string{"AWS_VAULT_FILE_DIR=" + dir}, row.env...)
			for name, data := range row.items {
				if data == "" {
					data = fmt.Sprintf(`{"AccessKeyID":%q,"SecretAccessKey":%q,"SessionToken":"","Source":"aws-vault","CanExpire":false,"Expires":"0001-01-01T00:00:00Z"}`, vw.user.AccessKeyID, vw.user.SecretAccessKey)
				}
				vw.vaultWith([]string{"AWS_VAULT_FILE_DIR=" + dir}, "raw", sub(data), sub(name))
			}
			_ = os.Remove(vw.configPath())
			_ = os.Remove(filepath.Join(vw.dir, "home", ".aws", "credentials"))
			if row.config != "" {
				if err := os.WriteFile(vw.configPath(), []byte(sub(row.config)), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if row.creds != "" {
				if err := os.WriteFile(filepath.Join(vw.dir, "home", ".aws", "credentials"), []byte(sub(row.creds)), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if row.prepare != nil {
				row.prepare(t, vw, p)
			}
			before := readRegular(vw.configPath())
			olds, _ := filepath.Glob(vw.configPath() + ".before-import-*")
			r := vw.importer(env, append([]string{"--yes"}, row.args...)...)
			vw.noSecret(r.stdout, r.stderr)
			for _, s := range row.notOut {
				if s = sub(s); strings.Contains(r.stdout+r.stderr, s) {
					t.Errorf("the output says %q:\n%s\n%s", s, r.stdout, r.stderr)
				}
			}
			after := readRegular(vw.configPath())
			if row.wantErr != nil {
				var want []string
				for _, s := range row.wantErr {
					want = append(want, sub(s))
				}
				oneLineErr(t, r, want...)
				if after != before {
					t.Errorf("a refused import changed the config:\n%s", after)
				}
				if backups, _ := filepath.Glob(vw.configPath() + ".before-import-*"); len(backups) != len(olds) {
					t.Errorf("a refused import made a backup: %v", backups)
				}
				for name := range row.items {
					if _, err := vw.store().Keys(t.Context(), sub(name)); !errors.Is(err, cache.ErrNotFound) {
						t.Errorf("a refused import stored keys of %s (%v)", sub(name), err)
					}
				}
			} else if r.err != nil {
				t.Fatalf("import: %v\n%s\n%s", r.err, r.stdout, r.stderr)
			}
			for _, s := range row.wantOut {
				if !strings.Contains(r.stdout, sub(s)) {
					t.Errorf("the plan does not say %q:\n%s", sub(s), r.stdout)
				}
			}
			for _, s := range row.wantCfg {
				if !strings.Contains(after, sub(s)) {
					t.Errorf("the config does not hold %q:\n%s", sub(s), after)
				}
			}
			for _, s := range row.notCfg {
				if strings.Contains(after, sub(s)) {
					t.Errorf("the config holds %q:\n%s", sub(s), after)
				}
			}
			for _, name := range row.keys {
				if k, err := vw.store().Keys(t.Context(), sub(name)); err != nil || k.AccessKeyID != vw.user.AccessKeyID {
					t.Errorf("mfacred does not hold the keys of %s: %v", sub(name), err)
				}
			}
			for _, name := range row.noKeys {
				if _, err := vw.store().Keys(t.Context(), sub(name)); !errors.Is(err, cache.ErrNotFound) {
					t.Errorf("mfacred holds keys of %s (%v)", sub(name), err)
				}
			}
			if row.check != nil {
				row.check(t, vw, p, r)
			}
			// the next row starts with none of this row's keys or backups
			for name := range row.items {
				_ = vw.store().DeleteKeys(t.Context(), sub(name))
			}
			for _, name := range row.keys {
				_ = vw.store().DeleteKeys(t.Context(), sub(name))
			}
			backups, _ := filepath.Glob(vw.configPath() + ".before-import-*")
			for _, b := range backups {
				_ = os.Remove(b)
			}
		})
	}
	return len(rows)
}

// readRegular is the file at path when it is a regular file (a fifo is never opened).
func readRegular(path string) string {
	if fi, err := os.Stat(path); err != nil || !fi.Mode().IsRegular() {
		return ""
	}
	b, _ := os.ReadFile(path)
	return string(b)
}

// hostileVault is a file-backend world for the rows (its own items are not used by them).
func hostileVault(t *testing.T) *vaultWorld {
	t.Helper()
	vw := newVaultWorld(t, "file")
	vw.mfaProcess()
	return vw
}

const keyProfile = "[profile {p}]\nmfa_serial = arn:aws:iam::123456789012:mfa/dev\n"

// Config files of every odd shape.
func TestHostileImportConfig(t *testing.T) {
	t.Parallel()
	vw := hostileVault(t)
	me := map[string]string{"{p}": ""}
	cp := "credential_process = " + binary + " process --profile "
	n := runRows(t, vw, []hrow{
		{name: "plain", config: keyProfile, items: me, wantCfg: []string{cp + "{p}\n"}, keys: []string{"{p}"}},
		{name: "blank in name", config: "[profile \"{p} a b\"]\nmfa_serial = arn:aws:iam::123456789012:mfa/dev\n", items: map[string]string{"{p} a b": ""},
			keys: []string{"{p} a b"}, check: sdkServes("{p} a b")},
		{name: "blanks in an unquoted name: no profile to botocore", config: "[profile {p} a b]\nmfa_serial = arn:aws:iam::123456789012:mfa/dev\n", items: map[string]string{"{p} a b": ""},
			keys: []string{"{p} a b"}, wantCfg: []string{"[profile {p} a b]\nmfa_serial = arn:aws:iam::123456789012:mfa/dev\n"}, notCfg: []string{"credential_process"}},
		{name: "quoted section name", config: "[profile \"{p}q\"]\nmfa_serial = arn:aws:iam::123456789012:mfa/dev\n", items: map[string]string{"{p}q": ""},
			wantCfg: []string{cp + "{p}q\n"}, keys: []string{"{p}q"}},
		{name: "single quote in name", config: "[profile \"{p}'x\"]\nmfa_serial = arn:aws:iam::123456789012:mfa/dev\n", items: map[string]string{"{p}'x": ""},
			keys: []string{"{p}'x"}, check: sdkServes("{p}'x")},
		{name: "command substitution in name", config: "[profile \"{p}$(touch /tmp/hostile-import-ran)\"]\nmfa_serial = arn:aws:iam::123456789012:mfa/dev\n",
			items: map[string]string{"{p}$(touch /tmp/hostile-import-ran)": ""}, keys: []string{"{p}$(touch /tmp/hostile-import-ran)"}, check: sdkServes("{p}$(touch /tmp/hostile-import-ran)")},
		{name: "unicode name", config: "[profile {p}-ключ🔑]\nmfa_serial = arn:aws:iam::123456789012:mfa/dev\n", items: map[string]string{"{p}-ключ🔑": ""},
			keys: []string{"{p}-ключ🔑"}, check: sdkServes("{p}-ключ🔑")},
		{name: "default section", config: "[default]\nregion = us-east-1\nmfa_serial = arn:aws:iam::123456789012:mfa/other\n\n" + keyProfile, items: me,
			wantCfg: []string{"[default]\nregion = us-east-1\nmfa_serial = arn:aws:iam::123456789012:mfa/other\n\n"}},
		{name: "profile prefix in the credentials file", config: keyProfile, creds: "[profile {p}]\nregion = eu-west-1\n", items: me, wantCfg: []string{cp + "{p}\n"}},
		{name: "include chain", config: "[profile {p}-a]\ninclude_profile = {p}-b\n[profile {p}-b]\ninclude_profile = {p}-c\n[profile {p}-c]\nmfa_serial = arn:aws:iam::123456789012:mfa/dev\nregion = eu-west-1\n",
			items: map[string]string{"{p}-a": ""}, wantCfg: []string{"[profile {p}-a]\n" + cp + "{p}-a\nmfa_serial = arn:aws:iam::123456789012:mfa/dev\nregion = eu-west-1\n"}, notCfg: []string{"include_profile = {p}-b"}},
		{name: "include cycle", config: "[profile {p}]\ninclude_profile = {p}-x\n[profile {p}-x]\ninclude_profile = {p}\n", items: me, wantErr: []string{"include_profile cycle"}},
		{name: "include self", config: "[profile {p}]\ninclude_profile = {p}\nmfa_serial = arn:aws:iam::123456789012:mfa/dev\n", items: me, wantErr: []string{"include_profile cycle"}},
		{name: "include missing", config: "[profile {p}]\ninclude_profile = {p}-gone\nmfa_serial = arn:aws:iam::123456789012:mfa/dev\n", items: me, keys: []string{"{p}"}, notCfg: []string{"include_profile"}},
		{name: "role with credential_source", config: keyProfile + "[profile {p}-r]\nrole_arn = " + adminRole + "\ncredential_source = Ec2InstanceMetadata\n", items: me,
			wantOut: []string{"{p}-r: role_arn with no source_profile"}, wantCfg: []string{"[profile {p}-r]\nrole_arn = " + adminRole + "\ncredential_source = Ec2InstanceMetadata\n"}},
		{name: "mfa_serial in the source only", config: keyProfile + "[profile {p}-r]\nrole_arn = " + adminRole + "\nsource_profile = {p}\n", items: me,
			wantCfg: []string{"[profile {p}-r]\n" + cp + "{p}-r\nmfacred_source_profile = {p}\nmfacred_role_arn = " + adminRole + "\n"}},
		{name: "source self", config: "[profile {p}]\nsource_profile = {p}\nmfa_serial = arn:aws:iam::123456789012:mfa/dev\n", items: me, keys: []string{"{p}"}, notCfg: []string{"source_profile"}},
		{name: "duplicate key", config: keyProfile + "mfa_serial = arn:aws:iam::123456789012:mfa/dev2\n", items: me, wantErr: []string{"mfa_serial"}},
		{name: "continuation line in a moved value", config: keyProfile + "[profile {p}-r]\nrole_arn = " + adminRole + "\nsource_profile = {p}\nsession_tags = team=a,\n  env=b\n", items: me,
			wantErr: []string{"profile {p}-r: session_tags continues on more lines"}},
		{name: "continuation line in an included value", config: keyProfile + "[profile {p}-c]\nregion = us-east-1\n  eu-west-1\n[profile {p}-r]\ninclude_profile = {p}-c\nrole_arn = " + adminRole + "\nsource_profile = {p}\n", items: me,
			wantErr: []string{"profile {p}-r: region continues on more lines"}},
		{name: "continuation line in a kept value", config: keyProfile + "region = us-east-1\n  eu-west-1\n[profile {p}-r]\nrole_arn = " + adminRole + "\nsource_profile = {p}\n", items: me,
			check: func(t *testing.T, vw *vaultWorld, p string, r result) {
				t.Helper()
				if got := strings.TrimSpace(vw.run(nil, nil, "/usr/bin/aws", "configure", "get", "eu-west-1", "--profile", p).stdout); got != "" {
					t.Errorf("the continuation line became a key of its own: env = %q\n%s", got, vw.config())
				}
			}},
		{name: "comments", config: "# role_arn = x\n" + keyProfile + "; comment\n# source_profile = y\n", items: me, wantCfg: []string{"# role_arn = x\n", "; comment\n# source_profile = y\n"}},
		{name: "crlf", config: "[profile {p}]\r\nmfa_serial = arn:aws:iam::123456789012:mfa/dev\r\n", items: me, wantCfg: []string{cp + "{p}\r\n"}, notCfg: []string{"{p}\n"}},
		{name: "bom (botocore refuses it too)", config: "\ufeff# bom\n" + keyProfile, items: me, wantErr: []string{"line 1: text before any [section]"}},
		{name: "already mfacred", config: "[profile {p}]\n" + cp + "{p}\nmfa_serial = arn:aws:iam::123456789012:mfa/dev\n", items: me, wantOut: []string{"to store in mfacred's keyring"}, keys: []string{"{p}"}},
		{name: "other credential_process is said", config: keyProfile + "[profile {p}-tool]\ncredential_process = /usr/bin/other-tool --profile x\n", items: me,
			wantOut: []string{"{p}-tool: its credential_process runs /usr/bin/other-tool"}},
		{name: "symlink kept", config: keyProfile, items: me, prepare: func(t *testing.T, vw *vaultWorld, p string) {
			target := filepath.Join(vw.dir, "home", "dotfiles-config")
			if err := os.Rename(vw.configPath(), target); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(target, vw.configPath()); err != nil {
				t.Fatal(err)
			}
		}, check: func(t *testing.T, vw *vaultWorld, p string, r result) {
			t.Helper()
			if fi, err := os.Lstat(vw.configPath()); err != nil || fi.Mode()&os.ModeSymlink == 0 {
				t.Errorf("the link is gone: %v", err)
			}
			_ = os.Remove(vw.configPath())
		}},
		{name: "fifo", items: me, prepare: func(t *testing.T, vw *vaultWorld, p string) {
			if err := syscall.Mkfifo(vw.configPath(), 0o600); err != nil {
				t.Fatal(err)
			}
		}, wantErr: []string{vw.configPath()}, check: func(*testing.T, *vaultWorld, string, result) { _ = os.Remove(vw.configPath()) }},
		{name: "directory", items: me, prepare: func(t *testing.T, vw *vaultWorld, p string) {
			if err := os.Mkdir(vw.configPath(), 0o700); err != nil {
				t.Fatal(err)
			}
		}, wantErr: []string{vw.configPath()}, check: func(*testing.T, *vaultWorld, string, result) { _ = os.Remove(vw.configPath()) }},
		{name: "existing backup name", config: keyProfile, items: me, prepare: func(t *testing.T, vw *vaultWorld, p string) {
			// a backup of an earlier import for each of the next seconds
			now := time.Now().UTC()
			for s := range 30 {
				name := vw.configPath() + ".before-import-" + now.Add(time.Duration(s)*time.Second).Format("20060102T150405Z")
				if err := os.WriteFile(name, []byte("earlier backup\n"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
		}, check: func(t *testing.T, vw *vaultWorld, p string, r result) {
			t.Helper()
			backups, _ := filepath.Glob(vw.configPath() + ".before-import-*")
			kept := 0
			for _, b := range backups {
				if vw.readFile(b) == "earlier backup\n" {
					kept++
				}
			}
			if kept != 30 || len(backups) != 31 {
				t.Errorf("an earlier backup was overwritten: %d of 30 kept, %d backups", kept, len(backups))
			}
		}},
		{name: "static keys in the credentials file", config: keyProfile, creds: "[{p}]\naws_access_key_id = AKIAOTHEREXAMPLE0009\naws_secret_access_key = otherSecretAccessKeyOfAnotherUser9\n", items: me,
			wantOut: []string{"{p}: served by mfacred", "static keys"}, check: func(t *testing.T, vw *vaultWorld, p string, r result) {
				t.Helper()
				if !strings.Contains(r.stdout, "static keys") {
					t.Errorf("the plan does not say that the credentials file's static keys win over credential_process:\n%s", r.stdout)
				}
			}},
		{name: "role_arn in the credentials file", config: keyProfile + "[profile {p}-r]\nmfa_serial = arn:aws:iam::123456789012:mfa/dev\n", creds: "[{p}-r]\nrole_arn = " + adminRole + "\nsource_profile = {p}\n", items: me, wantErr: []string{"profile {p}-r: role_arn is set in", "/.aws/credentials"},
			check: func(t *testing.T, vw *vaultWorld, p string, r result) {
				t.Helper()
				creds := vw.readFile(filepath.Join(vw.dir, "home", ".aws", "credentials"))
				if r.err == nil && strings.Contains(vw.config(), cp+p+"-r") && strings.Contains(creds, "role_arn") {
					t.Errorf("credential_process written while the credentials file keeps role_arn (the SDKs assume the role on top):\n%s\n%s", vw.config(), creds)
				}
			}},
		{name: "aws-vault credential_process in the credentials file", config: keyProfile + "[profile {p}-tool]\nregion = us-east-1\n", creds: "[{p}-tool]\ncredential_process = aws-vault export --format=json {p}\n", items: me, wantErr: []string{"profile {p}-tool: credential_process is set in", "/.aws/credentials"},
			check: func(t *testing.T, vw *vaultWorld, p string, r result) {
				t.Helper()
				creds := vw.readFile(filepath.Join(vw.dir, "home", ".aws", "credentials"))
				if r.err == nil && strings.Contains(creds, "aws-vault export") && !strings.Contains(r.stdout, "credentials") {
					t.Errorf("the credentials file's aws-vault line still wins, and the plan does not say so:\n%s\n%s", r.stdout, vw.config())
				}
			}},
		{name: "secret beside an edited line", config: "[profile {p}-s]\naws_access_key_id = AKIASTATICEXAMPLE001\naws_secret_access_key = staticSecretNeverPrinted0001\nrole_arn = " + adminRole + "\nsource_profile = {p}\n" + keyProfile, items: me,
			notOut: []string{"staticSecretNeverPrinted0001"}},
		{name: "role on a source with no keys", config: keyProfile + "[profile {p}-ext]\nmfa_serial = arn:aws:iam::123456789012:mfa/dev\ncredential_process = /usr/bin/other-tool\n[profile {p}-r]\nrole_arn = " + adminRole + "\nsource_profile = {p}-ext\n", items: me,
			wantCfg: []string{"[profile {p}-r]\nrole_arn = " + adminRole + "\nsource_profile = {p}-ext\n"}, wantOut: []string{"{p}-r: its source_profile {p}-ext has no keys"}},
		{name: "role on a source in another config", config: keyProfile + "[profile {p}-r]\nrole_arn = " + adminRole + "\nsource_profile = {p}-nowhere\n", items: me,
			wantCfg: []string{"[profile {p}-r]\nrole_arn = " + adminRole + "\nsource_profile = {p}-nowhere\n"}, wantOut: []string{"{p}-r: its source_profile {p}-nowhere has no keys"}},
		{name: "long duration becomes direct", config: keyProfile + "[profile {p}-r]\nrole_arn = " + adminRole + "\nsource_profile = {p}\nduration_seconds = 7200\n", items: me,
			wantCfg: []string{"mfacred_role_duration_seconds = 7200\nmfacred_role_direct = true\n"}},
		{name: "bad duration", config: keyProfile + "[profile {p}-r]\nrole_arn = " + adminRole + "\nsource_profile = {p}\nduration_seconds = 1h\n", items: me, wantErr: []string{"{p}-r"}},
		{name: "bad role arn", config: keyProfile + "[profile {p}-r]\nrole_arn = not-an-arn\nsource_profile = {p}\n", items: me, wantErr: []string{"{p}-r"}},
		{name: "sso source", config: "[profile {p}-sso]\nsso_start_url = https://x.awsapps.com/start\nsso_region = us-east-1\nsso_account_id = 1\nsso_role_name = x\n[profile {p}-r]\nrole_arn = " + adminRole + "\nsource_profile = {p}-sso\n" + keyProfile, items: me,
			wantOut: []string{"{p}-r: its source_profile {p}-sso is not served by mfacred"}},
		{name: "chained role", config: keyProfile + "[profile {p}-r1]\nrole_arn = " + adminRole + "\nsource_profile = {p}\n[profile {p}-r2]\nrole_arn = " + readOnlyRole + "\nsource_profile = {p}-r1\n", items: me,
			wantOut: []string{"{p}-r2: its source_profile {p}-r1 assumes a role itself"}, wantCfg: []string{"[profile {p}-r2]\nrole_arn = " + readOnlyRole + "\nsource_profile = {p}-r1\n"}},
		{name: "uppercase keys", config: "[profile {p}]\nMFA_SERIAL = arn:aws:iam::123456789012:mfa/dev\n[profile {p}-r]\nRole_Arn = " + adminRole + "\nSource_Profile = {p}\n", items: me,
			notCfg: []string{"Role_Arn", "Source_Profile"}},
		{name: "colon delimiter", config: keyProfile + "[profile {p}-r]\nrole_arn: " + adminRole + "\nsource_profile: {p}\n", items: me, notCfg: []string{"role_arn:"}, wantCfg: []string{"mfacred_role_arn = " + adminRole}},
		{name: "no newline at the end", config: strings.TrimSuffix(keyProfile, "\n"), items: me, wantCfg: []string{"mfa/dev\n" + cp + "{p}\n"}},
		{name: "no config at all", items: me, keys: []string{"{p}"}, check: func(t *testing.T, vw *vaultWorld, p string, r result) {
			t.Helper()
			if _, err := os.Stat(vw.configPath()); err == nil && vw.config() != "" {
				t.Errorf("a config was written: %q", vw.config())
			}
		}},
	})
	t.Logf("%d config cases", n)
}

// sdkServes checks that the AWS CLI, through what import wrote, calls STS as profile name.
func sdkServes(name string) func(t *testing.T, vw *vaultWorld, p string, r result) {
	return func(t *testing.T, vw *vaultWorld, p string, r result) {
		t.Helper()
		name := strings.ReplaceAll(name, "{p}", p)
		_ = os.Remove("/tmp/hostile-import-ran")
		got := vw.run(nil, []string{"MFACRED_TEST_SEED=" + vw.seed}, "/usr/bin/aws", "configure", "get", "credential_process", "--profile", name)
		line := strings.TrimSpace(got.stdout)
		if line == "" {
			t.Fatalf("no credential_process for %q:\n%s", name, vw.config())
		}
		words, err := shellSplit(line)
		if err != nil || len(words) != 4 || words[3] != name {
			t.Errorf("credential_process %q does not name profile %q as one word (%v)", line, name, words)
		}
		if _, err := os.Stat("/tmp/hostile-import-ran"); err == nil {
			t.Errorf("a profile name ran as a command")
		}
	}
}

// shellSplit splits a line as sh does, through sh itself.
func shellSplit(line string) ([]string, error) {
	out, err := exec.Command("sh", "-c", `for w in `+line+`; do printf '%s\0' "$w"; done`).Output()
	if err != nil {
		return nil, err
	}
	return strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00"), nil
}

// credential_process lines that run aws-vault, in the spellings users write, and lines that
// do not: each aws-vault line becomes `mfacred process --profile NAME` for its profile; one that
// import cannot read is refused in one line; another program's line is left and said.
func TestHostileImportProcessLines(t *testing.T) {
	t.Parallel()
	vw := hostileVault(t)
	me := map[string]string{"{p}": ""}
	cp := "credential_process = " + binary + " process --profile "
	rewritten := func(line, target string) hrow {
		return hrow{name: line, config: keyProfile + "[profile {p}-tool]\ncredential_process = " + line + "\n", items: me,
			wantCfg: []string{"[profile {p}-tool]\n" + cp + target + "\n"}, notCfg: []string{"aws-vault"}}
	}
	refused := func(line string) hrow {
		return hrow{name: line, config: keyProfile + "[profile {p}-tool]\ncredential_process = " + line + "\n", items: me,
			wantErr: []string{"profile {p}-tool"}}
	}
	var rows []hrow
	for _, line := range []string{
		"aws-vault export --format=json {p}",
		"aws-vault export --format json {p}",
		"aws-vault export --no-session --format=json {p}",
		"aws-vault export -n --format=json {p}",
		"aws-vault exec {p} --json",
		"aws-vault exec --json {p}",
		"aws-vault exec -j {p}",
		"aws-vault exec --no-session {p} --json",
		"/usr/local/bin/aws-vault export --format=json {p}",
		`"/opt/my tools/aws-vault" export --format=json {p}`,
		`'/opt/my tools/aws-vault' export --format=json {p}`,
		"aws-vault.exe export --format=json {p}",
		"AWS-VAULT export --format=json {p}",
		"aws-vault --backend=file export --format=json {p}",
		"aws-vault --backend file export --format=json {p}",
		"aws-vault --debug export --format=json {p}",
		"aws-vault export -d 1h --format=json {p}",
		"aws-vault export --duration=1h --format=json {p}",
		"aws-vault export --duration 1h --format=json {p}",
		"aws-vault export --region eu-west-1 --format=json {p}",
		"aws-vault export --mfa-token 123456 --format=json {p}",
		"aws-vault --prompt terminal export --format=json {p}",
		"aws-vault --prompt=ykman export --format=json {p}",
		"aws-vault --file-dir /x export --format=json {p}",
		"aws-vault export --format=json '{p}'",
		"aws-vault export --format=json \"{p}\"",
	} {
		rows = append(rows, rewritten(line, "{p}"))
	}
	rows = append(rows,
		hrow{name: "a role's profile", config: keyProfile + "[profile {p}-prod]\nrole_arn = " + adminRole + "\nsource_profile = {p}\n[profile {p}-tool]\ncredential_process = aws-vault export --format=json {p}-prod\n", items: me,
			wantCfg: []string{"[profile {p}-tool]\n" + cp + "{p}-prod\n", "[profile {p}-prod]\n" + cp + "{p}-prod\n"}},
		refused("aws-vault export --format=json"),
		refused("aws-vault login {p}"),
		hrow{name: "a missing profile", config: keyProfile + "[profile {p}-tool]\ncredential_process = aws-vault export --format=json {p}-missing\n", items: me, wantErr: []string{"profile {p}-missing is in neither"}},
		refused("aws-vault exec -- {p}"),
		hrow{name: "unbalanced quote", config: keyProfile + "[profile {p}-tool]\ncredential_process = aws-vault export --format=json \"{p}\n", items: me, wantOut: []string{"{p}-tool: its credential_process cannot be read, left as it is"}},
		hrow{name: "another program, no keys", config: keyProfile + "[profile {p}-tool]\ncredential_process = /usr/bin/other-tool --profile {p}\n", items: me,
			wantCfg: []string{"[profile {p}-tool]\ncredential_process = /usr/bin/other-tool --profile {p}\n"}, wantOut: []string{"{p}-tool: its credential_process runs /usr/bin/other-tool"}},
		hrow{name: "another program, keys imported", config: "[profile {p}]\nmfa_serial = arn:aws:iam::123456789012:mfa/dev\ncredential_process = /usr/bin/other-tool\n", items: me,
			wantCfg: []string{"credential_process = /usr/bin/other-tool\n"}, wantOut: []string{"{p}: its credential_process runs /usr/bin/other-tool, left as it is"}, keys: []string{"{p}"}},
		hrow{name: "a wrapper around aws-vault", config: keyProfile + "[profile {p}-tool]\ncredential_process = env AWS_VAULT_BACKEND=file aws-vault export --format=json {p}\n", items: me,
			wantOut: []string{"{p}-tool: its credential_process runs env"}},
		hrow{name: "sh -c aws-vault", config: keyProfile + "[profile {p}-tool]\ncredential_process = sh -c \"aws-vault export --format=json {p}\"\n", items: me,
			wantOut: []string{"{p}-tool: its credential_process runs sh"}},
		hrow{name: "a program named like aws-vault", config: keyProfile + "[profile {p}-tool]\ncredential_process = aws-vault-helper export --format=json {p}\n", items: me,
			wantCfg: []string{"credential_process = aws-vault-helper export"}},
		hrow{name: "mfacred from elsewhere", config: keyProfile + "[profile {p}-tool]\ncredential_process = /opt/mfacred/mfacred process --profile {p}\n", items: me,
			wantCfg: []string{"credential_process = /opt/mfacred/mfacred process --profile {p}\n"}},
	)
	t.Logf("%d credential_process cases", runRows(t, vw, rows))
}

// aws-vault items of every odd shape: a damaged or foreign one refuses the import in one
// line; session and token items are never taken; an item of no profile is stored as add would.
func TestHostileImportItems(t *testing.T) {
	t.Parallel()
	vw := hostileVault(t)
	key := func(id, secret, token string) string {
		return fmt.Sprintf(`{"AccessKeyID":%q,"SecretAccessKey":%q,"SessionToken":%q}`, id, secret, token)
	}
	good := "wJalrXUtnFEMI/K7MDENG/bPxRfiCYnotused0001"
	var rows []hrow
	for _, bad := range []struct{ name, data, says string }{
		{"empty", " ", "damaged"},
		{"not json", "AKIAEXAMPLE0000000001:secret", "damaged"},
		{"truncated", `{"AccessKeyID":"AKIA`, "damaged"},
		{"number", `{"AccessKeyID":5}`, "damaged"},
		{"array", `[]`, "damaged"},
		{"null", `null`, "not of the form AKIA"},
		{"empty object", `{}`, "not of the form AKIA"},
		{"empty secret", key("AKIAEXAMPLE0000000001", "", ""), "too short"},
		{"lower-case key id", key("akiaexample0000000001", good, ""), "not of the form AKIA"},
		{"key id with a newline", key("AKIAEXAMPLE0000000001\n", good, ""), "not of the form AKIA"},
		{"key id with an escape", `{"AccessKeyID":"AKIA\u001b[31mEXAMPLE01","SecretAccessKey":"` + good + `"}`, "not of the form AKIA"},
		{"session keys", key("ASIAEXAMPLE0000000001", good, "FQoGZXIvYXdzEHostileToken0001"), "temporary access key"},
		{"session token only", key("AKIAEXAMPLE0000000001", good, "FQoGZXIvYXdzEHostileToken0002"), "temporary access key"},
		{"ASIA without token", key("ASIAEXAMPLE0000000001", good, ""), "temporary access key"},
	} {
		rows = append(rows, hrow{name: bad.name, config: keyProfile, items: map[string]string{"{p}": bad.data},
			wantErr: []string{"{p}", bad.says}, notOut: []string{good}})
	}
	rows = append(rows,
		hrow{name: "extra fields", config: keyProfile, items: map[string]string{"{p}": `{"AccessKeyID":"` + vw.user.AccessKeyID + `","SecretAccessKey":"` + vw.user.SecretAccessKey + `","Source":"x","CanExpire":true,"Expires":"2020-01-01T00:00:00Z","Extra":{"a":[1,2]}}`},
			keys: []string{"{p}"}},
		hrow{name: "huge item", config: keyProfile, items: map[string]string{"{p}": `{"AccessKeyID":"` + vw.user.AccessKeyID + `","SecretAccessKey":"` + vw.user.SecretAccessKey + `","Source":"` + strings.Repeat("x", 1<<20) + `"}`},
			keys: []string{"{p}"}},
		hrow{name: "item of no profile", config: keyProfile, items: map[string]string{"{p}": "", "{p}-elsewhere": ""}, keys: []string{"{p}", "{p}-elsewhere"},
			wantOut: []string{"{p}-elsewhere: access key"}},
		hrow{name: "profile with no item", config: keyProfile + "[profile {p}-b]\nmfa_serial = arn:aws:iam::123456789012:mfa/dev\n", items: map[string]string{"{p}": ""},
			keys: []string{"{p}"}, noKeys: []string{"{p}-b"}, wantCfg: []string{"[profile {p}-b]\nmfa_serial = arn:aws:iam::123456789012:mfa/dev\n"}},
		hrow{name: "only session items", config: keyProfile, items: map[string]string{
			"sts.GetSessionToken,{p},,1700000000": key("ASIAEXAMPLE0000000001", good, "tok"), "oidc:https://x.awsapps.com/start": `{"AccessToken":"x"}`,
			"session:{p}:arn:1700000000": key("ASIAEXAMPLE0000000002", good, "tok"), "{p} session (1700000000)": key("ASIAEXAMPLE0000000003", good, "tok"),
			"sts.AssumeRole,d29yaw,YXJu,1700000000": key("ASIAEXAMPLE0000000004", good, "tok")},
			wantErr: []string{"holds no keys"}},
		hrow{name: "session items beside keys", config: keyProfile, items: map[string]string{"{p}": "",
			"sts.GetSessionToken,{p},,1700000000": key("ASIAEXAMPLE0000000001", good, "tok"), "sts.GetSessionToken,{p},arn:aws:iam::1:mfa/x,1700000000": key("ASIAEXAMPLE0000000005", good, "tok")},
			keys: []string{"{p}"}, notOut: []string{"ASIAEXAMPLE"}},
		hrow{name: "a name with a comma", config: "[profile {p},x]\nmfa_serial = arn:aws:iam::123456789012:mfa/dev\n", items: map[string]string{"{p},x": ""}, keys: []string{"{p},x"}},
		hrow{name: "a name like profile NAME", config: "[profile profile {p}]\nmfa_serial = arn:aws:iam::123456789012:mfa/dev\n", items: map[string]string{"profile {p}": ""}, keys: []string{"profile {p}"}},
		hrow{name: "a name with a slash", config: "[profile {p}/x]\nmfa_serial = arn:aws:iam::123456789012:mfa/dev\n", items: map[string]string{"{p}/x": ""}, keys: []string{"{p}/x"}},
		hrow{name: "wrong keys, verified", config: keyProfile, items: map[string]string{"{p}": key("AKIAEXAMPLE0000099999", good, "")}, wantErr: []string{"{p}"}},
		hrow{name: "wrong keys, --no-verify", config: keyProfile, items: map[string]string{"{p}": key("AKIAEXAMPLE0000099999", good, "")}, args: []string{"--no-verify"},
			wantOut: []string{"(unchecked)"}},
		hrow{name: "STS unreachable", config: keyProfile, items: map[string]string{"{p}": ""}, env: []string{"AWS_ENDPOINT_URL_STS=http://127.0.0.1:9"}, wantErr: []string{"{p}"}},
		hrow{name: "same keys held", config: keyProfile, items: map[string]string{"{p}": ""}, prepare: func(t *testing.T, vw *vaultWorld, p string) {
			r := vw.run(nil, []string{"AWS_ACCESS_KEY_ID=" + vw.user.AccessKeyID, "AWS_SECRET_ACCESS_KEY=" + vw.user.SecretAccessKey}, binary, "add", p, "--env", "--no-verify")
			if r.err != nil {
				t.Fatal(r.stderr)
			}
		}, wantOut: []string{"held by mfacred already"}, keys: []string{"{p}"}},
	)
	t.Logf("%d item cases", runRows(t, vw, rows))
}

// At a terminal: every answer but y/yes declines; Ctrl-D, Ctrl-C and SIGTERM at the prompt end
// it with nothing changed; a config changed by another program (the AWS CLI) while the
// person reads the plan is not overwritten with a plan made from the old one.
func TestHostileImportTerminal(t *testing.T) {
	t.Parallel()
	vw := hostileVault(t)
	p := vw.profile
	cfg := vw.userConfig()
	env := append(append([]string{"AWS_VAULT_BACKEND=file"}, vw.world.env...), vw.env...)
	for i, tc := range []struct {
		name   string
		answer func(tm *tmuxSession)
		want   string
	}{
		{"maybe", func(tm *tmuxSession) { tm.typeLine("maybe") }, "import declined: nothing was changed"},
		{"enter", func(tm *tmuxSession) { tm.typeLine("") }, "import declined: nothing was changed"},
		{"yess", func(tm *tmuxSession) { tm.typeLine("yess") }, "import declined: nothing was changed"},
		{"ctrl-d", func(tm *tmuxSession) { _ = exec.Command("tmux", "-L", tm.socket, "send-keys", "C-d").Run() }, "EXIT=1"},
		{"sigint", func(tm *tmuxSession) {
			_ = exec.Command("sh", "-c", `kill -INT $(cat "$0")`, filepath.Join(vw.dir, "import.pid")).Run()
		}, "EXIT=130"},
		{"sigterm", func(tm *tmuxSession) {
			_ = exec.Command("sh", "-c", `kill -TERM $(cat "$0")`, filepath.Join(vw.dir, "import.pid")).Run()
		}, "EXIT=143"},
		{"config changed meanwhile", func(tm *tmuxSession) {
			cfg += "\n[profile " + p + "-new]\nregion = eu-west-1\n" // as `aws configure set` adds it
			if err := os.WriteFile(vw.configPath(), []byte(cfg), 0o600); err != nil {
				t.Fatal(err)
			}
			tm.typeLine("y")
		}, "changed since"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := os.WriteFile(vw.configPath(), []byte(cfg), 0o600); err != nil {
				t.Fatal(err)
			}
			tm := tmuxRun(t, filepath.Join(vw.dir, fmt.Sprintf("himport%d.sh", i)), env, "",
				"sh -c 'echo $$ > "+filepath.Join(vw.dir, "import.pid")+"; exec "+binary+" import aws-vault'\necho EXIT=$?")
			tm.waitFor("Make these changes? [y/N]", 20*time.Second)
			tc.answer(tm)
			screen := tm.waitFor("EXIT=", 20*time.Second)
			if !strings.Contains(screen, tc.want) {
				t.Errorf("the screen does not say %q:\n%s", tc.want, screen)
			}
			if vw.config() != cfg {
				t.Errorf("the config changed:\n%s", vw.config())
			}
			if backups, _ := filepath.Glob(vw.configPath() + ".before-import-*"); len(backups) != 0 {
				t.Errorf("a backup was made: %v", backups)
			}
			for _, name := range []string{p, p + "-b", p + "-ci"} {
				if _, err := vw.store().Keys(t.Context(), name); !errors.Is(err, cache.ErrNotFound) {
					t.Errorf("mfacred holds keys of %s (%v)", name, err)
				}
			}
		})
	}
}

// A config of thousands of profiles: one key profile and 2,000 roles on it, 2,000 profiles
// aws-vault does not serve; the import plans, writes and re-runs (nothing to do) in bounded
// time, and --remove then removes aws-vault's item.
func TestHostileImportLarge(t *testing.T) {
	t.Parallel()
	vw := hostileVault(t)
	p := vw.profile
	var b strings.Builder
	fmt.Fprintf(&b, "[profile %s]\nmfa_serial = arn:aws:iam::123456789012:mfa/dev\n", p)
	for i := range 2000 {
		fmt.Fprintf(&b, "\n[profile %s-role%04d]\nrole_arn = %s\nsource_profile = %s\n\n[profile other%04d]\nregion = us-east-1\n", p, i, adminRole, p, i)
	}
	if err := os.WriteFile(vw.configPath(), []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	r := vw.importer(nil, "--yes")
	if r.err != nil || r.took > 30*time.Second {
		t.Fatalf("import of a large config: %v in %s\n%s", r.err, r.took, r.stderr)
	}
	t.Logf("import of %d profiles: %s", 4001, r.took)
	after := vw.config()
	if n := strings.Count(after, "mfacred_role_arn = "+adminRole); n != 2000 {
		t.Fatalf("%d roles moved, want 2000", n)
	}
	r = vw.importer(nil, "--yes")
	if r.err != nil || !strings.Contains(r.stdout, "nothing to do") || vw.config() != after || r.took > 30*time.Second {
		t.Fatalf("again: %v in %s\n%s", r.err, r.took, r.stderr)
	}
	r = vw.importer(nil, "--yes", "--remove")
	if r.err != nil || !strings.Contains(r.stderr, "removed aws-vault's item of profile "+p+" from backend file") || vw.config() != after {
		t.Fatalf("--remove: %v\n%s", r.err, r.stderr)
	}
	backups, _ := filepath.Glob(vw.configPath() + ".before-import-*")
	if len(backups) != 1 || vw.readFile(backups[0]) != b.String() {
		t.Fatalf("backups %v", backups)
	}
}
