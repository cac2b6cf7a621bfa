package awsconfig

// DefaultCredentials names the setting that gives the default profile credentials of its own,
// "" if none does. The SDKs read those before a credentials server (docs/container-chain.md),
// so a command of `exec --server` without AWS_PROFILE would silently use them instead.
func (f *Files) DefaultCredentials() string {
	if _, ok, _ := f.StaticKeys("default"); ok {
		return "aws_access_key_id"
	}
	for _, k := range []string{"credential_process", "role_arn", "credential_source", "web_identity_token_file", "sso_session", "sso_start_url", "login_session"} {
		if f.Get("default", k) != "" {
			return k
		}
	}
	return ""
}
