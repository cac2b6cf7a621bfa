package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/hit"
	"github.com/mfacred/mfacred/loginsession"
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
	help:    `Prints one line per cached session: the profiles it serves, the device, and the time left; below it, indented, the role credentials assumed with it. Never a secret.`,
	run:     runStatus,
}

func runClear(ctx context.Context, e *env, fs *flag.FlagSet, args []string) error {
	profile := fs.String("profile", "", "forget only the session (or role credentials) of this profile")
	if err := parse(fs, args); err != nil {
		return err
	}
	var known []cache.Key // where the keyring's record of items was damaged, these are looked for
	if *profile == "" {
		known = slices.Collect(maps.Keys(configKeys()))
	}
	cached, err := e.store.Cached(ctx, known...)
	if err != nil {
		return fmt.Errorf("list sessions: %w", err)
	}
	keys, what := cached, ""
	if *profile != "" {
		_, p, err := loadProfile(*profile)
		if err != nil {
			return err
		}
		keys, what = []cache.Key{hit.Of(p).Key()}, "profile "+p.Name+": "
	}
	stored := map[cache.Key]bool{}
	for _, k := range cached {
		stored[k] = true
	}
	n := 0
	for _, k := range keys {
		if err := e.store.DeleteSession(ctx, k); err != nil {
			return err
		}
		if stored[k] && (k.IsSession() || k.IsRole()) {
			n++
		}
	}
	if *profile == "" {
		// Everything the record names is gone: what a damaged record may have missed no
		// longer changes what status shows.
		if err := e.store.MarkComplete(ctx); err != nil {
			return err
		}
	}
	fmt.Fprintf(e.io.Err, "mfacred: %sforgot %d cached session(s)\n", what, n)
	return nil
}

func runStatus(ctx context.Context, e *env, fs *flag.FlagSet, args []string) error {
	if err := parse(fs, args); err != nil {
		return err
	}
	served := configKeys()
	keys, err := e.store.Cached(ctx, slices.Collect(maps.Keys(served))...)
	if err != nil {
		return fmt.Errorf("list sessions: %w", err)
	}
	// Role credentials are listed under the session they were assumed with (or would be).
	// Items no call can use are listed too, by name (never their content): clear removes them.
	var sessions []cache.Key
	var unusable []string
	roles := map[cache.Key][]cache.Key{}
	entries := map[cache.Key]cache.Entry{}
	for _, k := range keys {
		if _, _, ok := k.Fields(); !ok && !k.IsPart() {
			unusable = append(unusable, fmt.Sprintf("(old format)\titem %s\t`mfacred clear` removes it", k))
			continue
		}
		if !k.IsSession() && !k.IsRole() {
			continue // parts go with their item; identities are not sessions
		}
		en, err := e.store.Inspect(ctx, k)
		switch {
		case errors.Is(err, cache.ErrNotFound):
			continue
		case errors.Is(err, cache.ErrOldFormat):
			unusable = append(unusable, fmt.Sprintf("(old format)\titem %s\t`mfacred clear` removes it", k))
			continue
		case errors.Is(err, cache.ErrDamaged):
			unusable = append(unusable, fmt.Sprintf("(damaged)\titem %s\t`mfacred clear` removes it", k))
			continue
		case err != nil:
			return err
		}
		entries[k] = en
		if k.IsRole() {
			parent := cache.SessionKey(en.Source, en.Device)
			roles[parent] = append(roles[parent], k)
		} else {
			sessions = append(sessions, k)
		}
	}
	for parent := range roles {
		if _, ok := entries[parent]; !ok {
			sessions = append(sessions, parent) // roles whose session is gone
		}
	}
	fmt.Fprintf(e.io.Out, "keyring: %s\n", cache.KeyringName(e.store.Keyring))
	if rebuilt, err := e.store.RecordIncomplete(ctx); err != nil {
		return err
	} else if rebuilt {
		fmt.Fprintln(e.io.Out, "note: the keyring's record of cached items was damaged and rebuilt from the config's profiles: items of profiles no longer in the config may be missing below (the keychain's own tool shows them); `mfacred clear` removes what is listed and ends this note")
	}
	if files, err := awsconfig.Load(); err == nil {
		for _, l := range loginsession.Status(files, time.Now()) { // aws login sessions
			fmt.Fprintln(e.io.Out, l)
		}
	}
	if len(sessions) == 0 && len(unusable) == 0 {
		fmt.Fprintln(e.io.Out, "no cached sessions")
		return nil
	}
	sort.Slice(sessions, func(i, j int) bool { return sessions[i] < sessions[j] })
	now := time.Now()
	for _, k := range sessions {
		if en, ok := entries[k]; ok {
			fmt.Fprintf(e.io.Out, "%s\tdevice %s\tkeys of %s\t%s\n", names(served[k]), en.Device, en.Source, timeLeft(en, now))
		} else {
			en := entries[roles[k][0]]
			if en.Device == "" { // roles on an aws login session, listed above
				fmt.Fprintf(e.io.Out, "(aws login %s)\n", en.Source)
			} else {
				fmt.Fprintf(e.io.Out, "(no cached session)\tdevice %s\tkeys of %s\n", en.Device, en.Source)
			}
		}
		for _, rk := range roles[k] {
			en := entries[rk]
			fmt.Fprintf(e.io.Out, "  %s\trole %s\tas %s\t%s\n", names(served[rk]), en.Role, en.ARN, timeLeft(en, now))
		}
	}
	for _, l := range unusable {
		fmt.Fprintln(e.io.Out, l)
	}
	return nil
}

func names(profiles []string) string {
	if len(profiles) == 0 {
		return "(no profile)"
	}
	sort.Strings(profiles)
	return strings.Join(profiles, ",")
}

func timeLeft(en cache.Entry, now time.Time) string {
	if d := en.Expiration.Sub(now); d > 0 {
		return "expires in " + d.Truncate(time.Minute).String()
	}
	return "expired"
}

// configKeys is which profiles each cache item serves, from the config as it is now.
func configKeys() map[cache.Key][]string {
	served := map[cache.Key][]string{}
	if files, err := awsconfig.Load(); err == nil {
		for _, name := range files.Profiles() {
			if p, err := files.Resolve(name); err == nil {
				k := hit.Of(p).Key()
				served[k] = append(served[k], name)
			}
		}
	}
	return served
}
