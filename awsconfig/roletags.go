package awsconfig

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Keys of the AssumeRole options aws-vault also reads (as session_tags,
// transitive_session_tags and source_identity): the same values, under mfacred's own
// names, as every role setting here (README, "Profile settings").
const (
	// KeySessionTags is key1=value1,key2=value2: the session tags of the role session.
	KeySessionTags = "mfacred_session_tags"
	// KeyTransitiveTags is key1,key2: which of those tags pass on to a role chained from it.
	KeyTransitiveTags = "mfacred_transitive_session_tags"
	// KeySourceIdentity is the source identity of the role session, kept by AWS through
	// every role chained from it.
	KeySourceIdentity = "mfacred_source_identity"
)

// AWS's limits of AssumeRole's session tags and source identity (docs/aws-contract.md §4).
const (
	maxTags        = 50
	maxTagKey      = 128
	maxTagValue    = 256
	minSourceIDLen = 2
	maxSourceIDLen = 64
)

// Tag is one session tag.
type Tag struct{ Key, Value string }

// parseTags reads key1=value1,key2=value2 as aws-vault does (each key and value trimmed, a
// value cut at the first =), and checks it as STS does: at most 50 tags, keys of 1 to 128
// and values of 0 to 256 characters of [\p{L}\p{Z}\p{N}_.:/=+\-@], no key twice whatever
// its case (STS compares tag keys without case). It says what is wrong in words.
func parseTags(s string) ([]Tag, string) {
	var tags []Tag
	seen := map[string]bool{}
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(part, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch {
		case !ok && strings.TrimSpace(part) == "":
			return nil, "an empty tag between commas; want key1=value1,key2=value2"
		case !ok:
			return nil, fmt.Sprintf("%q has no =; want key1=value1,key2=value2", strings.TrimSpace(part))
		case k == "":
			return nil, fmt.Sprintf("%q has no key before the =", strings.TrimSpace(part))
		case utf8.RuneCountInString(k) > maxTagKey:
			return nil, fmt.Sprintf("the tag key %q is longer than %d characters", k, maxTagKey)
		case utf8.RuneCountInString(v) > maxTagValue:
			return nil, fmt.Sprintf("the value of tag %s is longer than %d characters", k, maxTagValue)
		case !tagText(k):
			return nil, fmt.Sprintf("the tag key %q has a character STS refuses (want letters, digits, spaces and _.:/=+-@)", k)
		case !tagText(v):
			return nil, fmt.Sprintf("the value %q of tag %s has a character STS refuses (want letters, digits, spaces and _.:/=+-@)", v, k)
		case seen[strings.ToLower(k)]:
			return nil, fmt.Sprintf("the tag key %s is given twice (STS does not tell tag keys apart by case)", k)
		}
		seen[strings.ToLower(k)] = true
		tags = append(tags, Tag{k, v})
	}
	if len(tags) > maxTags {
		return nil, fmt.Sprintf("%d tags, more than the %d STS takes", len(tags), maxTags)
	}
	return tags, ""
}

// tagText reports whether s is made of the characters STS allows in a session tag:
// [\p{L}\p{Z}\p{N}_.:/=+\-@].
func tagText(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.In(r, unicode.Z, unicode.N) && !strings.ContainsRune("_.:/=+-@", r) {
			return false // an invalid byte reads as U+FFFD, a symbol: refused too
		}
	}
	return true
}

// parseTransitive reads key1,key2 as aws-vault does (each key trimmed, empty ones skipped) and
// checks that each is one of tags, without case, as STS does (it refuses a transitive key
// that is not among the session tags).
func parseTransitive(s string, tags []Tag) ([]string, string) {
	var keys []string
	for _, k := range strings.Split(s, ",") {
		if k = strings.TrimSpace(k); k == "" {
			continue
		}
		found := false
		for _, t := range tags {
			found = found || strings.EqualFold(t.Key, k)
		}
		if !found {
			return nil, fmt.Sprintf("%s is not among the session tags (%s): STS passes on only tags the session has", k, KeySessionTags)
		}
		keys = append(keys, k)
	}
	return keys, ""
}

// checkSourceIdentity checks s as STS does: 2 to 64 of [\w+=,.@-]. (STS also refuses a
// value starting with aws:, which this character set already excludes.)
func checkSourceIdentity(s string) string {
	if !charset(s, "+=,.@-", minSourceIDLen, maxSourceIDLen) {
		return fmt.Sprintf("want %d to %d of the characters A-Z a-z 0-9 +=,.@-_", minSourceIDLen, maxSourceIDLen)
	}
	return ""
}

// resolveTagging reads r's session tags, transitive tag keys and source identity from profile
// name; a bad value is one line naming the profile, the key and where it was read.
func (f *Files) resolveTagging(name string, r *Role) error {
	bad := func(key, v, want string) error {
		return fmt.Errorf("profile %s: %s = %q in %s: %s", name, key, v, f.where(name, key), want)
	}
	// aws-vault's names for them, which no SDK reads either: a role assumed without what
	// the line asks would be served as if it were the role asked for.
	for _, k := range []string{KeySessionTags, KeyTransitiveTags, KeySourceIdentity} {
		vault := strings.TrimPrefix(k, "mfacred_")
		if f.value(name, vault) != "" && f.value(name, k) == "" {
			return fmt.Errorf("profile %s: %s in %s is aws-vault's name, which mfacred does not read (the role would be assumed without it): rename it to %s", name, vault, f.where(name, vault), k)
		}
	}
	var why string
	if v := f.value(name, KeySessionTags); v != "" {
		if r.Tags, why = parseTags(v); why != "" {
			return bad(KeySessionTags, v, why)
		}
	}
	if v := f.value(name, KeyTransitiveTags); v != "" {
		if r.TransitiveTagKeys, why = parseTransitive(v, r.Tags); why != "" {
			return bad(KeyTransitiveTags, v, why)
		}
	}
	if v := f.value(name, KeySourceIdentity); v != "" {
		if why = checkSourceIdentity(v); why != "" {
			return bad(KeySourceIdentity, v, why)
		}
		r.SourceIdentity = v
	}
	return nil
}

// Options is what r asks of AssumeRole beyond the role and the session name, in one
// canonical string for the name of the cache item of its credentials (cache.RoleKey hashes
// it): the external id, then, when r has any, its session tags, transitive tag keys and
// source identity, so that credentials made with other tags or another source identity are
// another item and never served for these. Without them it is the external id alone, the
// name items had before tags were read, so that those stay valid. Tags are in key order: the
// order they are written in matters no more to STS.
func (r *Role) Options() string {
	if len(r.Tags) == 0 && len(r.TransitiveTagKeys) == 0 && r.SourceIdentity == "" {
		return r.ExternalID
	}
	tags := append([]Tag(nil), r.Tags...)
	sort.Slice(tags, func(i, j int) bool { return tags[i].Key < tags[j].Key })
	keys := append([]string(nil), r.TransitiveTagKeys...)
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(strconv.Quote(r.ExternalID) + " tags")
	for _, t := range tags {
		b.WriteString(" " + strconv.Quote(t.Key) + "=" + strconv.Quote(t.Value))
	}
	b.WriteString(" transitive")
	for _, k := range keys {
		b.WriteString(" " + strconv.Quote(k))
	}
	b.WriteString(" source-identity " + strconv.Quote(r.SourceIdentity))
	return b.String()
}

// Clone is r with every string copied, so that it holds nothing of a mapped config file
// (Checked.Map).
func (r Role) Clone() Role {
	c := strings.Clone
	r.ARN, r.ExternalID, r.SessionName, r.SourceIdentity = c(r.ARN), c(r.ExternalID), c(r.SessionName), c(r.SourceIdentity)
	if r.Tags != nil {
		tags := make([]Tag, len(r.Tags))
		for i, t := range r.Tags {
			tags[i] = Tag{c(t.Key), c(t.Value)}
		}
		r.Tags = tags
	}
	if r.TransitiveTagKeys != nil {
		keys := make([]string, len(r.TransitiveTagKeys))
		for i, k := range r.TransitiveTagKeys {
			keys[i] = c(k)
		}
		r.TransitiveTagKeys = keys
	}
	return r
}

// TaggingLines are the profile lines for session tags (key1=value1,key2=value2), transitive
// tag keys (key1,key2) and a source identity given to setup, checked by the reader's own
// checks, so that setup writes nothing process refuses; an empty value writes no line. The
// error says what is wrong with which key; the caller names the profile.
func TaggingLines(tags, transitive, sourceIdentity string) ([]KV, error) {
	var kvs []KV
	var parsed []Tag
	var why string
	if tags != "" {
		if parsed, why = parseTags(tags); why != "" {
			return nil, fmt.Errorf("%s %q: %s", KeySessionTags, tags, why)
		}
		kvs = append(kvs, KV{KeySessionTags, tags})
	}
	if transitive != "" {
		if _, why = parseTransitive(transitive, parsed); why != "" {
			return nil, fmt.Errorf("%s %q: %s", KeyTransitiveTags, transitive, why)
		}
		kvs = append(kvs, KV{KeyTransitiveTags, transitive})
	}
	if sourceIdentity != "" {
		if why = checkSourceIdentity(sourceIdentity); why != "" {
			return nil, fmt.Errorf("%s %q: %s", KeySourceIdentity, sourceIdentity, why)
		}
		kvs = append(kvs, KV{KeySourceIdentity, sourceIdentity})
	}
	return kvs, nil
}
