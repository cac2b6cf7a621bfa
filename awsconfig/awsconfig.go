// Package awsconfig reads the profiles mfacred serves from the shared AWS config and credentials
// files, honouring AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE, exactly as botocore reads
// them (docs/config-files.md): the one reader of the files, on every path. What setup and import
// write into them is awsconfig/edit's (which finds sections and keys with this reader's Lines);
// the credential_process lines are written and split by internal/cmdline.
//
// mfacred's own settings live in keys of their own (mfacred_*), never in role_arn or
// source_profile: the SDKs would act on those themselves (docs/aws-contract.md §3).
package awsconfig

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/mfacred/mfacred/internal/shellword"
)

// Keys mfacred reads from a profile.
const (
	KeyMFASerial     = "mfa_serial"
	KeyMFAProcess    = "mfa_process"
	KeyRegion        = "region"
	KeySourceProfile = "mfacred_source_profile"
	KeyDuration      = "mfacred_duration_seconds"

	KeyRoleARN         = "mfacred_role_arn"
	KeyExternalID      = "mfacred_external_id"
	KeyRoleSessionName = "mfacred_role_session_name"
	KeyRoleDuration    = "mfacred_role_duration_seconds"
	// KeyRoleDirect = true assumes the role from the long-term keys with a code of its own,
	// instead of from the MFA session (role chaining, capped at one hour).
	KeyRoleDirect = "mfacred_role_direct"
	// KeyLoginSession is written by `aws login`: a key source whose credentials come from
	// that session's token file (package loginsession), not from long-term keys.
	KeyLoginSession = "login_session"
)

// Session duration limits of GetSessionToken for IAM users (docs/aws-contract.md §4). AWS allows
// 900 s, but botocore calls the helper again whenever less than 15 minutes are left and fails
// under 10, so mfacred renews 15 minutes ahead (hit.RenewBefore): a session must last 30
// minutes to be served from the cache for 15 of them. MinDuration is hit.MinDuration in
// seconds (package hit reads profiles through this one, so it cannot be imported here; a test
// in hit ties the two).
const (
	DefaultDuration = 43200
	MinDuration     = 1800
	MaxDuration     = 129600
)

// Role session limits (docs/aws-contract.md §4): a role assumed with session credentials is role
// chaining, capped at one hour; from long-term keys, up to the role's MaxSessionDuration.
const (
	DefaultRoleDuration = 3600
	MaxChainedDuration  = 3600
	MaxRoleDuration     = 43200
)

// ErrNoProfile is returned when a named profile is in neither file.
var ErrNoProfile = errors.New("profile not found")

// ErrNoMFASerial is returned by Resolve for a profile whose chain names no MFA device.
var ErrNoMFASerial = errors.New("no mfa_serial")

type noProfileError struct {
	name string
	f    *Files
}

func (e *noProfileError) Error() string {
	return fmt.Sprintf("profile %s is in neither %s nor %s: run `mfacred setup --profile %s`", e.name, e.f.ConfigPath, e.f.CredentialsPath, shellword.Quote(e.name))
}

func (e *noProfileError) Unwrap() error { return ErrNoProfile }

// Files holds the parsed config and credentials files.
type Files struct {
	ConfigPath      string
	CredentialsPath string
	config          *iniFile
	credentials     *iniFile
}

// Load reads both files from the paths the environment names (Paths), checking every line.
// A missing file counts as empty.
func Load() (*Files, error) { return LoadChecked(Checked{}) }

// LoadFiles reads the given config and credentials files. A missing file counts as empty.
func LoadFiles(configPath, credentialsPath string) (*Files, error) {
	return Checked{}.loadFiles(configPath, credentialsPath)
}

// LoadChecked is Load that skips re-checking a large file a stamp in c.Dir says is valid and
// unchanged (stamp.go). Every reader of the files, warm or cold, in either binary, comes here.
func LoadChecked(c Checked) (*Files, error) {
	configPath, credentialsPath := Paths()
	return c.loadFiles(configPath, credentialsPath)
}

func (c Checked) loadFiles(configPath, credentialsPath string) (*Files, error) {
	f := &Files{ConfigPath: configPath, CredentialsPath: credentialsPath}
	var err error
	if f.config, err = c.load(configPath); err != nil {
		return nil, err
	}
	if f.credentials, err = c.load(credentialsPath); err != nil {
		return nil, err
	}
	return f, nil
}

// configSection finds a profile's section in the config file, as botocore does.
func (f *Files) configSection(name string) *section { return f.config.profileSection(name) }

// credentialsSection finds a profile's section in the credentials file: its name as written.
func (f *Files) credentialsSection(name string) *section {
	if f.credentials == nil {
		return nil
	}
	if i := f.credentials.find(name); i >= 0 {
		return &f.credentials.sections[i]
	}
	return nil
}

// lookup finds a key of a profile as botocore does: the profile's keys from the credentials
// file are merged over those from the config file, so a key set in both is the credentials
// file's (docs/config-files.md, "Profiles"). file is where it was found.
func (f *Files) lookup(name, key string) (p kv, file string, ok bool) {
	if s := f.credentialsSection(name); s != nil {
		if p, ok := f.credentials.get(s, key); ok {
			return p, f.CredentialsPath, true
		}
	}
	if s := f.configSection(name); s != nil {
		if p, ok := f.config.get(s, key); ok {
			return p, f.ConfigPath, true
		}
	}
	return kv{}, "", false
}

// value returns a key of a profile, "" when unset or a nested block.
func (f *Files) value(name, key string) string {
	p, _, ok := f.lookup(name, key)
	if !ok || p.nested {
		return ""
	}
	return p.value
}

// where names the file that sets a key of a profile, for an error about its value; the
// config file when neither does.
func (f *Files) where(name, key string) string {
	if _, file, ok := f.lookup(name, key); ok {
		return file
	}
	return f.ConfigPath
}

// Where names the file that sets a key of a profile (the credentials file's wins, as in Get),
// for a message about it; the config file when neither does.
func (f *Files) Where(profile, key string) string { return f.where(profile, key) }

// Get returns a key of a profile, "" when unset: from the credentials file, else the config
// file, as botocore merges them.
func (f *Files) Get(profile, key string) string { return f.value(profile, key) }

// Exists reports whether a profile is in either file.
func (f *Files) Exists(name string) bool {
	return f.configSection(name) != nil || f.credentials.find(name) >= 0
}

// Profiles lists the profile names of the config file, in file order. (Profiles only in the
// credentials file are left out: they hold keys, not settings mfacred serves.)
func (f *Files) Profiles() []string { return f.config.profiles() }

// StaticKeys are long-term keys written in the credentials or config file.
type StaticKeys struct {
	AccessKeyID     string
	SecretAccessKey string
	File            string
}

// StaticKeys returns a profile's keys from the credentials file, else the config file.
// ok is false when the profile has none; half a key pair is an error.
func (f *Files) StaticKeys(name string) (keys StaticKeys, ok bool, err error) {
	try := func(ini *iniFile, s *section, file string) (bool, error) {
		if s == nil {
			return false, nil
		}
		id := ini.value(s, "aws_access_key_id")
		secret := ini.value(s, "aws_secret_access_key")
		switch {
		case id == "" && secret == "":
			return false, nil
		case id == "" || secret == "":
			return false, fmt.Errorf("profile %s in %s has only half a key pair: set both aws_access_key_id and aws_secret_access_key", name, file)
		}
		keys = StaticKeys{AccessKeyID: id, SecretAccessKey: secret, File: file}
		return true, nil
	}
	if i := f.credentials.find(name); i >= 0 {
		if ok, err = try(f.credentials, &f.credentials.sections[i], f.CredentialsPath); ok || err != nil {
			return keys, ok, err
		}
	}
	ok, err = try(f.config, f.configSection(name), f.ConfigPath)
	return keys, ok, err
}

// Profile is what mfacred needs to serve one profile, with mfacred_source_profile followed.
type Profile struct {
	Name string
	// KeySource is the profile whose long-term keys are used: Name itself, or the end of its
	// mfacred_source_profile chain.
	KeySource string
	// MFASerial is the device, taken from the first profile in the chain that sets one.
	MFASerial string
	// MFAProcess comes from the same profile as MFASerial.
	MFAProcess string
	// DeviceProfile is the profile MFASerial was read from.
	DeviceProfile string
	Region        string
	Duration      int // seconds
	// Chain lists the profiles followed, Name first.
	Chain []string
	// Role is set when the profile assumes a role (mfacred_role_arn).
	Role *Role
	// Login is set when KeySource is an `aws login` session (login_session) instead of
	// long-term keys: no MFA device is used then.
	Login *Login

	files *Files
}

// Login is an `aws login` session a profile's credentials come from.
type Login struct {
	Profile string // the profile with login_session (KeySource)
	Session string // its login_session value, which names the token file
	Region  string // the region its refresh goes to
}

// Files are the files the profile was read from: its client settings come from them too
// (Files.ClientSettings).
func (p *Profile) Files() *Files { return p.files }

// Role is a role a profile assumes with its source profile's MFA session.
type Role struct {
	ARN        string
	ExternalID string
	// SessionName is mfacred_role_session_name; empty means: the IAM user's name.
	SessionName string
	Duration    int // seconds
	// Direct: assume from the long-term keys with a code of its own, not from the session.
	Direct bool
	// Tags are the session tags (mfacred_session_tags), in the order written;
	// TransitiveTagKeys those of them passed on to a role chained from the session;
	// SourceIdentity, when set, the source identity (roletags.go).
	Tags              []Tag
	TransitiveTagKeys []string
	SourceIdentity    string
}

// charset reports whether s is min..max bytes of ASCII letters, digits, _ and extra. (A
// regexp with such counts compiles to a large program at start-up, on every call.)
func charset(s, extra string, min, max int) bool {
	if len(s) < min || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || strings.IndexByte(extra, c) >= 0) {
			return false
		}
	}
	return true
}

// ErrRoleARN marks a value that is not a role ARN: CheckRoleARN's errors wrap it.
var ErrRoleARN = errors.New("want a role ARN such as arn:aws:iam::123456789012:role/NAME")

// CheckRoleARN checks that s is a role ARN, arn:PARTITION:iam::ACCOUNT:role/PATH/NAME, and
// says what is wrong if not (wrapping ErrRoleARN); the caller names the profile and where
// the value came from. It is the one check of a role ARN: the reader behind process
// (mfacred_role_arn) and setup (--role-arn) both ask it, so that setup writes nothing
// process refuses (testdata/role_arns.txt is the table both are tested with).
func CheckRoleARN(s string) error {
	parts := strings.SplitN(s, ":", 6)
	var why string
	switch {
	case len(parts) != 6 || parts[0] != "arn":
		why = "not an ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE)"
	case !strings.HasPrefix(parts[1], "aws") || !charset(parts[1], "-", 3, 32):
		why = fmt.Sprintf("%q is not an AWS partition", parts[1])
	case parts[2] != "iam":
		why = fmt.Sprintf("the service is %q, not iam", parts[2])
	case parts[3] != "":
		why = fmt.Sprintf("an IAM ARN has no region (%q)", parts[3])
	case !charset(parts[4], "", 12, 12) || strings.Trim(parts[4], "0123456789") != "":
		why = fmt.Sprintf("the account %q is not 12 digits", parts[4])
	case !strings.HasPrefix(parts[5], "role/"):
		why = fmt.Sprintf("the resource %q is not role/NAME", parts[5])
	case parts[5] == "role/":
		why = "no role name after role/"
	case len(parts[5]) > len("role/")+511+64:
		why = fmt.Sprintf("the role's path and name are %d characters, more than IAM's 512 and 64", len(parts[5])-len("role/"))
	case !charset(parts[5][len("role/"):], "+=,.@/-", 1, 511+64):
		why = fmt.Sprintf("the role name %q has a character other than A-Z a-z 0-9 +=,.@_-/", parts[5][len("role/"):])
	default:
		// role/PATH/NAME: IAM's path (/PATH/, its first / not in the ARN) is 1 to 512
		// characters and its NAME 1 to 64; a path ending in / names no role.
		cut := strings.LastIndexByte(parts[5], '/') + 1
		name, path := parts[5][cut:], parts[5][len("role"):cut]
		switch {
		case len(path) > 512:
			why = fmt.Sprintf("the role's path is %d characters, more than 512", len(path))
		case name == "":
			why = fmt.Sprintf("no role name after the path %q", parts[5][len("role"):])
		case len(name) > 64:
			why = fmt.Sprintf("the role name %q is %d characters, more than 64", name, len(name))
		default:
			return nil
		}
	}
	return fmt.Errorf("%s: %w", why, ErrRoleARN)
}

// resolveRole reads a role profile's mfacred_role_* settings.
func (f *Files) resolveRole(name string, login *Login) (*Role, error) {
	r := &Role{
		ARN:         f.value(name, KeyRoleARN),
		ExternalID:  f.value(name, KeyExternalID),
		SessionName: f.value(name, KeyRoleSessionName),
		Duration:    DefaultRoleDuration,
	}
	bad := func(key, v, want string) error {
		return fmt.Errorf("profile %s: %s = %q in %s: %s", name, key, v, f.where(name, key), want)
	}
	if err := CheckRoleARN(r.ARN); err != nil {
		return nil, fmt.Errorf("profile %s: %s = %q in %s: %w", name, KeyRoleARN, r.ARN, f.where(name, KeyRoleARN), err)
	}
	if r.ExternalID != "" && !charset(r.ExternalID, "+=,.@:/-", 2, 1224) {
		return nil, bad(KeyExternalID, r.ExternalID, "want 2 to 1224 of the characters A-Z a-z 0-9 +=,.@:/-_")
	}
	if r.SessionName != "" && !charset(r.SessionName, "+=,.@-", 2, 64) {
		return nil, bad(KeyRoleSessionName, r.SessionName, "want 2 to 64 of the characters A-Z a-z 0-9 +=,.@-_")
	}
	if err := f.resolveTagging(name, r); err != nil {
		return nil, err
	}
	if v := f.value(name, KeyRoleDirect); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, bad(KeyRoleDirect, v, "want true or false")
		}
		r.Direct = b
	}
	if v := f.value(name, KeyRoleDuration); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < MinDuration || n > MaxRoleDuration {
			return nil, bad(KeyRoleDuration, v, fmt.Sprintf("want whole seconds from %d to %d (less would be renewed at nearly every call: the AWS CLI wants 15 minutes left)", MinDuration, MaxRoleDuration))
		}
		if n > MaxChainedDuration && login != nil && !r.Direct {
			return nil, fmt.Errorf("profile %s: %s = %d is more than AWS allows: a role assumed with the credentials of the aws login session of profile %s is role chaining, which AWS caps at %d seconds: set %s = %d or less",
				name, KeyRoleDuration, n, login.Profile, MaxChainedDuration, KeyRoleDuration, MaxChainedDuration)
		}
		if n > MaxChainedDuration && !r.Direct {
			return nil, fmt.Errorf("profile %s: %s = %d is more than AWS allows: a role assumed with an MFA session is role chaining, which AWS caps at %d seconds; "+
				"set %s = %d or less, or set %s = true to assume the role straight from the long-term keys with an MFA code of its own (up to the role's MaxSessionDuration, one code per role)",
				name, KeyRoleDuration, n, MaxChainedDuration, KeyRoleDuration, MaxChainedDuration, KeyRoleDirect)
		}
		r.Duration = n
	}
	return r, nil
}

// Resolve reads a profile and follows its mfacred_source_profile chain.
func (f *Files) Resolve(name string) (*Profile, error) {
	if !f.Exists(name) {
		return nil, &noProfileError{name, f}
	}
	p := &Profile{Name: name, Duration: DefaultDuration, files: f}
	duration, regionFrom := "", ""
	seen := map[string]bool{}
	for cur := name; ; {
		if seen[cur] {
			return nil, fmt.Errorf("profile %s: mfacred_source_profile cycle: %s -> %s", name, strings.Join(p.Chain, " -> "), cur)
		}
		seen[cur] = true
		p.Chain = append(p.Chain, cur)
		if p.MFASerial == "" {
			if s := f.value(cur, KeyMFASerial); s != "" {
				p.MFASerial, p.MFAProcess, p.DeviceProfile = s, f.value(cur, KeyMFAProcess), cur
			}
		}
		if p.Region == "" {
			p.Region, regionFrom = f.value(cur, KeyRegion), cur
		}
		if duration == "" {
			duration = f.value(cur, KeyDuration)
		}
		if cur != name && f.value(cur, KeyRoleARN) != "" {
			return nil, fmt.Errorf("profile %s: its mfacred_source_profile %s assumes a role itself; point mfacred_source_profile at the profile of the IAM user's keys", name, cur)
		}
		next := f.value(cur, KeySourceProfile)
		if next == "" {
			p.KeySource = cur
			if v := f.value(cur, KeyLoginSession); v != "" {
				p.Login = &Login{Profile: cur, Session: v}
			}
			break
		}
		if !f.Exists(next) {
			return nil, fmt.Errorf("profile %s: mfacred_source_profile %s: %w in %s or %s", cur, next, ErrNoProfile, f.ConfigPath, f.CredentialsPath)
		}
		cur = next
	}
	if d := duration; d != "" {
		n, err := strconv.Atoi(d)
		if err != nil || n < MinDuration || n > MaxDuration {
			return nil, fmt.Errorf("profile %s: %s = %q: want whole seconds from %d to %d (less would be renewed at nearly every call: the AWS CLI wants 15 minutes left)", name, KeyDuration, d, MinDuration, MaxDuration)
		}
		p.Duration = n
	}
	if f.value(name, KeyRoleARN) != "" {
		r, err := f.resolveRole(name, p.Login)
		if err != nil {
			return nil, err
		}
		p.Role = r
	}
	if p.Login != nil {
		if p.Role != nil && p.Role.Direct {
			return nil, fmt.Errorf("profile %s: %s = true in %s: the role is assumed with the credentials of the aws login session of profile %s, which has no long-term keys to assume it with directly: remove %s",
				name, KeyRoleDirect, f.where(name, KeyRoleDirect), p.Login.Profile, KeyRoleDirect)
		}
		// The session's own sign-in did the MFA: a device in the chain is not used.
		p.MFASerial, p.MFAProcess, p.DeviceProfile = "", "", ""
		if err := f.checkRegion(p, regionFrom); err != nil {
			return nil, err
		}
		// The session is refreshed in the region of the profile `aws login` wrote, as botocore
		// refreshes it for that profile; where that one names none, the profile asked for.
		p.Login.Region = p.Region
		if own := f.value(p.Login.Profile, KeyRegion); own != "" {
			lp := &Profile{Name: p.Name, Region: own}
			if err := f.checkRegion(lp, p.Login.Profile); err != nil {
				return nil, err
			}
			p.Login.Region = lp.Region
		}
		return p, nil
	}
	if p.MFASerial == "" {
		return nil, fmt.Errorf("profile %s: %w in %s or %s: run `mfacred setup --profile %s` to find your device, or set mfa_serial = arn:aws:iam::ACCOUNT:mfa/DEVICE-NAME", name, ErrNoMFASerial, f.ConfigPath, f.CredentialsPath, shellword.Quote(name))
	}
	if IsFIDO(p.MFASerial) {
		return nil, fmt.Errorf("profile %s: device %s is a FIDO security key, which STS cannot use: choose a virtual or hardware TOTP device, or sign in with `aws login` and name that profile in %s (README, Passkeys and security keys)", name, p.MFASerial, KeySourceProfile)
	}
	if !charset(p.MFASerial, "+=/:,.@-", 9, 256) {
		return nil, fmt.Errorf("profile %s: mfa_serial %q is not a device serial or ARN", name, p.MFASerial)
	}
	if err := f.checkRegion(p, regionFrom); err != nil {
		return nil, err
	}
	return p, nil
}

// checkRegion sets p.Region to the region mfacred's own calls use (Region) and refuses one
// the SDK would refuse: the SDK checks it only as it sends the request, after the code was
// taken and recorded as used, so every caller (process, exec, serve) checks it here first, by
// the SDK's rule (a host label: 1 to 63 letters, digits and dashes).
func (f *Files) checkRegion(p *Profile, from string) error {
	configured := p.Region
	p.Region = Region(configured)
	if p.Region == "" || validRegion(p.Region) {
		return nil
	}
	where := "AWS_DEFAULT_REGION"
	switch {
	case os.Getenv("AWS_REGION") != "":
		where = "AWS_REGION"
	case configured != "":
		where = fmt.Sprintf("region of profile %s in %s", from, f.where(from, KeyRegion))
	}
	return fmt.Errorf("profile %s: region %q is not a region name (letters, digits and dashes, like eu-west-1): fix %s", p.Name, p.Region, where)
}

func validRegion(s string) bool {
	return charset(s, "-", 1, 63) && !strings.Contains(s, "_")
}

// IsFIDO reports whether serial names a FIDO security key or passkey
// (arn:PARTITION:iam::ACCOUNT:u2f/...), which works in the console only: STS cannot use it.
func IsFIDO(serial string) bool { return strings.Contains(serial, ":u2f/") }

// Account returns the account id in an ARN serial, or "" for a hardware serial.
func Account(serial string) string {
	parts := strings.SplitN(serial, ":", 6)
	if len(parts) == 6 && parts[0] == "arn" && len(parts[4]) == 12 {
		return parts[4]
	}
	return ""
}

// Edited is f with its config file read from data, the file as an edit would leave it: what
// the readers would make of an edit, checked before it is written.
func (f *Files) Edited(data []byte) (*Files, error) {
	c, err := parseINI(string(data))
	if err != nil {
		return nil, fmt.Errorf("parse %s as edited: %w", f.ConfigPath, err)
	}
	return &Files{ConfigPath: f.ConfigPath, CredentialsPath: f.CredentialsPath, config: c, credentials: f.credentials}, nil
}
