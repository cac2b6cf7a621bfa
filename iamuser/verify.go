package iamuser

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/mfacred/mfacred/awserr"
	"github.com/mfacred/mfacred/deadline"
)

// ErrRejected is returned by Verify when AWS does not accept the keys (a wrong access key id
// or secret, or a deleted key).
var ErrRejected = errors.New("AWS does not accept the keys")

// ErrTimedOut is returned by Verify and Find when AWS did not answer within their bound.
var ErrTimedOut = errors.New("AWS did not answer")

// Verify asks AWS whose keys sign client's calls (sts:GetCallerIdentity: no MFA and no
// permission needed), within limit. It is the one check of long-term keys that setup, add and
// doctor make: keys AWS refuses are ErrRejected, no answer within limit is ErrTimedOut.
func Verify(ctx context.Context, client Identity, limit time.Duration) (string, error) {
	call, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	arn, err := WhoAmI(call, client)
	switch {
	case err == nil:
		return arn, nil
	case awserr.KeysRejected(err):
		return "", fmt.Errorf("%w: %w", ErrRejected, err)
	case deadline.Expired(ctx, call):
		return "", fmt.Errorf("%w within %s (GetCallerIdentity): %w", ErrTimedOut, limit, err)
	}
	return "", err
}

// Find verifies the keys of cfg (Verify) and lists that user's MFA devices, both within limit.
func Find(ctx context.Context, cfg aws.Config, limit time.Duration) (Devices, error) {
	end := time.Now().Add(limit)
	user, err := Verify(ctx, sts.NewFromConfig(cfg), limit)
	if err != nil {
		return Devices{}, err
	}
	call, cancel := context.WithDeadline(ctx, end)
	defer cancel()
	d, err := List(call, iam.NewFromConfig(cfg), user)
	if err != nil && deadline.Expired(ctx, call) {
		return d, fmt.Errorf("%w within %s (ListMFADevices): %w", ErrTimedOut, limit, err)
	}
	return d, err
}

// ErrNotTheirs is returned by Choose for a serial that is not one of the user's usable devices.
var ErrNotTheirs = errors.New("not one of the user's MFA devices")

// ErrNoUsable is returned by Choose when the user has no device STS can use.
var ErrNoUsable = errors.New("no MFA device STS can use")

// ErrSeveral is returned by Choose when the user has several usable devices and none was
// named: the person must pick one.
var ErrSeveral = errors.New("several MFA devices")

// Choose picks the device to use: serial when it is one of the usable ones (none named: ""),
// else the only usable device.
func (d Devices) Choose(serial string) (string, error) {
	switch {
	case serial != "" && d.Has(serial):
		return serial, nil
	case serial != "" && len(d.Usable) == 0:
		return "", fmt.Errorf("%w: %w", ErrNotTheirs, ErrNoUsable)
	case serial != "":
		return "", ErrNotTheirs
	case len(d.Usable) == 0:
		return "", ErrNoUsable
	case len(d.Usable) == 1:
		return d.Usable[0], nil
	}
	return "", ErrSeveral
}
