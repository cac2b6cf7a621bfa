package main

import "runtime/debug"

// moduleVersion is the version stamped in by install.sh or release.sh; when nothing was
// stamped ("dev"), the module's version from the build info: v1.2.3 after `go install
// github.com/mfacred/mfacred/cmd/...@v1.2.3`, a pseudo-version from the commit after `go
// build` or `go install` in a git checkout.
func moduleVersion(stamped string) string {
	if stamped != "dev" {
		return stamped
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return stamped
}
