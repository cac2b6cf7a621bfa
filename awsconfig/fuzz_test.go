package awsconfig

import (
	"strings"
	"testing"
)

// Reading any config never panics, and what Resolve accepts is usable.
func FuzzResolve(f *testing.F) {
	for _, s := range []string{
		"[profile work]\nmfa_serial = arn:aws:iam::123456789012:mfa/phone\n",
		"[default]\nmfa_serial=GAKT12345678\nregion=eu-west-1\n",
		"[profile a]\nmfacred_source_profile = b\n[profile b]\nmfacred_source_profile = a\nmfa_serial = arn:aws:iam::1:mfa/x\n",
		"[profile p]\nmfacred_source_profile = work\nmfacred_role_arn = arn:aws:iam::222222222222:role/Admin\nmfacred_role_duration_seconds = 7200\n[profile work]\nmfa_serial = arn:aws:iam::123456789012:mfa/phone\n",
		"[profile  work ]\ns3 =\n  max_concurrent_requests = 10\nmfa_serial = arn:aws:iam::123456789012:mfa/phone # comment\n",
		"[", "key = value", "[profile work]\nmfa_serial = \"\"\"\n",
	} {
		f.Add(s, "work")
	}
	f.Fuzz(func(t *testing.T, config, name string) {
		cf, err := parseINI(config)
		if err != nil {
			return
		}
		files := &Files{ConfigPath: "config", CredentialsPath: "credentials", config: cf, credentials: &iniFile{}}
		p, err := files.Resolve(name)
		if err != nil {
			if strings.ContainsAny(err.Error(), "\n\r") && !strings.ContainsAny(config+name, "\n\r") {
				t.Fatalf("error of more than one line: %q", err)
			}
			return
		}
		if p.MFASerial == "" || p.KeySource == "" || p.Duration < MinDuration || p.Duration > MaxDuration || strings.Contains(p.MFASerial, ":u2f/") {
			t.Fatalf("resolved an unusable profile: %+v", p)
		}
		if p.Role != nil && !p.Role.Direct && p.Role.Duration > MaxChainedDuration {
			t.Fatalf("chained role for %d s accepted", p.Role.Duration)
		}
	})
}
