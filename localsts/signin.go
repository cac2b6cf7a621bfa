package localsts

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
	"time"
)

// The signin service's token endpoint (CreateOAuth2Token), as the AWS CLI's `aws login` and the
// SDKs refresh a session with it: POST /v1/token, JSON {"clientId","grantType":
// "refresh_token","refreshToken"}, with a DPoP proof (RFC 9449) signed by the key registered
// at sign-in. Tests point AWS_ENDPOINT_URL_SIGNIN at the server. It is stricter than AWS is
// documented to be: a refresh token is refused once used, and a proof's id (jti) once seen.

// SigninClientID is the client id `aws login` signs in as.
const SigninClientID = "arn:aws:signin:::devtools/same-device"

// LoginOptions shape a session made by Login.
type LoginOptions struct {
	// MFA makes the session's credentials carry MFA context (aws:MultiFactorAuthPresent).
	// AWS does not document that they do; the default is that they do not.
	MFA bool
	// Life is how long the first credentials live (default 15 minutes).
	Life time.Duration
}

// loginSession is a signed-in `aws login` session: its user, its DPoP key's thumbprint and
// whether its credentials carry MFA context.
type loginSession struct {
	user  *User
	jkt   string
	mfa   bool
	ended string // an OAuth2 error code every refresh now gets
}

type refreshToken struct {
	login *loginSession
	used  bool
}

// Login signs the user with accessKeyID in as `aws login` does after the browser step, and
// returns the token file the AWS CLI would write: fresh credentials, a refresh token, a new
// P-256 DPoP key, the CLI's idToken and a field mfacred does not know (to see it kept).
func (s *Server) Login(accessKeyID string, o LoginOptions) ([]byte, error) {
	s.mu.Lock()
	u := s.users[accessKeyID]
	s.mu.Unlock()
	if u == nil {
		return nil, fmt.Errorf("local signin: no user with key %s", accessKeyID)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, err
	}
	keyPEM := string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}))
	pub, _ := key.PublicKey.Bytes()
	ls := &loginSession{user: u, jkt: thumbprint(b64(pub[1:33]), b64(pub[33:])), mfa: o.MFA}
	life := o.Life
	if life == 0 {
		life = 15 * time.Minute
	}
	c := s.newSession(&session{user: u, mfa: o.MFA}, int(life/time.Second), 200)
	rt := s.newRefreshToken(ls)
	s.mu.Lock()
	s.issued = append(s.issued, keyPEM, rt)
	s.mu.Unlock()
	file := map[string]any{
		"accessToken": map[string]any{
			"accessKeyId": c.AccessKeyId, "secretAccessKey": c.SecretAccessKey, "sessionToken": c.SessionToken,
			"accountId": u.Account, "expiresAt": c.Expiration,
		},
		"tokenType":      "aws_sigv4",
		"clientId":       SigninClientID,
		"refreshToken":   rt,
		"idToken":        idToken(u, s.now()),
		"dpopKey":        keyPEM,
		"futureCLIField": map[string]any{"kept": true},
	}
	return json.MarshalIndent(file, "", "    ")
}

// idToken is an unsigned stand-in for the CLI's idToken: a JWT whose iat is the sign-in.
func idToken(u *User, at time.Time) string {
	claims, _ := json.Marshal(map[string]any{"sub": u.ARN(), "iat": at.Unix(), "exp": at.Add(15 * time.Minute).Unix()})
	return b64([]byte(`{"alg":"none"}`)) + "." + b64(claims) + "."
}

func (s *Server) newRefreshToken(ls *loginSession) string {
	rt := "rt-" + newID(32)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refresh == nil {
		s.refresh = map[string]*refreshToken{}
	}
	s.refresh[rt] = &refreshToken{login: ls}
	s.issued = append(s.issued, rt)
	return rt
}

// SetLoginLifetime makes refreshed login credentials live d (AWS: at most 15 minutes), so
// that tests see them refreshed within minutes.
func (s *Server) SetLoginLifetime(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loginLife = d
}

// EndLogins ends every session: each refresh is then refused with the OAuth2 error code
// (TOKEN_EXPIRED, USER_CREDENTIALS_CHANGED) as AccessDeniedException.
func (s *Server) EndLogins(code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rt := range s.refresh {
		rt.login.ended = code
	}
}

// BeforeRefreshAnswer makes f run after each refresh is granted (its refresh token spent) and
// before its answer is sent: a test writes the token file there as the AWS CLI would, to see
// what the caller does with a file that changed under it.
func (s *Server) BeforeRefreshAnswer(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.beforeAnswer = f
}

// Refreshes is how many refreshes the signin endpoint granted.
func (s *Server) Refreshes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts["CreateOAuth2Token:granted"]
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// thumbprint is the RFC 7638 thumbprint of an EC P-256 JWK: what a refresh token is bound to.
func thumbprint(x, y string) string {
	sum := sha256.Sum256([]byte(`{"crv":"P-256","kty":"EC","x":"` + x + `","y":"` + y + `"}`))
	return b64(sum[:])
}

// signinError answers as the signin service does: restJson1, the type in X-Amzn-Errortype and
// __type, the OAuth2 code in "error".
func signinError(w http.ResponseWriter, status int, typ, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Errortype", typ)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": typ, "error": code, "message": msg})
}

// checkDPoP verifies a DPoP proof for r and returns its key's thumbprint: typ dpop+jwt, alg
// ES256, an EC P-256 jwk whose key made the signature, htm and htu naming this request, iat
// within a minute of the server's clock, jti never seen before.
func (s *Server) checkDPoP(r *http.Request) (string, string) {
	proof := r.Header.Get("DPoP")
	parts := strings.Split(proof, ".")
	if len(parts) != 3 {
		return "", "missing or malformed DPoP proof"
	}
	var hdr struct {
		Typ string `json:"typ"`
		Alg string `json:"alg"`
		JWK struct {
			Kty, Crv, X, Y string
		} `json:"jwk"`
	}
	var claims struct {
		JTI string `json:"jti"`
		HTM string `json:"htm"`
		HTU string `json:"htu"`
		IAT *int64 `json:"iat"`
	}
	hb, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	cb, err2 := base64.RawURLEncoding.DecodeString(parts[1])
	sig, err3 := base64.RawURLEncoding.DecodeString(parts[2])
	if err1 != nil || err2 != nil || err3 != nil || json.Unmarshal(hb, &hdr) != nil || json.Unmarshal(cb, &claims) != nil {
		return "", "malformed DPoP proof"
	}
	if hdr.Typ != "dpop+jwt" || hdr.Alg != "ES256" || hdr.JWK.Kty != "EC" || hdr.JWK.Crv != "P-256" {
		return "", "DPoP proof: want typ dpop+jwt, alg ES256 and an EC P-256 jwk"
	}
	x, errX := base64.RawURLEncoding.DecodeString(hdr.JWK.X)
	y, errY := base64.RawURLEncoding.DecodeString(hdr.JWK.Y)
	if errX != nil || errY != nil || len(x) != 32 || len(y) != 32 || len(sig) != 64 {
		return "", "DPoP proof: bad key or signature size"
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
	if err != nil {
		return "", "DPoP proof: the jwk is not a point of P-256"
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !ecdsa.Verify(pub, sum[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		return "", "DPoP proof: bad signature"
	}
	if claims.HTM != r.Method {
		return "", "DPoP proof: htm does not name this request's method"
	}
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" { // behind a TLS proxy of a test
		scheme = "https"
	}
	if want := scheme + "://" + r.Host + r.URL.Path; claims.HTU != want {
		return "", "DPoP proof: htu does not name this endpoint"
	}
	now := s.now()
	if claims.IAT == nil || time.Unix(*claims.IAT, 0).Sub(now).Abs() > time.Minute {
		return "", "DPoP proof: iat is not within a minute of now"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.jtis == nil {
		s.jtis = map[string]bool{}
	}
	if claims.JTI == "" || s.jtis[claims.JTI] {
		return "", "DPoP proof: jti missing or replayed"
	}
	s.jtis[claims.JTI] = true
	return thumbprint(hdr.JWK.X, hdr.JWK.Y), ""
}

// signin serves POST /v1/token.
func (s *Server) signin(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.counts["CreateOAuth2Token"]++
	s.mu.Unlock()
	if s.injected(r, "CreateOAuth2Token", func(f *Fault) { signinError(w, f.Status, f.Code, f.Message, f.Message) }) {
		return
	}
	if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		signinError(w, 400, "ValidationException", "INVALID_REQUEST", "want POST with a JSON body")
		return
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	var in struct {
		ClientID     string `json:"clientId"`
		GrantType    string `json:"grantType"`
		RefreshToken string `json:"refreshToken"`
	}
	if json.Unmarshal(body, &in) != nil || in.GrantType != "refresh_token" || in.ClientID != SigninClientID || in.RefreshToken == "" {
		signinError(w, 400, "ValidationException", "INVALID_REQUEST", "want clientId, grantType refresh_token and refreshToken")
		return
	}
	jkt, why := s.checkDPoP(r)
	if why != "" {
		signinError(w, 400, "InvalidGrantException", "invalid_grant", why)
		return
	}
	s.mu.Lock()
	rt := s.refresh[in.RefreshToken]
	var ls *loginSession
	switch {
	case rt == nil || rt.used:
		why = "the refresh token is unknown or was used already"
	case rt.login.jkt != jkt:
		why = "the DPoP proof is not signed with the key the refresh token is bound to"
	default:
		rt.used = true
		ls = rt.login
	}
	life := s.loginLife
	s.mu.Unlock()
	if why != "" {
		signinError(w, 400, "InvalidGrantException", "invalid_grant", why)
		return
	}
	switch ls.ended {
	case "":
	case "USER_CREDENTIALS_CHANGED":
		signinError(w, 403, "AccessDeniedException", ls.ended, "User credentials have been changed")
		return
	default:
		signinError(w, 401, "AccessDeniedException", ls.ended, "Token has expired")
		return
	}
	if life == 0 || life > 15*time.Minute {
		life = 15 * time.Minute
	}
	c := s.newSession(&session{user: ls.user, mfa: ls.mfa}, int(life/time.Second), 200)
	next := s.newRefreshToken(ls)
	s.mu.Lock()
	s.counts["CreateOAuth2Token:granted"]++
	before := s.beforeAnswer
	s.mu.Unlock()
	if before != nil {
		before() // the refresh token is spent: what happens now is the caller's to survive
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"accessToken":  map[string]string{"accessKeyId": c.AccessKeyId, "secretAccessKey": c.SecretAccessKey, "sessionToken": c.SessionToken},
		"expiresIn":    int(life / time.Second),
		"refreshToken": next,
		"tokenType":    "aws_sigv4",
	})
}
