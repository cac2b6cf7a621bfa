package iamuser_test

import (
	"context"
	"errors"
	"testing"

	"github.com/mfacred/mfacred/awsclient"
	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/iamuser"
	"github.com/mfacred/mfacred/localsts"
)

func lookup(t *testing.T, fault *localsts.Fault) (iamuser.Devices, error) {
	t.Helper()
	user := localsts.User{
		Name: "alice", Account: "123456789012",
		AccessKeyID: "AKIAIAMUSERTEST00001", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYiamuser",
		Devices: []localsts.Device{
			{Serial: "arn:aws:iam::123456789012:mfa/phone", Seed: "JBSWY3DPEHPK3PXP"},
			{Serial: "arn:aws:iam::123456789012:u2f/user/alice/key-ABC"},
		},
	}
	srv := localsts.New(user)
	t.Cleanup(srv.Close)
	if fault != nil {
		srv.Inject(*fault)
	}
	t.Setenv("AWS_ENDPOINT_URL_STS", srv.URL)
	t.Setenv("AWS_ENDPOINT_URL_IAM", srv.URL)
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	cfg, err := awsclient.Config(context.Background(), awsclient.Target{}, cache.Credentials{AccessKeyID: user.AccessKeyID, SecretAccessKey: user.SecretAccessKey})
	if err != nil {
		t.Fatal(err)
	}
	return iamuser.Lookup(context.Background(), cfg)
}

// Against the local STS/IAM: who the keys belong to, and the devices STS can use, with FIDO
// keys apart.
func TestLookup(t *testing.T) {
	d, err := lookup(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d.User != "arn:aws:iam::123456789012:user/alice" || len(d.Usable) != 1 || len(d.FIDO) != 1 ||
		!d.Has("arn:aws:iam::123456789012:mfa/phone") || d.Has(d.FIDO[0]) {
		t.Fatalf("devices %+v", d)
	}
	if got, want := d.String(), "phone (arn:aws:iam::123456789012:mfa/phone)"; got != want {
		t.Fatalf("String() = %q, want %q", got, want)
	}
}

// A user who may not list its devices gets ErrListDenied, from the error code alone.
func TestListDenied(t *testing.T) {
	_, err := lookup(t, &localsts.Fault{Action: "ListMFADevices", Status: 403, Code: "AccessDenied", Message: "User is not authorized to perform this operation"})
	if !errors.Is(err, iamuser.ErrListDenied) {
		t.Fatalf("err = %v, want ErrListDenied", err)
	}
	_, err = lookup(t, &localsts.Fault{Action: "ListMFADevices", Status: 400, Code: "ValidationError", Message: "AccessDenied in the message only"})
	if err == nil || errors.Is(err, iamuser.ErrListDenied) {
		t.Fatalf("err = %v: a message that mentions AccessDenied is not the code", err)
	}
}
