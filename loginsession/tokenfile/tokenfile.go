// Package tokenfile reads and writes the token file of an `aws login` session in the AWS CLI's
// format, keeping every field it does not use. It links nothing of the AWS SDK, so that the
// fast path (package fastpath, through package hit) can serve a session's fresh credentials
// without mfacred-core; refreshing them is package loginsession's.
package tokenfile

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/internal/regular"
)

// CacheDirEnv names the token files' folder, as in the AWS CLI and SDKs; else
// ~/.aws/login/cache.
const CacheDirEnv = "AWS_LOGIN_CACHE_DIRECTORY"

// Path is the token file of a login_session value: the hex SHA-256 of the value (spaces
// around it trimmed) plus .json, in $AWS_LOGIN_CACHE_DIRECTORY or ~/.aws/login/cache, where
// `aws login` writes it and the SDKs look for it. The variable is read as botocore reads it
// (get_login_token_cache_directory): set, even to nothing, it is the folder, with $VAR, ${VAR}
// and a leading ~ expanded (awsconfig.ExpandPath, the rule of every path a variable names).
func Path(session string) (string, error) {
	dir, set := os.LookupEnv(CacheDirEnv)
	if set {
		dir = awsconfig.ExpandPath(dir)
	} else {
		home, err := os.UserHomeDir()
		if err != nil || home == "" {
			return "", fmt.Errorf("find the aws login token file: no home folder: %w", err)
		}
		dir = filepath.Join(home, ".aws", "login", "cache")
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(session)))
	return filepath.Join(dir, hex.EncodeToString(sum[:])+".json"), nil
}

// MaxSize is the largest token file mfacred reads; the AWS CLI's are about 4 KiB.
const MaxSize = 256 << 10

// Read reads and parses the token file at path. What stands there is checked first (package
// regular): a fifo, a device, a folder or a file over MaxSize is refused without waiting or
// reading. The AWS tools rewrite the file in place (truncate, then write), so a read may catch
// it empty or half written: such a read is tried again a few times before the file is called
// damaged (ErrBadToken); a file damaged otherwise (complete JSON without the session, or
// broken in its middle) is called so at once. A missing file is fs.ErrNotExist.
func Read(path string) (*Token, error) {
	for try := 0; ; try++ {
		b, err := regular.Read(path, MaxSize)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		t, err := Parse(b)
		if err == nil || try == rereads || !halfWritten(b) {
			return t, err
		}
		pause(RereadAfter)
	}
}

// pause is the wait between two reads of a file caught half written (a variable for the test
// that rewrites the file during it: TestReadWaitsOutAFileRewrittenInPlace). The waits of one
// Read add up to 200 ms, well within the second a call has to end after Ctrl-C.
var pause = time.Sleep

// halfWritten says whether b may be a token file caught while it is written: empty, or JSON
// that stops before its end (a prefix of the whole). JSON that is complete, or broken in its
// middle, stays as it is however often it is read again.
func halfWritten(b []byte) bool {
	err := json.NewDecoder(bytes.NewReader(b)).Decode(new(json.RawMessage))
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// ErrOtherAccount marks a token file whose credentials belong to another account than the
// login_session value that names the file: it is not that session's file (copied or put
// there), and its credentials would be handed out under the wrong account.
var ErrOtherAccount = errors.New("not the token file of this login_session")

// ReadFor is Read for the token file of the login_session value session: a file whose
// accessToken.accountId is not the account session names is ErrOtherAccount.
func ReadFor(path, session string) (*Token, error) {
	t, err := Read(path)
	if err != nil {
		return nil, err
	}
	if want := awsconfig.Account(strings.TrimSpace(session)); want != "" && t.AccountID != "" && t.AccountID != want {
		return nil, fmt.Errorf("%w: its credentials are of account %s, login_session names account %s", ErrOtherAccount, t.AccountID, want)
	}
	return t, nil
}

// rereads and RereadAfter bound the retries of a token file caught half written.
const (
	rereads     = 5
	RereadAfter = 40 * time.Millisecond
)

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
	file   []byte                     // the file as it was read
}

// ErrBadToken marks a token file that is not a complete `aws login` session.
var ErrBadToken = errors.New("not a complete aws login token file")

// Parse reads a token file's contents.
func Parse(b []byte) (*Token, error) {
	t := &Token{file: b}
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

// Bytes is the file as it was read.
func (t *Token) Bytes() []byte { return t.file }

// SessionID names the sign-in the token belongs to, without revealing anything of it: the
// DPoP key is made fresh at each `aws login` and kept by every refresh, so the ID stays the
// same while the session is refreshed and changes with each sign-in, whoever signs in.
func (t *Token) SessionID() string {
	sum := sha256.Sum256([]byte("mfacred aws login session\x00" + t.DPoPKey))
	return hex.EncodeToString(sum[:16])
}

// Left is how long the token's credentials still live at now.
func (t *Token) Left(now time.Time) time.Duration { return t.Expires.Sub(now) }

// Entry is the token's credentials as a cache entry.
func (t *Token) Entry() cache.Entry {
	return cache.Entry{
		Credentials:  cache.Credentials{AccessKeyID: t.AccessKeyID, SecretAccessKey: t.SecretAccessKey, SessionToken: t.SessionToken},
		Expiration:   t.Expires,
		LoginSession: t.SessionID(),
	}
}

// MaxSession is how long an `aws login` session may be refreshed after the sign-in.
const MaxSession = 12 * time.Hour

// SessionEnds is when the session ends at the latest: MaxSession after the sign-in, read
// from the identity token's iat (the CLI's idToken, or identityToken as the Go SDK writes
// it). ok is false when the file does not say.
func (t *Token) SessionEnds() (end time.Time, ok bool) {
	for _, f := range []string{"idToken", "identityToken"} {
		var jwt string
		if json.Unmarshal(t.raw[f], &jwt) != nil {
			continue
		}
		parts := strings.Split(jwt, ".")
		if len(parts) < 2 {
			continue
		}
		b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
		var claims struct {
			IAT      int64 `json:"iat"`
			AuthTime int64 `json:"auth_time"`
		}
		if err != nil || json.Unmarshal(b, &claims) != nil {
			continue
		}
		at := claims.AuthTime
		if at == 0 {
			at = claims.IAT
		}
		if at > 0 {
			return time.Unix(at, 0).Add(MaxSession).UTC(), true
		}
	}
	return time.Time{}, false
}
