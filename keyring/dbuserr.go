package keyring

import (
	"errors"
	"strings"

	"github.com/godbus/dbus/v5"
)

// The Secret Service's failures, told apart by their D-Bus error names.
const (
	// dbusServiceUnknown: the session bus has no Secret Service, and none can be started.
	dbusServiceUnknown = "org.freedesktop.DBus.Error.ServiceUnknown"
	// dbusIsLocked: the item or collection is locked.
	dbusIsLocked = "org.freedesktop.Secret.Error.IsLocked"
)

// dbusName is the D-Bus error name in err's chain, "" if there is none.
func dbusName(err error) string {
	var v dbus.Error
	if errors.As(err, &v) {
		return v.Name
	}
	var p *dbus.Error
	if errors.As(err, &p) && p != nil {
		return p.Name
	}
	return ""
}

// noSecretService reports whether err says the session bus has no Secret Service.
func noSecretService(err error) bool { return dbusName(err) == dbusServiceUnknown }

// keyringLocked reports whether err says the keyring is locked and could not be unlocked.
// The Secret Service says so by name (IsLocked); go-keyring says that it could not unlock the
// collection only in text of its own (its secret_service.Unlock returns a plain error,
// "failed to unlock correct collection …"): this is the one place that text is read.
func keyringLocked(err error) bool {
	return dbusName(err) == dbusIsLocked || err != nil && strings.HasPrefix(err.Error(), "failed to unlock correct collection")
}
