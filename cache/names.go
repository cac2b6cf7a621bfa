package cache

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Key names one keyring item: a kind, a colon, and the item's fields, each escaped, joined
// with "|". Escaping makes the name unambiguous for any profile name: "%", "|" and "#" (the
// separator of an item's parts) never appear raw inside a field, so no field can end early
// or one name be a prefix of another's fields. Readers never match names by prefix: they
// compare whole escaped fields (Key.Fields).
type Key string

// maxField is the longest escaped field kept as it is; a longer one is replaced by a hash, so
// the longest name (a role's, six fields) stays well under the 513 characters Windows'
// Credential Manager allows a user name (docs/aws-contract.md §5).
const maxField = 64

// field escapes one field of a name. Printable ASCII other than the space, the quotes, the
// backslash and the three reserved bytes passes as it is, so names stay readable in a
// keyring's own tools; everything else becomes %XX.
func field(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`%|#"'\`, c) >= 0 {
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
			continue
		}
		b.WriteByte(c)
	}
	if b.Len() > maxField {
		sum := sha256.Sum256([]byte(s))
		return "#" + hex.EncodeToString(sum[:16])
	}
	return b.String()
}

func name(kind string, fields ...string) Key {
	esc := make([]string, len(fields))
	for i, f := range fields {
		esc[i] = field(f)
	}
	return Key(kind + ":" + strings.Join(esc, "|"))
}

// Fields splits k into its kind and its escaped fields. ok is false for a name this version
// of mfacred did not make (an older format, another program's item).
func (k Key) Fields() (kind string, fields []string, ok bool) {
	kind, rest, found := strings.Cut(string(k), ":")
	if !found || strings.ContainsAny(kind, "%|#") {
		return "", nil, false
	}
	fields = strings.Split(rest, "|")
	want := map[string]int{"session": 2, "role": 6, "whoami": 2, "keys": 1, "seed": 1}[kind]
	if want == 0 || len(fields) != want {
		return "", nil, false
	}
	for _, f := range fields {
		if strings.Contains(f, "#") && !(len(f) == 33 && f[0] == '#') {
			return "", nil, false
		}
	}
	return kind, fields, true
}

// IsPart reports whether k names a part of a split item (KEY#N), listed with its head.
func (k Key) IsPart() bool {
	_, ok := k.partOf()
	return ok
}

// partOf is the head of the split item k is a part of (KEY#N), judged on the whole name:
// a field longer than maxField is itself written "#<hex>", so a "#" does not mark a part.
func (k Key) partOf() (Key, bool) {
	i := strings.LastIndexByte(string(k), '#')
	if i < 0 || i == len(k)-1 || len(k)-i > 3 {
		return "", false
	}
	for _, c := range k[i+1:] {
		if c < '0' || c > '9' {
			return "", false
		}
	}
	if head := k[:i]; head == indexKey || head.isCached() {
		return head, true
	}
	return "", false
}

// Item is the name of the item k belongs to: the head of a split item's part, else k.
func (k Key) Item() Key {
	if head, ok := k.partOf(); ok {
		return head
	}
	return k
}

// SessionKey names the session made from the long-term keys of profile source with device serial.
func SessionKey(source, serial string) Key { return name("session", source, serial) }

// RoleKey names role credentials assumed with the session SessionKey(source, serial), or,
// when direct, with source's long-term keys and a code of serial. The key does not change
// when that session is renewed, so role credentials outlive the session they were made with.
// options are the role's other AssumeRole options (awsconfig.Role.Options: the external id,
// session tags, source identity); they are kept out of the name (item names are not
// encrypted): only a hash is.
func RoleKey(source, serial, roleARN, options, sessionName string, direct bool) Key {
	ext := ""
	if options != "" {
		sum := sha256.Sum256([]byte(options))
		ext = hex.EncodeToString(sum[:8])
	}
	mode := "session"
	if direct {
		mode = "direct"
	}
	return name("role", source, serial, roleARN, ext, sessionName, mode)
}

// IdentityKey names the caller ARN of the long-term keys keyID of profile source.
func IdentityKey(source, keyID string) Key { return name("whoami", source, keyID) }

// KeysKey names the long-term keys stored for a profile.
func KeysKey(profile string) Key { return name("keys", profile) }

// SeedKey names the TOTP seed stored for a device.
func SeedKey(serial string) Key { return name("seed", serial) }

// legacyKeysKey and legacySeedKey are the names of stored keys and seeds before fields were
// escaped: read as a fallback, so no one loses keys on upgrade.
func legacyKeysKey(profile string) Key { return Key("keys:" + profile) }
func legacySeedKey(serial string) Key  { return Key("seed:" + serial) }

// IsSession reports whether k names a GetSessionToken session.
func (k Key) IsSession() bool { kind, _, ok := k.Fields(); return ok && kind == "session" }

// IsRole reports whether k names role credentials.
func (k Key) IsRole() bool { kind, _, ok := k.Fields(); return ok && kind == "role" }

// isCached reports whether k names an item of the cache (session, role, identity), as
// opposed to stored keys and seeds.
func (k Key) isCached() bool {
	kind, _, ok := k.Fields()
	return ok && (kind == "session" || kind == "role" || kind == "whoami")
}

// madeFrom reports whether k is a cached item made from the keys of profile source.
func (k Key) madeFrom(source string) bool {
	_, f, ok := k.Fields()
	return ok && k.isCached() && f[0] == field(source)
}
