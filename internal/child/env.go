package child

import (
	"errors"
	"strings"
	"time"
)

// Env is what mfacred gives a command (exec, exec --server) or prints for a container (serve):
// either the credentials themselves (AccessKeyID set) or the address of a credentials server.
type Env struct {
	// Profile is set as MFACRED_PROFILE when not empty.
	Profile string
	// Region is set as AWS_REGION and AWS_DEFAULT_REGION when not empty.
	Region string

	AccessKeyID, SecretAccessKey, SessionToken string
	Expiration                                 time.Time

	// ServerURL is set as AWS_CONTAINER_CREDENTIALS_FULL_URI, with Token as
	// AWS_CONTAINER_AUTHORIZATION_TOKEN or TokenFile as AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE.
	ServerURL, Token, TokenFile string
}

// credentialVars describe credentials, a profile or a credentials server of the parent's: a
// command given other credentials must not have them. Both the SDKs' names of the keys count
// (the Go SDK also reads AWS_ACCESS_KEY and AWS_SECRET_KEY).
var credentialVars = []string{
	"AWS_PROFILE", "AWS_DEFAULT_PROFILE",
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY", "AWS_SECRET_KEY",
	"AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_CREDENTIAL_EXPIRATION",
	"AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
	"AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
}

// outrankServer are the further variables that make an SDK's default chain take credentials
// before it asks a credentials server (docs/container-chain.md): web identity, the legacy
// credentials files botocore reads before the container provider, and the account of other
// credentials.
var outrankServer = []string{
	"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME",
	"AWS_CREDENTIAL_FILE", "BOTO_CONFIG", "AWS_ACCOUNT_ID",
}

// Set is the variables e sets, in the order serve prints them.
func (e Env) Set() []string {
	var set []string
	if e.AccessKeyID != "" {
		set = append(set,
			"AWS_ACCESS_KEY_ID="+e.AccessKeyID,
			"AWS_SECRET_ACCESS_KEY="+e.SecretAccessKey,
			"AWS_SESSION_TOKEN="+e.SessionToken,
			"AWS_CREDENTIAL_EXPIRATION="+e.Expiration.UTC().Format(time.RFC3339))
	}
	if e.ServerURL != "" {
		set = append(set, "AWS_CONTAINER_CREDENTIALS_FULL_URI="+e.ServerURL)
	}
	if e.Token != "" {
		set = append(set, "AWS_CONTAINER_AUTHORIZATION_TOKEN="+e.Token)
	}
	if e.TokenFile != "" {
		set = append(set, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE="+e.TokenFile)
	}
	if e.Profile != "" {
		set = append(set, "MFACRED_PROFILE="+e.Profile)
	}
	if e.Region != "" {
		set = append(set, "AWS_REGION="+e.Region, "AWS_DEFAULT_REGION="+e.Region)
	}
	return set
}

// Environ is env without the parent's credentials, profile and credentials server (and, for a
// command served by a credentials server, without every variable that outranks it), followed
// by Set.
func (e Env) Environ(env []string) []string {
	set := e.Set()
	drop := map[string]bool{}
	for _, k := range credentialVars {
		drop[k] = true
	}
	if e.ServerURL != "" {
		for _, k := range outrankServer {
			drop[k] = true
		}
	}
	for _, kv := range set {
		k, _, _ := strings.Cut(kv, "=")
		drop[k] = true
	}
	out := make([]string, 0, len(env)+len(set))
	for _, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); !drop[k] {
			out = append(out, kv)
		}
	}
	return append(out, set...)
}

// DefaultCommand is the shell `mfacred exec` runs when given no command: $SHELL, or on Windows, which
// has no $SHELL, %ComSpec% (cmd.exe).
func DefaultCommand(goos string, getenv func(string) string) (string, error) {
	name := "SHELL"
	if goos == "windows" {
		name = "ComSpec"
	}
	if shell := getenv(name); shell != "" {
		return shell, nil
	}
	if goos == "windows" {
		return "", errors.New("no command given and %ComSpec% is unset")
	}
	return "", errors.New("no command given and $SHELL is unset")
}
