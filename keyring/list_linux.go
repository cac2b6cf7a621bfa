//go:build linux

package keyring

import (
	"context"
	"encoding/binary"
	"errors"
	"strings"

	"github.com/godbus/dbus/v5"
	ss "github.com/zalando/go-keyring/secret_service"
	"golang.org/x/sys/unix"
)

// List names every item of service in the login collection, where go-keyring keeps them,
// from the attributes go-keyring gives each item ("service", "username"). Reading
// attributes needs no unlocking.
func (k OS) List(ctx context.Context, service string) ([]string, error) {
	joined, err := k.call(ctx, func(context.Context) (string, error) {
		svc, err := ss.NewSecretService()
		if err != nil {
			return "", err
		}
		paths, err := svc.SearchItems(svc.GetLoginCollection(), map[string]string{"service": service})
		if err != nil {
			return "", err
		}
		var users []string
		for _, p := range paths {
			attrs, err := itemAttributes(svc, p)
			if itemGone(err) {
				continue // deleted by another process since the search: not an item any more
			}
			if err != nil {
				return "", err
			}
			if attrs["service"] == service {
				users = append(users, attrs["username"])
			}
		}
		return strings.Join(users, "\x00"), nil
	})
	if err != nil || joined == "" {
		return nil, err
	}
	return strings.Split(joined, "\x00"), nil
}

// dbusUnknownMethod and dbusUnknownObject: no object at the path. gnome-keyring answers
// UnknownMethod ("Object does not exist at path …") for an item deleted since it was found.
const (
	dbusUnknownMethod = "org.freedesktop.DBus.Error.UnknownMethod"
	dbusUnknownObject = "org.freedesktop.DBus.Error.UnknownObject"
)

// itemGone reports whether err, the answer about an item found by a search, says the item is
// not there any more: another process deleted it in between.
func itemGone(err error) bool {
	n := dbusName(err)
	return n == dbusUnknownMethod || n == dbusUnknownObject
}

// itemAttributes reads the attributes of the item at path (no unlocking needed).
func itemAttributes(svc *ss.SecretService, path dbus.ObjectPath) (map[string]string, error) {
	v, err := svc.Object("org.freedesktop.secrets", path).GetProperty("org.freedesktop.Secret.Item.Attributes")
	if err != nil {
		return nil, err
	}
	attrs, _ := v.Value().(map[string]string)
	return attrs, nil
}

// List names every item of service in the user keyring: the keyring's key ids, each
// described as "type;uid;gid;perm;description".
func (Kernel) List(ctx context.Context, service string) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, errors.Join(ErrNoKeyring, err)
	}
	var ids []byte
	for size := 1024; ; size *= 2 {
		buf := make([]byte, size)
		n, err := unix.KeyctlBuffer(unix.KEYCTL_READ, unix.KEY_SPEC_USER_KEYRING, buf, 0)
		if err != nil {
			return nil, kernelErr(err)
		}
		if n <= size {
			ids = buf[:n]
			break
		}
	}
	var users []string
	for i := 0; i+4 <= len(ids); i += 4 {
		id := int(int32(binary.NativeEndian.Uint32(ids[i:])))
		desc, err := unix.KeyctlString(unix.KEYCTL_DESCRIBE, id)
		if err != nil {
			continue // expired or removed meanwhile
		}
		parts := strings.SplitN(desc, ";", 5)
		if len(parts) == 5 && parts[0] == "user" {
			if user, ok := strings.CutPrefix(parts[4], service+":"); ok {
				users = append(users, user)
			}
		}
	}
	return users, nil
}

// List names every item of service in the keyring in use.
func (a *Auto) List(ctx context.Context, service string) ([]string, error) {
	if !a.useKernel() {
		users, err := OS{}.List(ctx, service)
		if !a.settle(err) {
			return users, err
		}
	}
	return Kernel{}.List(ctx, service)
}
