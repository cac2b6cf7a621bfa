package cache

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// An incomplete entry, or one said to live longer than AWS issues, is damaged: Check names
// what is wrong (package hit then never serves it: hit's TestDamagedEntriesNeverServe).
func TestDamagedEntries(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	good := Entry{Credentials: Credentials{"ASIA1", "secret", "token"}, Expiration: now.Add(12 * time.Hour), Source: "work", Device: "d"}
	role := good
	role.Role, role.Expiration = "arn:aws:iam::2:role/R", now.Add(time.Hour)
	for name, e := range map[string]Entry{"session": good, "role": role} {
		if err := e.Check(now); err != nil {
			t.Fatalf("%s: a good entry is refused: %v", name, err)
		}
	}
	edit := func(e Entry, f func(*Entry)) Entry { f(&e); return e }
	for name, tc := range map[string]struct {
		e    Entry
		want string
	}{
		"no secret":        {edit(good, func(e *Entry) { e.SecretAccessKey = "" }), "no secret access key"},
		"no token":         {edit(good, func(e *Entry) { e.SessionToken = "" }), "no session token"},
		"no key id":        {edit(good, func(e *Entry) { e.AccessKeyID = "" }), "no access key id"},
		"no expiry":        {edit(good, func(e *Entry) { e.Expiration = time.Time{} }), "no expiry"},
		"session 37 h":     {edit(good, func(e *Entry) { e.Expiration = now.Add(37 * time.Hour) }), "further out than AWS issues (36 hours for a session)"},
		"session 72 years": {edit(good, func(e *Entry) { e.Expiration = now.Add(632024 * time.Hour) }), "for a session"},
		"role 13 h":        {edit(role, func(e *Entry) { e.Expiration = now.Add(13 * time.Hour) }), "(12 hours for role credentials)"},
	} {
		err := tc.e.Check(now)
		if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Check = %v, want %q", name, err, tc.want)
		}
	}
	if err := edit(good, func(e *Entry) { e.Expiration = now.Add(36 * time.Hour) }).Check(now); err != nil {
		t.Errorf("a 36-hour session is what AWS issues: %v", err)
	}
}
