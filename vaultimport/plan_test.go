package vaultimport

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/awsconfig/edit"
)

const userConfig = `# my aws-vault config
[default]
region = eu-west-1

[profile base]
region = us-east-1
mfa_serial = arn:aws:iam::123456789012:mfa/alice

[profile admin]
source_profile = base
role_arn = arn:aws:iam::222222222222:role/Admin
external_id = ext-1234
session_tags = team=platform, cost center=42
transitive_session_tags = team
source_identity = alice

[profile common]
role_session_name = alice-session
duration_seconds = 1800

[profile ro]
include_profile = common
source_profile = base
role_arn = arn:aws:iam::333333333333:role/ReadOnly

[profile tool]
credential_process = aws-vault export --format=json admin

[profile sso]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Dev

[profile ci]
role_arn = arn:aws:iam::444444444444:role/CI
web_identity_token_file = /var/run/token

[sso-session corp]
sso_start_url = https://example.awsapps.com/start
sso_region = us-east-1
`

// plan reads config (and no credentials file) and plans the import of items into it.
func planOf(t *testing.T, config string, items ...string) (*awsconfig.Files, plan, error) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "config")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	files, err := awsconfig.LoadFiles(path, filepath.Join(dir, "credentials"))
	if err != nil {
		t.Fatal(err)
	}
	in := map[string]bool{}
	for _, i := range items {
		in[i] = true
	}
	pl, err := (&planner{files: files, front: "/usr/bin/mfacred", items: in}).makePlan()
	if err == nil {
		_, _, err = checkPlan(files, &pl)
	}
	return files, pl, err
}

// A user's aws-vault config becomes mfacred profiles: roles under mfacred's own keys (none
// left for the SDKs), include_profile resolved, the aws-vault credential_process line
// rewritten, the SSO profile and every other byte as they were; planning the result again
// changes nothing.
func TestPlanRewritesAUsersConfig(t *testing.T) {
	files, pl, err := planOf(t, userConfig, "base")
	if err != nil {
		t.Fatal(err)
	}
	_, edited, err := edit.Preview(files.ConfigPath, pl.apply)
	if err != nil {
		t.Fatal(err)
	}
	after, err := files.Edited(edited)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]string{
		"base": {"credential_process": "/usr/bin/mfacred process --profile base", "mfa_serial": "arn:aws:iam::123456789012:mfa/alice"},
		"admin": {"credential_process": "/usr/bin/mfacred process --profile admin", "mfacred_source_profile": "base",
			"mfacred_role_arn": "arn:aws:iam::222222222222:role/Admin", "mfacred_external_id": "ext-1234",
			"mfacred_session_tags": "team=platform, cost center=42", "mfacred_transitive_session_tags": "team", "mfacred_source_identity": "alice",
			"role_arn": "", "source_profile": "", "external_id": "", "session_tags": ""},
		"ro": {"mfacred_role_arn": "arn:aws:iam::333333333333:role/ReadOnly", "mfacred_role_session_name": "alice-session",
			"mfacred_role_duration_seconds": "1800", "include_profile": "", "role_arn": ""},
		"tool": {"credential_process": "/usr/bin/mfacred process --profile admin"},
		"sso":  {"sso_session": "corp", "credential_process": ""},
		"ci":   {"role_arn": "arn:aws:iam::444444444444:role/CI", "mfacred_role_arn": ""},
	}
	for profile, keys := range want {
		for k, v := range keys {
			if got := after.Get(profile, k); got != v {
				t.Errorf("profile %s: %s = %q, want %q", profile, k, got, v)
			}
		}
	}
	for _, p := range []string{"base", "admin", "ro", "tool"} {
		if _, err := after.Resolve(p); err != nil && p != "tool" {
			t.Errorf("mfacred cannot serve %s: %v", p, err)
		}
	}
	if !strings.Contains(string(edited), "[profile sso]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = Dev\n\n[profile ci]\nrole_arn = arn:aws:iam::444444444444:role/CI\nweb_identity_token_file = /var/run/token\n\n[sso-session corp]\n") ||
		!strings.HasPrefix(string(edited), "# my aws-vault config\n[default]\nregion = eu-west-1\n") {
		t.Errorf("bytes outside the imported profiles changed:\n%s", edited)
	}
	if len(pl.left) != 2 || !strings.HasPrefix(pl.left[0], "sso: an SSO profile (sso_session)") || !strings.HasPrefix(pl.left[1], "ci: a web identity profile (web_identity_token_file)") {
		t.Errorf("left alone: %q, want the SSO and the web identity profile", pl.left)
	}
	_, again, err := planOf(t, string(edited), "base")
	if err != nil || len(again.changes) != 0 {
		t.Fatalf("a second import plans %+v (%v), want nothing", again.changes, err)
	}
}

// Bad input is refused with one line that names the profile.
func TestPlanRefuses(t *testing.T) {
	for _, tc := range []struct{ name, config, want string }{
		{"source cycle", "[profile a]\nsource_profile = b\nrole_arn = arn:aws:iam::222222222222:role/A\n[profile b]\nsource_profile = a\nrole_arn = arn:aws:iam::222222222222:role/B\n", "profile a: source_profile cycle: a -> b -> a"},
		{"include cycle", "[profile a]\ninclude_profile = b\n[profile b]\ninclude_profile = a\n", "profile a: include_profile cycle: a -> b -> a"},
		{"bad role", "[profile k]\nmfa_serial = arn:aws:iam::123456789012:mfa/alice\n[profile r]\nsource_profile = k\nrole_arn = arn:aws:iam::22:role/A\n", "profile r: mfacred_role_arn"},
		{"unknown aws-vault line", "[profile t]\ncredential_process = aws-vault login t\n", "profile t: credential_process runs aws-vault in a way import does not know"},
		{"bad tags", "[profile k]\nmfa_serial = arn:aws:iam::123456789012:mfa/alice\n[profile r]\nsource_profile = k\nrole_arn = arn:aws:iam::222222222222:role/A\nsession_tags = team\n", "profile r"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := planOf(t, tc.config, "k")
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("got %v, want one line with %q", err, tc.want)
			}
		})
	}
}

func TestVaultProfile(t *testing.T) {
	for line, want := range map[string]string{
		"export --format=json work":       "work",
		"export --format json work":       "work",
		"--backend file exec work --json": "work",
		"exec --json --duration=1h work":  "work",
		"login work":                      "",
		"exec -- work":                    "",
	} {
		got, _ := vaultProfile(strings.Fields(line))
		if got != want {
			t.Errorf("%q: %q, want %q", line, got, want)
		}
	}
}

func TestSessionItems(t *testing.T) {
	for key, want := range map[string]bool{
		"work": false, "my profile": false,
		"sts.GetSessionToken,d29yaw,,1700000000": true, "session:work::1700000000": true,
		"work session (1700000000)": true, "oidc:https://example.awsapps.com/start": true,
	} {
		if sessionItem(key) != want {
			t.Errorf("%q: session item %v, want %v", key, !want, want)
		}
	}
}
