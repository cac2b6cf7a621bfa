package edit

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/mfacred/mfacred/awsconfig"
)

// Setting keys changes only those keys' lines: comments, odd spacing, [default], order and
// the other profiles stay byte for byte; a second run changes nothing.
func TestSetKeysGolden(t *testing.T) {
	before, _ := os.ReadFile("testdata/edit/config.before")
	want, _ := os.ReadFile("testdata/edit/config.after")
	got := SetKeys(before, sectionOf(t, "legacy"),
		awsconfig.KV{Key: "credential_process", Value: `"/opt/my tools/mfacred" process --profile legacy`},
		awsconfig.KV{Key: "mfa_serial", Value: "arn:aws:iam::123456789012:mfa/googleAuthentication"})
	got = SetKeys(got, sectionOf(t, "new"),
		awsconfig.KV{Key: "credential_process", Value: "/usr/bin/mfacred process --profile new"},
		awsconfig.KV{Key: "mfa_serial", Value: "arn:aws:iam::123456789012:mfa/phone"})
	if string(got) != string(want) {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
	again := SetKeys(got, sectionOf(t, "legacy"), awsconfig.KV{Key: "mfa_serial", Value: "arn:aws:iam::123456789012:mfa/googleAuthentication"})
	if string(again) != string(got) {
		t.Fatal("setting the same value changed the file")
	}
	// What we wrote reads back as we meant it.
	f, err := (&awsconfig.Files{ConfigPath: "x"}).Edited(got)
	if err != nil {
		t.Fatal(err)
	}
	if v := f.Get("legacy", "mfa_serial"); v != "arn:aws:iam::123456789012:mfa/googleAuthentication" {
		t.Fatalf("mfa_serial reads back as %q", v)
	}
	if v := f.Get("default", "region"); v != "eu-west-1" {
		t.Fatalf("default region %q", v)
	}
}

func TestSetKeysEdges(t *testing.T) {
	for _, tc := range []struct{ name, before, section, want string }{
		{"empty file", "", "profile a", "[profile a]\nk = v\n"},
		{"no final newline", "[default]\nregion = x", "default", "[default]\nregion = x\nk = v\n"},
		{"new section after text without newline", "[profile b]\nx = 1", "profile a", "[profile b]\nx = 1\n\n[profile a]\nk = v\n"},
		{"CRLF kept", "[profile a]\r\nk = old\r\n", "profile a", "[profile a]\r\nk = v\r\n"},
		{"CRLF new key", "[profile a]\r\nx = 1\r\n", "profile a", "[profile a]\r\nx = 1\r\nk = v\r\n"},
		{"profile default is default", "[profile default]\nk=old\n", "default", "[profile default]\nk=v\n"},
		{"indented look-alike untouched", "[profile a]\ns3 =\n  k = nested\n", "profile a", "[profile a]\ns3 =\n  k = nested\nk = v\n"},
	} {
		if got := string(SetKeys([]byte(tc.before), tc.section, awsconfig.KV{Key: "k", Value: "v"})); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestDeleteKeys(t *testing.T) {
	before := "[a]\naws_access_key_id = AKIA\n# keep\naws_secret_access_key = s\nregion = x\n\n[b]\naws_access_key_id = AKIB\n"
	want := "[a]\n# keep\nregion = x\n\n[b]\naws_access_key_id = AKIB\n"
	if got := string(DeleteKeys([]byte(before), "a", "aws_access_key_id", "aws_secret_access_key")); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if got := string(DeleteKeys([]byte(before), "zzz", "aws_access_key_id")); got != before {
		t.Fatal("a missing section changed the file")
	}
}

func TestWriteFileAtomicKeepsModeAndLink(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real-config")
	if err := os.WriteFile(real, []byte("old"), 0o640); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "config")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(link, []byte("new"), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(real); string(b) != "new" {
		t.Fatalf("target holds %q", b)
	}
	if fi, _ := os.Lstat(link); fi.Mode()&os.ModeSymlink == 0 {
		t.Fatal("the symlink was replaced by a file")
	}
	if fi, _ := os.Stat(real); fi.Mode().Perm() != 0o640 {
		t.Fatalf("mode %v, want 0640", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Fatalf("temporary file left behind: %v", entries)
	}
	fresh := filepath.Join(dir, "sub", "new")
	if err := WriteFileAtomic(fresh, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(fresh); fi.Mode().Perm() != 0o600 {
		t.Fatalf("new file mode %v", fi.Mode().Perm())
	}
}

func sectionOf(t testing.TB, profile string) string {
	t.Helper()
	s, err := awsconfig.ConfigSection(profile)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// A link to a file not made yet (a dotfiles checkout linked before the first write) makes that
// file and keeps the link, as the AWS CLI's writer does; so does a chain of relative links.
func TestWriteFileAtomicThroughDanglingLink(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "dotfiles"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("dotfiles/aws", filepath.Join(dir, "mid")); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "config")
	if err := os.Symlink("mid", link); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(link, []byte("new"), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "dotfiles", "aws")); string(b) != "new" {
		t.Fatalf("target holds %q (%v)", b, err)
	}
	for _, l := range []string{link, filepath.Join(dir, "mid")} {
		if fi, _ := os.Lstat(l); fi.Mode()&os.ModeSymlink == 0 {
			t.Fatalf("%s was replaced by a file", l)
		}
	}
}

// Sections does what SetKeys and DeleteKeys one section after another do: to the section
// botocore reads (the last that matches, [profile "a"] as [profile a]), to none other, and to
// a section the file lacks (added at the end).
func TestSectionsAsOneByOne(t *testing.T) {
	data := "# top\n[profile a]\nx = 1\n\n[profile \"a\"]\nx = 2\n  more\n; c\n[default]\nregion = r\n[profile b]\ny = 1\r\n[sso-session s]\nz = 1"
	edit := func(section string) func([]byte) []byte {
		return func(b []byte) []byte {
			return DeleteKeys(SetKeys(b, section, awsconfig.KV{Key: "x", Value: "new"}, awsconfig.KV{Key: "k", Value: section}), section, "y", "region")
		}
	}
	sections := []string{"profile a", "profile default", "profile b", "profile c"}
	want := []byte(data)
	edits := map[string]func([]byte) []byte{}
	for _, s := range sections {
		want = edit(s)(want)
		edits[s] = edit(s)
	}
	if got := Sections([]byte(data), edits); string(got) != string(want) {
		t.Fatalf("Sections:\n%q\none by one:\n%q", got, want)
	}
}
