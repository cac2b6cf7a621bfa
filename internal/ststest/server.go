// Package ststest is a local STS and IAM endpoint for tests that checks what AWS checks:
// SigV4 signatures made with the caller's secret, TOTP codes of named MFA devices (a code is
// accepted once), that a serial belongs to the caller, and a Deny-unless-MFA policy on IAM.
// It counts the calls of each action so that tests can say how often STS was reached.
package ststest

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// Device is a virtual MFA device.
type Device struct {
	Serial string
	Seed   string // base32
}

// User is an IAM user with long-term keys.
type User struct {
	Name            string
	Account         string
	AccessKeyID     string
	SecretAccessKey string
	Devices         []Device
}

// ARN is the user's ARN.
func (u User) ARN() string { return "arn:aws:iam::" + u.Account + ":user/" + u.Name }

type session struct {
	secret, token string
	user          *User
	mfa           bool
	expires       time.Time
}

// Server is the test endpoint.
type Server struct {
	URL string
	// Now is the server's clock for TOTP checks and expirations.
	Now func() time.Time
	// Delay is added to each GetSessionToken.
	Delay time.Duration

	srv      *httptest.Server
	mu       sync.Mutex
	users    map[string]*User // by access key id
	sessions map[string]*session
	used     map[string]time.Time // serial|code -> when
	counts   map[string]int
	// Issued lists every session secret handed out, for leak scans.
	issued []string
}

// New starts a server on 127.0.0.1 with the given users.
func New(users ...User) *Server {
	s := &Server{Now: time.Now, users: map[string]*User{}, sessions: map[string]*session{}, used: map[string]time.Time{}, counts: map[string]int{}}
	for i := range users {
		u := users[i]
		s.users[u.AccessKeyID] = &u
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// Count returns how many calls of action (as "GetSessionToken") were answered, ok or not.
func (s *Server) Count(action string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[action]
}

// Secrets returns every secret the server knows: long-term and session keys and tokens, seeds.
func (s *Server) Secrets() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, u := range s.users {
		out = append(out, u.SecretAccessKey)
		for _, d := range u.Devices {
			out = append(out, d.Seed)
		}
	}
	return append(out, s.issued...)
}

// Code returns a device's current code on the server's clock.
func Code(seed string, t time.Time) string {
	c, err := totp.GenerateCodeCustom(seed, t, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		panic(err)
	}
	return c
}

type apiError struct {
	status        int
	code, message string
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(body))
	for k, v := range r.URL.Query() {
		form[k] = v
	}
	action := form.Get("Action")
	s.mu.Lock()
	s.counts[action]++
	s.mu.Unlock()
	if action == "GetSessionToken" && s.Delay > 0 {
		time.Sleep(s.Delay)
	}
	caller, service, aerr := s.authenticate(r, body)
	var result any
	if aerr == nil {
		result, aerr = s.dispatch(service, action, form, caller)
	}
	ns := "https://sts.amazonaws.com/doc/2011-06-15/"
	if service == "iam" {
		ns = "https://iam.amazonaws.com/doc/2010-05-08/"
	}
	w.Header().Set("Content-Type", "text/xml")
	if aerr != nil {
		w.WriteHeader(aerr.status)
		fmt.Fprintf(w, `<ErrorResponse xmlns="%s"><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>%s</RequestId></ErrorResponse>`,
			ns, aerr.code, xmlEscape(aerr.message), newID(8))
		return
	}
	var b strings.Builder
	_ = xml.NewEncoder(&b).EncodeElement(result, xml.StartElement{Name: xml.Name{Local: action + "Result"}})
	fmt.Fprintf(w, `<%sResponse xmlns="%s">%s<ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></%sResponse>`,
		action, ns, b.String(), newID(8), action)
}

func xmlEscape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

func newID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return strings.ToUpper(hex.EncodeToString(b))
}

type caller struct {
	user    *User
	session *session // nil for long-term keys
}

func (c caller) arn() string { return c.user.ARN() }

// authenticate checks a SigV4 Authorization header against the caller's secret.
func (s *Server) authenticate(r *http.Request, body []byte) (caller, string, *apiError) {
	denied := func(code, msg string) (caller, string, *apiError) {
		return caller{}, "", &apiError{403, code, msg}
	}
	auth := r.Header.Get("Authorization")
	const algo = "AWS4-HMAC-SHA256 "
	if !strings.HasPrefix(auth, algo) {
		return denied("MissingAuthenticationToken", "Request is missing Authentication Token")
	}
	fields := map[string]string{}
	for _, part := range strings.Split(strings.TrimPrefix(auth, algo), ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		fields[k] = v
	}
	scope := strings.Split(fields["Credential"], "/")
	if len(scope) != 5 || scope[4] != "aws4_request" {
		return denied("IncompleteSignature", "malformed Credential")
	}
	akid, date, region, service := scope[0], scope[1], scope[2], scope[3]
	amzDate := r.Header.Get("X-Amz-Date")
	t, err := time.Parse("20060102T150405Z", amzDate)
	if err != nil || !strings.HasPrefix(amzDate, date) {
		return denied("IncompleteSignature", "bad X-Amz-Date")
	}
	if d := time.Since(t); d > 15*time.Minute || d < -15*time.Minute {
		return denied("SignatureDoesNotMatch", "Signature expired")
	}
	s.mu.Lock()
	c := caller{user: s.users[akid]}
	secret := ""
	if c.user != nil {
		secret = c.user.SecretAccessKey
	} else if ss := s.sessions[akid]; ss != nil {
		c = caller{user: ss.user, session: ss}
		secret = ss.secret
	}
	s.mu.Unlock()
	if c.user == nil {
		return denied("InvalidClientTokenId", "The security token included in the request is invalid.")
	}
	if c.session != nil {
		if r.Header.Get("X-Amz-Security-Token") != c.session.token {
			return denied("InvalidClientTokenId", "The security token included in the request is invalid.")
		}
		if s.Now().After(c.session.expires) {
			return denied("ExpiredToken", "The security token included in the request is expired")
		}
	}
	signed := strings.Split(fields["SignedHeaders"], ";")
	var canon strings.Builder
	for _, h := range signed {
		v := r.Header.Values(h)
		if h == "host" {
			v = []string{r.Host}
		}
		canon.WriteString(h + ":" + strings.Join(strings.Fields(strings.Join(v, ",")), " ") + "\n")
	}
	payload := r.Header.Get("X-Amz-Content-Sha256")
	if payload == "" {
		sum := sha256.Sum256(body)
		payload = hex.EncodeToString(sum[:])
	}
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	creq := strings.Join([]string{r.Method, path, canonicalQuery(r.URL.Query()), canon.String(), fields["SignedHeaders"], payload}, "\n")
	sum := sha256.Sum256([]byte(creq))
	credScope := strings.Join(scope[1:], "/")
	sts := "AWS4-HMAC-SHA256\n" + amzDate + "\n" + credScope + "\n" + hex.EncodeToString(sum[:])
	key := []byte("AWS4" + secret)
	for _, part := range []string{date, region, service, "aws4_request"} {
		key = hmacSHA256(key, part)
	}
	want := hex.EncodeToString(hmacSHA256(key, sts))
	if !hmac.Equal([]byte(want), []byte(fields["Signature"])) {
		return denied("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.")
	}
	return c, service, nil
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

func canonicalQuery(q url.Values) string {
	var parts []string
	for k, vs := range q {
		for _, v := range vs {
			parts = append(parts, awsEscape(k)+"="+awsEscape(v))
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, "&")
}

func awsEscape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

func (s *Server) dispatch(service, action string, form url.Values, c caller) (any, *apiError) {
	switch service + ":" + action {
	case "sts:GetSessionToken":
		return s.getSessionToken(form, c)
	case "sts:GetCallerIdentity":
		return struct {
			Arn     string
			UserId  string
			Account string
		}{Arn: c.arn(), UserId: "AIDA" + strings.ToUpper(c.user.Name), Account: c.user.Account}, nil
	case "iam:GetUser":
		if c.session == nil || !c.session.mfa {
			return nil, &apiError{403, "AccessDenied", fmt.Sprintf("User: %s is not authorized to perform: iam:GetUser on resource: %s with an explicit deny in an identity-based policy", c.arn(), c.arn())}
		}
		type user struct {
			Path, UserName, UserId, Arn, CreateDate string
		}
		return struct {
			User user
		}{User: user{"/", c.user.Name, "AIDA" + strings.ToUpper(c.user.Name), c.arn(), "2020-01-01T00:00:00Z"}}, nil
	}
	return nil, &apiError{400, "InvalidAction", fmt.Sprintf("Could not find operation %s for version 2011-06-15", action)}
}

func (s *Server) getSessionToken(form url.Values, c caller) (any, *apiError) {
	if c.session != nil {
		return nil, &apiError{403, "AccessDenied", "Cannot call GetSessionToken with session credentials"}
	}
	duration := 43200
	if d := form.Get("DurationSeconds"); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil || n < 900 || n > 129600 {
			return nil, &apiError{400, "ValidationError", "1 validation error detected: Value at 'durationSeconds' failed to satisfy constraint"}
		}
		duration = n
	}
	serial, code := form.Get("SerialNumber"), form.Get("TokenCode")
	mfa := false
	if serial != "" || code != "" {
		if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
			return nil, &apiError{400, "ValidationError", "1 validation error detected: Value at 'tokenCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\d]*"}
		}
		var dev *Device
		for i := range c.user.Devices {
			if c.user.Devices[i].Serial == serial {
				dev = &c.user.Devices[i]
			}
		}
		if dev == nil {
			return nil, &apiError{403, "AccessDenied", "MultiFactorAuthentication failed, unable to validate MFA code. Please verify your MFA serial number is valid and associated with this user."}
		}
		now := s.Now()
		s.mu.Lock()
		_, reused := s.used[serial+"|"+code]
		valid := false
		for _, skew := range []time.Duration{-30 * time.Second, 0, 30 * time.Second} {
			if Code(dev.Seed, now.Add(skew)) == code {
				valid = true
			}
		}
		if valid && !reused {
			s.used[serial+"|"+code] = now
		}
		s.mu.Unlock()
		if !valid || reused {
			return nil, &apiError{403, "AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code."}
		}
		mfa = true
	}
	ss := &session{secret: newID(20), token: "FwoGZXIvYXdzE" + newID(200), user: c.user, mfa: mfa, expires: s.Now().Add(time.Duration(duration) * time.Second).UTC().Truncate(time.Second)}
	akid := "ASIA" + newID(8)
	s.mu.Lock()
	s.sessions[akid] = ss
	s.issued = append(s.issued, ss.secret, ss.token)
	s.mu.Unlock()
	type creds struct {
		AccessKeyId, SecretAccessKey, SessionToken, Expiration string
	}
	return struct {
		Credentials creds
	}{Credentials: creds{akid, ss.secret, ss.token, ss.expires.Format(time.RFC3339)}}, nil
}
