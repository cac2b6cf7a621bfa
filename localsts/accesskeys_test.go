package localsts_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/mfacred/mfacred/localsts"
)

const seed = "JBSWY3DPEHPK3PXP"

var alice = localsts.User{
	Name: "alice", Account: "123456789012",
	AccessKeyID: "AKIAKEYSTEST0000001", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYkeystest",
	Devices: []localsts.Device{{Serial: "arn:aws:iam::123456789012:mfa/phone", Seed: seed}},
}

var bob = localsts.User{
	Name: "bob", Account: "123456789012",
	AccessKeyID: "AKIAKEYSTEST0000002", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYbobsecret",
}

func config(srv *localsts.Server, id, secret, token string) aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(id, secret, token),
		BaseEndpoint: aws.String(srv.URL),
		Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
	}
}

// session is an MFA session of alice's first key, made with GetSessionToken and a code.
func session(t *testing.T, srv *localsts.Server, mfa bool) aws.Config {
	t.Helper()
	in := &sts.GetSessionTokenInput{}
	if mfa {
		in.SerialNumber, in.TokenCode = aws.String(alice.Devices[0].Serial), aws.String(localsts.Code(seed, time.Now()))
	}
	out, err := sts.NewFromConfig(config(srv, alice.AccessKeyID, alice.SecretAccessKey, "")).GetSessionToken(t.Context(), in)
	if err != nil {
		t.Fatal(err)
	}
	c := out.Credentials
	return config(srv, *c.AccessKeyId, *c.SecretAccessKey, *c.SessionToken)
}

func code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func works(ctx context.Context, srv *localsts.Server, id, secret string) error {
	_, err := sts.NewFromConfig(config(srv, id, secret, "")).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	return err
}

// The SDK's IAM client creates, lists and deletes a user's keys: two at most; a deleted key is
// refused at once while the session made with it still works; a new key is refused until its
// delay has passed.
func TestAccessKeys(t *testing.T) {
	srv := localsts.New(alice, bob)
	t.Cleanup(srv.Close)
	ctx := t.Context()
	client := iam.NewFromConfig(session(t, srv, true))

	srv.SetKeyDelay(300 * time.Millisecond)
	made, err := client.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	id, secret := *made.AccessKey.AccessKeyId, *made.AccessKey.SecretAccessKey
	if *made.AccessKey.UserName != "alice" || !slices.Contains(srv.Secrets(), secret) {
		t.Fatalf("made %+v; its secret must be among the server's secrets for leak scans", made.AccessKey)
	}
	if err := works(ctx, srv, id, secret); code(err) != "InvalidClientTokenId" {
		t.Fatalf("a new key within its delay: %v, want InvalidClientTokenId", err)
	}
	time.Sleep(400 * time.Millisecond)
	if err := works(ctx, srv, id, secret); err != nil {
		t.Fatalf("a new key after its delay: %v", err)
	}
	if srv.Caller(id) != "arn:aws:iam::123456789012:user/alice" {
		t.Fatalf("Caller(%s) = %q", id, srv.Caller(id))
	}

	list, err := client.ListAccessKeys(ctx, &iam.ListAccessKeysInput{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, k := range list.AccessKeyMetadata {
		ids = append(ids, *k.AccessKeyId)
	}
	if !slices.Equal(ids, []string{alice.AccessKeyID, id}) || !slices.Equal(srv.AccessKeys(id), ids) {
		t.Fatalf("listed %v, want the first key then the new one", ids)
	}
	if _, err := client.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{}); code(err) != "LimitExceeded" {
		t.Fatalf("a third key: %v, want LimitExceeded", err)
	}

	// Another user's key is not found, and another user's name is denied.
	if _, err := client.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{AccessKeyId: aws.String(bob.AccessKeyID)}); code(err) != "NoSuchEntity" {
		t.Fatalf("delete bob's key as alice: %v, want NoSuchEntity", err)
	}
	if _, err := client.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: aws.String("bob")}); code(err) != "AccessDenied" {
		t.Fatalf("list bob's keys as alice: %v, want AccessDenied", err)
	}

	// The first key deleted with the session it made: refused at once, the session lives on.
	if _, err := client.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{AccessKeyId: aws.String(alice.AccessKeyID)}); err != nil {
		t.Fatal(err)
	}
	if err := works(ctx, srv, alice.AccessKeyID, alice.SecretAccessKey); code(err) != "InvalidClientTokenId" {
		t.Fatalf("a deleted key: %v, want InvalidClientTokenId", err)
	}
	if _, err := client.ListAccessKeys(ctx, &iam.ListAccessKeysInput{}); err != nil {
		t.Fatalf("the session of a deleted key: %v", err)
	}
	if got := srv.AccessKeys(id); !slices.Equal(got, []string{id}) {
		t.Fatalf("keys left %v, want only %s", got, id)
	}
	if works(ctx, srv, bob.AccessKeyID, bob.SecretAccessKey) != nil {
		t.Fatal("bob's key stopped working")
	}
}

// Without an MFA session the key actions are denied (deny unless MFA), with long-term keys
// and with a session made without a code alike; nothing changes.
func TestAccessKeysNeedMFA(t *testing.T) {
	srv := localsts.New(alice)
	t.Cleanup(srv.Close)
	ctx := t.Context()
	for name, cfg := range map[string]aws.Config{
		"long-term keys":      config(srv, alice.AccessKeyID, alice.SecretAccessKey, ""),
		"session without MFA": session(t, srv, false),
	} {
		client := iam.NewFromConfig(cfg)
		_, err1 := client.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{})
		_, err2 := client.ListAccessKeys(ctx, &iam.ListAccessKeysInput{})
		_, err3 := client.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{AccessKeyId: aws.String(alice.AccessKeyID)})
		for _, err := range []error{err1, err2, err3} {
			if code(err) != "AccessDenied" {
				t.Errorf("%s: %v, want AccessDenied", name, err)
			}
		}
	}
	if got := srv.AccessKeys(alice.AccessKeyID); !slices.Equal(got, []string{alice.AccessKeyID}) {
		t.Fatalf("keys %v after denied calls", got)
	}
}
