//go:build linux

package e2e

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/keyring"
)

// busKeyring is the Secret Service on one bus, spoken to over a connection of its own. The
// test process's keyring calls through keyring.OS share one connection (godbus's session
// bus, opened once with the environment of the moment), so a check of a private keyring, or
// a cleanup that runs while a test has set another bus, goes through this instead. It reads,
// writes and deletes items as zalando/go-keyring stores them (attributes service and username
// in the login collection).
type busKeyring struct{ addr string }

const (
	secretsDest    = "org.freedesktop.secrets"
	secretsService = "org.freedesktop.Secret.Service"
	secretsItem    = "org.freedesktop.Secret.Item"
)

func (k busKeyring) with(ctx context.Context, f func(conn *dbus.Conn) error) error {
	conn, err := dbus.Connect(k.addr, dbus.WithContext(ctx))
	if err != nil {
		return fmt.Errorf("%w: %v", keyring.ErrNoKeyring, err)
	}
	defer conn.Close()
	return f(conn)
}

func search(ctx context.Context, conn *dbus.Conn, attrs map[string]string) ([]dbus.ObjectPath, error) {
	var unlocked, locked []dbus.ObjectPath
	err := conn.Object(secretsDest, "/org/freedesktop/secrets").CallWithContext(ctx, secretsService+".SearchItems", 0, attrs).Store(&unlocked, &locked)
	return append(unlocked, locked...), err
}

// List is the usernames of the items of service (keyring.Lister).
func (k busKeyring) List(ctx context.Context, service string) ([]string, error) {
	var users []string
	err := k.with(ctx, func(conn *dbus.Conn) error {
		paths, err := search(ctx, conn, map[string]string{"service": service})
		for _, p := range paths {
			v, err := conn.Object(secretsDest, p).GetProperty(secretsItem + ".Attributes")
			if attrs, ok := v.Value().(map[string]string); err == nil && ok && attrs["service"] == service {
				users = append(users, attrs["username"])
			}
		}
		return err
	})
	return users, err
}

func (k busKeyring) Get(ctx context.Context, service, user string) (string, error) {
	var value string
	err := k.with(ctx, func(conn *dbus.Conn) error {
		paths, err := search(ctx, conn, map[string]string{"service": service, "username": user})
		if err != nil {
			return err
		}
		if len(paths) == 0 {
			return cache.ErrNotFound
		}
		var out dbus.Variant
		var session dbus.ObjectPath
		if err := conn.Object(secretsDest, "/org/freedesktop/secrets").CallWithContext(ctx, secretsService+".OpenSession", 0, "plain", dbus.MakeVariant("")).Store(&out, &session); err != nil {
			return err
		}
		var secret struct {
			Session     dbus.ObjectPath
			Params      []byte
			Value       []byte
			ContentType string
		}
		if err := conn.Object(secretsDest, paths[0]).CallWithContext(ctx, secretsItem+".GetSecret", 0, session).Store(&secret); err != nil {
			return err
		}
		value = string(secret.Value)
		return nil
	})
	return value, err
}

// Set stores an item as zalando/go-keyring does (keyring.OS): in the login collection,
// with attributes username and service, replacing one of the same attributes.
func (k busKeyring) Set(ctx context.Context, service, user, secret string) error {
	return k.with(ctx, func(conn *dbus.Conn) error {
		var out dbus.Variant
		var session dbus.ObjectPath
		if err := conn.Object(secretsDest, "/org/freedesktop/secrets").CallWithContext(ctx, secretsService+".OpenSession", 0, "plain", dbus.MakeVariant("")).Store(&out, &session); err != nil {
			return err
		}
		props := map[string]dbus.Variant{
			secretsItem + ".Label":      dbus.MakeVariant(fmt.Sprintf("Password for '%s' on '%s'", user, service)),
			secretsItem + ".Attributes": dbus.MakeVariant(map[string]string{"username": user, "service": service}),
		}
		value := struct {
			Session     dbus.ObjectPath
			Params      []byte
			Value       []byte
			ContentType string
		}{session, []byte{}, []byte(secret), "text/plain; charset=utf8"}
		var item, prompt dbus.ObjectPath
		return conn.Object(secretsDest, "/org/freedesktop/secrets/collection/login").CallWithContext(ctx,
			"org.freedesktop.Secret.Collection.CreateItem", 0, props, value, true).Store(&item, &prompt)
	})
}

func (k busKeyring) Delete(ctx context.Context, service, user string) error {
	return k.with(ctx, func(conn *dbus.Conn) error {
		paths, err := search(ctx, conn, map[string]string{"service": service, "username": user})
		for _, p := range paths {
			var prompt dbus.ObjectPath
			if err := conn.Object(secretsDest, p).CallWithContext(ctx, secretsItem+".Delete", 0).Store(&prompt); err != nil {
				return err
			}
		}
		return err
	})
}

// forgetItems deletes the keyring items of world n once its test has ended (those that name
// its profiles, workNN…, or its device, …googleAuthenticationNN), so that the one keyring all
// tests share holds the items of the running tests only: status and clear, which read every
// item, stay as quick as on a user's machine. Best effort: what it cannot delete stays.
func forgetItems(n int) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	kr := busKeyring{busAddr}
	names, err := kr.List(ctx, cache.Service)
	if err != nil {
		return
	}
	mine := regexp.MustCompile(fmt.Sprintf(`(work|googleAuthentication)%02d(\D|$)`, n))
	for _, name := range names {
		if mine.MatchString(name) {
			_ = kr.Delete(ctx, cache.Service, name)
		}
	}
}

// itemsLeft is the number of items left in the shared keyring, for the end of the run.
func itemsLeft() string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	left, err := busKeyring{busAddr}.List(ctx, cache.Service)
	if err != nil {
		return err.Error()
	}
	return fmt.Sprint(len(left))
}
