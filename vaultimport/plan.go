package vaultimport

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/awsconfig/edit"
	"github.com/mfacred/mfacred/internal/cmdline"
)

// The keys of aws-vault's profiles that import moves to mfacred's own (awsconfig): the SDKs
// would act on role_arn and source_profile themselves, and none reads include_profile.
const (
	keyRoleARN        = "role_arn"
	keySourceProfile  = "source_profile"
	keyInclude        = "include_profile"
	keyExternalID     = "external_id"
	keySessionName    = "role_session_name"
	keyDuration       = "duration_seconds"
	keySessionTags    = "session_tags"
	keyTransitiveTags = "transitive_session_tags"
	keySourceIdentity = "source_identity"
	keyProcess        = "credential_process"
)

// moved are aws-vault's keys of a role and where mfacred reads the same value.
var moved = []struct{ from, to string }{
	{keyRoleARN, awsconfig.KeyRoleARN},
	{keyExternalID, awsconfig.KeyExternalID},
	{keySessionName, awsconfig.KeyRoleSessionName},
	{keyDuration, awsconfig.KeyRoleDuration},
	{keySessionTags, awsconfig.KeySessionTags},
	{keyTransitiveTags, awsconfig.KeyTransitiveTags},
	{keySourceIdentity, awsconfig.KeySourceIdentity},
}

// Keys that make a profile one mfacred leaves as it is: SSO, web identity, aws login.
var leftAlone = []string{"sso_session", "sso_start_url", "sso_account_id", "sso_role_name", "sso_region",
	"web_identity_token_file", "web_identity_token_process", awsconfig.KeyLoginSession}

// change is what import does to one profile of the config file.
type change struct {
	profile string
	section string
	set     []awsconfig.KV
	drop    []string
	what    string // in words, for the plan
	serves  string // the mfacred profile its credential_process serves
}

// plan is what import would do to the config: the changes, and the profiles left as they are
// with why.
type plan struct {
	changes []change
	left    []string
}

// planner reads the config as aws-vault does where the two differ (include_profile).
type planner struct {
	files *awsconfig.Files
	front string          // the mfacred binary credential_process runs
	items map[string]bool // the profiles aws-vault holds keys for
	// keyed reports whether mfacred will have long-term keys for a profile: aws-vault's,
	// mfacred's own or static keys in the files
	keyed func(name string) bool
}

// hasKeys is keyed, or (when unset) whether aws-vault holds keys for the profile.
func (p *planner) hasKeys(name string) bool {
	if p.keyed == nil {
		return p.items[name]
	}
	return p.keyed(name)
}

// inCredentials refuses a profile import would rewrite when one of keys is set for it in the
// credentials file: import edits the config file only, and the credentials file's value
// wins there (botocore merges it over the config's), so the SDKs would still act on it.
func (p *planner) inCredentials(name string, keys ...string) error {
	for _, k := range keys {
		if p.files.Get(name, k) != "" && p.files.Where(name, k) == p.files.CredentialsPath {
			return fmt.Errorf("profile %s: %s is set in %s, which import does not edit and whose value the SDKs read over the config's: move it to [%s] in %s, then run import again: nothing was changed",
				name, k, p.files.CredentialsPath, name, p.files.ConfigPath)
		}
	}
	return nil
}

// get is key of profile name as aws-vault reads it: the profile's own value, else that of the
// profile it includes (include_profile), and so on.
func (p *planner) get(name, key string) (string, error) {
	seen := map[string]bool{}
	chain := []string{}
	for cur := name; cur != ""; cur = p.files.Get(cur, keyInclude) {
		chain = append(chain, cur)
		if seen[cur] {
			return "", fmt.Errorf("profile %s: include_profile cycle: %s", name, strings.Join(chain, " -> "))
		}
		seen[cur] = true
		if v := p.files.Get(cur, key); v != "" {
			return v, nil
		}
	}
	return "", nil
}

// source is the profile name takes its credentials from (source_profile; itself is none, as
// aws-vault reads it), after checking that following source_profile ends.
func (p *planner) source(name string) (string, error) {
	chain := []string{name}
	seen := map[string]bool{name: true}
	for cur := name; ; {
		next, err := p.get(cur, keySourceProfile)
		if err != nil || next == "" || next == cur {
			if cur == name {
				return "", err
			}
			break
		}
		chain = append(chain, next)
		if seen[next] {
			return "", fmt.Errorf("profile %s: source_profile cycle: %s", name, strings.Join(chain, " -> "))
		}
		seen[next] = true
		cur = next
	}
	return chain[1], nil
}

// lone is why mfacred leaves profile name as it is (an SSO, web identity or aws login
// profile), or "".
func (p *planner) lone(name string) (string, error) {
	for _, k := range leftAlone {
		v, err := p.get(name, k)
		if err != nil || v != "" {
			return k, err
		}
	}
	return "", nil
}

// makePlan decides each profile of the config file in turn (decide).
func (p *planner) makePlan() (plan, error) {
	var pl plan
	for _, name := range p.files.Profiles() {
		c, why, err := p.decide(name)
		switch {
		case err != nil:
			return pl, err
		case why != "":
			pl.left = append(pl.left, name+": "+why)
		case c != nil:
			pl.changes = append(pl.changes, *c)
		}
	}
	return pl, nil
}

// decide is what becomes of one profile: a change, a reason to leave it as it is (listed), or
// neither (a profile aws-vault does not serve).
func (p *planner) decide(name string) (*change, string, error) {
	switch k, err := p.lone(name); {
	case err != nil:
		return nil, "", err
	case strings.HasPrefix(k, "sso_"):
		return nil, "an SSO profile (" + k + "), left as it is", nil
	case k == awsconfig.KeyLoginSession:
		return nil, "an aws login profile (" + k + "), left as it is", nil
	case k != "":
		return nil, "a web identity profile (" + k + "), left as it is", nil
	}
	section, err := awsconfig.ConfigSection(name)
	if err != nil {
		return nil, "", fmt.Errorf("profile %q: mfacred cannot write it: %w", name, err)
	}
	line, err := cmdline.CredentialProcess(p.front, name, runtime.GOOS)
	if err != nil {
		return nil, "", fmt.Errorf("profile %q: mfacred cannot write it: %w", name, err)
	}
	c := &change{profile: name, section: section, serves: name}
	if cp := p.files.Get(name, keyProcess); cp != "" {
		return p.process(c, cp)
	}
	role, err := p.get(name, keyRoleARN)
	if err != nil {
		return nil, "", err
	}
	src, err := p.source(name)
	if err != nil {
		return nil, "", err
	}
	switch {
	case role == "" && src == "" && !p.items[name]:
		return nil, "", nil // not served by aws-vault
	case role != "" && src == "" && !p.items[name]:
		return nil, "role_arn with no source_profile and no keys in aws-vault, left as it is", nil
	case src != "":
		if k, _ := p.lone(src); k != "" {
			return nil, "its source_profile " + src + " is not served by mfacred (" + k + "), left as it is", nil
		}
		if r, _ := p.get(src, keyRoleARN); r != "" {
			return nil, "its source_profile " + src + " assumes a role itself: left to the SDKs, which assume " + role + " with the credentials mfacred serves " + src, nil
		}
		if !p.hasKeys(src) {
			return nil, "its source_profile " + src + " has no keys in aws-vault, in mfacred or in the files, so mfacred could not serve it: left as it is", nil
		}
	}
	if err := p.inCredentials(name, keyRoleARN, keySourceProfile, keyInclude, keyProcess, keyExternalID, keySessionName, keyDuration, keySessionTags, keyTransitiveTags, keySourceIdentity); err != nil {
		return nil, "", err
	}
	c.set = append(c.set, awsconfig.KV{Key: keyProcess, Value: line})
	c.drop = append(c.drop, keyInclude, keySourceProfile)
	if src != "" {
		c.set = append(c.set, awsconfig.KV{Key: awsconfig.KeySourceProfile, Value: src})
	}
	for _, k := range []string{awsconfig.KeyMFASerial, awsconfig.KeyMFAProcess, awsconfig.KeyRegion} {
		if v, err := p.get(name, k); err != nil {
			return nil, "", err
		} else if v != "" && v != p.files.Get(name, k) { // one from include_profile; its own stays as written
			if err := oneLine(name, k, v); err != nil {
				return nil, "", err
			}
			c.set = append(c.set, awsconfig.KV{Key: k, Value: v})
		}
	}
	c.what = "served by mfacred"
	if src != "" {
		c.what += " with the keys of " + src
	}
	if role != "" {
		if err := p.role(c); err != nil {
			return nil, "", err
		}
		c.what += ", assuming " + role
	}
	if k, ok, _ := p.files.StaticKeys(name); ok && k.File == p.files.CredentialsPath {
		c.what += "; but the static keys of " + name + " in " + k.File + " win over credential_process for the SDKs: remove them (`mfacred setup --profile " + name + " --move-keys`)"
	}
	return c, "", nil
}

// role moves a role's settings to mfacred's keys. A duration over the hour a role chained
// from an MFA session may last is assumed straight from the long-term keys instead
// (mfacred_role_direct), as aws-vault then does.
func (p *planner) role(c *change) error {
	for _, m := range moved {
		v, err := p.get(c.profile, m.from)
		if err != nil {
			return err
		}
		c.drop = append(c.drop, m.from)
		if v == "" {
			continue
		}
		if err := oneLine(c.profile, m.from, v); err != nil {
			return err
		}
		c.set = append(c.set, awsconfig.KV{Key: m.to, Value: v})
		if n, err := strconv.Atoi(v); m.from == keyDuration && err == nil && n > awsconfig.MaxChainedDuration {
			c.set = append(c.set, awsconfig.KV{Key: awsconfig.KeyRoleDirect, Value: "true"})
		}
	}
	return nil
}

// oneLine refuses a value import would write elsewhere that continues on more lines: written
// on one line it would break the file.
func oneLine(profile, key, v string) error {
	if strings.ContainsAny(v, "\r\n") {
		return fmt.Errorf("profile %s: %s continues on more lines, which import cannot move: write it on one line, then run import again: nothing was changed", profile, key)
	}
	return nil
}

// process rewrites a credential_process line that runs aws-vault (`aws-vault export
// --format=json NAME`, `aws-vault exec NAME --json`) to run mfacred for the same profile; a
// line that runs mfacred is done already; one that runs another program is left alone.
func (p *planner) process(c *change, line string) (*change, string, error) {
	words, err := cmdline.SplitCommand(line, runtime.GOOS)
	if err != nil || len(words) == 0 {
		return nil, "its credential_process cannot be read, left as it is", nil
	}
	switch program := strings.TrimSuffix(strings.ToLower(filepath.Base(words[0])), ".exe"); {
	case words[0] == p.front || program == "mfacred":
		return nil, "", nil
	case program != "aws-vault":
		if p.items[c.profile] {
			return nil, "its credential_process runs " + words[0] + ", left as it is (its keys are imported)", nil
		}
		return nil, "its credential_process runs " + words[0] + ", not aws-vault: left as it is", nil
	}
	if err := p.inCredentials(c.profile, keyProcess); err != nil {
		return nil, "", err
	}
	target, ok := vaultProfile(words[1:])
	if !ok {
		return nil, "", fmt.Errorf("profile %s: credential_process runs aws-vault in a way import does not know (want `aws-vault export --format=json NAME` or `aws-vault exec NAME --json`): %s", c.profile, line)
	}
	if _, err := awsconfig.ConfigSection(target); err != nil {
		return nil, "", fmt.Errorf("profile %s: credential_process names profile %q: %w", c.profile, target, err)
	}
	newLine, err := cmdline.CredentialProcess(p.front, target, runtime.GOOS)
	if err != nil {
		return nil, "", fmt.Errorf("profile %s: %w", c.profile, err)
	}
	c.set, c.serves = []awsconfig.KV{{Key: keyProcess, Value: newLine}}, target
	c.what = "its credential_process runs mfacred for profile " + target + " in place of aws-vault"
	return c, "", nil
}

// valueFlags are aws-vault's flags that take the next word as their value when not written
// --flag=value.
var valueFlags = map[string]bool{"--backend": true, "--prompt": true, "--keychain": true, "--secret-service-collection": true,
	"--pass-dir": true, "--pass-cmd": true, "--pass-prefix": true, "--file-dir": true,
	"--format": true, "--duration": true, "-d": true, "--region": true, "--mfa-token": true, "-t": true}

// vaultProfile is the profile an aws-vault command line (after the program) serves: the first
// word after export or exec that is not a flag or a flag's value.
func vaultProfile(args []string) (string, bool) {
	cmd := ""
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return "", false
		case strings.HasPrefix(a, "-"):
			if valueFlags[a] {
				i++
			}
		case cmd == "":
			if a != "export" && a != "exec" {
				return "", false
			}
			cmd = a
		default:
			return a, true
		}
	}
	return "", false
}

// apply makes the changes to the bytes of the config file, keeping every other byte.
func (pl plan) apply(data []byte) []byte {
	edits := map[string]func([]byte) []byte{}
	for _, c := range pl.changes {
		var drop []string
		for _, k := range c.drop {
			if !setsKey(c.set, k) {
				drop = append(drop, k)
			}
		}
		edits[c.section] = func(b []byte) []byte {
			return edit.DeleteKeys(edit.SetKeys(b, c.section, c.set...), c.section, drop...)
		}
	}
	return edit.Sections(data, edits) // one pass, however many profiles change
}

func setsKey(kvs []awsconfig.KV, key string) bool {
	for _, kv := range kvs {
		if kv.Key == key {
			return true
		}
	}
	return false
}
