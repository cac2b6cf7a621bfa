// Package localsts is a local STS and IAM endpoint that checks what AWS checks. mfacred demo
// runs it in-process, and the tests use it as their STS. It checks
// SigV4 signatures made with the caller's secret, TOTP codes of named MFA devices (a code is
// accepted once), that a serial belongs to the caller, and a Deny-unless-MFA policy on IAM.
// It counts the calls of each action so that tests can say how often STS was reached.
//
// Beside it, at /federation, is the console federation endpoint (getSigninToken): it takes
// only role credentials this server issued, and refuses SessionDuration for role-chained
// ones, as AWS does (see federation.go); at /v1/token the signin service's token endpoint,
// which refreshes `aws login` sessions (see signin.go).
package localsts

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// Device is an MFA device: a virtual one has a seed; a FIDO key (serial
// arn:aws:iam::ACCOUNT:u2f/...) has none and STS cannot use it.
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

// Role is an IAM role that the server's users may assume.
type Role struct {
	ARN string // arn:aws:iam::ACCOUNT:role/NAME
	// MaxSessionDuration in seconds; 3600 when zero.
	MaxSessionDuration int
	// RequireMFA is a trust policy with "Bool": {"aws:MultiFactorAuthPresent": "true"}.
	RequireMFA bool
	// ExternalID, when set, must be passed as ExternalId.
	ExternalID string
	// TagSession and SetSourceIdentity: the trust policy allows sts:TagSession (session
	// tags, also those a chained call carries on) and sts:SetSourceIdentity (tags.go).
	TagSession, SetSourceIdentity bool
	// TokenBytes is the size of the random part of its session tokens, 600 when zero; AWS's
	// grow with session tags and policies past a keyring item's limit.
	TokenBytes int
}

func (r Role) account() string { return strings.Split(r.ARN, ":")[4] }
func (r Role) name() string    { return r.ARN[strings.LastIndex(r.ARN, "/")+1:] }

type session struct {
	secret, token string
	user          *User
	mfa           bool
	expires       time.Time
	// assumed is the assumed-role ARN of a role session; role its role.
	assumed string
	role    *Role
	// chained: a role assumed with session credentials (role chaining).
	chained bool
	// keyID is its access key id; tagging what a role session was assumed with (tags.go).
	keyID   string
	tagging Tagging
}

// Fault makes calls of Action fail before anything is checked: with Hang, the server
// answers nothing for that long (or until the caller gives up); else with HTTP Status and
// error Code. Times is how many calls it hits; 0 means every call.
type Fault struct {
	Action  string
	Status  int
	Code    string
	Message string
	Hang    time.Duration
	Times   int
}

// Server is the test endpoint.
type Server struct {
	URL string
	// clock is the server's clock for TOTP checks, expirations and the Date header.
	clock func() time.Time
	delay time.Duration // added to each GetSessionToken
	// roleLife and sessionLife, when set, are how long role and session credentials live,
	// whatever DurationSeconds says.
	roleLife, sessionLife time.Duration

	srv      *http.Server
	mu       sync.Mutex
	users    map[string]*User // by access key id
	keys     keyState         // the access keys made and deleted since (accesskeys.go)
	roles    map[string]*Role // by ARN
	sessions map[string]*session
	used     map[string]time.Time // serial|code -> when
	counts   map[string]int
	calls    map[string]int  // by action: SDK calls, each retry of one counted once (Calls)
	invoked  map[string]bool // action|amz-sdk-invocation-id seen
	codes    []string        // "Action code" of every request that carried a code, as it arrived
	log      []string        // one line per request, for a failing test to show (Log)
	faults   []*Fault
	// Issued lists every session secret handed out, for leak scans.
	issued  []string
	assumed []string // role session names
	signins []Signin
	// beforeAnswer runs before a granted refresh is answered (BeforeRefreshAnswer).
	beforeAnswer func()
	// The signin endpoint's state (signin.go).
	refresh   map[string]*refreshToken
	jtis      map[string]bool
	loginLife time.Duration

	// identityCallers: the access key id of each GetCallerIdentity (tags.go).
	identityCallers []string
}

// New starts a server on 127.0.0.1 with the given users; it panics if it cannot listen.
func New(users ...User) *Server {
	s, err := Start(users...)
	if err != nil {
		panic(err)
	}
	return s
}

// Start starts a server on a free port of 127.0.0.1 with the given users.
func Start(users ...User) (*Server, error) {
	s := &Server{clock: time.Now, users: map[string]*User{}, roles: map[string]*Role{}, sessions: map[string]*session{}, used: map[string]time.Time{}, counts: map[string]int{}, calls: map[string]int{}, invoked: map[string]bool{}}
	for i := range users {
		u := users[i]
		s.users[u.AccessKeyID] = &u
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("start local STS: %w", err)
	}
	s.srv = &http.Server{Handler: http.HandlerFunc(s.serve), ReadHeaderTimeout: 10 * time.Second}
	s.URL = "http://" + l.Addr().String()
	go func() { _ = s.srv.Serve(l) }()
	return s, nil
}

// SetDelay makes every GetSessionToken take d longer.
func (s *Server) SetDelay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// SetRoleLifetime makes role credentials expire d after AssumeRole (AWS: at least 900 s), so
// that tests see them renewed within minutes.
func (s *Server) SetRoleLifetime(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.roleLife = d
}

// SetSessionLifetime makes GetSessionToken's credentials expire d after the call (AWS: at
// least 900 s), so that tests see MFA sessions renewed within minutes.
func (s *Server) SetSessionLifetime(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sessionLife = d
}

// SetClock sets the server's clock, to skew it against the caller's.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clock = now
}

func (s *Server) now() time.Time {
	s.mu.Lock()
	now := s.clock
	s.mu.Unlock()
	return now()
}

// SetDevices replaces the MFA devices of the user with the given access key.
func (s *Server) SetDevices(accessKeyID string, devices ...Device) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[accessKeyID].Devices = devices
}

// Inject adds a fault.
func (s *Server) Inject(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// injected answers this call of action with the fault that hits it, if any, and says so: a
// hanging fault holds the call until its time is up or the caller gives up, any other is
// answered by answer, in the endpoint's own error shape.
func (s *Server) injected(r *http.Request, action string, answer func(f *Fault)) bool {
	f := s.fault(action)
	if f == nil {
		return false
	}
	if f.Hang > 0 {
		select {
		case <-time.After(f.Hang):
		case <-r.Context().Done():
		}
		return true
	}
	answer(f)
	return true
}

// fault returns the fault that hits this call of action, if any.
func (s *Server) fault(action string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.Action != action {
			continue
		}
		hit := *f
		if f.Times > 0 {
			if f.Times--; f.Times == 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
		}
		return &hit
	}
	return nil
}

// AddUser adds a user, as New does.
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.AccessKeyID] = &u
}

// Caller is the ARN that credentials with access key id keyID act as (GetCallerIdentity's
// answer), "" for keys the server did not issue.
func (s *Server) Caller(keyID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u, _, ok := s.longTermKey(keyID, time.Time{}); ok {
		return u.ARN()
	}
	c := s.sessions[keyID]
	switch {
	case c == nil:
		return ""
	case c.assumed != "":
		return c.assumed
	}
	return c.user.ARN()
}

// AddRole makes a role assumable.
func (s *Server) AddRole(r Role) {
	if r.MaxSessionDuration == 0 {
		r.MaxSessionDuration = 3600
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.roles[r.ARN] = &r
}

// Close stops the server.
func (s *Server) Close() {
	_ = s.srv.Close() // closes every connection, which ends hanging calls
}

// Count returns how many calls of action (as "GetSessionToken") were answered, ok or not.
func (s *Server) Count(action string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[action]
}

// Calls is how many SDK calls of action arrived: the requests that are the SDK's retries of
// one call (the same amz-sdk-invocation-id, which the SDKs send on every attempt) count once.
// Count counts each attempt. A test that says how often mfacred called STS asks Calls: the
// SDK's retry of a call whose answer was lost on the way (seen under Wine on a loaded
// machine) is not a second call.
func (s *Server) Calls(action string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[action]
}

// Log returns a line for each request answered so far (time, action, client address, the
// SDK's attempt header, status): what a test shows when STS was reached more often than it
// expected.
func (s *Server) Log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.log, "\n")
}

// recorder keeps the status a handler answered with.
type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Codes returns the MFA codes sent with action, in the order they arrived, including those of
// requests a fault answered or left hanging (AWS may have used such a code).
func (s *Server) Codes(action string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, ac := range s.codes {
		if a, code, _ := strings.Cut(ac, " "); a == action {
			out = append(out, code)
		}
	}
	return out
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
	if r.URL.Path == "/federation" {
		s.federation(w, r)
		return
	}
	if r.URL.Path == "/v1/token" {
		s.signin(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	form, _ := url.ParseQuery(string(body))
	for k, v := range r.URL.Query() {
		form[k] = v
	}
	action := form.Get("Action")
	rec := &recorder{ResponseWriter: w}
	w = rec
	arrived := time.Now()
	defer func() {
		// amz-sdk-request says which attempt of one SDK call this is: a retry shows here.
		line := fmt.Sprintf("%s %s from %s (%s) answered %d in %v", arrived.Format("15:04:05.000"), action,
			r.RemoteAddr, r.Header.Get("amz-sdk-request"), rec.status, time.Since(arrived).Round(time.Millisecond))
		s.mu.Lock()
		s.log = append(s.log, line)
		s.mu.Unlock()
	}()
	s.mu.Lock()
	s.counts[action]++
	if id := r.Header.Get("amz-sdk-invocation-id"); id == "" || !s.invoked[action+"|"+id] {
		s.calls[action]++
		if id != "" {
			s.invoked[action+"|"+id] = true
		}
	}
	if code := form.Get("TokenCode"); code != "" {
		s.codes = append(s.codes, action+" "+code)
	}
	s.mu.Unlock()
	s.mu.Lock()
	delay := s.delay
	s.mu.Unlock()
	if action == "GetSessionToken" && delay > 0 {
		time.Sleep(delay)
	}
	if s.injected(r, action, func(f *Fault) {
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(f.Status)
		fmt.Fprintf(w, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>%s</RequestId></ErrorResponse>`,
			f.Code, xmlEscape(f.Message), newID(8))
	}) {
		return
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
	// The server's clock, so that tests can skew it against the caller's.
	w.Header().Set("Date", s.now().UTC().Format(http.TimeFormat))
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

func (c caller) arn() string {
	if c.session != nil && c.session.assumed != "" {
		return c.session.assumed
	}
	return c.user.ARN()
}

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
	akid, date, service := scope[0], scope[1], scope[3]
	amzDate := r.Header.Get("X-Amz-Date")
	t, err := time.Parse("20060102T150405Z", amzDate)
	if err != nil || !strings.HasPrefix(amzDate, date) {
		return denied("IncompleteSignature", "bad X-Amz-Date")
	}
	if d := time.Since(t); d > 15*time.Minute || d < -15*time.Minute {
		return denied("SignatureDoesNotMatch", "Signature expired")
	}
	now := s.now()
	s.mu.Lock()
	c := caller{}
	u, secret, live := s.longTermKey(akid, now)
	if live {
		c.user = u
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
		if s.now().After(c.session.expires) {
			return denied("ExpiredToken", "The security token included in the request is expired")
		}
	}
	signed := strings.Split(fields["SignedHeaders"], ";")
	// AWS refuses a signature that does not cover the host, the date and, for session
	// credentials, the token: otherwise a captured request could be replayed elsewhere or later.
	must := []string{"host", "x-amz-date"}
	if c.session != nil {
		must = append(must, "x-amz-security-token")
	}
	for _, h := range must {
		if !contains(signed, h) {
			return denied("SignatureDoesNotMatch", "'"+h+"' must be a signed header.")
		}
	}
	sum := sha256.Sum256(body)
	payload := hex.EncodeToString(sum[:])
	if claimed := r.Header.Get("X-Amz-Content-Sha256"); claimed != "" && claimed != payload {
		return denied("XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.")
	}
	want := signature(r, signed, fields["SignedHeaders"], payload, amzDate, scope, secret)
	if !hmac.Equal([]byte(want), []byte(fields["Signature"])) {
		return denied("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.")
	}
	return c, service, nil
}

// signature is the SigV4 signature of r as AWS computes it: over the headers the caller says it
// signed, the payload hash of the body that arrived, and the credential scope, with secret.
// The payload hash is computed from the body, never taken from the caller (authenticate refuses
// a claimed X-Amz-Content-Sha256 that differs, as AWS does).
func signature(r *http.Request, signed []string, signedHeaders, payload, amzDate string, scope []string, secret string) string {
	var canon strings.Builder
	for _, h := range signed {
		v := r.Header.Values(h)
		if h == "host" {
			v = []string{r.Host}
		}
		canon.WriteString(h + ":" + strings.Join(strings.Fields(strings.Join(v, ",")), " ") + "\n")
	}
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	creq := strings.Join([]string{r.Method, path, canonicalQuery(r.URL.Query()), canon.String(), signedHeaders, payload}, "\n")
	creqSum := sha256.Sum256([]byte(creq))
	credScope := strings.Join(scope[1:], "/")
	sts := "AWS4-HMAC-SHA256\n" + amzDate + "\n" + credScope + "\n" + hex.EncodeToString(creqSum[:])
	key := []byte("AWS4" + secret)
	for _, part := range []string{scope[1], scope[2], scope[3], "aws4_request"} {
		key = hmacSHA256(key, part)
	}
	return hex.EncodeToString(hmacSHA256(key, sts))
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
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
	case "sts:AssumeRole":
		return s.assumeRole(form, c)
	case "sts:GetCallerIdentity":
		s.noteIdentityCaller(c)
		id, account := "AIDA"+strings.ToUpper(c.user.Name), c.user.Account
		if c.session != nil && c.session.role != nil {
			id, account = "AROA"+strings.ToUpper(c.session.role.name())+":"+c.arn()[strings.LastIndex(c.arn(), "/")+1:], c.session.role.account()
		}
		return struct {
			Arn     string
			UserId  string
			Account string
		}{Arn: c.arn(), UserId: id, Account: account}, nil
	case "iam:ListMFADevices":
		// Allowed without MFA for oneself, as under AWS's self-manage-MFA example policy.
		if u := form.Get("UserName"); u != "" && u != c.user.Name {
			return nil, &apiError{403, "AccessDenied", fmt.Sprintf("User: %s is not authorized to perform: iam:ListMFADevices on resource: user %s", c.arn(), u)}
		}
		type device struct{ UserName, SerialNumber, EnableDate string }
		var list []device
		for _, d := range c.user.Devices {
			list = append(list, device{c.user.Name, d.Serial, "2023-01-02T03:04:05Z"})
		}
		return struct {
			MFADevices  []device `xml:"MFADevices>member"`
			IsTruncated bool
		}{list, false}, nil
	case "iam:CreateAccessKey", "iam:ListAccessKeys", "iam:DeleteAccessKey":
		return s.accessKeys(action, form, c)
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
		if aerr := s.checkCode(c.user, serial, code); aerr != nil {
			return nil, aerr
		}
		mfa = true
	}
	s.mu.Lock()
	if s.sessionLife > 0 {
		duration = int(s.sessionLife / time.Second)
	}
	s.mu.Unlock()
	ss := s.newSession(&session{user: c.user, mfa: mfa}, duration, 200)
	return struct {
		Credentials creds
	}{Credentials: ss}, nil
}

type creds struct {
	AccessKeyId, SecretAccessKey, SessionToken, Expiration string
}

// newSession completes ss with keys and an expiry, registers it and returns its credentials.
// Role session tokens are longer than GetSessionToken's, as AWS's are.
func (s *Server) newSession(ss *session, duration, tokenBytes int) creds {
	ss.secret, ss.token = newID(20), "FwoGZXIvYXdzE"+newID(tokenBytes)
	ss.expires = s.now().Add(time.Duration(duration) * time.Second).UTC().Truncate(time.Second)
	akid := "ASIA" + newID(8)
	ss.keyID = akid
	s.mu.Lock()
	s.sessions[akid] = ss
	s.issued = append(s.issued, ss.secret, ss.token)
	s.mu.Unlock()
	return creds{akid, ss.secret, ss.token, ss.expires.Format(time.RFC3339)}
}

// checkCode checks a TOTP code of one of u's devices the way STS does: the current step and
// one either side, each code accepted once.
func (s *Server) checkCode(u *User, serial, code string) *apiError {
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		return &apiError{400, "ValidationError", "1 validation error detected: Value at 'tokenCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\d]*"}
	}
	var dev *Device
	for i := range u.Devices {
		if u.Devices[i].Serial == serial && u.Devices[i].Seed != "" {
			dev = &u.Devices[i]
		}
	}
	if dev == nil {
		return &apiError{403, "AccessDenied", "MultiFactorAuthentication failed, unable to validate MFA code. Please verify your MFA serial number is valid and associated with this user."}
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	_, reused := s.used[serial+"|"+code]
	valid := false
	for _, skew := range []time.Duration{-30 * time.Second, 0, 30 * time.Second} {
		if Code(dev.Seed, now.Add(skew)) == code {
			valid = true
		}
	}
	if !valid || reused {
		return &apiError{403, "AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code."}
	}
	s.used[serial+"|"+code] = now
	return nil
}

var sessionNameRE = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)

// assumeRole follows AWS: a caller with session credentials is chaining roles and gets at
// most one hour; MFA context comes from the caller's session or from SerialNumber/TokenCode.
func (s *Server) assumeRole(form url.Values, c caller) (any, *apiError) {
	s.mu.Lock()
	role := s.roles[form.Get("RoleArn")]
	s.mu.Unlock()
	denied := &apiError{403, "AccessDenied", fmt.Sprintf("User: %s is not authorized to perform: sts:AssumeRole on resource: %s", c.arn(), form.Get("RoleArn"))}
	name := form.Get("RoleSessionName")
	if !sessionNameRE.MatchString(name) {
		return nil, &apiError{400, "ValidationError", "1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"}
	}
	duration := 3600
	if d := form.Get("DurationSeconds"); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil || n < 900 || n > 43200 {
			return nil, &apiError{400, "ValidationError", "1 validation error detected: Value at 'durationSeconds' failed to satisfy constraint"}
		}
		duration = n
	}
	tags, aerr := tagging(form, c.session)
	if aerr != nil {
		return nil, aerr
	}
	if role == nil || role.ExternalID != form.Get("ExternalId") {
		return nil, denied
	}
	if c.session != nil && duration > 3600 {
		return nil, &apiError{400, "ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."}
	}
	if duration > role.MaxSessionDuration {
		return nil, &apiError{400, "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."}
	}
	mfa := c.session != nil && c.session.mfa
	if serial, code := form.Get("SerialNumber"), form.Get("TokenCode"); serial != "" || code != "" {
		if c.session != nil {
			return nil, denied
		}
		if aerr := s.checkCode(c.user, serial, code); aerr != nil {
			return nil, aerr
		}
		mfa = true
	}
	if role.RequireMFA && !mfa {
		return nil, denied
	}
	if aerr := tags.allowed(role, c); aerr != nil {
		return nil, aerr
	}
	assumed := "arn:aws:sts::" + role.account() + ":assumed-role/" + role.name() + "/" + name
	s.mu.Lock()
	if s.roleLife > 0 {
		duration = int(s.roleLife / time.Second)
	}
	s.mu.Unlock()
	tokenBytes := 600
	if role.TokenBytes > 0 {
		tokenBytes = role.TokenBytes
	}
	cr := s.newSession(&session{user: c.user, mfa: mfa, assumed: assumed, role: role, chained: c.session != nil, tagging: tags}, duration, tokenBytes)
	s.mu.Lock()
	s.assumed = append(s.assumed, name)
	s.mu.Unlock()
	type assumedUser struct{ AssumedRoleId, Arn string }
	return struct {
		Credentials     creds
		AssumedRoleUser assumedUser
	}{cr, assumedUser{"AROA" + strings.ToUpper(role.name()) + ":" + name, assumed}}, nil
}

// SessionNames lists the RoleSessionName of every role session handed out, in order.
func (s *Server) SessionNames() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.assumed...)
}
