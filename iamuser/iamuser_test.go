package iamuser_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mfacred/mfacred/awsclient"
	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/iamuser"
	"github.com/mfacred/mfacred/localsts"
)

// lookup runs Find against the local STS/IAM with the user's keys (secret: its secret, unless
// given) and one injected fault.
func lookup(t *testing.T, fault *localsts.Fault, secret ...string) (iamuser.Devices, error) {
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
	keys := cache.Credentials{AccessKeyID: user.AccessKeyID, SecretAccessKey: user.SecretAccessKey}
	if len(secret) > 0 {
		keys.SecretAccessKey = secret[0]
	}
	cfg, err := awsclient.Config(context.Background(), awsclient.Target{}, keys)
	if err != nil {
		t.Fatal(err)
	}
	return iamuser.Find(context.Background(), cfg, findLimit)
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

// findLimit bounds Find in these tests: long enough for a loaded machine, short enough that a
// hang is seen.
const findLimit = 3 * time.Second

// Keys AWS refuses are ErrRejected, and nothing is listed.
func TestFindRejectedKeys(t *testing.T) {
	d, err := lookup(t, nil, "wrong-secret-wrong-secret-wrong")
	if !errors.Is(err, iamuser.ErrRejected) || errors.Is(err, iamuser.ErrTimedOut) || d.User != "" {
		t.Fatalf("devices %+v, err = %v; want ErrRejected", d, err)
	}
}

// An endpoint that does not answer is ErrTimedOut once the bound has passed, for either call.
func TestFindTimesOut(t *testing.T) {
	for _, action := range []string{"GetCallerIdentity", "ListMFADevices"} {
		t.Run(action, func(t *testing.T) {
			start := time.Now()
			_, err := lookup(t, &localsts.Fault{Action: action, Hang: time.Minute})
			if !errors.Is(err, iamuser.ErrTimedOut) || errors.Is(err, iamuser.ErrRejected) {
				t.Fatalf("err = %v; want ErrTimedOut", err)
			}
			if took := time.Since(start); took < findLimit {
				t.Fatalf("timed out after %s, before the bound of %s", took, findLimit)
			}
		})
	}
}

// Choose: the named device if it is the user's, else the only one; several need a person.
func TestChoose(t *testing.T) {
	const phone, tablet = "arn:aws:iam::1:mfa/phone", "arn:aws:iam::1:mfa/tablet"
	one := iamuser.Devices{User: "u", Usable: []string{phone}}
	two := iamuser.Devices{User: "u", Usable: []string{phone, tablet}}
	none := iamuser.Devices{User: "u", FIDO: []string{"arn:aws:iam::1:u2f/key"}}
	for _, tc := range []struct {
		name   string
		d      iamuser.Devices
		serial string
		want   string
		errs   []error
	}{
		{"only one", one, "", phone, nil},
		{"named", two, tablet, tablet, nil},
		{"several", two, "", "", []error{iamuser.ErrSeveral}},
		{"not theirs", two, "arn:aws:iam::1:mfa/other", "", []error{iamuser.ErrNotTheirs}},
		{"FIDO named", none, "arn:aws:iam::1:u2f/key", "", []error{iamuser.ErrNotTheirs, iamuser.ErrNoUsable}},
		{"none usable", none, "", "", []error{iamuser.ErrNoUsable}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.d.Choose(tc.serial)
			if got != tc.want || (err == nil) != (len(tc.errs) == 0) {
				t.Fatalf("Choose(%q) = %q, %v; want %q, %v", tc.serial, got, err, tc.want, tc.errs)
			}
			for _, want := range tc.errs {
				if !errors.Is(err, want) {
					t.Fatalf("Choose(%q): %v is not %v", tc.serial, err, want)
				}
			}
		})
	}
}
