package main

import (
	"context"
	"flag"

	"github.com/mfacred/mfacred/internal/buildinfo"
	"github.com/mfacred/mfacred/internal/cli"
)

// Stamped in at build time with -ldflags "-X main.version=… -X main.commit=… -X main.date=…",
// GoReleaser's convention: .goreleaser.yaml (release.sh) stamps all three, date being the
// commit's time so that two builds of one commit are the same bytes; install.sh stamps them
// too, from git. What is not stamped comes from the build info (buildinfo.Of).
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
	if err := cli.Parse(fs, args, 0, 0); err != nil {
		return err
	}
	return buildinfo.Of(version, commit, date).Write(e.io.Out, *asJSON)
}
