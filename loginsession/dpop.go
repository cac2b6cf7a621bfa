package loginsession

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"time"
)

// ErrBadKey marks a token file whose dpopKey is not a P-256 private key.
var ErrBadKey = errors.New("the token file's dpopKey is not a P-256 EC private key")

// ParseKey reads the PEM "EC PRIVATE KEY" of a token file.
func ParseKey(p string) (*ecdsa.PrivateKey, error) {
	block, _ := pem.Decode([]byte(p))
	if block == nil {
		return nil, ErrBadKey
	}
	k, err := x509.ParseECPrivateKey(block.Bytes)
	if err != nil || k.Curve != elliptic.P256() {
		return nil, ErrBadKey
	}
	return k, nil
}

// JWK is the public key of a DPoP proof's header (RFC 7517, EC P-256).
type JWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

// Proof is a decoded DPoP proof: its header's key and its claims (RFC 9449).
type Proof struct {
	Header struct {
		Typ string `json:"typ"`
		Alg string `json:"alg"`
		JWK JWK    `json:"jwk"`
	}
	Claims struct {
		JTI string `json:"jti"`
		HTM string `json:"htm"`
		HTU string `json:"htu"`
		IAT int64  `json:"iat"`
	}
}

// PublicJWK is the JWK of k's public key.
func PublicJWK(k *ecdsa.PublicKey) (JWK, error) {
	b, err := k.Bytes() // 0x04 || X || Y, 32 bytes each
	if err != nil || len(b) != 65 {
		return JWK{}, ErrBadKey
	}
	enc := base64.RawURLEncoding.EncodeToString
	return JWK{Kty: "EC", Crv: "P-256", X: enc(b[1:33]), Y: enc(b[33:])}, nil
}

// proof makes the DPoP header of a request: an ES256 JWT signed with key, binding the
// request's method and URL (without query) and the time, with a fresh id.
func proof(key *ecdsa.PrivateKey, method, url string, now time.Time) (string, error) {
	var p Proof
	jwk, err := PublicJWK(&key.PublicKey)
	if err != nil {
		return "", err
	}
	p.Header.Typ, p.Header.Alg, p.Header.JWK = "dpop+jwt", "ES256", jwk
	id := make([]byte, 16)
	if _, err := rand.Read(id); err != nil {
		return "", fmt.Errorf("make DPoP proof id: %w", err)
	}
	p.Claims.JTI = base64.RawURLEncoding.EncodeToString(id)
	p.Claims.HTM, p.Claims.HTU, p.Claims.IAT = method, url, now.Unix()
	h, _ := json.Marshal(p.Header)
	c, _ := json.Marshal(p.Claims)
	msg := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
	sum := sha256.Sum256([]byte(msg))
	r, s, err := ecdsa.Sign(rand.Reader, key, sum[:])
	if err != nil {
		return "", fmt.Errorf("sign DPoP proof: %w", err)
	}
	// JWS ES256: the raw r || s, 32 bytes each (RFC 7518 §3.4), not ASN.1.
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return msg + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}
