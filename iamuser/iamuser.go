// Package iamuser asks AWS about the IAM user whose keys sign the call: who it is
// (sts:GetCallerIdentity) and which MFA devices it has (iam:ListMFADevices). Both work
// without MFA, the second under AWS's self-manage-MFA example policy (docs/aws-contract.md §4),
// so setup and doctor can ask before any session exists.
package iamuser

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/mfacred/mfacred/awsconfig"
)

// ErrListDenied is returned when the user may not list its own MFA devices.
var ErrListDenied = errors.New("not allowed to list its MFA devices (iam:ListMFADevices)")

// Devices are an IAM user's MFA devices, as ListMFADevices reports them.
type Devices struct {
	User string // the caller's ARN
	// Usable are the serials STS accepts: virtual and hardware TOTP devices.
	Usable []string
	// FIDO are security keys and passkeys (arn:...:u2f/...), which work only in the console.
	FIDO []string
}

// Identity is the part of the STS client WhoAmI needs.
type Identity interface {
	GetCallerIdentity(ctx context.Context, in *sts.GetCallerIdentityInput, opts ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

// WhoAmI returns the ARN the keys of client belong to.
func WhoAmI(ctx context.Context, client Identity) (string, error) {
	id, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", err
	}
	return aws.ToString(id.Arn), nil
}

// List lists the MFA devices of the caller, whose ARN is user.
func List(ctx context.Context, client iam.ListMFADevicesAPIClient, user string) (Devices, error) {
	d := Devices{User: user}
	pages := iam.NewListMFADevicesPaginator(client, &iam.ListMFADevicesInput{})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			var ae smithy.APIError
			if errors.As(err, &ae) && ae.ErrorCode() == "AccessDenied" {
				return d, fmt.Errorf("list the MFA devices of %s: %w: %w", d.User, ErrListDenied, err)
			}
			return d, fmt.Errorf("list the MFA devices of %s: %w", d.User, err)
		}
		for _, dev := range page.MFADevices {
			s := aws.ToString(dev.SerialNumber)
			if awsconfig.IsFIDO(s) {
				d.FIDO = append(d.FIDO, s)
			} else {
				d.Usable = append(d.Usable, s)
			}
		}
	}
	return d, nil
}

// Has reports whether serial is one of the usable devices.
func (d Devices) Has(serial string) bool {
	for _, s := range d.Usable {
		if s == serial {
			return true
		}
	}
	return false
}

// DeviceName is the name a user gave a virtual device: what follows mfa/ in its ARN.
func DeviceName(serial string) string {
	if i := strings.Index(serial, ":mfa/"); i >= 0 {
		return serial[i+len(":mfa/"):]
	}
	return serial
}

// String formats the usable devices as "NAME (SERIAL), ...".
func (d Devices) String() string {
	var parts []string
	for _, s := range d.Usable {
		parts = append(parts, DeviceName(s)+" ("+s+")")
	}
	return strings.Join(parts, ", ")
}
