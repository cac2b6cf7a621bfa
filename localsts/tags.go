package localsts

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Tag is a session tag.
type Tag struct{ Key, Value string }

// Tagging is what a role session was assumed with beyond its role and name, as STS keeps it:
// its session tags (those of the AssumeRole call, then those passed on from the calling
// session), which of them pass on to a role chained from it, and its source identity.
type Tagging struct {
	Tags              []Tag
	TransitiveTagKeys []string
	SourceIdentity    string
}

var (
	tagRE            = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
	sourceIdentityRE = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)
)

// tagging reads AssumeRole's Tags.member.N.Key/Value, TransitiveTagKeys.member.N and
// SourceIdentity and checks them as STS does (docs/aws-contract.md §4): at most 50 tags of
// keys 1..128 and values 0..256 characters of [\p{L}\p{Z}\p{N}_.:/=+\-@], no key twice
// whatever its case, each transitive key one of the tags; a source identity of
// [\w+=,.@-]{2,64} not starting with aws:. From a caller's session it carries that session's
// transitive tags (which the call may not set again) and source identity (which it may not
// change), as role chaining does.
func tagging(form url.Values, from *session) (Tagging, *apiError) {
	invalid := func(msg string) (Tagging, *apiError) {
		return Tagging{}, &apiError{400, "ValidationError", "1 validation error detected: " + msg}
	}
	refused := func(msg string) (Tagging, *apiError) {
		return Tagging{}, &apiError{400, "InvalidParameterValue", msg}
	}
	var t Tagging
	seen := map[string]bool{}
	for n := 1; ; n++ {
		prefix := fmt.Sprintf("Tags.member.%d.", n)
		k, ok := form[prefix+"Key"]
		if !ok {
			break
		}
		key, value := k[0], form.Get(prefix+"Value")
		at := fmt.Sprintf("tags.%d.member", n)
		switch {
		case utf8.RuneCountInString(key) < 1 || utf8.RuneCountInString(key) > 128:
			return invalid(fmt.Sprintf("Value at '%s.key' failed to satisfy constraint: Member must have length between 1 and 128", at))
		case !tagRE.MatchString(key):
			return invalid(fmt.Sprintf(`Value at '%s.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+`, at))
		case utf8.RuneCountInString(value) > 256:
			return invalid(fmt.Sprintf("Value at '%s.value' failed to satisfy constraint: Member must have length less than or equal to 256", at))
		case !tagRE.MatchString(value):
			return invalid(fmt.Sprintf(`Value at '%s.value' failed to satisfy constraint: Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]*`, at))
		case seen[strings.ToLower(key)]:
			return refused("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		seen[strings.ToLower(key)] = true
		t.Tags = append(t.Tags, Tag{key, value})
	}
	if len(t.Tags) > 50 {
		return invalid("Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50")
	}
	for n := 1; ; n++ {
		k, ok := form[fmt.Sprintf("TransitiveTagKeys.member.%d", n)]
		if !ok {
			break
		}
		if !seen[strings.ToLower(k[0])] {
			return refused("The specified transitive tag key must be included in the requested tags.")
		}
		t.TransitiveTagKeys = append(t.TransitiveTagKeys, k[0])
	}
	if len(t.TransitiveTagKeys) > 50 {
		return invalid("Value at 'transitiveTagKeys' failed to satisfy constraint: Member must have length less than or equal to 50")
	}
	if v, ok := form["SourceIdentity"]; ok {
		if !sourceIdentityRE.MatchString(v[0]) {
			return invalid(`Value at 'sourceIdentity' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]* and have length between 2 and 64`)
		}
		if strings.HasPrefix(strings.ToLower(v[0]), "aws:") {
			return refused("The source identity cannot begin with the prefix aws:.")
		}
		t.SourceIdentity = v[0]
	}
	if from == nil {
		return t, nil
	}
	// Role chaining: the calling session's transitive tags and source identity carry on.
	for _, k := range from.tagging.TransitiveTagKeys {
		for _, tag := range from.tagging.Tags {
			if !strings.EqualFold(tag.Key, k) {
				continue
			}
			if seen[strings.ToLower(k)] {
				return refused(fmt.Sprintf("The transitive tag key %s of the calling session cannot be set again.", k))
			}
			seen[strings.ToLower(k)] = true
			t.Tags = append(t.Tags, tag)
			t.TransitiveTagKeys = append(t.TransitiveTagKeys, k)
		}
	}
	if id := from.tagging.SourceIdentity; id != "" {
		if t.SourceIdentity != "" && t.SourceIdentity != id {
			return refused("The source identity of the calling session is set and cannot be changed.")
		}
		t.SourceIdentity = id
	}
	return t, nil
}

// allowed checks that role's trust policy allows what t asks: STS needs sts:TagSession for
// session tags (also those carried on from the calling session) and sts:SetSourceIdentity
// for a source identity (also one carried on).
func (t Tagging) allowed(role *Role, c caller) *apiError {
	deny := func(action string) *apiError {
		return &apiError{403, "AccessDenied", fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s", c.arn(), action, role.ARN)}
	}
	switch {
	case len(t.Tags) > 0 && !role.TagSession:
		return deny("sts:TagSession")
	case t.SourceIdentity != "" && !role.SetSourceIdentity:
		return deny("sts:SetSourceIdentity")
	}
	return nil
}

// AssumedWith is what the role session of access key id keyID was assumed with; false for
// keys of no role session this server issued.
func (s *Server) AssumedWith(keyID string) (Tagging, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.sessions[keyID]
	if ss == nil || ss.role == nil {
		return Tagging{}, false
	}
	t := ss.tagging
	t.Tags = append([]Tag(nil), t.Tags...)
	t.TransitiveTagKeys = append([]string(nil), t.TransitiveTagKeys...)
	return t, true
}

// IdentityCallers lists the access key id of every GetCallerIdentity call answered, in
// order: with AssumedWith, a test sees what the session a real caller used was assumed with.
func (s *Server) IdentityCallers() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.identityCallers...)
}

// noteIdentityCaller records the caller of a GetCallerIdentity call.
func (s *Server) noteIdentityCaller(c caller) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := c.user.AccessKeyID
	if c.session != nil {
		id = c.session.keyID
	}
	s.identityCallers = append(s.identityCallers, id)
}
