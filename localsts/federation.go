package localsts

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// Signin is a sign-in token the federation endpoint handed out.
type Signin struct {
	Token string
	// Role is the assumed-role ARN of the credentials exchanged for it.
	Role string
	// AccessKeyID is the key id of those credentials.
	AccessKeyID string
	// SessionDuration is the console session length asked for, in seconds; 0 when not sent.
	SessionDuration int
}

// Signins lists the sign-in tokens handed out, in order.
func (s *Server) Signins() []Signin {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Signin(nil), s.signins...)
}

// federation is AWS's console federation endpoint, Action=getSigninToken: the Session
// parameter is JSON {"sessionId","sessionKey","sessionToken"} of role credentials (from
// AssumeRole; GetFederationToken is not served here); session credentials from
// GetSessionToken and long-term keys are refused. SessionDuration (900..43200 s, the console
// session's length) is refused for role-chained credentials. The answer is
// {"SigninToken":"..."}; a refusal is HTTP 400 with a line of text, as AWS gives no code.
func (s *Server) federation(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.counts["getSigninToken"]++
	s.mu.Unlock()
	if s.injected(r, "getSigninToken", func(f *Fault) { http.Error(w, f.Message, f.Status) }) {
		return
	}
	refuse := func(why string) { http.Error(w, why, http.StatusBadRequest) }
	q := r.URL.Query()
	if r.Method != http.MethodGet || q.Get("Action") != "getSigninToken" {
		refuse("only Action=getSigninToken is served here")
		return
	}
	var in struct {
		ID    string `json:"sessionId"`
		Key   string `json:"sessionKey"`
		Token string `json:"sessionToken"`
	}
	if err := json.Unmarshal([]byte(q.Get("Session")), &in); err != nil {
		refuse("Invalid Session parameter")
		return
	}
	s.mu.Lock()
	ss := s.sessions[in.ID]
	_, longTerm := s.users[in.ID]
	s.mu.Unlock()
	switch {
	case longTerm:
		refuse("Invalid Credentials Parameter: long-term keys cannot sign in to the console")
		return
	case ss == nil || ss.secret != in.Key || ss.token != in.Token:
		refuse("Invalid Credentials Parameter")
		return
	case s.now().After(ss.expires):
		refuse("Invalid Credentials Parameter: expired")
		return
	case ss.role == nil:
		refuse("Invalid Credentials Parameter: GetSessionToken credentials cannot sign in to the console")
		return
	}
	duration := 0
	if d, ok := q["SessionDuration"]; ok {
		n, err := strconv.Atoi(d[0])
		switch {
		case err != nil || n < 900 || n > 43200:
			refuse("Invalid SessionDuration: 900..43200 seconds")
			return
		case ss.chained:
			refuse("Invalid Credentials Parameter: SessionDuration with role-chained credentials")
			return
		}
		duration = n
	}
	b := make([]byte, 192)
	_, _ = rand.Read(b)
	token := base64.RawURLEncoding.EncodeToString(b)
	s.mu.Lock()
	s.signins = append(s.signins, Signin{Token: token, Role: ss.assumed, AccessKeyID: in.ID, SessionDuration: duration})
	s.issued = append(s.issued, token)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"SigninToken":%q}`, token)
}
