package awsconfig_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/awsconfig/edit"
)

// What awsconfig/edit writes, this reader (and botocore) reads as meant. These tests are in
// package awsconfig_test because awsconfig/edit imports awsconfig; export_test.go lends them
// the reader's parts they look at.

func sectionOf(t testing.TB, profile string) string {
	t.Helper()
	s, err := awsconfig.ConfigSection(profile)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// What setup writes for a profile name, botocore reads as that profile.
func TestWrittenSectionsReadAsBotocore(t *testing.T) {
	cli := awsconfig.AWSCLI(t)
	names := []string{"plain", "my prof", `it's "q"`, `back\slash`, " lead", "tab\there", "default"}
	var data []byte
	for i, n := range names {
		data = edit.SetKeys(data, sectionOf(t, n), awsconfig.KV{Key: "region", Value: "r" + string(rune('0'+i))})
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config")
	if err := os.WriteFile(cfg, data, 0o600); err != nil {
		t.Fatal(err)
	}
	files, err := awsconfig.LoadFiles(cfg, filepath.Join(dir, "none"))
	if err != nil {
		t.Fatal(err)
	}
	var queries [][2]string
	for _, n := range names {
		queries = append(queries, [2]string{n, "region"})
	}
	answers := awsconfig.BotocoreGet(t, cli, cfg, filepath.Join(dir, "none"), queries)
	for i, n := range names {
		want := "r" + string(rune('0'+i))
		if a := answers[i]; a.Value != want {
			t.Errorf("profile %q written as [%s]: botocore reads region %q (%s)", n, sectionOf(t, n), a.Value, a.Error)
		}
		if got := files.Get(n, "region"); got != want {
			t.Errorf("profile %q: mfacred reads region %q", n, got)
		}
	}
	if _, err := awsconfig.ConfigSection("a\nb"); err == nil {
		t.Error("a name with a line break was accepted")
	}
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
		section, err := awsconfig.ConfigSection(name)
		if err != nil {
			return
		}
		before, err := awsconfig.ParseINI(data)
		if err != nil {
			return
		}
		out := edit.SetKeys([]byte(data), section, awsconfig.KV{Key: "mfa_serial", Value: value})
		if again := edit.SetKeys(out, section, awsconfig.KV{Key: "mfa_serial", Value: value}); string(again) != string(out) {
			t.Fatalf("not idempotent:\n%q\n%q", out, again)
		}
		after, err := awsconfig.ParseINI(string(out))
		if err != nil {
			t.Fatalf("the result does not parse: %v\n%q", err, out)
		}
		if got := after.Value(after.ProfileSection(name), "mfa_serial"); got != value {
			t.Fatalf("mfa_serial of %q reads back %q, want %q, from\n%q", name, got, value, out)
		}
		// Every key of every profile but mfa_serial of the one edited reads as before.
		for _, p := range before.Profiles() {
			b, a := before.ProfileSection(p), after.ProfileSection(p)
			for _, k := range before.KeysOf(b) {
				if p == name && k.Key() == "mfa_serial" {
					continue
				}
				if got, ok := after.Get(a, k.Key()); !ok || got != k {
					t.Fatalf("profile %q key %s was %+v, is %+v:\n%q\n%q", p, k.Key(), k, got, data, out)
				}
			}
		}
		if before.ProfileSection(name) == nil && !strings.HasPrefix(string(out), strings.TrimRight(data, "\r\n")) {
			t.Fatalf("the bytes before the new section changed:\n%q\n%q", data, out)
		}
	})
}
