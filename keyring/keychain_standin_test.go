//go:build unix

package keyring_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/keyring"
)

// These tests hold the keychain driver to what cache.Store needs of it: the names it makes and
// its largest items. They import package cache, which imports this one, so they are in
// keyring_test and reach the driver through export_unix_test.go.

var ctx = context.Background()

// bigRole is the largest item mfacred writes, as cache's tests make it (cache/limits_test.go).
func bigRole() cache.Entry {
	return cache.Entry{
		Credentials: cache.Credentials{AccessKeyID: "ASIAROLEROLEROLEROLE", SecretAccessKey: strings.Repeat("s", 40), SessionToken: "IQoJb3JpZ2luX2VjE" + strings.Repeat("Ab9+/", 800)},
		Expiration:  time.Now().Add(time.Hour).UTC().Truncate(time.Second), SourceKeyID: "AKIAAAAAAAAAAAAAAAAA",
		Source: "work", Device: "arn:aws:iam::123456789012:mfa/googleAuthentication",
		Role: "arn:aws:iam::222222222222:role/" + strings.Repeat("path/", 20) + "Admin", ARN: "arn:aws:sts::222222222222:assumed-role/Admin/alice",
	}
}

// role is a role item's name, as cache's tests make it (cache/record_test.go).
func role(i int) cache.Key {
	return cache.RoleKey("work", "arn:aws:iam::123456789012:mfa/phone", fmt.Sprintf("arn:aws:iam::222222222222:role/team/%03d/Administrators", i), "", "", false)
}

// standInSecurity is a stand-in for macOS's /usr/bin/security that keeps generic passwords as
// files in a folder, following security(1): find-generic-password -s S -a A -w prints only the
// password; add-generic-password -U replaces an item, and without -U an existing item is an
// error (exit 45); a missing item is "could not be found in the keychain" with exit 44; -i reads
// commands from stdin, one a line, quoted like a shell's words, and reports a failed command on
// stderr without changing its exit status.
const standInSecurity = `#!/bin/sh
store=$(dirname "$0")/items
mkdir -p "$store"
item() { printf '%s\n%s' "$1" "$2" | od -An -tx1 | tr -d ' \n'; }
one() {
	cmd=$1; shift
	s= a= w= update= show=
	while [ $# -gt 0 ]; do
		case $1 in
		-s) s=$2; shift 2 ;;
		-a) a=$2; shift 2 ;;
		-w) if [ "$cmd" = add-generic-password ]; then w=$2; shift 2; else show=1; shift; fi ;;
		-U) update=1; shift ;;
		*) echo "security: $cmd: unknown option $1" >&2; return 2 ;;
		esac
	done
	f=$store/$(item "$s" "$a")
	case $cmd in
	find-generic-password)
		if [ ! -f "$f" ]; then
			echo "security: SecKeychainSearchCopyNext: The specified item could not be found in the keychain." >&2
			return 44
		fi
		[ -n "$show" ] && cat "$f" && echo ;;
	add-generic-password)
		if [ -f "$f" ] && [ -z "$update" ]; then
			echo "security: SecKeychainItemCreateFromContent (<default>): The specified item already exists in the keychain." >&2
			return 45
		fi
		printf '%s' "$w" >"$f" ;;
	delete-generic-password)
		if [ ! -f "$f" ]; then
			echo "security: SecKeychainSearchCopyNext: The specified item could not be found in the keychain." >&2
			return 44
		fi
		rm "$f"
		echo "password has been deleted." ;;
	*) echo "security: unknown command $cmd" >&2; return 1 ;;
	esac
}
if [ "$1" = -i ]; then
	while IFS= read -r line; do
		eval "set -- $line"
		one "$@" || true
	done
	exit 0
fi
one "$@"
`

// The Store on the macOS keychain driver, over a stand-in security: a role item past the
// keychain's limit is stored in parts and read back whole, the record lists it, a missing
// item is not found, and deleting leaves only the (empty) record.
func TestStoreOnKeychainStandIn(t *testing.T) {
	dir := t.TempDir()
	program := filepath.Join(dir, "security")
	if err := os.WriteFile(program, []byte(standInSecurity), 0o700); err != nil {
		t.Fatal(err)
	}
	items := func() int {
		e, _ := os.ReadDir(filepath.Join(dir, "items"))
		return len(e)
	}
	s := &cache.Store{Keyring: keyring.KeychainOver(program), LockDir: filepath.Join(dir, "lock")}
	k := role(1)
	if _, err := s.Session(ctx, k); err == nil {
		t.Fatal("a missing item was found")
	}
	big := bigRole()
	big.Role = string(k)
	if err := s.PutSession(ctx, k, big); err != nil {
		t.Fatal(err)
	}
	if n := items(); n < 3 {
		t.Fatalf("%d keychain items, want the role's parts and the record", n)
	}
	got, err := s.Session(ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Credentials, big.Credentials) || got.Role != big.Role || !got.Expiration.Equal(big.Expiration) {
		t.Fatalf("read back %+v", got)
	}
	if cached, err := s.Cached(ctx); err != nil || len(cached) != 1 || cached[0] != k {
		t.Fatalf("record lists %v %v", cached, err)
	}
	if err := s.DeleteSession(ctx, k); err != nil {
		t.Fatal(err)
	}
	if n := items(); n != 1 {
		t.Fatalf("%d keychain items after delete, want only the record", n)
	}
	if cached, err := s.Cached(ctx); err != nil || len(cached) != 0 {
		t.Fatalf("record lists %v %v after delete", cached, err)
	}
	// -U: a second set replaces the item.
	kc := keyring.KeychainOver(program)
	for _, v := range []string{"first", "second"} {
		if err := kc.Set(ctx, cache.Service, "x", v); err != nil {
			t.Fatal(err)
		}
	}
	if v, err := kc.Get(ctx, cache.Service, "x"); err != nil || v != "second" {
		t.Fatalf("after two sets: %q %v", v, err)
	}
}

// The security command lines: the secret is never an argument; the stored form is
// go-keyring's, so items of earlier versions read the same; the largest item mfacred writes
// (MaxItem on macOS) with the longest name fits security's 4,096-byte line.
func TestKeychainCommands(t *testing.T) {
	long := strings.Repeat("x", 3000)
	name := string(cache.RoleKey(long, long, long, "ext", long, true)) + "#64"
	for _, args := range [][]string{keyring.KeychainFindArgs(cache.Service, name), keyring.KeychainDeleteArgs(cache.Service, name)} {
		if len(args) < 5 || args[2] != cache.Service || args[4] != name {
			t.Fatalf("args %q", args)
		}
	}
	secret := strings.Repeat("s", keyring.MaxItemDarwin)
	line, err := keyring.KeychainAddCommand(cache.Service, name, secret)
	if err != nil {
		t.Fatalf("largest item: %v", err)
	}
	if !strings.HasPrefix(line, "add-generic-password -U -s 'mfacred' -a '"+name+"' -w 'go-keyring-base64:") || !strings.HasSuffix(line, "'\n") {
		t.Fatalf("line %.120q", line)
	}
	if _, err := keyring.KeychainAddCommand(cache.Service, name, strings.Repeat("s", 3100)); !errors.Is(err, keyring.ErrKeychainTooBig) {
		t.Fatalf("over the limit: %v", err)
	}
	if _, err := keyring.KeychainAddCommand(cache.Service, "keys:o'brien", "x"); err == nil {
		t.Fatal("a quote in a name went into the command")
	}
	for stdout, want := range map[string]string{
		"go-keyring-base64:" + base64.StdEncoding.EncodeToString([]byte("a b\n\"c\"")) + "\n": "a b\n\"c\"",
		"go-keyring-encoded:6869\n": "hi",
		"plain value\n":             "plain value",
	} {
		if got, err := keyring.KeychainValue([]byte(stdout)); err != nil || got != want {
			t.Errorf("%q: %q %v", stdout, got, err)
		}
	}
	if err := keyring.KeychainErr(44, []byte("security: SecKeychainSearchCopyNext: The specified item could not be found in the keychain.\n"), ""); !errors.Is(err, keyring.ErrNotFound) {
		t.Fatalf("not found: %v", err)
	}
	b64 := base64.StdEncoding.EncodeToString([]byte("TOPSECRET"))
	if err := keyring.KeychainErr(1, []byte("security: add -w go-keyring-base64:"+b64+" TOPSECRET failed\nmore"), "TOPSECRET"); err == nil || strings.Contains(err.Error(), "TOPSECRET") || strings.Contains(err.Error(), b64) || strings.Contains(err.Error(), "more") {
		t.Fatalf("error %v", err)
	}
}
