package localsts

import (
	"fmt"
	"net/url"
	"sort"
	"time"
)

// The IAM access key actions (CreateAccessKey, ListAccessKeys, DeleteAccessKey), as the IAM
// query API answers them and as AWS enforces them:
//   - a user has at most two access keys: a third CreateAccessKey is 409 LimitExceeded;
//   - a caller acts on its own user: a UserName of another user is AccessDenied, and the key
//     of another user is NoSuchEntity, as if it were not there;
//   - the user's policy denies them unless the caller signs with an MFA session (AWS's
//     self-manage-credentials example policy), as this server enforces for iam:GetUser;
//   - a deleted key is refused at once (InvalidClientTokenId); the sessions made with it stay
//     valid until they expire, since AWS binds them to the user, not the key
//     (docs/aws-contract.md §4);
//   - a new key may be refused for a while before AWS accepts it (SetKeyDelay).
//
// A user's first key is the one New or AddUser was given; the others live here.

// accessKey is a key created after the user's first one.
type accessKey struct {
	user    *User
	secret  string
	created time.Time
	usable  time.Time // refused as unknown before this
}

// keyState is what the access key actions change: the keys made since, the first keys
// deleted, the delay of new keys and the hooks of BeforeKeyAnswer.
type keyState struct {
	made   map[string]*accessKey
	gone   map[string]bool
	delay  time.Duration
	before map[string]func()
}

// firstKeyDate is the CreateDate listed for a user's first key.
const firstKeyDate = "2020-01-01T00:00:00Z"

// SetKeyDelay makes each key CreateAccessKey makes refused (InvalidClientTokenId) for d after
// it is made, as AWS refuses a new key for a few seconds.
func (s *Server) SetKeyDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys.delay = d
}

// BeforeKeyAnswer makes f run after each granted call of action (CreateAccessKey,
// ListAccessKeys or DeleteAccessKey) took effect and before it is answered: a test interrupts
// the caller there, or breaks what it uses next.
func (s *Server) BeforeKeyAnswer(action string, f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.keys.before == nil {
		s.keys.before = map[string]func(){}
	}
	s.keys.before[action] = f
}

// AddAccessKey gives the user whose key is keyID another access key, usable at once, past the
// two-key limit if asked (a test's set-up, not an IAM call), and returns it.
func (s *Server) AddAccessKey(keyID string) (id, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, _, ok := s.longTermKey(keyID, time.Time{})
	if !ok {
		panic("localsts: AddAccessKey: no user has key " + keyID)
	}
	return s.makeKey(u, time.Time{})
}

// AccessKeys lists the access key ids the user whose key is keyID has now, deleted ones left
// out, oldest first; nil when keyID is no live key.
func (s *Server) AccessKeys(keyID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, _, ok := s.longTermKey(keyID, time.Time{})
	if !ok {
		return nil
	}
	var ids []string
	for _, k := range s.keysOf(u) {
		ids = append(ids, k.id)
	}
	return ids
}

// longTermKey finds the live long-term key id, usable at now (zero: whenever): its user and
// secret. s.mu is held.
func (s *Server) longTermKey(id string, now time.Time) (*User, string, bool) {
	if k := s.keys.made[id]; k != nil {
		if !now.IsZero() && now.Before(k.usable) {
			return nil, "", false
		}
		return k.user, k.secret, true
	}
	if u := s.users[id]; u != nil && !s.keys.gone[id] {
		return u, u.SecretAccessKey, true
	}
	return nil, "", false
}

// makeKey makes a new key for u, usable from usable on. s.mu is held.
func (s *Server) makeKey(u *User, usable time.Time) (id, secret string) {
	if s.keys.made == nil {
		s.keys.made = map[string]*accessKey{}
	}
	id, secret = "AKIA"+newID(8), newID(20)
	s.keys.made[id] = &accessKey{user: u, secret: secret, created: s.clock().UTC().Truncate(time.Second), usable: usable}
	s.issued = append(s.issued, secret)
	return id, secret
}

type keyInfo struct {
	id, created string
}

// keysOf lists u's live keys, oldest first. s.mu is held.
func (s *Server) keysOf(u *User) []keyInfo {
	var out []keyInfo
	for id, v := range s.users {
		if v == u && !s.keys.gone[id] {
			out = append(out, keyInfo{id, firstKeyDate})
		}
	}
	for id, k := range s.keys.made {
		if k.user == u {
			out = append(out, keyInfo{id, k.created.Format(time.RFC3339)})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].created != out[j].created {
			return out[i].created < out[j].created
		}
		return out[i].id < out[j].id
	})
	return out
}

// accessKeys answers CreateAccessKey, ListAccessKeys and DeleteAccessKey for caller c.
func (s *Server) accessKeys(action string, form url.Values, c caller) (any, *apiError) {
	if name := form.Get("UserName"); name != "" && name != c.user.Name {
		return nil, &apiError{403, "AccessDenied", fmt.Sprintf("User: %s is not authorized to perform: iam:%s on resource: user %s", c.arn(), action, name)}
	}
	if c.session != nil && c.session.role != nil {
		return nil, &apiError{400, "ValidationError", "Must specify userName when calling with non-User credentials"}
	}
	if c.session == nil || !c.session.mfa {
		return nil, &apiError{403, "AccessDenied", fmt.Sprintf("User: %s is not authorized to perform: iam:%s on resource: %s with an explicit deny in an identity-based policy", c.arn(), action, c.arn())}
	}
	now := s.now()
	s.mu.Lock()
	var result any
	var aerr *apiError
	switch action {
	case "CreateAccessKey":
		result, aerr = s.createKey(c.user, now)
	case "ListAccessKeys":
		type member struct{ UserName, AccessKeyId, Status, CreateDate string }
		var list []member
		for _, k := range s.keysOf(c.user) {
			list = append(list, member{c.user.Name, k.id, "Active", k.created})
		}
		result = struct {
			AccessKeyMetadata []member `xml:"AccessKeyMetadata>member"`
			IsTruncated       bool
		}{list, false}
	case "DeleteAccessKey":
		result, aerr = s.deleteKey(c.user, form.Get("AccessKeyId"))
	}
	before := s.keys.before[action]
	s.mu.Unlock()
	if aerr == nil && before != nil {
		before()
	}
	return result, aerr
}

// createKey makes a key for u unless u has two. s.mu is held.
func (s *Server) createKey(u *User, now time.Time) (any, *apiError) {
	if len(s.keysOf(u)) >= 2 {
		return nil, &apiError{409, "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2"}
	}
	id, secret := s.makeKey(u, now.Add(s.keys.delay))
	type key struct{ UserName, AccessKeyId, Status, SecretAccessKey, CreateDate string }
	return struct{ AccessKey key }{key{u.Name, id, "Active", secret, s.keys.made[id].created.Format(time.RFC3339)}}, nil
}

// deleteKey deletes u's key id; another user's key is not found, as at AWS. s.mu is held.
func (s *Server) deleteKey(u *User, id string) (any, *apiError) {
	if id == "" {
		return nil, &apiError{400, "ValidationError", "1 validation error detected: Value null at 'accessKeyId' failed to satisfy constraint: Member must not be null"}
	}
	owner, _, ok := s.longTermKey(id, time.Time{})
	if !ok || owner != u {
		return nil, &apiError{404, "NoSuchEntity", fmt.Sprintf("The Access Key with id %s cannot be found.", id)}
	}
	if s.keys.made[id] != nil {
		delete(s.keys.made, id)
	} else {
		if s.keys.gone == nil {
			s.keys.gone = map[string]bool{}
		}
		s.keys.gone[id] = true
	}
	return struct{}{}, nil
}
