// Package fastpath serves `mfacred process` and `mfacred export` from the cache: read the
// config, one keyring read, print. It is all the `mfacred` binary runs on a cache hit, so it
// imports nothing of the AWS SDK, whose package init alone costs more than the rest of a
// cached call (README, Performance). Whether an item serves is package hit's rule, the one mfacred-core applies
// too. Anything else — a miss, a renewal, any other command — is left to mfacred-core.
package fastpath

import (
	"cmp"
	"context"
	"io"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/credproc"
	"github.com/mfacred/mfacred/export"
	"github.com/mfacred/mfacred/hit"
	"github.com/mfacred/mfacred/internal/cli"
)

// Profile returns the profile named by the arguments of `process` (--profile NAME or
// --profile=NAME, else $AWS_PROFILE, else default), or false for arguments it does not know,
// a --profile given twice, or a name mfacred-core refuses (cli.CheckName).
func Profile(args []string) (string, bool) {
	v, ok := flags(args, "profile")
	if !ok {
		return "", false
	}
	return profile(v)
}

// profile is the profile flags name (see Profile).
func profile(flags map[string]string) (string, bool) {
	name, given := flags["profile"]
	if !given {
		name = cmp.Or(os.Getenv("AWS_PROFILE"), "default")
	}
	return name, name != "" && cli.CheckName(name) == nil
}

// flags reads args made of the named flags only, each at most once, as the flag package reads
// them: -NAME or --NAME, the value after = or in the next argument. Anything else — another
// flag or word, a flag twice, a flag with no value — is false: the core's to refuse.
func flags(args []string, names ...string) (map[string]string, bool) {
	got := map[string]string{}
	for len(args) > 0 {
		arg, value, inline := strings.Cut(args[0], "=")
		name, ok := strings.CutPrefix(arg, "--")
		if !ok {
			name, ok = strings.CutPrefix(arg, "-")
		}
		if _, twice := got[name]; !ok || twice || !slices.Contains(names, name) || !inline && len(args) < 2 {
			return nil, false
		}
		if inline {
			args = args[1:]
		} else {
			value, args = args[1], args[2:]
		}
		got[name] = value
	}
	return got, true
}

// Serve prints the cached credentials of the profile `process args` names, if the cache holds
// ones that may be served now, and reports whether it did. It never fails: whatever it cannot
// do is left to the full path, which reports errors properly. checked says where the config
// files' stamps live (awsconfig.Checked; the zero value: check every line).
func Serve(ctx context.Context, args []string, store hit.Sessions, checked awsconfig.Checked, out io.Writer) bool {
	name, ok := Profile(args)
	if !ok {
		return false
	}
	r, _, e, ok := cached(ctx, store, checked, name)
	return ok && credproc.Print(out, e, r.Account()) == nil
}

// ExportArgs returns the profile and the format named by the arguments of `export`
// (--profile as for Profile; --format NAME, else export.Default), or false for arguments it
// does not know, a flag given twice, or a name mfacred-core refuses.
func ExportArgs(args []string) (string, export.Format, bool) {
	v, ok := flags(args, "profile", "format")
	if !ok {
		return "", export.Format{}, false
	}
	name, ok := profile(v)
	f, given := v["format"]
	if !given {
		f = export.Default
	}
	format, err := export.Parse(f)
	return name, format, ok && err == nil
}

// Export is Serve for `export args`: the same credentials, printed in the format the
// arguments name (package export).
func Export(ctx context.Context, args []string, store hit.Sessions, checked awsconfig.Checked, out io.Writer) bool {
	name, format, ok := ExportArgs(args)
	if !ok {
		return false
	}
	r, region, e, ok := cached(ctx, store, checked, name)
	if !ok {
		return false
	}
	return format.Write(out, export.Credentials{Profile: name, Account: r.Account(), Region: region, Entry: e}) == nil
}

// cached returns what a profile's calls need of the files (request), and its cached
// credentials if they may be served now (one keyring read, package hit).
func cached(ctx context.Context, store hit.Sessions, checked awsconfig.Checked, name string) (hit.Request, string, cache.Entry, bool) {
	r, region, ok := request(checked, name)
	if !ok {
		return r, region, cache.Entry{}, false
	}
	e, v, _ := hit.Lookup(ctx, store, r, hit.Process, time.Now())
	return r, region, e, v.Serves()
}

// loaded, when set, runs between reading the files and resolving the profile: a test truncates
// the mapped config there.
var loaded func()

// request reads the files and resolves profile name into the request hit decides on, or
// reports false for anything it cannot do; with it, the region the profile's calls go to. A large config is mapped, not read
// (awsconfig.Checked.Map): if another program truncates it meanwhile (the AWS CLI rewrites it
// in place), reading past its new end faults, and the fault — made a panic here — is
// recovered as a miss, for the full path to serve. The request and the region are cloned so
// that nothing after this function holds the mapping.
func request(checked awsconfig.Checked, name string) (r hit.Request, region string, ok bool) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if v := recover(); v != nil {
			if _, fault := v.(interface{ Addr() uintptr }); !fault {
				panic(v)
			}
			r, region, ok = hit.Request{}, "", false
		}
	}()
	files, err := awsconfig.LoadChecked(checked)
	if err != nil {
		return hit.Request{}, "", false
	}
	if loaded != nil {
		loaded()
	}
	p, err := files.Resolve(name)
	if err != nil {
		return hit.Request{}, "", false
	}
	return hit.For(files, p).Clone(), strings.Clone(p.Region), true
}
