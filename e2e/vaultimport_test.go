//go:build unix

package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

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
		w.ownKeyring(t)
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
	r := vw.run(&stdin, vw.env, vw.writer, append([]string{vw.backend, action}, args...)...)
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
			for key, want := range map[string]string{
				"mfacred_role_arn": adminRole, "mfacred_source_profile": p, "mfacred_role_session_name": "alice-import",
				"mfacred_role_duration_seconds": "1800", "role_arn": "", "credential_process": binary + " process --profile " + p + "-prod",
			} {
				got := vw.run(nil, nil, aws, "configure", "get", key, "--profile", p+"-prod")
				if strings.TrimSpace(got.stdout) != want {
					t.Errorf("aws configure get %s --profile %s-prod: %q, want %q", key, p, got.stdout, want)
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
		})
	}
}
