package vaultimport

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/99designs/keyring"
	// Before the library's initialisation: it would start a session bus of its own.
	_ "github.com/mfacred/mfacred/internal/busguard"

	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/deadline"
)

// Vault is aws-vault's store of long-term keys, opened as aws-vault 7.2 opens it: the same
// service name, backend names and variables (README, "Coming from aws-vault").
type Vault struct {
	Backend string // secret-service, file, pass, wincred, keychain, kwallet, keyctl
	Where   string // the collection, directory, store or prefix, for messages
	ring    keyring.Keyring
	// the file backend's passphrase: asked (ask) before the items are read, not while
	// reading them within a keyring operation's bound
	ask        func(question string) (string, error)
	passphrase string
}

// Backends are the backends aws-vault can use on this OS, its default first.
func Backends() []string {
	var names []string
	for _, b := range keyring.AvailableBackends() {
		names = append(names, string(b))
	}
	return names
}

// orEnv is the variable's value, or def when it is unset or empty (as aws-vault's flags read them).
func orEnv(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// OpenVault opens aws-vault's backend (AWS_VAULT_BACKEND when "", else Backends()[0], as
// aws-vault picks it), configured from the variables
// aws-vault reads. ask gives the file backend's passphrase when AWS_VAULT_FILE_PASSPHRASE is
// unset; it is asked only when there is an item to decrypt.
func OpenVault(ctx context.Context, backend string, ask func(question string) (string, error)) (*Vault, error) {
	available := Backends()
	if backend == "" {
		backend = os.Getenv("AWS_VAULT_BACKEND")
	}
	if backend == "" && len(available) > 0 {
		backend = available[0]
	}
	if !slices.Contains(available, backend) {
		return nil, fmt.Errorf("aws-vault backend %q is not available here: want one of %s", backend, strings.Join(available, ", "))
	}
	v := &Vault{Backend: backend, ask: ask}
	cfg := keyring.Config{
		ServiceName:              "aws-vault",
		AllowedBackends:          []keyring.BackendType{keyring.BackendType(backend)},
		KeychainName:             orEnv("AWS_VAULT_KEYCHAIN_NAME", "aws-vault"),
		KeychainTrustApplication: true,
		LibSecretCollectionName:  orEnv("AWS_VAULT_SECRET_SERVICE_COLLECTION_NAME", "awsvault"),
		KWalletAppID:             "aws-vault",
		KWalletFolder:            "aws-vault",
		WinCredPrefix:            "aws-vault",
		FileDir:                  orEnv("AWS_VAULT_FILE_DIR", "~/.awsvault/keys/"),
		PassDir:                  os.Getenv("AWS_VAULT_PASS_PASSWORD_STORE_DIR"),
		PassCmd:                  os.Getenv("AWS_VAULT_PASS_CMD"),
		PassPrefix:               os.Getenv("AWS_VAULT_PASS_PREFIX"),
		FilePasswordFunc: func(string) (string, error) {
			if p, ok := os.LookupEnv("AWS_VAULT_FILE_PASSPHRASE"); ok {
				return p, nil
			}
			return v.passphrase, nil
		},
	}
	switch backend {
	case "secret-service":
		v.Where = "collection " + cfg.LibSecretCollectionName
	case "file":
		v.Where = cfg.FileDir
	case "pass":
		v.Where = orEnv("AWS_VAULT_PASS_PASSWORD_STORE_DIR", orEnv("PASSWORD_STORE_DIR", "~/.password-store"))
		if cfg.PassPrefix != "" {
			v.Where += ", prefix " + cfg.PassPrefix
		}
	case "keychain":
		v.Where = "keychain " + cfg.KeychainName
	default:
		v.Where = "aws-vault's items"
	}
	err := bounded(ctx, v, "open", func() (err error) {
		v.ring, err = keyring.Open(cfg)
		return err
	})
	return v, err
}

// bounded runs one call into the backend within deadline.Keyring: a locked Secret Service
// collection waits on a desktop prompt without end, and an unanswered one must still end in a
// sentence (or within a second of Ctrl-C).
func bounded(ctx context.Context, v *Vault, what string, f func() error) error {
	done := make(chan error, 1)
	go func() { done <- f() }()
	ctx, cancel := context.WithTimeout(ctx, deadline.Keyring)
	defer cancel()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("aws-vault backend %s (%s): %s: %w", v.Backend, v.Where, what, err)
		}
		return nil
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return fmt.Errorf("aws-vault backend %s (%s): %s: no answer within %s: is it locked? unlock it and run import again", v.Backend, v.Where, what, deadline.Keyring)
		}
		return ctx.Err()
	}
}

// Keys are the profile names aws-vault holds long-term keys for: every item but its session
// and OIDC token items (other key shapes, never imported).
func (v *Vault) Keys(ctx context.Context) ([]string, error) {
	var all []string
	if err := bounded(ctx, v, "list items", func() (err error) {
		all, err = v.ring.Keys()
		return err
	}); err != nil {
		return nil, err
	}
	var names []string
	for _, k := range all {
		if !sessionItem(k) {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	if _, set := os.LookupEnv("AWS_VAULT_FILE_PASSPHRASE"); v.Backend == "file" && len(names) > 0 && !set {
		var err error
		if v.passphrase, err = v.ask(fmt.Sprintf("Passphrase of aws-vault's file backend (%s)", v.Where)); err != nil {
			return nil, fmt.Errorf("aws-vault backend file (%s): %w", v.Where, err)
		}
	}
	return names, nil
}

// The key shapes of aws-vault's own session and token items: "TYPE,PROFILE,SERIAL,EXPIRY",
// two older session forms, and "oidc:START-URL".
var sessionShapes = []*regexp.Regexp{
	regexp.MustCompile(`^[^,]+,[^,]+,[^,]*,[0-9]+$`),
	regexp.MustCompile(`^session:[^ ]+:[^ ]*:[^:]+$`),
	regexp.MustCompile(`^.+? session \([0-9]+\)$`),
}

func sessionItem(key string) bool {
	if strings.HasPrefix(key, "oidc:") {
		return true
	}
	for _, re := range sessionShapes {
		if re.MatchString(key) {
			return true
		}
	}
	return false
}

// Get reads the long-term keys aws-vault holds for profile name: the JSON of an SDK
// aws.Credentials. An item that is not that JSON is damaged, and said so. ok is false for an
// item of the collection that aws-vault did not write (a Secret Service collection such as
// login holds other programs' items too; aws-vault finds its own by their profile attribute).
func (v *Vault) Get(ctx context.Context, name string) (c cache.Credentials, ok bool, err error) {
	var item keyring.Item
	what := "read the item of profile " + name
	if v.Backend == "file" {
		what = "decrypt the item of profile " + name + " (a wrong passphrase in AWS_VAULT_FILE_PASSPHRASE or at the prompt, or a damaged file)"
	}
	err = bounded(ctx, v, what, func() (err error) {
		item, err = v.ring.Get(name)
		return err
	})
	if errors.Is(err, keyring.ErrKeyNotFound) && v.Backend == "secret-service" {
		return c, false, nil
	} else if err != nil {
		return c, false, err
	}
	var keys struct{ AccessKeyID, SecretAccessKey, SessionToken string }
	if err := json.Unmarshal(item.Data, &keys); err != nil {
		return c, false, fmt.Errorf("aws-vault backend %s (%s): the item of profile %s is damaged (not the JSON of keys): %v", v.Backend, v.Where, name, err)
	}
	return cache.Credentials{AccessKeyID: keys.AccessKeyID, SecretAccessKey: keys.SecretAccessKey, SessionToken: keys.SessionToken}, true, nil
}

// Remove deletes aws-vault's item of profile name.
func (v *Vault) Remove(ctx context.Context, name string) error {
	return bounded(ctx, v, "remove the item of profile "+name, func() error { return v.ring.Remove(name) })
}
