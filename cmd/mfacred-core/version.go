package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"runtime"
	"runtime/debug"
)

// Stamped in at build time with -ldflags "-X main.version=… -X main.commit=… -X main.date=…",
// GoReleaser's convention: .goreleaser.yaml (release.sh) stamps all three, date being the
// commit's time so that two builds of one commit are the same bytes; install.sh stamps the
// version. What is not stamped comes from the build info (buildInfo).
var (
	version = "dev"
	commit  = ""
	date    = ""
)

var versionCmd = &command{
	name:    "version",
	args:    "[--json]",
	summary: "print the version, commit, build date and Go release",
	help: `Prints mfacred's version, the commit it was built from, the build date (in a release, the commit's time) and the Go release that built it. With --json, one JSON object for scripts:
  {"version": "v1.2.3", "commit": "…", "date": "2026-12-01T12:00:00Z", "go": "go1.26.8", "os": "linux", "arch": "amd64"}
A field that is not known (the commit of a go install from the module proxy) is "".`,
	run: runVersion,
}

func runVersion(_ context.Context, e *env, fs *flag.FlagSet, args []string) error {
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := parse(fs, args); err != nil {
		return err
	}
	b := buildInfo()
	if *asJSON {
		enc := json.NewEncoder(e.io.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(b)
	}
	fmt.Fprintf(e.io.Out, "mfacred %s\ncommit: %s\ndate:   %s\ngo:     %s %s/%s\n", b.Version, orUnknown(b.Commit), orUnknown(b.Date), b.Go, b.OS, b.Arch)
	return nil
}

// build describes the running binary: what `mfacred version` prints.
type build struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
	Date    string `json:"date"`
	Go      string `json:"go"`
	OS      string `json:"os"`
	Arch    string `json:"arch"`
}

// buildInfo is what was stamped in, and where nothing was (a go install or go build), what the
// Go toolchain recorded: the module's version (v1.2.3 after `go install
// github.com/mfacred/mfacred/cmd/...@v1.2.3`, a pseudo-version from the commit after `go
// install` in a git checkout) and, when it built from a git checkout with VCS stamping, the
// commit and its time.
func buildInfo() build {
	b := build{Version: version, Commit: commit, Date: date, Go: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	if b.Version == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		b.Version = bi.Main.Version
	}
	vcs := map[string]string{}
	for _, s := range bi.Settings {
		vcs[s.Key] = s.Value
	}
	if b.Commit == "" && vcs["vcs.revision"] != "" {
		b.Commit = vcs["vcs.revision"]
		if vcs["vcs.modified"] == "true" {
			b.Commit += "-dirty"
		}
	}
	if b.Date == "" {
		b.Date = vcs["vcs.time"]
	}
	return b
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
