// Command vaultwriter is a program of the tests: it does to aws-vault's store what aws-vault 7.2
// does, through the library aws-vault uses (github.com/99designs/keyring) configured as
// aws-vault configures it (the same service name, backend names and variables), so that
// `mfacred import aws-vault` is tested on items written the way aws-vault writes them.
//
//	vaultwriter BACKEND set      reads "PROFILE ACCESS-KEY-ID SECRET" lines on stdin and stores
//	                             each as aws-vault add does (the JSON of an SDK aws.Credentials)
//	vaultwriter BACKEND raw NAME stores stdin as the item's data as it is (a damaged item)
//	vaultwriter BACKEND list     prints each item's key and data digest, one a line, sorted
//	                             ("-" for an item of the collection aws-vault cannot read)
//
// Secrets come on stdin, never in argv. The file backend's passphrase is AWS_VAULT_FILE_PASSPHRASE.
package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/99designs/keyring"
)

// credentials is the JSON of the SDK's aws.Credentials, as aws-vault stores it.
type credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	Source          string
	CanExpire       bool
	Expires         time.Time
}

func orEnv(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func main() {
	if len(os.Args) < 3 {
		fail(fmt.Errorf("usage: vaultwriter BACKEND set|raw NAME|list"))
	}
	ring, err := keyring.Open(keyring.Config{
		ServiceName:              "aws-vault",
		AllowedBackends:          []keyring.BackendType{keyring.BackendType(os.Args[1])},
		KeychainName:             orEnv("AWS_VAULT_KEYCHAIN_NAME", "aws-vault"),
		KeychainTrustApplication: true,
		LibSecretCollectionName:  orEnv("AWS_VAULT_SECRET_SERVICE_COLLECTION_NAME", "awsvault"),
		KWalletAppID:             "aws-vault",
		KWalletFolder:            "aws-vault",
		WinCredPrefix:            "aws-vault",
		FileDir:                  orEnv("AWS_VAULT_FILE_DIR", "~/.awsvault/keys/"),
		FilePasswordFunc:         func(string) (string, error) { return os.Getenv("AWS_VAULT_FILE_PASSPHRASE"), nil },
		PassDir:                  os.Getenv("AWS_VAULT_PASS_PASSWORD_STORE_DIR"),
		PassCmd:                  os.Getenv("AWS_VAULT_PASS_CMD"),
		PassPrefix:               os.Getenv("AWS_VAULT_PASS_PREFIX"),
	})
	if err != nil {
		fail(err)
	}
	switch os.Args[2] {
	case "set":
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) != 3 {
				fail(fmt.Errorf("want PROFILE ACCESS-KEY-ID SECRET"))
			}
			data, _ := json.Marshal(credentials{AccessKeyID: f[1], SecretAccessKey: f[2], Source: "aws-vault"})
			set(ring, f[0], data)
		}
	case "raw":
		data, err := io.ReadAll(os.Stdin)
		if err != nil || len(os.Args) != 4 {
			fail(fmt.Errorf("raw NAME, data on stdin"))
		}
		set(ring, os.Args[3], data)
	case "list":
		keys, err := ring.Keys()
		if err != nil {
			fail(err)
		}
		sort.Strings(keys)
		for _, k := range keys {
			item, err := ring.Get(k)
			if err == keyring.ErrKeyNotFound {
				fmt.Printf("%q -\n", k)
				continue
			} else if err != nil {
				fail(err)
			}
			fmt.Printf("%q %x\n", k, sha256.Sum256(item.Data))
		}
	default:
		fail(fmt.Errorf("unknown action %q", os.Args[2]))
	}
}

// set stores an item as aws-vault's CredentialKeyring.Set does.
func set(ring keyring.Keyring, name string, data []byte) {
	if err := ring.Set(keyring.Item{Key: name, Label: fmt.Sprintf("aws-vault (%s)", name), Data: data, KeychainNotTrustApplication: true}); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "vaultwriter:", err)
	os.Exit(1)
}
