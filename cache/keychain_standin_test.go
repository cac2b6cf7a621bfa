//go:build unix

package cache

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

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

// keychainKeyring is the macOS keyring as backend_darwin.go makes it, with its item limit,
// over a given security program.
type keychainKeyring struct{ k keychain }

func (kk keychainKeyring) Get(ctx context.Context, service, user string) (string, error) {
	return kk.k.get(ctx, service, user)
}
func (kk keychainKeyring) Set(ctx context.Context, service, user, secret string) error {
	return kk.k.set(ctx, service, user, secret)
}
func (kk keychainKeyring) Delete(ctx context.Context, service, user string) error {
	return kk.k.del(ctx, service, user)
}
func (kk keychainKeyring) MaxItem() int { return maxItemDarwin }

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
	s := &Store{Keyring: keychainKeyring{keychain{program: program}}, LockDir: filepath.Join(dir, "lock")}
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
	kc := keychain{program: program}
	for _, v := range []string{"first", "second"} {
		if err := kc.set(ctx, Service, "x", v); err != nil {
			t.Fatal(err)
		}
	}
	if v, err := kc.get(ctx, Service, "x"); err != nil || v != "second" {
		t.Fatalf("after two sets: %q %v", v, err)
	}
}
