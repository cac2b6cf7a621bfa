package setup

import (
	"context"
	"errors"
	"fmt"

	"github.com/mfacred/mfacred/awsclient"
	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/deadline"
	"github.com/mfacred/mfacred/iamuser"
)

// Prove asks AWS who the new session of profile p is (GetCallerIdentity with it): the last
// step of setup, after the session was got as the SDKs will get it (process).
func Prove(ctx context.Context, p *awsconfig.Profile, session cache.Entry) (string, error) {
	client, err := awsclient.STS(ctx, awsclient.For(p), session.Credentials)
	if err != nil {
		return "", err
	}
	arn, err := iamuser.Verify(ctx, client, deadline.Call)
	switch {
	case errors.Is(err, iamuser.ErrTimedOut):
		return "", fmt.Errorf("profile %s: STS did not answer GetCallerIdentity with the new session within %s (the profile is written; run `mfacred doctor --profile %s`)", p.Name, deadline.Call, p.Name)
	case err != nil:
		return "", fmt.Errorf("profile %s: the new session does not work: %w", p.Name, err)
	}
	return arn, nil
}
