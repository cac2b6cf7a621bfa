package e2e

import (
	"context"
	"testing"
)

// A damaged stored seed is named with its profile, device and the fix, before any code is
// spent (the TOTP library's own "Decoding of secret as base32 failed." said none of it).
func TestDamagedSeedNamesProfileAndFix(t *testing.T) {
	w := newWorld(t)
	w.writeConfig()
	w.addKeys()
	if err := w.store().PutSeed(context.Background(), w.serial, "NOT BASE32 !!"); err != nil {
		t.Fatal(err)
	}
	r := w.run(nil, nil, binary, "process", "--profile", w.profile)
	oneLineErr(t, r, "profile "+w.profile+": the seed stored for device "+w.serial+" is damaged", "mfacred totp set --profile "+w.profile)
	if n := w.sts.Count("GetSessionToken"); n != 0 {
		t.Fatalf("%d GetSessionToken with a damaged seed, want 0", n)
	}
}
