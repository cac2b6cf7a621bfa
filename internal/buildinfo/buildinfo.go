// Package buildinfo says what binary is running: the version, commit and date stamped in at
// build time (GoReleaser's main.version/commit/date convention, .goreleaser.yaml), and where
// nothing was stamped, what the Go toolchain recorded. `mfacred version` prints it.
package buildinfo

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// Build describes the running binary.
type Build struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
	Date    string `json:"date"`
	Go      string `json:"go"`
	OS      string `json:"os"`
	Arch    string `json:"arch"`
}

// Of is what was stamped in (version, commit, date), and where nothing was (a go install or
// go build), what the Go toolchain recorded: the module's version (v1.2.3 after `go install
// github.com/mfacred/mfacred/cmd/...@v1.2.3`, a pseudo-version from the commit after `go
// install` in a git checkout) and, when it built from a git checkout with VCS stamping, the
// commit and its time. version "dev" means not stamped.
func Of(version, commit, date string) Build {
	b := Build{Version: version, Commit: commit, Date: date, Go: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH}
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

// Write prints b as `mfacred version` does: in words, "unknown" for what is not known, or
// with asJSON one indented JSON object for scripts, "" for what is not known.
func (b Build) Write(w io.Writer, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(b)
	}
	_, err := fmt.Fprintf(w, "mfacred %s\ncommit: %s\ndate:   %s\ngo:     %s %s/%s\n", b.Version, orUnknown(b.Commit), orUnknown(b.Date), b.Go, b.OS, b.Arch)
	return err
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
