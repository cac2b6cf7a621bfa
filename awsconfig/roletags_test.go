package awsconfig

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// resolveRoleWith writes a role profile with the given extra lines and resolves it.
func resolveRoleWith(t *testing.T, extra string) (*Profile, error) {
	t.Helper()
	t.Setenv("AWS_REGION", "us-east-1")
	dir := t.TempDir()
	config := filepath.Join(dir, "config")
	body := "[profile work]\nmfa_serial = arn:aws:iam::123456789012:mfa/phone\n" +
		"[profile prod]\nmfacred_source_profile = work\nmfacred_role_arn = arn:aws:iam::222222222222:role/Admin\n" + extra
	if err := os.WriteFile(config, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := LoadFiles(config, filepath.Join(dir, "none"))
	if err != nil {
		t.Fatal(err)
	}
	return f.Resolve("prod")
}

// The tags, transitive keys and source identity are read as aws-vault reads session_tags,
// transitive_session_tags and source_identity (split at commas, a tag at its first =, each
// part trimmed), under mfacred's key names, and the key names fold as botocore folds them.
func TestRoleTagsRead(t *testing.T) {
	for _, tc := range []struct {
		extra      string
		tags       []Tag
		transitive []string
		source     string
	}{
		{"mfacred_session_tags = team=platform, cost center = 42 ,empty=\n", []Tag{{"team", "platform"}, {"cost center", "42"}, {"empty", ""}}, nil, ""},
		{"mfacred_session_tags = expr=a=b\n", []Tag{{"expr", "a=b"}}, nil, ""},
		{"mfacred_session_tags = Projekt=Über-Straße,名前=値\nmfacred_transitive_session_tags = projekt, ,名前,\n", []Tag{{"Projekt", "Über-Straße"}, {"名前", "値"}}, []string{"projekt", "名前"}, ""},
		{"mfacred_source_identity = alice@example.com\n", nil, nil, "alice@example.com"},
		{"MFACRED_Source_Identity = bob\n", nil, nil, "bob"},
		{"mfacred_session_tags = " + strings.Repeat("k", 128) + "=" + strings.Repeat("v", 256) + "\n", []Tag{{strings.Repeat("k", 128), strings.Repeat("v", 256)}}, nil, ""},
	} {
		p, err := resolveRoleWith(t, tc.extra)
		if err != nil {
			t.Errorf("%q: %v", tc.extra, err)
			continue
		}
		r := p.Role
		if !reflect.DeepEqual(r.Tags, tc.tags) || !reflect.DeepEqual(r.TransitiveTagKeys, tc.transitive) || r.SourceIdentity != tc.source {
			t.Errorf("%q: got %q %q %q, want %q %q %q", tc.extra, r.Tags, r.TransitiveTagKeys, r.SourceIdentity, tc.tags, tc.transitive, tc.source)
		}
	}
}

// A value STS would refuse is one line naming the profile, the key and the file, saying
// what is wrong; the role is not resolved, so nothing is called.
func TestRoleTagsRefused(t *testing.T) {
	many := make([]string, 51)
	for i := range many {
		many[i] = fmt.Sprintf("k%d=v", i)
	}
	for _, tc := range []struct{ extra, want string }{
		{"mfacred_session_tags = team\n", `mfacred_session_tags = "team" in `},
		{"mfacred_session_tags = a=1,,b=2\n", "an empty tag between commas"},
		{"mfacred_session_tags = a=1,\n", "an empty tag between commas"},
		{"mfacred_session_tags = =x\n", `"=x" has no key before the =`},
		{"mfacred_session_tags = " + strings.Repeat("k", 129) + "=v\n", "longer than 128 characters"},
		{"mfacred_session_tags = k=" + strings.Repeat("v", 257) + "\n", "the value of tag k is longer than 256 characters"},
		{"mfacred_session_tags = bad*key=v\n", `the tag key "bad*key" has a character STS refuses`},
		{"mfacred_session_tags = k=semi;colon\n", `the value "semi;colon" of tag k has a character STS refuses`},
		{"mfacred_session_tags = Team=a,team=b\n", "the tag key team is given twice"},
		{"mfacred_session_tags = " + strings.Join(many, ",") + "\n", "51 tags, more than the 50 STS takes"},
		{"mfacred_session_tags = a=1\nmfacred_transitive_session_tags = b\n", "b is not among the session tags (mfacred_session_tags)"},
		{"mfacred_transitive_session_tags = a\n", "a is not among the session tags"},
		{"mfacred_source_identity = a\n", `mfacred_source_identity = "a" in `},
		{"mfacred_source_identity = aws:me\n", "want 2 to 64 of the characters"},
		{"mfacred_source_identity = alice smith\n", "want 2 to 64"},
		{"mfacred_source_identity = " + strings.Repeat("a", 65) + "\n", "want 2 to 64"},
	} {
		_, err := resolveRoleWith(t, tc.extra)
		if err == nil || !strings.HasPrefix(err.Error(), "profile prod: ") || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: %v\nwant one line with %q", tc.extra, err, tc.want)
		}
	}
}

// Options names what a role session was made with: the order tags are written in does not
// change it, every value does, and a role without tags keeps the external id alone, the name
// its cached items had before tags were read.
func TestRoleOptions(t *testing.T) {
	opts := func(extra string) string {
		p, err := resolveRoleWith(t, extra)
		if err != nil {
			t.Fatal(err)
		}
		return p.Role.Options()
	}
	if got := opts("mfacred_external_id = vendor-ext\n"); got != "vendor-ext" {
		t.Errorf("untagged role: Options = %q, want the external id", got)
	}
	if got := opts(""); got != "" {
		t.Errorf("plain role: Options = %q", got)
	}
	base := "mfacred_session_tags = a=1,b=2\nmfacred_transitive_session_tags = a\nmfacred_source_identity = alice\n"
	if opts(base) != opts("mfacred_session_tags = b=2 , a=1\nmfacred_transitive_session_tags = a\nmfacred_source_identity = alice\n") {
		t.Error("the order of the tags changes Options")
	}
	seen := map[string]string{opts(base): base}
	for _, other := range []string{
		"mfacred_session_tags = a=1,b=3\nmfacred_transitive_session_tags = a\nmfacred_source_identity = alice\n",
		"mfacred_session_tags = a=1,b=2\nmfacred_source_identity = alice\n",
		"mfacred_session_tags = a=1,b=2\nmfacred_transitive_session_tags = b\nmfacred_source_identity = alice\n",
		"mfacred_session_tags = a=1,b=2\nmfacred_transitive_session_tags = a\nmfacred_source_identity = bob\n",
		"mfacred_session_tags = a=1,b=2\nmfacred_transitive_session_tags = a\n",
		"mfacred_session_tags = a=1,b=2\nmfacred_transitive_session_tags = a\nmfacred_source_identity = alice\nmfacred_external_id = ext-1\n",
		"mfacred_session_tags = A=1,b=2\nmfacred_transitive_session_tags = a\nmfacred_source_identity = alice\n",
		"mfacred_session_tags = a=1 b=2\n",
		"mfacred_source_identity = alice\n",
	} {
		o := opts(other)
		if prev, dup := seen[o]; dup {
			t.Errorf("%q and %q give the same Options %q", prev, other, o)
		}
		seen[o] = other
	}
}

// Clone holds nothing of the strings it was made from.
func TestRoleClone(t *testing.T) {
	r := Role{ARN: "arn", Tags: []Tag{{"k", "v"}}, TransitiveTagKeys: []string{"k"}, SourceIdentity: "me"}
	c := r.Clone()
	c.Tags[0].Key, c.TransitiveTagKeys[0] = "x", "x"
	if r.Tags[0].Key != "k" || r.TransitiveTagKeys[0] != "k" || !reflect.DeepEqual(c.Clone(), c) {
		t.Fatalf("clone shares its slices: %+v %+v", r, c)
	}
}

// setup's lines pass the reader's checks or are refused with its words; what it writes
// reads back as given.
func TestTaggingLines(t *testing.T) {
	kvs, err := TaggingLines("team=platform,cost center=42", "team", "alice")
	want := []KV{{KeySessionTags, "team=platform,cost center=42"}, {KeyTransitiveTags, "team"}, {KeySourceIdentity, "alice"}}
	if err != nil || !reflect.DeepEqual(kvs, want) {
		t.Fatalf("TaggingLines = %v %v, want %v", kvs, err, want)
	}
	var extra strings.Builder
	for _, kv := range kvs {
		extra.WriteString(kv.Key + " = " + kv.Value + "\n")
	}
	p, err := resolveRoleWith(t, extra.String())
	if err != nil || len(p.Role.Tags) != 2 || p.Role.SourceIdentity != "alice" {
		t.Fatalf("written lines read back as %+v, %v", p, err)
	}
	if kvs, err := TaggingLines("", "", ""); err != nil || kvs != nil {
		t.Fatalf("no options: %v %v", kvs, err)
	}
	for _, tc := range [][4]string{
		{"a*b=c", "", "", `mfacred_session_tags "a*b=c": the tag key "a*b" has a character STS refuses`},
		{"a=b\nc=d", "", "", "has a character STS refuses"},
		{"a=b", "c", "", `mfacred_transitive_session_tags "c": c is not among the session tags`},
		{"", "a", "", "a is not among the session tags"},
		{"", "", "aws:x", `mfacred_source_identity "aws:x": want 2 to 64`},
	} {
		if _, err := TaggingLines(tc[0], tc[1], tc[2]); err == nil || !strings.Contains(err.Error(), tc[3]) {
			t.Errorf("TaggingLines(%q, %q, %q) = %v, want %q", tc[0], tc[1], tc[2], err, tc[3])
		}
	}
}

// What tags add to a warm call's read of the config: a role with 10 tags, a transitive key
// and a source identity against the same role without them.
func BenchmarkResolveRole(b *testing.B) {
	var tags []string
	for i := range 10 {
		tags = append(tags, fmt.Sprintf("key%d=value number %d", i, i))
	}
	for name, extra := range map[string]string{
		"plain":  "",
		"tagged": "mfacred_session_tags = " + strings.Join(tags, ",") + "\nmfacred_transitive_session_tags = key1\nmfacred_source_identity = alice\n",
	} {
		b.Run(name, func(b *testing.B) {
			dir := b.TempDir()
			config := filepath.Join(dir, "config")
			body := "[profile work]\nmfa_serial = arn:aws:iam::123456789012:mfa/phone\n" +
				"[profile prod]\nmfacred_source_profile = work\nmfacred_role_arn = arn:aws:iam::222222222222:role/Admin\n" + extra
			if err := os.WriteFile(config, []byte(body), 0o600); err != nil {
				b.Fatal(err)
			}
			f, err := LoadFiles(config, filepath.Join(dir, "none"))
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				p, err := f.Resolve("prod")
				if err != nil {
					b.Fatal(err)
				}
				_ = p.Role.Options()
			}
		})
	}
}
