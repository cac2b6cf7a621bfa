package iampolicy

import (
	"os"
	"testing"
)

// Reading and checking a policy never panics; a document that parses writes out as JSON that
// parses to the same findings.
func FuzzPolicy(f *testing.F) {
	for _, name := range []string{"testdata/single-device-era.json", "testdata/named-devices-fixed.json"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	for _, s := range []string{
		`{"Statement": {"Effect": "Deny", "NotAction": "iam:*", "Resource": "*", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": false}}}}`,
		`{"Statement": [{"Effect": "Allow", "Action": ["iam:*MFA*"], "Resource": ["arn:aws:iam::*:mfa/${aws:username}"]}]}`,
		`{"Statement": []}`, `{}`, `[`, `{"Statement": [{"Effect": "Allow", "Action": 1}]}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		d, err := Parse([]byte(doc))
		if err != nil {
			return
		}
		findings := Check(d)
		back, err := Parse(d.JSON())
		if err != nil {
			t.Fatalf("written JSON does not parse: %v\n%s", err, d.JSON())
		}
		if again := Check(back); len(again) != len(findings) {
			t.Fatalf("findings %v after a round trip, were %v", again, findings)
		}
	})
}
