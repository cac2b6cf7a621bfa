package main

import (
	"encoding/json"
	"runtime"
	"strings"
	"testing"

	"github.com/mfacred/mfacred/internal/buildinfo"
)

// What the release stamps in (main.version, main.commit, main.date) is what version prints, in
// words and as JSON, with the Go release and platform that built it.
func TestVersionPrintsWhatWasStamped(t *testing.T) {
	defer func(v, c, d string) { version, commit, date = v, c, d }(version, commit, date)
	version, commit, date = "v1.2.3", "0123456789abcdef0123456789abcdef01234567", "2026-12-01T12:00:00Z"

	code, out, errOut := runWith("version")
	want := "mfacred v1.2.3\ncommit: 0123456789abcdef0123456789abcdef01234567\ndate:   2026-12-01T12:00:00Z\ngo:     " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + "\n"
	if code != 0 || out != want {
		t.Fatalf("version: exit %d, stdout %q, stderr %q; want %q", code, out, errOut, want)
	}

	code, out, errOut = runWith("version", "--json")
	var got buildinfo.Build
	if err := json.Unmarshal([]byte(out), &got); code != 0 || err != nil {
		t.Fatalf("version --json: exit %d, %v, stdout %q, stderr %q", code, err, out, errOut)
	}
	if w := (buildinfo.Build{Version: "v1.2.3", Commit: commit, Date: date, Go: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH}); got != w {
		t.Fatalf("version --json: %+v, want %+v", got, w)
	}
}

// A test binary has no stamp and no module version: version says dev and names what it does
// not know, and --json gives "" for it; an argument it does not take is an error.
func TestVersionUnstamped(t *testing.T) {
	code, out, _ := runWith("version")
	if code != 0 || !strings.HasPrefix(out, "mfacred dev\ncommit: unknown\n") {
		t.Fatalf("version: exit %d, %q", code, out)
	}
	code, out, _ = runWith("version", "--json")
	var got map[string]string
	if err := json.Unmarshal([]byte(out), &got); code != 0 || err != nil || got["version"] != "dev" || got["commit"] != "" || got["go"] != runtime.Version() {
		t.Fatalf("version --json: exit %d, %v, %q", code, err, out)
	}
	if code, _, errOut := runWith("version", "--yaml"); code != 2 || !strings.Contains(errOut, "yaml") {
		t.Fatalf("version --yaml: exit %d, stderr %q", code, errOut)
	}
}
