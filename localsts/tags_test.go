package localsts

import (
	"encoding/xml"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// assume calls AssumeRole with the given extra form fields as creds k, and returns the
// status, the error code and the new session's credentials.
func assume(t *testing.T, s *Server, k signed, role, extra string) (int, string, signed) {
	t.Helper()
	k.body = "Action=AssumeRole&Version=2011-06-15&RoleSessionName=alice&RoleArn=" + url.QueryEscape(role) + extra
	st, code, body := k.send(t, s)
	var out struct {
		Creds struct{ AccessKeyId, SecretAccessKey, SessionToken string } `xml:"AssumeRoleResult>Credentials"`
	}
	if st == 200 {
		if err := xml.Unmarshal([]byte(body), &out); err != nil {
			t.Fatalf("AssumeRole answer %q: %v", body, err)
		}
	}
	next := signed{keyID: out.Creds.AccessKeyId, secret: out.Creds.SecretAccessKey, token: out.Creds.SessionToken,
		signHeaders: []string{"content-type", "host", "x-amz-date", "x-amz-security-token"}}
	return st, code, next
}

// The local STS takes session tags, transitive keys and a source identity as STS does,
// refuses what STS refuses, keeps what each session was assumed with (AssumedWith), and
// carries transitive tags and the source identity on to a role chained from the session.
func TestSessionTags(t *testing.T) {
	u := User{Name: "alice", Account: "123456789012", AccessKeyID: "AKIAEXAMPLE000000001", SecretAccessKey: "secret-of-alice-0000000000000000"}
	s := New(u)
	defer s.Close()
	first, second := "arn:aws:iam::222222222222:role/First", "arn:aws:iam::333333333333:role/Second"
	s.AddRole(Role{ARN: first, TagSession: true, SetSourceIdentity: true})
	s.AddRole(Role{ARN: second, TagSession: true, SetSourceIdentity: true})
	plain := "arn:aws:iam::444444444444:role/Plain"
	s.AddRole(Role{ARN: plain})
	keys := signed{keyID: u.AccessKeyID, secret: u.SecretAccessKey, signHeaders: []string{"content-type", "host", "x-amz-date"}}

	tagged := "&Tags.member.1.Key=team&Tags.member.1.Value=platform&Tags.member.2.Key=cost%20center&Tags.member.2.Value=42" +
		"&TransitiveTagKeys.member.1=team&SourceIdentity=alice%40example.com"
	st, code, sess := assume(t, s, keys, first, tagged)
	if st != 200 {
		t.Fatalf("AssumeRole with tags: %d %s", st, code)
	}
	want := Tagging{Tags: []Tag{{"team", "platform"}, {"cost center", "42"}}, TransitiveTagKeys: []string{"team"}, SourceIdentity: "alice@example.com"}
	if got, ok := s.AssumedWith(sess.keyID); !ok || !reflect.DeepEqual(got, want) {
		t.Fatalf("AssumedWith = %+v %v, want %+v", got, ok, want)
	}
	sess.body = "Action=GetCallerIdentity&Version=2011-06-15"
	if st, code := sess.do(t, s); st != 200 || s.IdentityCallers()[0] != sess.keyID {
		t.Fatalf("GetCallerIdentity: %d %s, callers %q", st, code, s.IdentityCallers())
	}

	// Chained: the transitive tag and the source identity carry on; the other tag does not.
	st, code, chained := assume(t, s, sess, second, "&Tags.member.1.Key=step&Tags.member.1.Value=2")
	if st != 200 {
		t.Fatalf("chained AssumeRole: %d %s", st, code)
	}
	want = Tagging{Tags: []Tag{{"step", "2"}, {"team", "platform"}}, TransitiveTagKeys: []string{"team"}, SourceIdentity: "alice@example.com"}
	if got, _ := s.AssumedWith(chained.keyID); !reflect.DeepEqual(got, want) {
		t.Fatalf("chained AssumedWith = %+v, want %+v", got, want)
	}
	for extra, wantCode := range map[string]string{
		"&SourceIdentity=bob":                                     "InvalidParameterValue", // cannot change
		"&Tags.member.1.Key=TEAM&Tags.member.1.Value=other":       "InvalidParameterValue", // a transitive key set again
		"&SourceIdentity=alice%40example.com&Tags.member.1.Key=x": "",                      // the same identity may be given again
	} {
		if st, code, _ := assume(t, s, sess, second, extra); code != wantCode {
			t.Errorf("chained %s: %d %q, want %q", extra, st, code, wantCode)
		}
	}

	var many strings.Builder
	for i := 1; i <= 51; i++ {
		fmt.Fprintf(&many, "&Tags.member.%d.Key=k%d&Tags.member.%d.Value=v", i, i, i)
	}
	for extra, wantCode := range map[string]string{
		many.String(): "ValidationError",
		"&Tags.member.1.Key=&Tags.member.1.Value=v":                                            "ValidationError",
		"&Tags.member.1.Key=" + strings.Repeat("k", 129) + "&Tags.member.1.Value=v":            "ValidationError",
		"&Tags.member.1.Key=k&Tags.member.1.Value=" + strings.Repeat("v", 257):                 "ValidationError",
		"&Tags.member.1.Key=k%2A&Tags.member.1.Value=v":                                        "ValidationError",
		"&Tags.member.1.Key=k&Tags.member.1.Value=a%3Bb":                                       "ValidationError",
		"&Tags.member.1.Key=k&Tags.member.1.Value=v&Tags.member.2.Key=K&Tags.member.2.Value=w": "InvalidParameterValue",
		"&Tags.member.1.Key=k&Tags.member.1.Value=v&TransitiveTagKeys.member.1=other":          "InvalidParameterValue",
		"&SourceIdentity=a":             "ValidationError",
		"&SourceIdentity=aws:me":        "ValidationError",
		"&SourceIdentity=alice%20smith": "ValidationError",
		"&Tags.member.1.Key=%C3%9Cber%20Stra%C3%9Fe&Tags.member.1.Value=&SourceIdentity=a.b%2Bc%3Dd%2Ce%40f-g_h": "",
	} {
		if st, code, _ := assume(t, s, keys, first, extra); code != wantCode {
			t.Errorf("%.80s: %d %q, want %q", extra, st, code, wantCode)
		}
	}
	// A trust policy that allows neither sts:TagSession nor sts:SetSourceIdentity.
	for extra, wantCode := range map[string]string{
		"": "", "&Tags.member.1.Key=k&Tags.member.1.Value=v": "AccessDenied", "&SourceIdentity=alice": "AccessDenied",
	} {
		if st, code, _ := assume(t, s, keys, plain, extra); code != wantCode {
			t.Errorf("plain role %s: %d %q, want %q", extra, st, code, wantCode)
		}
	}
	if st, code, _ := assume(t, s, sess, plain, ""); code != "AccessDenied" {
		t.Errorf("plain role chained from a tagged session: %d %q, want AccessDenied (its transitive tag and source identity carry on)", st, code)
	}
	if _, ok := s.AssumedWith(u.AccessKeyID); ok {
		t.Error("long-term keys have an assumed-with")
	}
}
