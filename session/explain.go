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

// apiError is the AWS error in err's chain: its code (InvalidClientTokenId, AccessDenied...)
// and message. ok is false for errors AWS did not send (docs/aws-contract.md §4).
func apiError(err error) (code, message string, ok bool) {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return "", "", false
	}
	return ae.ErrorCode(), ae.ErrorMessage(), true
}

// awsSays reports whether AWS answered with the error code and a message containing phrase.
// It is the one place mfacred reads AWS's words: only where one code covers several failures
// that need different advice (AccessDenied for a wrong code and for a wrong device;
// ValidationError for the role chaining cap and for a role's own limit) and AWS gives nothing
// but the message to tell them apart (docs/aws-contract.md §4). Everything else branches on
// the code alone.
func awsSays(err error, code, phrase string) bool {
	c, msg, ok := apiError(err)
	return ok && c == code && strings.Contains(msg, phrase)
}

// httpStatus is the HTTP status of the answer in err's chain, 0 if there was none.
func httpStatus(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// ErrSTSUnavailable is wrapped by the errors of a refresh that failed through nobody's fault in
// the request: STS (or a proxy in between) did not answer in time, throttled, or failed on its
// side, still after the SDK's retries. A caller may serve a session that is still valid instead.
var ErrSTSUnavailable = errors.New("STS unavailable")

// sentence is an error worded for a person that still tells callers its kind.
type sentence struct {
	text string
	kind error
}

func (s sentence) Error() string { return s.text }
func (s sentence) Unwrap() error { return s.kind }

// transient explains the failures that are nobody's fault in the request: a hanging STS,
// throttling, AWS's own errors. ok is false for anything else.
func transient(r Request, op string, err error) (error, bool) {
	code, _, _ := apiError(err)
	_, throttled := retry.DefaultThrottleErrorCodes[code]
	status := httpStatus(err)
	var text string
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		text = fmt.Sprintf("profile %s: STS did not answer %s within %s: check the network, a proxy (HTTPS_PROXY) or AWS_ENDPOINT_URL_STS", r.Profile, op, deadline.Call)
	case throttled || status == http.StatusTooManyRequests:
		text = fmt.Sprintf("profile %s: STS throttled %s, still after retries: try again in a minute (%s)", r.Profile, op, awsText(err, status))
	case status >= 500:
		text = fmt.Sprintf("profile %s: STS failed %s on its side, still after retries: try again shortly (%s)", r.Profile, op, awsText(err, status))
	default:
		return nil, false
	}
	return sentence{text, ErrSTSUnavailable}, true
}

// awsText is what AWS said: the error code and message, else the HTTP status.
func awsText(err error, status int) string {
	if code, msg, ok := apiError(err); ok {
		return code + ": " + msg
	}
	return fmt.Sprintf("HTTP %d", status)
}

// Explain turns the STS errors people meet into sentences that say what to do.
func Explain(r Request, err error) error {
	if e, ok := transient(r, "GetSessionToken", err); ok {
		return e
	}
	switch {
	// AWS names both MFA failures AccessDenied; only the message tells them apart.
	case awsSays(err, "AccessDenied", "invalid MFA one time pass code"):
		return fmt.Errorf("profile %s: %w for device %s (wrong, expired or already used; check the clock if this repeats)", r.Profile, ErrBadCode, r.Device)
	case awsSays(err, "AccessDenied", "verify your MFA serial number"):
		return fmt.Errorf("profile %s: device %s is %w: since November 2022 a device is named when it is created, so mfa/USERNAME may be wrong; list yours with `aws iam list-mfa-devices`", r.Profile, r.Device, ErrNotYourDevice)
	case KeysRejected(err):
		return fmt.Errorf("profile %s: AWS does not accept the long-term keys of profile %s: store working ones with `mfacred add %s`", r.Profile, r.Source, shellword.Quote(r.Source))
	}
	return fmt.Errorf("profile %s: GetSessionToken with device %s: %w", r.Profile, r.Device, err)
}

// KeysRejected reports whether AWS refused the keys a request was signed with: an unknown
// access key id, or a secret that does not match it.
func KeysRejected(err error) bool {
	code, _, _ := apiError(err)
	return code == "InvalidClientTokenId" || code == "SignatureDoesNotMatch"
}

// ExplainRole explains AssumeRole's errors.
func ExplainRole(r Request, err error) error {
	if e, ok := transient(r, "AssumeRole", err); ok {
		return e
	}
	code, _, _ := apiError(err)
	switch {
	case awsSays(err, "AccessDenied", "MultiFactorAuthentication failed"):
		return Explain(r, err)
	// Both duration refusals are ValidationError; only the message tells which limit was hit.
	case awsSays(err, "ValidationError", "1 hour session limit"):
		return fmt.Errorf("profile %s: role %s: a role assumed with an MFA session is role chaining, which AWS caps at 3600 seconds: set mfacred_role_duration_seconds = 3600 or less, or mfacred_role_direct = true", r.Profile, r.Role.ARN)
	case awsSays(err, "ValidationError", "MaxSessionDuration"):
		return fmt.Errorf("profile %s: role %s allows shorter sessions than %d seconds (its MaxSessionDuration): lower mfacred_role_duration_seconds or raise the role's limit", r.Profile, r.Role.ARN, r.Role.Duration)
	case code == "AccessDenied":
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
		return fmt.Errorf("profile %s: AWS refused to let you assume role %s %s: check the role's trust policy (%s)", r.Profile, r.Role.ARN, how, what)
	case code == "ExpiredToken", code == "InvalidClientTokenId" && !r.Role.Direct:
		return fmt.Errorf("profile %s: AWS refused the cached MFA session of profile %s (revoked?): run `mfacred clear --profile %s` and try again", r.Profile, r.Source, shellword.Quote(r.Source))
	case KeysRejected(err):
		return Explain(r, err)
	}
	return fmt.Errorf("profile %s: AssumeRole %s: %w", r.Profile, r.Role.ARN, err)
}
