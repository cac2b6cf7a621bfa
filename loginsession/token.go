package loginsession

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials/logincreds"
)

// CacheDirEnv names the token files' folder, as in the AWS CLI and SDKs; else
// ~/.aws/login/cache.
const CacheDirEnv = "AWS_LOGIN_CACHE_DIRECTORY"

// Path is the token file of a login_session value: the SHA-256 of the value, in hex, in
// $AWS_LOGIN_CACHE_DIRECTORY or ~/.aws/login/cache, where `aws login` writes it.
func Path(session string) (string, error) {
	p, err := logincreds.StandardCachedTokenFilepath(session, os.Getenv(CacheDirEnv))
	if err != nil {
		return "", fmt.Errorf("find the aws login token file: %w", err)
	}
	return p, nil
}

// Token is a token file as the AWS CLI writes it. Only the fields mfacred reads are
// decoded; the rest (idToken, identityToken, signInRegion, anything newer) is kept as it
// came and written back unchanged.
type Token struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	AccountID       string
	Expires         time.Time
	ClientID        string
	RefreshToken    string
	DPoPKey         string
	// SignInRegion is the region the session signed in to, when the file names one: a
	// refresh goes there.
	SignInRegion string

	raw    map[string]json.RawMessage // the whole file
	access map[string]json.RawMessage // its accessToken object
}

// ErrBadToken marks a token file that is not a complete `aws login` session.
var ErrBadToken = errors.New("not a complete aws login token file")

// Parse reads a token file's contents.
func Parse(b []byte) (*Token, error) {
	t := &Token{}
	if err := json.Unmarshal(b, &t.raw); err != nil || t.raw == nil {
		return nil, fmt.Errorf("%w: not a JSON object", ErrBadToken)
	}
	if err := json.Unmarshal(t.raw["accessToken"], &t.access); err != nil || t.access == nil {
		return nil, fmt.Errorf("%w: no accessToken", ErrBadToken)
	}
	var expires string
	for _, f := range []struct {
		from map[string]json.RawMessage
		name string
		to   *string
	}{
		{t.access, "accessKeyId", &t.AccessKeyID},
		{t.access, "secretAccessKey", &t.SecretAccessKey},
		{t.access, "sessionToken", &t.SessionToken},
		{t.access, "accountId", &t.AccountID},
		{t.access, "expiresAt", &expires},
		{t.raw, "clientId", &t.ClientID},
		{t.raw, "refreshToken", &t.RefreshToken},
		{t.raw, "dpopKey", &t.DPoPKey},
		{t.raw, "signInRegion", &t.SignInRegion},
	} {
		v, ok := f.from[f.name]
		if !ok {
			continue
		}
		if err := json.Unmarshal(v, f.to); err != nil {
			return nil, fmt.Errorf("%w: %s is not a string", ErrBadToken, f.name)
		}
	}
	var missing []string
	for name, v := range map[string]string{"accessToken.accessKeyId": t.AccessKeyID, "accessToken.secretAccessKey": t.SecretAccessKey,
		"accessToken.sessionToken": t.SessionToken, "accessToken.expiresAt": expires, "clientId": t.ClientID,
		"refreshToken": t.RefreshToken, "dpopKey": t.DPoPKey} {
		if v == "" {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w: no %s", ErrBadToken, strings.Join(missing, ", "))
	}
	exp, err := time.Parse(time.RFC3339Nano, expires)
	if err != nil {
		return nil, fmt.Errorf("%w: accessToken.expiresAt is not an RFC 3339 time", ErrBadToken)
	}
	t.Expires = exp.UTC()
	return t, nil
}

// Marshal is the file with the decoded fields as they are now and every other field as it
// was read.
func (t *Token) Marshal() ([]byte, error) {
	set := func(m map[string]json.RawMessage, name, v string) {
		b, _ := json.Marshal(v)
		m[name] = b
	}
	access := make(map[string]json.RawMessage, len(t.access))
	for k, v := range t.access {
		access[k] = v
	}
	set(access, "accessKeyId", t.AccessKeyID)
	set(access, "secretAccessKey", t.SecretAccessKey)
	set(access, "sessionToken", t.SessionToken)
	set(access, "expiresAt", t.Expires.UTC().Format(time.RFC3339))
	raw := make(map[string]json.RawMessage, len(t.raw))
	for k, v := range t.raw {
		raw[k] = v
	}
	a, err := json.Marshal(access)
	if err != nil {
		return nil, err
	}
	raw["accessToken"] = a
	set(raw, "refreshToken", t.RefreshToken)
	return json.MarshalIndent(raw, "", "  ")
}

// SetIDToken replaces the identity token a refresh answered with, in whichever of the
// CLI's idToken and the Go SDK's identityToken the file holds (idToken if neither).
func (t *Token) SetIDToken(v string) {
	b, _ := json.Marshal(v)
	_, id := t.raw["idToken"]
	_, identity := t.raw["identityToken"]
	if id || !identity {
		t.raw["idToken"] = b
	}
	if identity {
		t.raw["identityToken"] = b
	}
}

// Left is how long the token's credentials still live at now.
func (t *Token) Left(now time.Time) time.Duration { return t.Expires.Sub(now) }
