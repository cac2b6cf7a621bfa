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
	"github.com/mfacred/mfacred/internal/shellword"
)

// Prove is setup's last step: it gets the profile's session as the SDKs will (s.Credentials,
// which spends a code) and asks AWS who that session is (GetCallerIdentity with it). It returns
// the ARN and the session.
func (s *Setup) Prove(ctx context.Context, profile string) (string, cache.Entry, error) {
	p, session, err := s.Credentials(ctx, profile)
	if err != nil {
		return "", session, fmt.Errorf("%w (the profile is written; fix this and run `mfacred doctor --profile %s`)", err, shellword.Quote(profile))
	}
	arn, err := whoIs(ctx, p, session)
	return arn, session, err
}

// whoIs asks AWS who the session credentials of profile p are.
func whoIs(ctx context.Context, p *awsconfig.Profile, session cache.Entry) (string, error) {
	client, err := awsclient.STS(ctx, awsclient.For(p), session.Credentials)
	if err != nil {
		return "", err
	}
	arn, err := iamuser.Verify(ctx, client, deadline.Call)
	switch {
	case errors.Is(err, iamuser.ErrTimedOut):
		return "", fmt.Errorf("profile %s: STS did not answer GetCallerIdentity with the new session within %s (the profile is written; run `mfacred doctor --profile %s`)", p.Name, deadline.Call, shellword.Quote(p.Name))
	case err != nil:
		return "", fmt.Errorf("profile %s: the new session does not work: %w", p.Name, err)
	}
	return arn, nil
}
