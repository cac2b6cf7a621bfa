package iampolicy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func check(t *testing.T, doc string) []string {
	t.Helper()
	d, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range Check(d) {
		out = append(out, f.String())
	}
	return out
}

func TestSharedFixtures(t *testing.T) {
	// Copies of ../shared/fixtures/policies, so that a clone of this repo alone can test them.
	dir := "testdata"
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("fixture: %v", err)
		}
		return string(b)
	}
	got := check(t, read("single-device-era.json"))
	want := `statement "AllowIndividualUserToManageTheirOwnMFA": iam:CreateVirtualMFADevice, iam:DeleteVirtualMFADevice limited to arn:aws:iam::*:mfa/${aws:username}: ` +
		`since November 2022 users name their MFA devices, and a device with any other name fails with AccessDenied; use arn:aws:iam::*:mfa/*`
	if len(got) != 1 || got[0] != want {
		t.Fatalf("single-device-era.json:\n%s\nwant\n%s", strings.Join(got, "\n"), want)
	}
	if got := check(t, read("named-devices-fixed.json")); len(got) != 0 {
		t.Fatalf("named-devices-fixed.json flagged:\n%s", strings.Join(got, "\n"))
	}
}

// The shapes real policies take: one statement as an object, strings for lists, wildcards,
// Null conditions, no Sid, other partitions.
func TestShapes(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		want      []string // substrings, one per finding
	}{
		{"one statement object, string action and resource",
			`{"Statement": {"Sid": "S", "Effect": "Allow", "Action": "iam:CreateVirtualMFADevice", "Resource": "arn:aws-us-gov:iam::*:mfa/${aws:username}"}}`,
			[]string{`statement "S": iam:CreateVirtualMFADevice limited to arn:aws-us-gov:iam::*:mfa/${aws:username}` + ": since November 2022 users name their MFA devices, and a device with any other name fails with AccessDenied; use arn:aws-us-gov:iam::*:mfa/*"}},
		{"wildcard action, no Sid",
			`{"Statement": [{"Effect": "Allow", "Action": ["iam:*VirtualMFADevice"], "Resource": ["arn:aws:iam::123456789012:mfa/${aws:username}"]}]}`,
			[]string{"statement #1 (no Sid): iam:CreateVirtualMFADevice, iam:DeleteVirtualMFADevice limited to"}},
		{"a wider resource beside it is fine",
			`{"Statement": [{"Effect": "Allow", "Action": "iam:*", "Resource": ["arn:aws:iam::*:mfa/${aws:username}", "arn:aws:iam::*:mfa/*"]}]}`, nil},
		{"Resource * is fine",
			`{"Statement": [{"Effect": "Allow", "Action": "iam:CreateVirtualMFADevice", "Resource": "*"}]}`, nil},
		{"username prefix still limits",
			`{"Statement": [{"Effect": "Allow", "Action": "iam:CreateVirtualMFADevice", "Resource": "arn:aws:iam::*:mfa/${aws:username}-*"}]}`,
			[]string{"limited to arn:aws:iam::*:mfa/${aws:username}-*"}},
		{"Bool on a Deny",
			`{"Statement": [{"Sid": "D", "Effect": "Deny", "NotAction": ["iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:ListMFADevices"], "Resource": "*", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}]}`,
			[]string{`statement "D": uses "Bool" on aws:MultiFactorAuthPresent: requests signed with long-term access keys carry no such key, so this Deny never applies to them; use "BoolIfExists"`}},
		{"Bool true on an Allow is fine",
			`{"Statement": [{"Effect": "Allow", "Action": "iam:DeactivateMFADevice", "Resource": "*", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": true}}}]}`, nil},
		{"NotAction without the enroll actions",
			`{"Statement": [{"Sid": "D", "Effect": "Deny", "NotAction": "iam:ChangePassword", "Resource": "*", "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": ["false"]}}}]}`,
			[]string{`statement "D": denies iam:CreateVirtualMFADevice, iam:EnableMFADevice, iam:ListMFADevices without MFA`}},
		{"NotAction with a wildcard covering them",
			`{"Statement": [{"Effect": "Deny", "NotAction": ["iam:*MFADevice*"], "Resource": "*", "Condition": {"BoolIfExists": {"aws:multifactorauthpresent": "false"}}}]}`, nil},
		{"Deny * on Null",
			`{"Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"Null": {"aws:MultiFactorAuthPresent": "true"}}}]}`,
			[]string{"statement #1 (no Sid): denies iam:CreateVirtualMFADevice, iam:EnableMFADevice, iam:ListMFADevices without MFA"}},
		{"Deny of something else is none of our business",
			`{"Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}]}`, nil},
		{"both problems in one statement",
			`{"Statement": [{"Sid": "D", "Effect": "Deny", "NotAction": "iam:ListMFADevices", "Resource": "*", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}]}`,
			[]string{`uses "Bool"`, "denies iam:CreateVirtualMFADevice, iam:EnableMFADevice without MFA"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := check(t, tc.doc)
			if len(got) != len(tc.want) {
				t.Fatalf("findings:\n%s\nwant %d", strings.Join(got, "\n"), len(tc.want))
			}
			for i := range got {
				if !strings.Contains(got[i], tc.want[i]) {
					t.Errorf("finding %q\nwant it to contain %q", got[i], tc.want[i])
				}
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	for doc, want := range map[string]string{
		`{"Statement": [`:                                    "not an IAM policy document: unexpected EOF",
		`{"Version": "2012-10-17"}`:                          "no Statement",
		`{"Statement": [{"Effect": "Maybe"}]}`:               `statement #1 (no Sid): Effect "Maybe": want Allow or Deny`,
		`{"Statement": [{"Effect": "Allow", "Action": {}}]}`: "want a string or a list of strings",
	} {
		if _, err := Parse([]byte(doc)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%s) = %v, want %q", doc, err, want)
		}
	}
}

// AWS's example passes its own check in every partition, and reads back as it was written.
func TestSelfManage(t *testing.T) {
	for _, p := range Partitions {
		d, err := SelfManage(p)
		if err != nil {
			t.Fatal(err)
		}
		out := d.JSON()
		back, err := Parse(out)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if f := Check(back); len(f) != 0 {
			t.Fatalf("%s: findings %v", p, f)
		}
		if string(back.JSON()) != string(out) {
			t.Fatalf("%s: does not round-trip", p)
		}
		if !strings.Contains(string(out), `"arn:`+p+`:iam::*:mfa/*"`) || !strings.Contains(string(out), `"arn:`+p+`:iam::*:user/${aws:username}"`) {
			t.Fatalf("%s: ARNs\n%s", p, out)
		}
	}
	if _, err := SelfManage("aws-mars"); err == nil {
		t.Fatal("unknown partition accepted")
	}
}

func TestGlob(t *testing.T) {
	for _, tc := range []struct {
		p, s string
		ok   bool
	}{
		{"*", "anything", true}, {"iam:*", "iam:x", true}, {"iam:*mfa*", "iam:createvirtualmfadevice", true},
		{"iam:list?fadevices", "iam:listmfadevices", true}, {"iam:get*", "iam:createx", false}, {"", "x", false}, {"a*b*c", "aXbYc", true}, {"a*b*c", "aXbY", false},
	} {
		if glob(tc.p, tc.s) != tc.ok {
			t.Errorf("glob(%q, %q) != %v", tc.p, tc.s, tc.ok)
		}
	}
}
