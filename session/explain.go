package session

import (
	"errors"
	"fmt"

	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/mfacred/mfacred/awserr"
	"github.com/mfacred/mfacred/deadline"
	"github.com/mfacred/mfacred/internal/shellword"
	"github.com/mfacred/mfacred/prompt"
)

// cannotRenew reports whether a refresh failed for want of a code source or of STS, rather
// than because AWS refused something.
func cannotRenew(err error) bool {
	var send *smithyhttp.RequestSendError
	return errors.Is(err, ErrSTSUnavailable) || errors.Is(err, prompt.ErrNoTerminal) ||
		errors.Is(err, prompt.ErrTimedOut) || errors.As(err, &send)
}

// ErrBadCode is returned when AWS rejects an MFA code.
var ErrBadCode = errors.New("AWS rejected the MFA code")

// ErrNotYourDevice is returned when the serial is not one of the user's MFA devices.
var ErrNotYourDevice = errors.New("not one of your MFA devices")

// ErrSTSUnavailable is wrapped by the errors of a refresh that failed through nobody's fault in
// the request: STS (or a proxy in between) did not answer in time, throttled, or failed on its
// side, still after the SDK's retries. A caller may serve a session that is still valid instead.
var ErrSTSUnavailable = errors.New("STS unavailable")

// Error is a failed STS call worded for a person: what it was (Kind, package awserr), what to do (Error),
// and the SDK's error it came from (Unwrap: errors.As finds the smithy.APIError in it).
// ErrSTSUnavailable, ErrBadCode and ErrNotYourDevice are errors.Is of the errors their kinds
// make.
type Error struct {
	Kind  awserr.Kind
	text  string
	mark  error // the sentinel the wording names, if any
	cause error
}

func (e *Error) Error() string { return e.text }

// Unwrap is the sentinel the wording names, if any, and the SDK's error.
func (e *Error) Unwrap() []error {
	if e.mark == nil {
		return []error{e.cause}
	}
	return []error{e.mark, e.cause}
}

// explained is cause, of kind k, worded by format and args; mark is the sentinel it names.
func explained(k awserr.Kind, cause, mark error, format string, args ...any) *Error {
	return &Error{Kind: k, text: fmt.Sprintf(format, args...), mark: mark, cause: cause}
}

// transient words the failures that are nobody's fault in the request (awserr.Kind.Unavailable): a
// hanging STS, throttling, AWS's own errors. ok is false for anything else.
func transient(r Request, op string, err error) (*Error, bool) {
	k := awserr.Classify(err)
	var text string
	switch k {
	case awserr.TimedOut:
		text = fmt.Sprintf("profile %s: STS did not answer %s within %s: check the network, a proxy (HTTPS_PROXY) or AWS_ENDPOINT_URL_STS", r.Profile, op, deadline.Call)
	case awserr.Throttled:
		text = fmt.Sprintf("profile %s: STS throttled %s, still after retries: try again in a minute (%s)", r.Profile, op, awserr.Text(err))
	case awserr.AWSFault:
		text = fmt.Sprintf("profile %s: STS failed %s on its side, still after retries: try again shortly (%s)", r.Profile, op, awserr.Text(err))
	default:
		return nil, false
	}
	return explained(k, err, ErrSTSUnavailable, "%s", text), true
}

// Explain turns the STS errors people meet into sentences that say what to do (an *Error).
func Explain(r Request, err error) error {
	if e, ok := transient(r, "GetSessionToken", err); ok {
		return e
	}
	switch k := awserr.Classify(err); k {
	case awserr.BadCode:
		return explained(k, err, ErrBadCode, "profile %s: %v for device %s (wrong, expired or already used; check the clock if this repeats)", r.Profile, ErrBadCode, r.Device)
	case awserr.NotYourDevice:
		return explained(k, err, ErrNotYourDevice, "profile %s: device %s is %v: since November 2022 a device is named when it is created, so mfa/USERNAME may be wrong; list yours with `aws iam list-mfa-devices`", r.Profile, r.Device, ErrNotYourDevice)
	case awserr.UnknownKey, awserr.BadSignature:
		return explained(k, err, nil, "profile %s: AWS does not accept the long-term keys of profile %s: store working ones with `mfacred add %s`", r.Profile, r.Source, shellword.Quote(r.Source))
	default:
		return explained(k, err, nil, "profile %s: GetSessionToken with device %s: %v", r.Profile, r.Device, err)
	}
}

// ExplainRole explains AssumeRole's errors (an *Error).
func ExplainRole(r Request, err error) error {
	if e, ok := transient(r, "AssumeRole", err); ok {
		return e
	}
	switch k := awserr.Classify(err); {
	case k == awserr.BadCode, k == awserr.NotYourDevice, k == awserr.MFAFailed:
		return Explain(r, err)
	case k == awserr.ChainingCap:
		return explained(k, err, nil, "profile %s: role %s: a role assumed with an MFA session is role chaining, which AWS caps at 3600 seconds: set mfacred_role_duration_seconds = 3600 or less, or mfacred_role_direct = true", r.Profile, r.Role.ARN)
	case k == awserr.MaxDuration:
		return explained(k, err, nil, "profile %s: role %s allows shorter sessions than %d seconds (its MaxSessionDuration): lower mfacred_role_duration_seconds or raise the role's limit", r.Profile, r.Role.ARN, r.Role.Duration)
	case k == awserr.RoleRefused, k == awserr.Denied:
		how := "with the MFA session of profile " + r.Source
		if r.Role.Direct {
			how = "with the long-term keys of profile " + r.Source + " and a code"
		}
		what := "principal, MFA condition, external id"
		if len(r.Role.Tags) > 0 {
			what += ", sts:TagSession for mfacred_session_tags"
		}
		if r.Role.SourceIdentity != "" {
			what += ", sts:SetSourceIdentity for mfacred_source_identity"
		}
		return explained(k, err, nil, "profile %s: AWS refused to let you assume role %s %s: check the role's trust policy (%s)", r.Profile, r.Role.ARN, how, what)
	case k == awserr.ExpiredToken, (k == awserr.UnknownKey || k == awserr.BadSignature) && !r.Role.Direct:
		// Signed with the MFA session, not the long-term keys: its key id or secret is refused.
		return explained(k, err, nil, "profile %s: AWS refused the cached MFA session of profile %s (revoked?): run `mfacred clear --profile %s` and try again", r.Profile, r.Source, shellword.Quote(r.Source))
	case k == awserr.UnknownKey, k == awserr.BadSignature:
		return Explain(r, err)
	default:
		return explained(k, err, nil, "profile %s: AssumeRole %s: %v", r.Profile, r.Role.ARN, err)
	}
}
