package loginsession

import "github.com/mfacred/mfacred/loginsession/tokenfile"

// CacheDirEnv names the token files' folder (tokenfile.CacheDirEnv).
const CacheDirEnv = tokenfile.CacheDirEnv

// Token is a token file in the AWS CLI's format (package tokenfile).
type Token = tokenfile.Token

// ErrBadToken marks a token file that is not a complete `aws login` session.
var ErrBadToken = tokenfile.ErrBadToken

// Parse reads a token file's contents.
func Parse(b []byte) (*Token, error) { return tokenfile.Parse(b) }

// Path is the token file of a login_session value (tokenfile.Path).
func Path(session string) (string, error) { return tokenfile.Path(session) }
