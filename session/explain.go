package session

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

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

// Kind is what a failed STS call was, as classify reads AWS's answer.
type Kind int

const (
	// Unclassified is none of the kinds below: the SDK's error is quoted as it is.
	Unclassified Kind = iota
	// TimedOut: STS did not answer within deadline.Call.
	TimedOut
	// Throttled: a throttling code or HTTP 429, still after the SDK's retries.
	Throttled
	// AWSFault: AWS, or a proxy in between, failed on its side (HTTP 5xx).
	AWSFault
	// BadCode: AccessDenied for an MFA code that is wrong, expired or used already.
	BadCode
	// NotYourDevice: AccessDenied for a serial that is not one of the caller's MFA devices.
	NotYourDevice
	// MFAFailed: AccessDenied for another failure of MFA.
	MFAFailed
	// ChainingCap: ValidationError for a duration over the 1 hour cap of role chaining.
	ChainingCap
	// MaxDuration: ValidationError for a duration over the role's MaxSessionDuration.
	MaxDuration
	// RoleRefused: AccessDenied naming sts:AssumeRole: the role would not let the caller in.
	RoleRefused
	// Denied: any other AccessDenied.
	Denied
	// ExpiredToken: the session credentials the call was signed with have expired.
	ExpiredToken
	// UnknownKey: InvalidClientTokenId, an access key id (or session) AWS does not know.
	UnknownKey
	// BadSignature: SignatureDoesNotMatch, a secret that does not match its access key id.
	BadSignature
)

// Unavailable reports whether k failed through nobody's fault in the request
// (ErrSTSUnavailable).
func (k Kind) Unavailable() bool { return k == TimedOut || k == Throttled || k == AWSFault }

// classify is the one reader of AWS's answer to an STS call: its error code and HTTP status
// (docs/aws-contract.md §4), and, only where one code covers several failures that need
// different advice and AWS gives nothing but the message to tell them apart, its words:
// AccessDenied for a wrong code, a wrong device, another MFA failure and a trust policy that
// refused; ValidationError for the role chaining cap and a role's own limit.
func classify(err error) Kind {
	code, msg, _ := apiError(err)
	says := func(c, phrase string) bool { return code == c && strings.Contains(msg, phrase) }
	_, throttled := retry.DefaultThrottleErrorCodes[code]
	status := httpStatus(err)
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return TimedOut
	case throttled || status == http.StatusTooManyRequests:
		return Throttled
	case status >= 500:
		return AWSFault
	case says("AccessDenied", "invalid MFA one time pass code"):
		return BadCode
	case says("AccessDenied", "verify your MFA serial number"):
		return NotYourDevice
	case says("AccessDenied", "MultiFactorAuthentication failed"):
		return MFAFailed
	case says("ValidationError", "1 hour session limit"):
		return ChainingCap
	case says("ValidationError", "MaxSessionDuration"):
		return MaxDuration
	case says("AccessDenied", "sts:AssumeRole"):
		return RoleRefused
	}
	switch code {
	case "AccessDenied":
		return Denied
	case "ExpiredToken":
		return ExpiredToken
	case "InvalidClientTokenId":
		return UnknownKey
	case "SignatureDoesNotMatch":
		return BadSignature
	}
	return Unclassified
}

// Error is a failed STS call worded for a person: what it was (Kind), what to do (Error),
// and the SDK's error it came from (Unwrap: errors.As finds the smithy.APIError in it).
// ErrSTSUnavailable, ErrBadCode and ErrNotYourDevice are errors.Is of the errors their kinds
// make.
type Error struct {
	Kind  Kind
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
func explained(k Kind, cause, mark error, format string, args ...any) *Error {
	return &Error{Kind: k, text: fmt.Sprintf(format, args...), mark: mark, cause: cause}
}

// apiError is the AWS error in err's chain: its code (InvalidClientTokenId, AccessDenied...)
// and message. ok is false for errors AWS did not send (docs/aws-contract.md §4).
func apiError(err error) (code, message string, ok bool) {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return "", "", false
	}
	return ae.ErrorCode(), ae.ErrorMessage(), true
}

// awsCode is the error code AWS answered with, "" if none: for a message to quote, never to
// branch on (classify does).
func awsCode(err error) string {
	code, _, _ := apiError(err)
	return code
}

// httpStatus is the HTTP status of the answer in err's chain, 0 if there was none.
func httpStatus(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// transient words the failures that are nobody's fault in the request (Kind.Unavailable): a
// hanging STS, throttling, AWS's own errors. ok is false for anything else.
func transient(r Request, op string, err error) (*Error, bool) {
	k := classify(err)
	var text string
	switch k {
	case TimedOut:
		text = fmt.Sprintf("profile %s: STS did not answer %s within %s: check the network, a proxy (HTTPS_PROXY) or AWS_ENDPOINT_URL_STS", r.Profile, op, deadline.Call)
	case Throttled:
		text = fmt.Sprintf("profile %s: STS throttled %s, still after retries: try again in a minute (%s)", r.Profile, op, awsText(err))
	case AWSFault:
		text = fmt.Sprintf("profile %s: STS failed %s on its side, still after retries: try again shortly (%s)", r.Profile, op, awsText(err))
	default:
		return nil, false
	}
	return explained(k, err, ErrSTSUnavailable, "%s", text), true
}

// awsText is what AWS said: the error code and message, else the HTTP status.
func awsText(err error) string {
	if code, msg, ok := apiError(err); ok {
		return code + ": " + msg
	}
	return fmt.Sprintf("HTTP %d", httpStatus(err))
}

// Explain turns the STS errors people meet into sentences that say what to do (an *Error).
func Explain(r Request, err error) error {
	if e, ok := transient(r, "GetSessionToken", err); ok {
		return e
	}
	switch k := classify(err); k {
	case BadCode:
		return explained(k, err, ErrBadCode, "profile %s: %v for device %s (wrong, expired or already used; check the clock if this repeats)", r.Profile, ErrBadCode, r.Device)
	case NotYourDevice:
		return explained(k, err, ErrNotYourDevice, "profile %s: device %s is %v: since November 2022 a device is named when it is created, so mfa/USERNAME may be wrong; list yours with `aws iam list-mfa-devices`", r.Profile, r.Device, ErrNotYourDevice)
	case UnknownKey, BadSignature:
		return explained(k, err, nil, "profile %s: AWS does not accept the long-term keys of profile %s: store working ones with `mfacred add %s`", r.Profile, r.Source, shellword.Quote(r.Source))
	default:
		return explained(k, err, nil, "profile %s: GetSessionToken with device %s: %v", r.Profile, r.Device, err)
	}
}

// KeysRejected reports whether AWS refused the keys a request was signed with: an unknown
// access key id, or a secret that does not match it.
func KeysRejected(err error) bool {
	k := classify(err)
	return k == UnknownKey || k == BadSignature
}

// ExplainRole explains AssumeRole's errors (an *Error).
func ExplainRole(r Request, err error) error {
	if e, ok := transient(r, "AssumeRole", err); ok {
		return e
	}
	switch k := classify(err); {
	case k == BadCode, k == NotYourDevice, k == MFAFailed:
		return Explain(r, err)
	case k == ChainingCap:
		return explained(k, err, nil, "profile %s: role %s: a role assumed with an MFA session is role chaining, which AWS caps at 3600 seconds: set mfacred_role_duration_seconds = 3600 or less, or mfacred_role_direct = true", r.Profile, r.Role.ARN)
	case k == MaxDuration:
		return explained(k, err, nil, "profile %s: role %s allows shorter sessions than %d seconds (its MaxSessionDuration): lower mfacred_role_duration_seconds or raise the role's limit", r.Profile, r.Role.ARN, r.Role.Duration)
	case k == RoleRefused, k == Denied:
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
	case k == ExpiredToken, k == UnknownKey && !r.Role.Direct:
		return explained(k, err, nil, "profile %s: AWS refused the cached MFA session of profile %s (revoked?): run `mfacred clear --profile %s` and try again", r.Profile, r.Source, shellword.Quote(r.Source))
	case k == UnknownKey, k == BadSignature:
		return Explain(r, err)
	default:
		return explained(k, err, nil, "profile %s: AssumeRole %s: %v", r.Profile, r.Role.ARN, err)
	}
}
