package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// devices are an IAM user's MFA devices, as ListMFADevices reports them.
type devices struct {
	User string // the caller's ARN
	// Usable are the serials STS accepts: virtual and hardware TOTP devices.
	Usable []string
	// FIDO are security keys and passkeys (arn:...:u2f/...), which work only in the console.
	FIDO []string
}

// listDevices asks AWS who the keys belong to and which MFA devices that user has. Both calls
// work without MFA: GetCallerIdentity always, ListMFADevices for oneself under AWS's
// self-manage-MFA example policy (docs/aws-contract.md §4).
func listDevices(ctx context.Context, cfg aws.Config) (devices, error) {
	user, err := whoAmI(ctx, cfg)
	if err != nil {
		return devices{}, err
	}
	return listDevicesOf(ctx, cfg, user)
}

// whoAmI returns the ARN the keys of cfg belong to.
func whoAmI(ctx context.Context, cfg aws.Config) (string, error) {
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", err
	}
	return aws.ToString(id.Arn), nil
}

// listDevicesOf lists the MFA devices of the caller, whose ARN is user.
func listDevicesOf(ctx context.Context, cfg aws.Config, user string) (devices, error) {
	d := devices{User: user}
	pages := iam.NewListMFADevicesPaginator(iam.NewFromConfig(cfg), &iam.ListMFADevicesInput{})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return d, fmt.Errorf("list the MFA devices of %s: %w", d.User, err)
		}
		for _, dev := range page.MFADevices {
			s := aws.ToString(dev.SerialNumber)
			if strings.Contains(s, ":u2f/") {
				d.FIDO = append(d.FIDO, s)
			} else {
				d.Usable = append(d.Usable, s)
			}
		}
	}
	return d, nil
}

// has reports whether serial is one of the usable devices.
func (d devices) has(serial string) bool {
	for _, s := range d.Usable {
		if s == serial {
			return true
		}
	}
	return false
}

// deviceName is the name a user gave a virtual device: what follows mfa/ in its ARN.
func deviceName(serial string) string {
	if i := strings.Index(serial, ":mfa/"); i >= 0 {
		return serial[i+len(":mfa/"):]
	}
	return serial
}

// list formats the usable devices as "NAME (SERIAL), ...".
func (d devices) list() string {
	var parts []string
	for _, s := range d.Usable {
		parts = append(parts, deviceName(s)+" ("+s+")")
	}
	return strings.Join(parts, ", ")
}
