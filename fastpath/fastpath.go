// Package fastpath serves `mfacred process` from the cache: read the config, one keyring read,
// print. It is all the `mfacred` binary runs on a cache hit, so it imports nothing of the AWS
// SDK, whose package init alone costs more than the rest of a cached call (README,
// Performance). Anything else — a miss, a renewal, any other command — is left to
// mfacred-core.
package fastpath

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/cache"
)

// Output is the credential_process JSON (aws-facts.md §1).
type Output struct {
	Version         int
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string
	SessionToken    string
	Expiration      string
	AccountID       string `json:"AccountId,omitempty"`
}

// Print writes an entry as credential_process JSON, one line.
func Print(w io.Writer, e cache.Entry, accountID string) error {
	b, _ := json.Marshal(Output{
		Version:         1,
		AccessKeyID:     e.AccessKeyID,
		SecretAccessKey: e.SecretAccessKey,
		SessionToken:    e.SessionToken,
		Expiration:      e.Expiration.UTC().Format(time.RFC3339),
		AccountID:       accountID,
	})
	_, err := fmt.Fprintf(w, "%s\n", b)
	return err
}

// Account is the account a profile's credentials act in: its role's, else its device's.
func Account(p *awsconfig.Profile) string {
	if p.Role != nil {
		return awsconfig.Account(p.Role.ARN)
	}
	return awsconfig.Account(p.MFASerial)
}

// Key is the cache item of a resolved profile.
func Key(p *awsconfig.Profile) cache.Key {
	if p.Role == nil {
		return cache.SessionKey(p.KeySource, p.MFASerial)
	}
	return cache.RoleKey(p.KeySource, p.MFASerial, p.Role.ARN, p.Role.ExternalID, p.Role.SessionName, p.Role.Direct)
}

// Profile returns the profile named by the arguments of `process` (--profile NAME or
// --profile=NAME, else $AWS_PROFILE, else default), or false for arguments it does not know.
func Profile(args []string) (string, bool) {
	name := os.Getenv("AWS_PROFILE")
	if name == "" {
		name = "default"
	}
	for i := 0; i < len(args); i++ {
		if !strings.HasPrefix(args[i], "-") {
			return "", false
		}
		switch a := strings.TrimPrefix(args[i], "-"); {
		case a == "-profile" || a == "profile":
			if i+1 >= len(args) {
				return "", false
			}
			name = args[i+1]
			i++
		case strings.HasPrefix(a, "-profile=") || strings.HasPrefix(a, "profile="):
			name = a[strings.IndexByte(a, '=')+1:]
		default:
			return "", false
		}
	}
	return name, name != ""
}

// Serve prints the cached credentials of the profile `process args` names, if the cache holds
// ones that may be served now, and reports whether it did. It never fails: whatever it cannot
// do is left to the full path, which reports errors properly.
func Serve(args []string, store *cache.Store, out io.Writer) bool {
	name, ok := Profile(args)
	if !ok {
		return false
	}
	files, err := awsconfig.Load()
	if err != nil {
		return false
	}
	p, err := files.Resolve(name)
	if err != nil {
		return false
	}
	fileKeyID := ""
	if k, ok, err := files.StaticKeys(p.KeySource); err != nil {
		return false
	} else if ok {
		fileKeyID = k.AccessKeyID
	}
	e, err := store.Session(Key(p))
	if err != nil || !e.Serves(time.Now(), fileKeyID) {
		return false
	}
	return Print(out, e, Account(p)) == nil
}

// Sibling is the path of the program name (name.exe on Windows) in the folder of the running
// one, where install.sh puts mfacred and mfacred-core side by side; self is the running one.
func Sibling(name string) (path, self string, err error) {
	self, err = os.Executable()
	if err != nil {
		return "", "", fmt.Errorf("find the path of %s: %w", name, err)
	}
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	return filepath.Join(filepath.Dir(self), name), self, nil
}

// KeyringChoice takes a leading --keyring NAME (or --keyring=NAME) off args; without one the
// choice is $MFACRED_KEYRING. Both binaries read it the same way.
func KeyringChoice(args []string) (choice string, rest []string, err error) {
	if len(args) > 0 && (args[0] == "--keyring" || args[0] == "-keyring") {
		if len(args) < 2 {
			return "", nil, errors.New("--keyring needs a value: os or kernel")
		}
		return args[1], args[2:], nil
	}
	if len(args) > 0 && (strings.HasPrefix(args[0], "--keyring=") || strings.HasPrefix(args[0], "-keyring=")) {
		return args[0][strings.IndexByte(args[0], '=')+1:], args[1:], nil
	}
	return os.Getenv(cache.KeyringEnv), args, nil
}
