//go:build linux

package e2e

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/localsts"
)

// vaultWriter is internal/vaultwriter built once: aws-vault's own keyring library,
// configured as aws-vault 7.2 configures it, writing and listing aws-vault's items.
var vaultWriter = sync.OnceValues(func() (string, error) {
	bin := filepath.Join(root, "vaultwriter", "vaultwriter")
	if out, err := exec.Command("go", "build", "-o", bin, "../internal/vaultwriter").CombinedOutput(); err != nil {
		return "", fmt.Errorf("build internal/vaultwriter: %v\n%s", err, out)
	}
	return bin, nil
})

// vaultWorld is a world whose user keeps keys in aws-vault's backend (secret-service, file or
// pass), set up as such a user has it, with the config of an aws-vault user.
type vaultWorld struct {
	*world
	backend string
	env     []string // aws-vault's variables for the backend
	writer  string
	bus     string // the Secret Service of its own (secret-service)
}

// newVaultWorld makes the world and the backend: the Secret Service one of its own (the login
// collection, since creating aws-vault's own collection asks a desktop prompter), a file
// directory with a passphrase, or a pass store with a throwaway GPG key.
func newVaultWorld(t *testing.T, backend string) *vaultWorld {
	t.Helper()
	w := newWorld(t)
	writer, err := vaultWriter()
	if err != nil {
		t.Fatal(err)
	}
	vw := &vaultWorld{world: w, backend: backend, writer: writer}
	dir := t.TempDir() // aws-vault's stores hold keys: outside root, which the secret scan reads
	switch backend {
	case "secret-service":
		vw.bus, _ = w.ownKeyring(t)
		vw.env = []string{"AWS_VAULT_SECRET_SERVICE_COLLECTION_NAME=login"}
	case "file":
		vw.env = []string{"AWS_VAULT_FILE_DIR=" + filepath.Join(dir, "keys"), "AWS_VAULT_FILE_PASSPHRASE=correct horse"}
	case "pass":
		for _, tool := range []string{"pass", "gpg", "gpgconf"} {
			if _, err := exec.LookPath(tool); err != nil {
				need(t, "pass and gpg (Debian packages pass, gnupg)", err)
			}
		}
		gnupg := filepath.Join(dir, "g")
		if err := os.Mkdir(gnupg, 0o700); err != nil {
			t.Fatal(err)
		}
		vw.env = []string{"GNUPGHOME=" + gnupg, "AWS_VAULT_PASS_PASSWORD_STORE_DIR=" + filepath.Join(dir, "store"), "AWS_VAULT_PASS_PREFIX=aws-vault"}
		t.Cleanup(func() { vw.run(nil, vw.env, "gpgconf", "--kill", "gpg-agent") })
		if r := vw.run(nil, vw.env, "gpg", "--batch", "--passphrase", "", "--quick-gen-key", "import test <import@example.com>", "default", "default", "never"); r.err != nil {
			t.Fatalf("gpg: %v %s", r.err, r.stderr)
		}
		if r := vw.run(nil, append([]string{"PASSWORD_STORE_DIR=" + filepath.Join(dir, "store")}, vw.env...), "pass", "init", "import@example.com"); r.err != nil {
			t.Fatalf("pass init: %v %s", r.err, r.stderr)
		}
	}
	w.sts.AddRole(localsts.Role{ARN: adminRole, RequireMFA: true})
	w.sts.AddRole(localsts.Role{ARN: readOnlyRole, RequireMFA: true, TagSession: true, SetSourceIdentity: true})
	// Three profiles' keys, as `aws-vault add` stores them, and a session item of aws-vault's own.
	keys := ""
	for _, p := range []string{w.profile, w.profile + "-b", w.profile + "-ci"} {
		keys += p + " " + w.user.AccessKeyID + " " + w.user.SecretAccessKey + "\n"
	}
	vw.vault("set", keys)
	vw.vault("raw", `{"AccessKeyID":"ASIAEXAMPLESESSION1","SecretAccessKey":"x"}`, "sts.GetSessionToken,"+w.profile+",,1700000000")
	return vw
}

// vault runs vaultwriter (as aws-vault) on the world's backend.
func (vw *vaultWorld) vault(action, stdin string, args ...string) string {
	vw.t.Helper()
	return vw.vaultWith(nil, action, stdin, args...)
}

// vaultWith is vault with more variables (another file directory).
func (vw *vaultWorld) vaultWith(extraEnv []string, action, stdin string, args ...string) string {
	vw.t.Helper()
	r := vw.run(&stdin, append(append([]string{}, vw.env...), extraEnv...), vw.writer, append([]string{vw.backend, action}, args...)...)
	if r.err != nil {
		vw.t.Fatalf("vaultwriter %s %s: %v\n%s", vw.backend, action, r.err, r.stderr)
	}
	return r.stdout
}

// items are aws-vault's items in the backend (not the other items of a Secret Service
// collection, mfacred's among them).
func (vw *vaultWorld) items() string {
	vw.t.Helper()
	var mine []string
	for _, l := range strings.SplitAfter(vw.vault("list", ""), "\n") {
		if !strings.HasSuffix(l, " -\n") {
			mine = append(mine, l)
		}
	}
	return strings.Join(mine, "")
}

// importer runs `mfacred import aws-vault` with aws-vault's variables and more.
func (vw *vaultWorld) importer(extraEnv []string, args ...string) result {
	vw.t.Helper()
	return vw.run(nil, append(append([]string{"AWS_VAULT_BACKEND=" + vw.backend}, vw.env...), extraEnv...), binary, append([]string{"import", "aws-vault"}, args...)...)
}

// userConfig is an aws-vault user's config: the user's profile with its device (and
// mfa_process), a second key profile on the same device, one with no device, two roles on
// it (one through include_profile, one with session tags), an aws-vault credential_process
// line, and an SSO profile.
func (vw *vaultWorld) userConfig() string {
	p := vw.profile
	return fmt.Sprintf(`# written for aws-vault
[default]
region = us-east-1

[profile %[1]s]
mfa_serial = %[2]s
%[3]s
region = us-east-1

[profile %[1]s-b]
mfa_serial = %[2]s

[profile %[1]s-ci]
region = us-east-1

[profile %[1]s-common]
role_session_name = alice-import
duration_seconds = 1800

[profile %[1]s-prod]
include_profile = %[1]s-common
source_profile = %[1]s
role_arn = %[4]s

[profile %[1]s-tagged]
source_profile = %[1]s
role_arn = %[5]s
session_tags = team=platform, cost center = 42
transitive_session_tags = team
source_identity = alice

[profile %[1]s-tool]
credential_process = aws-vault export --format=json %[1]s-prod

%[6]s
`, p, vw.serial, vw.mfaProcess(), adminRole, readOnlyRole, vw.ssoSection())
}

func (vw *vaultWorld) ssoSection() string {
	return fmt.Sprintf("[profile %s-sso]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\nsso_account_id = 111111111111\nsso_role_name = Dev\n", vw.profile)
}

func (vw *vaultWorld) config() string { return vw.readFile(vw.configPath()) }

// The switch from aws-vault in one command, from each backend aws-vault uses on Linux: the keys
// of three profiles are imported, the roles become mfacred's, and the AWS CLI, boto3 and the
// Go SDK call STS as each role with one MFA code in all; aws-vault's items stay; the SSO
// profile is as it was, byte for byte; a second import changes nothing.
func TestImportFromAwsVault(t *testing.T) {
	t.Parallel()
	aws := awsCLIv2(t)
	needPython(t)
	goBin := goClient(t)
	for _, backend := range []string{"secret-service", "file", "pass"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			vw := newVaultWorld(t, backend)
			cfg := vw.userConfig()
			if err := os.WriteFile(vw.configPath(), []byte(cfg), 0o600); err != nil {
				t.Fatal(err)
			}
			items := vw.items()
			p := vw.profile

			r := vw.importer(nil, "--yes")
			if r.err != nil {
				t.Fatalf("import: %v\n%s\n%s", r.err, r.stdout, r.stderr)
			}
			for _, want := range []string{
				p + ": access key " + vw.user.AccessKeyID + ", to store in mfacred's keyring (" + vw.user.ARN() + ")",
				p + "-sso: an SSO profile (sso_start_url), left as it is",
				p + "-ci: no mfa_serial for profile " + p + "-ci",
				"+ mfacred_role_arn = " + adminRole,
				"- role_arn = " + adminRole,
				"+ credential_process = " + binary + " process --profile " + p + "-prod",
			} {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("the plan does not say %q:\n%s", want, r.stdout)
				}
			}
			vw.noSecret(r.stdout, r.stderr)
			if got := vw.items(); got != items {
				t.Fatalf("aws-vault's items changed:\n%s\nwas\n%s", got, items)
			}
			after := vw.config()
			if !strings.Contains(after, vw.ssoSection()) || !strings.HasPrefix(after, "# written for aws-vault\n[default]\nregion = us-east-1\n") {
				t.Fatalf("the SSO profile or the bytes around the profiles changed:\n%s", after)
			}
			backups, _ := filepath.Glob(vw.configPath() + ".before-import-*")
			if len(backups) != 1 || vw.readFile(backups[0]) != cfg {
				t.Fatalf("backups %v do not hold the config as it was", backups)
			}
			// the AWS CLI reads what import wrote as mfacred's keys, and no role_arn
			keys := []string{"mfacred_role_arn", "mfacred_source_profile", "mfacred_role_session_name",
				"mfacred_role_duration_seconds", "role_arn", "credential_process"}
			wants := []string{adminRole, p, "alice-import", "1800", "", binary + " process --profile " + p + "-prod"}
			for i, got := range awsConfigGet(t, vw.world.env, p+"-prod", keys...) {
				if strings.TrimSpace(got) != wants[i] {
					t.Errorf("aws configure get %s --profile %s-prod: %q, want %q", keys[i], p, got, wants[i])
				}
			}

			adminARN := "arn:aws:sts::222222222222:assumed-role/Admin/alice-import"
			if got := strings.TrimSpace(vw.mustRun(aws, "sts", "get-caller-identity", "--profile", p+"-prod", "--endpoint-url", vw.sts.URL, "--query", "Arn", "--output", "text")); got != adminARN {
				t.Fatalf("the AWS CLI as %s-prod is %s, want %s", p, got, adminARN)
			}
			vw.mustRun(python, "-c", fmt.Sprintf(`
import boto3
boto3.Session(profile_name=%q, region_name="us-east-1").client("sts", endpoint_url=%q).get_caller_identity()`, p+"-tagged", vw.sts.URL))
			vw.wantSeen("boto3", tagging("platform", "alice"))
			if r := vw.run(nil, []string{"AWS_PROFILE=" + p + "-tool"}, goBin, "-for", "1ms", "-every", "1ms"); r.err != nil || !strings.Contains(r.stdout, `"ok":1`) {
				t.Fatalf("the Go SDK through the rewritten credential_process: %v\n%s\n%s", r.err, r.stdout, r.stderr)
			}
			vw.wantCalls("every role", "GetSessionToken=1 AssumeRole=2")

			r = vw.importer(nil, "--yes")
			if r.err != nil || !strings.Contains(r.stdout, "nothing to do") || vw.config() != after {
				t.Fatalf("a second import: %v\n%s\n%s", r.err, r.stdout, r.stderr)
			}
			if got := vw.items(); got != items {
				t.Fatalf("aws-vault's items changed on the second import")
			}
			// --remove: aws-vault's items of the imported keys go, its session item stays.
			r = vw.importer(nil, "--yes", "--remove")
			if got := vw.items(); r.err != nil || !strings.Contains(r.stderr, "removed aws-vault's item of profile "+p+"-ci") || !strings.HasPrefix(got, `"sts.GetSessionToken,`) || strings.Count(got, "\n") != 1 {
				t.Fatalf("import --remove: %v\n%s\nleft: %s", r.err, r.stderr, got)
			}
		})
	}
}

// Each bad input is one line that names the profile, backend or file, and changes nothing:
// the config, aws-vault's items and mfacred's keyring are as they were, and no backup is made.
func TestImportBadInput(t *testing.T) {
	t.Parallel()
	vw := newVaultWorld(t, "file")
	cfg := vw.userConfig()
	if err := os.WriteFile(vw.configPath(), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	items := vw.items()
	p := vw.profile
	unchanged := func(t *testing.T) {
		t.Helper()
		if vw.config() != cfg {
			t.Fatalf("the config changed:\n%s", vw.config())
		}
		if got := vw.items(); got != items {
			t.Fatalf("aws-vault's items changed:\n%s", got)
		}
		for _, name := range []string{p, p + "-b", p + "-ci"} {
			if _, err := vw.store().Keys(t.Context(), name); !errors.Is(err, cache.ErrNotFound) {
				t.Fatalf("mfacred holds keys of %s (%v)", name, err)
			}
		}
		if backups, _ := filepath.Glob(vw.configPath() + ".before-import-*"); len(backups) != 0 {
			t.Fatalf("a backup was made: %v", backups)
		}
	}
	other := filepath.Join(t.TempDir(), "other")
	for _, tc := range []struct {
		name    string
		env     []string
		args    []string
		prepare func()
		want    []string
	}{
		{name: "unknown argument", args: []string{"--backend", "file", "extra"}, want: []string{"unexpected argument \"extra\""}},
		{name: "missing backend", args: []string{"--backend", "keychain"}, want: []string{`aws-vault backend "keychain" is not available here`, "file", "pass"}},
		{name: "empty backend", env: []string{"AWS_VAULT_FILE_DIR=" + other}, want: []string{"aws-vault backend file (" + other + ") holds no keys"}},
		{name: "wrong passphrase", env: []string{"AWS_VAULT_FILE_PASSPHRASE=wrong"}, want: []string{"aws-vault backend file", "decrypt the item of profile " + p, "wrong passphrase"}},
		{name: "no passphrase, no terminal", prepare: func() {
			vw.env = slices.DeleteFunc(vw.env, func(kv string) bool { return strings.HasPrefix(kv, "AWS_VAULT_FILE_PASSPHRASE=") })
		}, want: []string{"no terminal to ask for its passphrase: set AWS_VAULT_FILE_PASSPHRASE"}},
		{name: "damaged item", env: []string{"AWS_VAULT_FILE_DIR=" + other}, prepare: func() {
			vw.vaultWith([]string{"AWS_VAULT_FILE_DIR=" + other}, "raw", "not json", p)
		}, want: []string{"aws-vault backend file (" + other + "): the item of profile " + p + " is damaged"}},
		{name: "name mfacred refuses", env: []string{"AWS_VAULT_FILE_DIR=" + other + "2"}, prepare: func() {
			vw.vaultWith([]string{"AWS_VAULT_FILE_DIR=" + other + "2"}, "set", "bad\x7fname "+vw.user.AccessKeyID+" "+vw.user.SecretAccessKey+"\n")
		}, want: []string{`profile "bad\x7fname": a profile name cannot hold a control character`}},
		{name: "profile cycle", prepare: func() {
			bad := cfg + fmt.Sprintf("\n[profile %[1]s-x]\nsource_profile = %[1]s-y\nrole_arn = %[2]s\n[profile %[1]s-y]\nsource_profile = %[1]s-x\nrole_arn = %[2]s\n", p, adminRole)
			if err := os.WriteFile(vw.configPath(), []byte(bad), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg = bad
		}, want: []string{fmt.Sprintf("profile %[1]s-x: source_profile cycle: %[1]s-x -> %[1]s-y -> %[1]s-x", p)}},
		{name: "other keys held", prepare: func() {
			cfg = vw.userConfig() // as it was before the cycle
			if err := os.WriteFile(vw.configPath(), []byte(cfg), 0o600); err != nil {
				t.Fatal(err)
			}
			r := vw.run(nil, []string{"AWS_ACCESS_KEY_ID=AKIAOTHEREXAMPLE0001", "AWS_SECRET_ACCESS_KEY=otherSecretAccessKeyOfAnotherUser0"}, binary, "add", p+"-b", "--env", "--no-verify")
			if r.err != nil {
				t.Fatalf("mfacred add: %v %s", r.err, r.stderr)
			}
		}, want: []string{"profile " + p + "-b: mfacred holds other keys for it (access key AKIAOTHEREXAMPLE0001, aws-vault's is " + vw.user.AccessKeyID + ")", "mfacred remove " + p + "-b"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.prepare != nil {
				items = vw.items()
				tc.prepare()
			}
			r := vw.importer(tc.env, append([]string{"--yes"}, tc.args...)...)
			if tc.name == "no passphrase, no terminal" {
				vw.env = append(vw.env, "AWS_VAULT_FILE_PASSPHRASE=correct horse")
			}
			oneLineErr(t, r, tc.want...)
			vw.noSecret(r.stderr)
			if tc.name != "other keys held" {
				unchanged(t)
			}
		})
	}
	// No terminal to agree on and no --yes: the plan, then one line, and nothing changed.
	vw.run(nil, nil, binary, "remove", p+"-b")
	r := vw.importer(nil)
	if r.err == nil || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "no terminal to agree to the change: run again with --yes") || !strings.Contains(r.stdout, "Changes to "+vw.configPath()) {
		t.Fatalf("import with no terminal: %v\n%s\n%s", r.err, r.stdout, r.stderr)
	}
	unchanged(t)
}

// A locked Secret Service collection: one line within the bound of one keyring call, nothing
// changed.
func TestImportLockedBackend(t *testing.T) {
	t.Parallel()
	vw := newVaultWorld(t, "secret-service")
	cfg := vw.userConfig()
	if err := os.WriteFile(vw.configPath(), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := lockKeyring(vw.bus); err != nil {
		t.Fatal(err)
	}
	r := vw.importer(nil, "--yes")
	oneLineErr(t, r, "aws-vault backend secret-service (collection login)")
	if r.took > 15*time.Second {
		t.Fatalf("import took %s", r.took)
	}
	if vw.config() != cfg {
		t.Fatal("the config changed")
	}
	t.Logf("%s (%s)", strings.TrimSpace(r.stderr), r.took)
}

// At a terminal: the file backend's passphrase is asked (not echoed) when no variable gives it,
// and the change is made only once the person agrees; "n" changes nothing.
func TestImportAtATerminal(t *testing.T) {
	t.Parallel()
	vw := newVaultWorld(t, "file")
	cfg := vw.userConfig()
	if err := os.WriteFile(vw.configPath(), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	env := slices.DeleteFunc(append([]string{"AWS_VAULT_BACKEND=file"}, vw.env...), func(kv string) bool { return strings.HasPrefix(kv, "AWS_VAULT_FILE_PASSPHRASE=") })
	for i, answer := range []string{"n", "y"} {
		tm := tmuxRun(t, filepath.Join(vw.dir, fmt.Sprintf("import%d.sh", i)), append(append([]string{}, vw.world.env...), env...), "", binary+" import aws-vault\necho EXIT=$?")
		tm.waitFor("Passphrase of aws-vault's file backend", 20*time.Second)
		tm.typeLine("correct horse")
		screen := tm.waitFor("Make these changes? [y/N]", 20*time.Second)
		if strings.Contains(screen, "correct horse") || !strings.Contains(screen, "+ mfacred_role_arn = "+adminRole) {
			t.Fatalf("the passphrase was echoed, or the plan not shown:\n%s", screen)
		}
		tm.typeLine(answer)
		screen = tm.waitFor("EXIT=", 20*time.Second)
		switch answer {
		case "n":
			if !strings.Contains(screen, "import declined: nothing was changed") || !strings.Contains(screen, "EXIT=1") || vw.config() != cfg {
				t.Fatalf("declined, but:\n%s\n%s", screen, vw.config())
			}
		case "y":
			if !strings.Contains(screen, "EXIT=0") || vw.config() == cfg || !strings.Contains(vw.config(), "mfacred_role_arn = "+adminRole) {
				t.Fatalf("agreed, but:\n%s\n%s", screen, vw.config())
			}
		}
	}
}
