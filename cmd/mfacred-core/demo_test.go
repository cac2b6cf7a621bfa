package main

import (
	"bytes"
	"os"
	"testing"
)

// The demo's policy is the policy package's fixture of the single-device era, byte for byte.
func TestDemoPolicyIsTheFixture(t *testing.T) {
	fixture, err := os.ReadFile("../../policy/testdata/single-device-era.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(fixture, demoPolicy) {
		t.Fatal("cmd/mfacred-core/demo-policy.json differs from policy/testdata/single-device-era.json: copy it again")
	}
}

// Only the demo's own settings reach its children: the user's profile, keys, endpoints and
// namespace are dropped; the keyring choice is kept.
func TestDemoEnv(t *testing.T) {
	got := demoEnv([]string{"HOME=/h", "AWS_PROFILE=work", "AWS_ACCESS_KEY_ID=AKIA", "MFACRED_NAMESPACE=x", "MFACRED_KEYRING=kernel", "PATH=/bin"}, "AWS_REGION=us-east-1")
	want := []string{"HOME=/h", "MFACRED_KEYRING=kernel", "PATH=/bin", "AWS_REGION=us-east-1"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}
