package session

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/awserr"
	"github.com/mfacred/mfacred/loginsession"
)

// Every explained error is an *Error of the kind awserr.Classify read, and keeps the SDK's error:
// errors.As finds AWS's code in it, as the caller's own code would in the SDK's.
func TestExplainedErrorsKeepTheirCause(t *testing.T) {
	r := Request{Profile: "prod", Source: "work", Device: "arn:aws:iam::1:mfa/alice", Role: &awsconfig.Role{ARN: "arn:aws:iam::2:role/Admin", Duration: 3600}}
	login := r
	login.Login = &awsconfig.Login{Profile: "signin"}
	type explain func(Request, error) error
	for _, tc := range []struct {
		name    string
		explain explain
		r       Request
		aws     error
		kind    awserr.Kind
		is      error
	}{
		{"bad code", Explain, r, awsErr(403, "AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code."), awserr.BadCode, ErrBadCode},
		{"not your device", Explain, r, awsErr(403, "AccessDenied", "MultiFactorAuthentication failed, unable to validate MFA code. Please verify your MFA serial number is valid and associated with this user."), awserr.NotYourDevice, ErrNotYourDevice},
		{"keys", Explain, r, awsErr(403, "SignatureDoesNotMatch", "x"), awserr.BadSignature, nil},
		{"throttled", Explain, r, awsErr(400, "Throttling", "Rate exceeded"), awserr.Throttled, ErrSTSUnavailable},
		{"AWS fault", ExplainRole, r, awsErr(503, "ServiceUnavailable", "down"), awserr.AWSFault, ErrSTSUnavailable},
		{"role code", ExplainRole, r, awsErr(403, "AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code."), awserr.BadCode, ErrBadCode},
		{"chaining", ExplainRole, r, awsErr(400, "ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."), awserr.ChainingCap, nil},
		{"max duration", ExplainRole, r, awsErr(400, "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."), awserr.MaxDuration, nil},
		{"trust", ExplainRole, r, awsErr(403, "AccessDenied", "User: u is not authorized to perform: sts:AssumeRole on resource: x"), awserr.RoleRefused, nil},
		{"session revoked", ExplainRole, r, awsErr(403, "ExpiredToken", "x"), awserr.ExpiredToken, nil},
		{"other", ExplainRole, r, awsErr(400, "ValidationError", "something new"), awserr.Unclassified, nil},
		{"login trust", ExplainLoginRole, login, awsErr(403, "AccessDenied", "User: u is not authorized to perform: sts:AssumeRole on resource: x"), awserr.RoleRefused, loginsession.ErrRoleRefused},
		{"login chaining", ExplainLoginRole, login, awsErr(400, "ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."), awserr.ChainingCap, nil},
		{"login session", ExplainLoginRole, login, awsErr(403, "InvalidClientTokenId", "x"), awserr.UnknownKey, nil},
		{"login other", ExplainLoginRole, login, awsErr(403, "AccessDenied", "explicit deny"), awserr.Denied, nil},
	} {
		err := tc.explain(tc.r, tc.aws)
		var e *Error
		var ae smithy.APIError
		var want smithy.APIError
		errors.As(tc.aws, &want)
		switch {
		case !errors.As(err, &e) || e.Kind != tc.kind:
			t.Errorf("%s: %v is not an *Error of kind %d", tc.name, err, tc.kind)
		case !errors.As(err, &ae) || ae.ErrorCode() != want.ErrorCode():
			t.Errorf("%s: %v does not keep AWS's %s", tc.name, err, want.ErrorCode())
		case tc.is != nil && !errors.Is(err, tc.is):
			t.Errorf("%s: %v is not %v", tc.name, err, tc.is)
		case errors.Is(err, ErrSTSUnavailable) != tc.kind.Unavailable():
			t.Errorf("%s: %v: ErrSTSUnavailable %v", tc.name, err, !tc.kind.Unavailable())
		}
	}
	timeout := &smithy.OperationError{ServiceID: "STS", OperationName: "AssumeRole", Err: &aws.RequestCanceledError{Err: context.DeadlineExceeded}}
	if err := ExplainRole(r, timeout); !errors.Is(err, ErrSTSUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("timeout: %v", err)
	}
}

// A signature AWS does not match on a role assumed with session credentials (an MFA session,
// an aws login session) is about that session's secret: the long-term keys were not used, so
// the line must not send the user to `mfacred add` (found by e2e TestHostile27RoleFaults).
func TestSessionSignatureBlamesTheSession(t *testing.T) {
	r := Request{Profile: "prod", Source: "work", Device: "arn:aws:iam::1:mfa/alice", Role: &awsconfig.Role{ARN: "arn:aws:iam::2:role/Admin", Duration: 3600}}
	login := r
	login.Login = &awsconfig.Login{Profile: "signin"}
	direct := r
	direct.Role = &awsconfig.Role{ARN: "arn:aws:iam::2:role/Admin", Duration: 3600, Direct: true}
	bad := awsErr(403, "SignatureDoesNotMatch", "x")
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"chained", ExplainRole(r, bad), "AWS refused the cached MFA session of profile work"},
		{"login", ExplainLoginRole(login, bad), "AWS refused the credentials of the aws login session of profile work"},
		{"direct", ExplainRole(direct, bad), "AWS does not accept the long-term keys of profile work"},
	} {
		if !strings.Contains(tc.err.Error(), tc.want) {
			t.Errorf("%s: %q does not say %q", tc.name, tc.err, tc.want)
		}
	}
}
