package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/cache"
)

var clearCmd = &command{
	name:    "clear",
	args:    "[--profile NAME]",
	summary: "forget cached sessions",
	help:    `Forgets every cached session, or with --profile the one that profile uses. Stored keys and seeds stay.`,
	run:     runClear,
}

var statusCmd = &command{
	name:    "status",
	summary: "list cached sessions and when they expire",
	help:    `Prints one line per cached session: the profiles it serves, the device, and the time left. Never a secret.`,
	run:     runStatus,
}

func runClear(_ context.Context, e *env, fs *flag.FlagSet, args []string) error {
	profile := fs.String("profile", "", "forget only the session of this profile")
	if err := parse(fs, args); err != nil {
		return err
	}
	var keys []cache.Key
	if *profile != "" {
		_, p, err := loadProfile(*profile)
		if err != nil {
			return err
		}
		keys = []cache.Key{cache.SessionKey(p.KeySource, p.MFASerial)}
	} else {
		var err error
		if keys, err = e.store.Sessions(); err != nil {
			return fmt.Errorf("list sessions: %w", err)
		}
	}
	for _, k := range keys {
		if err := e.store.DeleteSession(k); err != nil {
			return err
		}
	}
	fmt.Fprintf(e.io.Err, "mfacred: forgot %d cached session(s)\n", len(keys))
	return nil
}

func runStatus(_ context.Context, e *env, fs *flag.FlagSet, args []string) error {
	if err := parse(fs, args); err != nil {
		return err
	}
	keys, err := e.store.Sessions()
	if err != nil {
		return fmt.Errorf("list sessions: %w", err)
	}
	// Which profiles each session serves, from the config as it is now.
	served := map[cache.Key][]string{}
	if files, err := awsconfig.Load(); err == nil {
		for _, name := range files.Profiles() {
			if p, err := files.Resolve(name); err == nil {
				k := cache.SessionKey(p.KeySource, p.MFASerial)
				served[k] = append(served[k], name)
			}
		}
	}
	if len(keys) == 0 {
		fmt.Fprintln(e.io.Out, "no cached sessions")
		return nil
	}
	now := time.Now()
	for _, k := range keys {
		en, err := e.store.Session(k)
		if errors.Is(err, cache.ErrNotFound) {
			continue
		} else if err != nil {
			return err
		}
		left := "expired"
		if d := en.Expiration.Sub(now); d > 0 {
			left = "expires in " + d.Truncate(time.Minute).String()
		}
		profiles := served[k]
		sort.Strings(profiles)
		names := strings.Join(profiles, ",")
		if names == "" {
			names = "(no profile)"
		}
		fmt.Fprintf(e.io.Out, "%s\tdevice %s\tkeys of %s\t%s\n", names, en.Device, en.Source, left)
	}
	return nil
}
