package awsconfig

import (
	"strings"
	"testing"
	"unicode"
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

// SetKeys on any file: the value reads back, a second run changes nothing, and the bytes
// before the profile's section stay as they were.
func FuzzSetKeys(f *testing.F) {
	f.Add("# comment\n[default]\nregion=eu-west-1\n\n[profile fz]\nmfa_serial = old\n\n[profile other]\nx = 1\n", "arn:aws:iam::123456789012:mfa/phone")
	f.Add("", "v")
	f.Add("[profile fz]\r\nk = 1\r\n", "value")
	f.Add("[profile other]\nx = 1", "/usr/bin/mfacred process --profile fz")
	f.Fuzz(func(t *testing.T, data, value string) {
		value = strings.TrimSpace(value)
		if value == "" || strings.IndexFunc(value, func(r rune) bool {
			return r > unicode.MaxASCII || !unicode.IsPrint(r) || strings.ContainsRune("#;\"'`\\", r)
		}) >= 0 {
			return // values mfacred writes: serials, paths, commands
		}
		if _, err := parseINI(data); err != nil || strings.Contains(data, "fz") || strings.ContainsAny(data, "\"'`\\") {
			return
		}
		out := SetKeys([]byte(data), sectionOf(t, "fz"), KV{"mfa_serial", value})
		if again := SetKeys(out, sectionOf(t, "fz"), KV{"mfa_serial", value}); string(again) != string(out) {
			t.Fatalf("not idempotent:\n%q\n%q", out, again)
		}
		cf, err := parseINI(string(out))
		if err != nil {
			t.Fatalf("the result does not parse: %v\n%q", err, out)
		}
		files := &Files{config: cf, credentials: &iniFile{}}
		if got := files.value("fz", "mfa_serial"); got != value {
			t.Fatalf("mfa_serial reads back %q, want %q, from\n%q", got, value, out)
		}
		if !strings.HasPrefix(string(out), strings.TrimRight(data, "\r\n")) {
			t.Fatalf("the bytes before the new section changed:\n%q\n%q", data, out)
		}
	})
}
