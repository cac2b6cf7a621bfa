// Package cache keeps mfacred's secrets in the OS keyring: the long-term keys stored with
// `mfacred add`, TOTP seeds, and the STS sessions made from them. Nothing secret is ever
// written to disk by this package; the only files it makes are lock files (and a record of
// the last one-time code used per device, which is worthless once used).
//
// Items are small JSON documents under the service name "mfacred", keyed by fixed fields
// in a fixed order (Key): a lookup is one keyring read, with the expiry inside the value.
// The keyrings themselves (the Secret Service, the kernel keyring, the macOS keychain, the
// Windows Credential Manager, and the choice among them) are package keyring's: this package
// decides what is kept in one, under which name, in how many parts.
package cache

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/mfacred/mfacred/deadline"
	"github.com/mfacred/mfacred/internal/shellword"
	"github.com/mfacred/mfacred/keyring"
)

// Service is the keyring service name of every item.
const Service = "mfacred"

// ErrNotFound is returned for an item the Store does not have. It is the keyring's own
// (keyring.ErrNotFound), so that a miss reads the same whether the Store or the keyring said it.
var ErrNotFound = keyring.ErrNotFound

// Credentials are AWS keys, long-term or temporary.
type Credentials struct {
	AccessKeyID     string `json:"k"`
	SecretAccessKey string `json:"s"`
	SessionToken    string `json:"t,omitempty"`
}

// Entry is a cached session.
type Entry struct {
	Credentials
	Expiration time.Time `json:"e"`
	// SourceKeyID is the access key id of the long-term keys the session was made with.
	SourceKeyID string `json:"src"`
	// FromFile is set when those keys came from the credentials or config file rather than
	// the keyring; such a session is served only while the file still holds SourceKeyID.
	FromFile bool   `json:"f,omitempty"`
	Source   string `json:"p"` // profile whose keys made it
	Device   string `json:"d"`
	// Role and ARN are set for role credentials: the role, and the assumed-role ARN.
	Role string `json:"r,omitempty"`
	ARN  string `json:"a,omitempty"`
	// LoginSession names the `aws login` sign-in credentials made from an aws login session
	// came from (tokenfile.Token.SessionID): role credentials assumed with it are served only
	// while the token file holds that sign-in (package hit).
	LoginSession string `json:"ls,omitempty"`
}

// ErrDamaged marks a cached entry that no AWS call could have made: it is never served,
// and the next refresh replaces it.
var ErrDamaged = errors.New("damaged cached credentials")

// The longest credentials AWS issues: GetSessionToken up to 36 hours, AssumeRole up to a
// role's MaxSessionDuration of 12 hours (docs/aws-contract.md §4). An entry said to live
// longer did not come from AWS as it is.
const (
	maxSession = 36 * time.Hour
	maxRole    = 12 * time.Hour
)

// Check reports, as ErrDamaged with what is wrong, an entry that is incomplete (no key id,
// secret or session token, no expiry) or expires further out than AWS can issue from now.
// doctor names such an entry with it; package hit never serves it.
func (e Entry) Check(now time.Time) error {
	max, limit := maxSession, "36 hours for a session"
	if e.Role != "" {
		max, limit = maxRole, "12 hours for role credentials"
	}
	switch {
	case e.AccessKeyID == "":
		return fmt.Errorf("%w: no access key id", ErrDamaged)
	case e.SecretAccessKey == "":
		return fmt.Errorf("%w: no secret access key", ErrDamaged)
	case e.SessionToken == "":
		return fmt.Errorf("%w: no session token", ErrDamaged)
	case e.Expiration.IsZero():
		return fmt.Errorf("%w: no expiry", ErrDamaged)
	case e.Expiration.After(now.Add(max)):
		return fmt.Errorf("%w: expires at %s, further out than AWS issues (%s)", ErrDamaged, e.Expiration.UTC().Format(time.RFC3339), limit)
	}
	return nil
}

// entryVersion guards the item format: an item of another version is a miss.
const entryVersion = 1

type item struct {
	V int `json:"v"`
	Entry
}

// Store reads and writes mfacred's items.
type Store struct {
	Keyring keyring.Keyring
	// Service is the keyring service name of every item; "" is Service (see ForNamespace).
	Service string
	// LockDir holds the per-device lock files.
	LockDir string

	mu sync.Mutex // guards the index within this process
}

func (s *Store) service() string {
	if s.Service == "" {
		return Service
	}
	return s.Service
}

// KeyringName says which keyring the Store is on, for status, doctor and errors.
func (s *Store) KeyringName() string { return keyring.Name(s.Keyring) }

// ErrSessionsOnly is returned for long-term keys and seeds on a keyring that holds sessions only.
var ErrSessionsOnly = errors.New("the kernel keyring holds sessions only, not long-term keys or seeds")

// SessionsOnly reports whether the keyring is a cache that vanishes (the kernel keyring), where
// long-term keys and seeds do not belong: they come from the credentials file and mfa_process.
func (s *Store) SessionsOnly(ctx context.Context) bool {
	so, ok := s.Keyring.(keyring.SessionCache)
	return ok && so.SessionsOnly(ctx)
}

// maxItem is the keyring's item size limit, 0 for none.
func (s *Store) maxItem(ctx context.Context) int {
	s.SessionsOnly(ctx) // a keyring.Auto knows its limit once it has decided which it is
	if m, ok := s.Keyring.(keyring.Limited); ok {
		return m.MaxItem()
	}
	return 0
}

// chunks is the head of an item too large for the keyring, stored as parts KEY#1..KEY#N.
type chunks struct {
	V      int `json:"v"`
	Chunks int `json:"chunks"`
}

func chunkKey(k Key, i int) string { return fmt.Sprintf("%s#%d", k, i) }

func (s *Store) chunked(raw string) int {
	var c chunks
	if !strings.HasPrefix(raw, `{"v":`) || json.Unmarshal([]byte(raw), &c) != nil || c.V != entryVersion || c.Chunks < 1 || c.Chunks > 64 {
		return 0
	}
	return c.Chunks
}

// get reads an item, joining its parts if it was split.
func (s *Store) get(ctx context.Context, k Key) (string, error) {
	raw, err := s.Keyring.Get(ctx, s.service(), string(k))
	if err != nil {
		return "", err
	}
	return s.join(ctx, k, raw)
}

// join reads the parts of the item k whose head is raw, if it was split.
func (s *Store) join(ctx context.Context, k Key, raw string) (string, error) {
	n := s.chunked(raw)
	if n == 0 {
		return raw, nil
	}
	var b strings.Builder
	for i := 1; i <= n; i++ {
		part, err := s.Keyring.Get(ctx, s.service(), chunkKey(k, i))
		if err != nil {
			return "", err
		}
		b.WriteString(part)
	}
	return b.String(), nil
}

// set writes an item that expires at expires (zero: never), split into parts that fit the
// keyring's item limit when it is larger. Parts are written before the head that names them.
func (s *Store) set(ctx context.Context, k Key, v string, expires time.Time) error {
	write := func(name, v string) error {
		if ek, ok := s.Keyring.(keyring.Expiring); ok {
			return ek.SetExpiring(ctx, s.service(), name, v, expires)
		}
		return s.Keyring.Set(ctx, s.service(), name, v)
	}
	var room *evictions
	put := func(name, v string) error {
		err := write(name, v)
		for errors.Is(err, keyring.ErrFull) {
			if room == nil {
				room = s.evictions(ctx, k)
			}
			if !room.next(ctx) {
				return err
			}
			// The kernel frees a dropped key's quota a moment later, not at once.
			for i := 0; i < 50; i++ {
				if err = write(name, v); !errors.Is(err, keyring.ErrFull) || deadline.Sleep(ctx, 5*time.Millisecond) != nil {
					break
				}
			}
		}
		return err
	}
	max := s.maxItem(ctx)
	old := 0 // parts of the item being replaced, to remove those the new one does not reuse
	if max > 0 {
		if raw, err := s.Keyring.Get(ctx, s.service(), string(k)); err == nil {
			old = s.chunked(raw)
		}
	}
	n := 0
	if max > 0 && len(v) > max {
		for i := 0; i < len(v); i += max {
			n++
			if err := put(chunkKey(k, n), v[i:min(i+max, len(v))]); err != nil {
				return err
			}
		}
		head, _ := json.Marshal(chunks{V: entryVersion, Chunks: n})
		v = string(head)
	}
	if err := put(string(k), v); err != nil {
		return err
	}
	for i := n + 1; i <= old; i++ {
		_ = s.Keyring.Delete(ctx, s.service(), chunkKey(k, i))
	}
	return nil
}

// del removes an item and its parts (a keyring with no item limit has none).
func (s *Store) del(ctx context.Context, k Key) error {
	if s.maxItem(ctx) == 0 {
		return s.Keyring.Delete(ctx, s.service(), string(k))
	}
	if raw, err := s.Keyring.Get(ctx, s.service(), string(k)); err == nil {
		for i := 1; i <= s.chunked(raw); i++ {
			_ = s.Keyring.Delete(ctx, s.service(), chunkKey(k, i))
		}
	}
	return s.Keyring.Delete(ctx, s.service(), string(k))
}

// Session returns a cached session. An item that cannot be decoded, or of another format
// version, is reported as ErrNotFound: it will be replaced by the next refresh.
func (s *Store) Session(ctx context.Context, k Key) (Entry, error) {
	raw, err := s.get(ctx, k)
	if err != nil {
		return Entry{}, err
	}
	var it item
	if json.Unmarshal([]byte(raw), &it) != nil || it.V != entryVersion || it.AccessKeyID == "" || it.Expiration.IsZero() {
		return Entry{}, ErrNotFound
	}
	return it.Entry, nil
}

// ErrOldFormat marks a cached item that another version of mfacred wrote: never served,
// removed by clear.
var ErrOldFormat = errors.New("cached item of another format")

// Inspect reads the item k for status: its entry; ErrNotFound when it is gone; ErrOldFormat
// when another version of mfacred wrote it; ErrDamaged when it cannot be read as an entry (a
// part is missing, it is not JSON, fields are missing). Session reads all of these as a miss.
func (s *Store) Inspect(ctx context.Context, k Key) (Entry, error) {
	raw, err := s.Keyring.Get(ctx, s.service(), string(k))
	if err != nil {
		return Entry{}, err
	}
	raw, err = s.join(ctx, k, raw)
	switch {
	case errors.Is(err, ErrNotFound):
		return Entry{}, fmt.Errorf("%w: a part of it is missing", ErrDamaged)
	case err != nil:
		return Entry{}, err
	}
	var it item
	switch {
	case json.Unmarshal([]byte(raw), &it) != nil:
		return Entry{}, fmt.Errorf("%w: not readable", ErrDamaged)
	case it.V != entryVersion:
		return Entry{}, ErrOldFormat
	case it.AccessKeyID == "" || it.Expiration.IsZero():
		return Entry{}, fmt.Errorf("%w: fields are missing", ErrDamaged)
	}
	return it.Entry, nil
}

// PutSession stores a session, recorded first where the keyring cannot list its items.
func (s *Store) PutSession(ctx context.Context, k Key, e Entry) error {
	if err := s.record(ctx, k, e.Expiration); err != nil {
		return err
	}
	b, _ := json.Marshal(item{V: entryVersion, Entry: e})
	if err := s.set(ctx, k, string(b), e.Expiration); err != nil {
		return fmt.Errorf("store session: %w", err)
	}
	return nil
}

// DeleteSession forgets one session.
func (s *Store) DeleteSession(ctx context.Context, k Key) error {
	if err := s.del(ctx, k); err != nil && !errors.Is(err, ErrNotFound) {
		return fmt.Errorf("delete session: %w", err)
	}
	return s.unrecord(ctx, k)
}

// Sessions lists the keys of the cached sessions and role credentials, sorted (known as for
// Cached).
func (s *Store) Sessions(ctx context.Context, known ...Key) ([]Key, error) {
	all, err := s.Cached(ctx, known...)
	var out []Key
	for _, k := range all {
		if k.IsSession() || k.IsRole() {
			out = append(out, k)
		}
	}
	return out, err
}

// Identity returns the caller ARN cached under k.
func (s *Store) Identity(ctx context.Context, k Key) (string, error) {
	raw, err := s.Keyring.Get(ctx, s.service(), string(k))
	if err != nil {
		return "", err
	}
	var it struct {
		V   int    `json:"v"`
		ARN string `json:"a"`
	}
	if json.Unmarshal([]byte(raw), &it) != nil || it.V != entryVersion || it.ARN == "" {
		return "", ErrNotFound
	}
	return it.ARN, nil
}

// PutIdentity caches a caller ARN.
func (s *Store) PutIdentity(ctx context.Context, k Key, arn string) error {
	if err := s.record(ctx, k, time.Time{}); err != nil {
		return err
	}
	b, _ := json.Marshal(map[string]any{"v": entryVersion, "a": arn})
	if err := s.Keyring.Set(ctx, s.service(), string(k), string(b)); err != nil {
		return fmt.Errorf("store identity: %w", err)
	}
	return nil
}

// SessionsOf lists the cached items made from the keys of profile source: its sessions, the
// role credentials assumed with them or with the keys, its identity.
func (s *Store) SessionsOf(ctx context.Context, source string) ([]Key, error) {
	all, err := s.Cached(ctx)
	var out []Key
	for _, k := range all {
		if k.madeFrom(source) {
			out = append(out, k)
		}
	}
	return out, err
}

// Keys returns the long-term keys stored for a profile.
func (s *Store) Keys(ctx context.Context, profile string) (Credentials, error) {
	if s.SessionsOnly(ctx) {
		return Credentials{}, ErrNotFound
	}
	raw, err := s.stored(ctx, KeysKey(profile), legacyKeysKey(profile))
	if err != nil {
		return Credentials{}, err
	}
	var c Credentials
	// Long-term keys have no session token: an item with one is another kind's (setup and add
	// never store temporary keys), damaged for this slot.
	if json.Unmarshal([]byte(raw), &c) != nil || c.AccessKeyID == "" || c.SecretAccessKey == "" || c.SessionToken != "" {
		return Credentials{}, fmt.Errorf("keys stored for profile %s are damaged: store them again with `mfacred add %s`", profile, shellword.Quote(profile))
	}
	return c, nil
}

// stored reads a long-term item (keys, seed) under its name, or under the name an older
// mfacred gave it, moving it to its name: an upgrade never loses stored keys.
func (s *Store) stored(ctx context.Context, k, legacy Key) (string, error) {
	raw, err := s.Keyring.Get(ctx, s.service(), string(k))
	if !errors.Is(err, ErrNotFound) || legacy == k {
		return raw, err
	}
	raw, err = s.Keyring.Get(ctx, s.service(), string(legacy))
	if err != nil {
		return "", err
	}
	if s.Keyring.Set(ctx, s.service(), string(k), raw) == nil {
		_ = s.Keyring.Delete(ctx, s.service(), string(legacy))
	}
	return raw, nil
}

// PutKeys stores long-term keys for a profile. Sessions made with other keys of that
// profile are dropped first, so they can never be served for the new keys.
func (s *Store) PutKeys(ctx context.Context, profile string, c Credentials) error {
	if s.SessionsOnly(ctx) {
		return fmt.Errorf("profile %s: %w: put the keys in a profile of the credentials file and name it in mfacred_source_profile", profile, ErrSessionsOnly)
	}
	old, err := s.Keys(ctx, profile)
	if err == nil && old.AccessKeyID == c.AccessKeyID && old.SecretAccessKey == c.SecretAccessKey {
		return nil
	}
	if errors.Is(err, keyring.ErrNoKeyring) {
		return fmt.Errorf("profile %s: %w", profile, err)
	}
	if err := s.DropSessionsOf(ctx, profile); err != nil {
		return fmt.Errorf("profile %s: %w", profile, err)
	}
	b, _ := json.Marshal(c)
	if err := s.Keyring.Set(ctx, s.service(), string(KeysKey(profile)), string(b)); err != nil {
		return fmt.Errorf("store keys for profile %s: %w", profile, err)
	}
	return nil
}

// PutRotatedKeys stores the keys that replaced a profile's keys at AWS (`mfacred rotate`).
// Unlike PutKeys it keeps the sessions made with the old keys: AWS binds a session to the
// user, not to the key that made it, so they serve until they expire, old key deleted or not
// (docs/aws-contract.md §4).
func (s *Store) PutRotatedKeys(ctx context.Context, profile string, c Credentials) error {
	if s.SessionsOnly(ctx) {
		return fmt.Errorf("profile %s: %w", profile, ErrSessionsOnly)
	}
	b, _ := json.Marshal(c)
	if err := s.Keyring.Set(ctx, s.service(), string(KeysKey(profile)), string(b)); err != nil {
		return fmt.Errorf("store keys for profile %s: %w", profile, err)
	}
	return nil
}

// DeleteKeys removes the long-term keys stored for a profile; the caller forgets its
// sessions (DropSessionsOf).
func (s *Store) DeleteKeys(ctx context.Context, profile string) error {
	if s.SessionsOnly(ctx) {
		return ErrNotFound
	}
	if _, err := s.stored(ctx, KeysKey(profile), legacyKeysKey(profile)); err != nil { // moves keys stored under an older name
		return err
	}
	return s.Keyring.Delete(ctx, s.service(), string(KeysKey(profile)))
}

// DropSessionsOf forgets every session made from profile source's keys.
func (s *Store) DropSessionsOf(ctx context.Context, source string) error {
	keys, err := s.SessionsOf(ctx, source)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if err := s.DeleteSession(ctx, k); err != nil {
			return err
		}
	}
	return nil
}

// Seed returns the TOTP seed stored for a device.
func (s *Store) Seed(ctx context.Context, serial string) (string, error) {
	if s.SessionsOnly(ctx) {
		return "", ErrNotFound
	}
	return s.stored(ctx, SeedKey(serial), legacySeedKey(serial))
}

// PutSeed stores a TOTP seed for a device.
func (s *Store) PutSeed(ctx context.Context, serial, seed string) error {
	if s.SessionsOnly(ctx) {
		return fmt.Errorf("device %s: %w: use mfa_process or type the codes", serial, ErrSessionsOnly)
	}
	if err := s.Keyring.Set(ctx, s.service(), string(SeedKey(serial)), seed); err != nil {
		return fmt.Errorf("store seed for device %s: %w", serial, err)
	}
	return nil
}

// DeleteSeed removes a device's seed.
func (s *Store) DeleteSeed(ctx context.Context, serial string) error {
	if _, err := s.Seed(ctx, serial); err != nil { // moves a seed stored under an older name
		return err
	}
	return s.Keyring.Delete(ctx, s.service(), string(SeedKey(serial)))
}

// Reachable reports whether the keyring answers at all, with the error that says why not.
func (s *Store) Reachable(ctx context.Context) error {
	if _, err := s.Keyring.Get(ctx, s.service(), string(indexKey)); err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	return nil
}
