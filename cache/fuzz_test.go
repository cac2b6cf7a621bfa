package cache

import (
	"testing"
	"time"
)

// Decoding a cache item never panics; whatever is served has keys and an expiry, and what is
// stored reads back the same.
func FuzzSessionItem(f *testing.F) {
	for _, s := range []string{
		`{"v":1,"k":"ASIA1","s":"s","t":"t","e":"2030-01-01T00:00:00Z","src":"AKIA1","p":"work","d":"arn:aws:iam::1:mfa/phone"}`,
		`{"v":1,"k":"ASIA1","s":"s","t":"t","e":"2030-01-01T00:00:00Z","src":"AKIA1","f":true,"p":"w","d":"d","r":"arn:aws:iam::2:role/R","a":"arn"}`,
		`{"v":0,"k":"ASIA"}`, `{"v":2}`, `[]`, `null`, `{"v":1,"e":"not a time"}`, "\x00",
	} {
		f.Add(s)
	}
	// One lock dir for every input: a folder made and removed per input was most of the
	// target's time (20,000 inputs).
	lockDir := f.TempDir()
	f.Fuzz(func(t *testing.T, raw string) {
		s := &Store{Keyring: mapKeyring{}, LockDir: lockDir}
		k := SessionKey("p", "d")
		_ = s.Keyring.Set(ctx, Service, string(k), raw)
		e, err := s.Session(ctx, k)
		if err != nil {
			return
		}
		if e.AccessKeyID == "" || e.Expiration.IsZero() {
			t.Fatalf("served an entry without keys or expiry from %q: %+v", raw, e)
		}
		e.Expiration = e.Expiration.UTC().Truncate(time.Second)
		if err := s.PutSession(ctx, k, e); err != nil {
			t.Fatal(err)
		}
		if back, err := s.Session(ctx, k); err != nil || back != e {
			t.Fatalf("round trip: %+v, %v; want %+v", back, err, e)
		}
	})
}
