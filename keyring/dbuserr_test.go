package keyring

import (
	"errors"
	"fmt"
	"testing"

	"github.com/godbus/dbus/v5"
)

// The Secret Service's failures are told by their D-Bus names, however wrapped, never by
// words that merely appear in a message.
func TestSecretServiceErrorsByName(t *testing.T) {
	unknown := dbus.Error{Name: dbusServiceUnknown, Body: []any{"The name org.freedesktop.secrets was not provided by any .service files"}}
	locked := &dbus.Error{Name: dbusIsLocked, Body: []any{"Cannot create an item in a locked collection"}}
	for _, tc := range []struct {
		err              error
		noService, isLkd bool
	}{
		{unknown, true, false},
		{fmt.Errorf("get: %w", unknown), true, false},
		{locked, false, true},
		{fmt.Errorf("set: %w", locked), false, true},
		{errors.New("failed to unlock correct collection '/org/freedesktop/secrets/collection/login'"), false, true},
		{errors.New("the user wants to unlock nothing: was not provided by any .service files"), false, false},
		{dbus.Error{Name: "org.freedesktop.DBus.Error.NoReply", Body: []any{"unlock timed out"}}, false, false},
		{nil, false, false},
	} {
		if got := noSecretService(tc.err); got != tc.noService {
			t.Errorf("%v: no Secret Service = %v", tc.err, got)
		}
		if got := keyringLocked(tc.err); got != tc.isLkd {
			t.Errorf("%v: locked = %v", tc.err, got)
		}
	}
}
