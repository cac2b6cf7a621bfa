// Package awserr is the one reader of AWS's answer to a failed call (docs/aws-contract.md §4):
// what kind of failure it was (Classify), from its error code and HTTP status, and AWS's
// words only where one code covers failures that need different advice. Package session words
// the kinds for people (session/explain.go); iamuser asks whether keys were refused
// (KeysRejected) without depending on session's refresh flow.
package awserr

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
)

// Kind is what a failed call to AWS was, as Classify reads AWS's answer.
type Kind int

const (
	// Unclassified is none of the kinds below: the SDK's error is quoted as it is.
	Unclassified Kind = iota
	// TimedOut: AWS did not answer within the call's deadline.
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

// Unavailable reports whether k failed through nobody's fault in the request (package
// session wraps such failures in its ErrSTSUnavailable).
func (k Kind) Unavailable() bool { return k == TimedOut || k == Throttled || k == AWSFault }

// Classify is the one reader of AWS's answer to an STS call: its error code and HTTP status
// (docs/aws-contract.md §4), and, only where one code covers several failures that need
// different advice and AWS gives nothing but the message to tell them apart, its words:
// AccessDenied for a wrong code, a wrong device, another MFA failure and a trust policy that
// refused; ValidationError for the role chaining cap and a role's own limit.
func Classify(err error) Kind {
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

// KeysRejected reports whether AWS refused the keys a request was signed with: an unknown
// access key id, or a secret that does not match it.
func KeysRejected(err error) bool {
	k := Classify(err)
	return k == UnknownKey || k == BadSignature
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

// Code is the error code AWS answered with, "" if none: for a message to quote, never to
// branch on (Classify does).
func Code(err error) string {
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

// Text is what AWS said: the error code and message, else the HTTP status.
func Text(err error) string {
	if code, msg, ok := apiError(err); ok {
		return code + ": " + msg
	}
	return fmt.Sprintf("HTTP %d", httpStatus(err))
}
