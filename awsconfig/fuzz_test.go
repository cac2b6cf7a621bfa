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

// SetKeys on any file that parses, for any profile name setup accepts, whether or not the
// profile's section is there already: the file still parses, the value reads back, every
// other key of every profile reads as before, and a second run changes nothing.
func FuzzSetKeys(f *testing.F) {
	f.Add("# comment\n[default]\nregion=eu-west-1\n\n[profile fz]\nmfa_serial = old\n\n[profile other]\nx = 1\n", "fz", "arn:aws:iam::123456789012:mfa/phone")
	f.Add("", "fz", "v")
	f.Add("[profile fz]\r\nk = 1\r\n", "fz", "value")
	f.Add("[profile fz]\rmfa_serial = a\r  continued\r[profile x]\rk=1\r", "fz", "value")
	f.Add("[profile  fz ]\nmfa_serial=old\n  more\n# c\nregion = r\n[profile \"fz\"]\nk = v\n", "fz", "new")
	f.Add("[profile \"my prof\"]\nmfa_serial = old\n", "my prof", "new")
	f.Add("[DEFAULT]\nmfa_serial = d\n[profile other]\nx = 1", "other", "/usr/bin/mfacred process --profile fz")
	f.Fuzz(func(t *testing.T, data, name, value string) {
		value = strings.TrimSpace(value)
		if value == "" || strings.IndexFunc(value, func(r rune) bool { return r > unicode.MaxASCII || !unicode.IsPrint(r) }) >= 0 {
			return // values mfacred writes: serials, paths, commands
		}
		section, err := ConfigSection(name)
		if err != nil {
			return
		}
		before, err := parseINI(data)
		if err != nil {
			return
		}
		out := SetKeys([]byte(data), section, KV{"mfa_serial", value})
		if again := SetKeys(out, section, KV{"mfa_serial", value}); string(again) != string(out) {
			t.Fatalf("not idempotent:\n%q\n%q", out, again)
		}
		after, err := parseINI(string(out))
		if err != nil {
			t.Fatalf("the result does not parse: %v\n%q", err, out)
		}
		if got := after.value(after.profileSection(name), "mfa_serial"); got != value {
			t.Fatalf("mfa_serial of %q reads back %q, want %q, from\n%q", name, got, value, out)
		}
		// Every key of every profile but mfa_serial of the one edited reads as before.
		for _, p := range before.profiles() {
			b, a := before.profileSection(p), after.profileSection(p)
			for _, k := range before.keysOf(b) {
				if p == name && k.key == "mfa_serial" {
					continue
				}
				if got, ok := after.get(a, k.key); !ok || got != k {
					t.Fatalf("profile %q key %s was %+v, is %+v:\n%q\n%q", p, k.key, k, got, data, out)
				}
			}
		}
		if before.profileSection(name) == nil && !strings.HasPrefix(string(out), strings.TrimRight(data, "\r\n")) {
			t.Fatalf("the bytes before the new section changed:\n%q\n%q", data, out)
		}
	})
}
