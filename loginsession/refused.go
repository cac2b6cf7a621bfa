package loginsession

import "errors"

// ErrRoleRefused marks a role that refused an `aws login` session's credentials
// (AccessDenied): for every cause alike, so the wording names the likely one, an MFA
// condition in the trust policy.
var ErrRoleRefused = errors.New("the role refused the aws login session's credentials")
