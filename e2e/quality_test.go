//go:build unix

package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// goList lists every package of the module that has Go files for goos. None is left out: e2e
// has them for every Unix (its Linux-only files carry a linux build tag), so a file that does
// not build for a target is found here, not by someone else's `GOOS=… go vet ./...`.
func goList(ctx context.Context, env []string) ([]string, error) {
	out, err := runJobCmd(ctx, "..", env, "go", "list", "-f", "{{if or .GoFiles .TestGoFiles .XTestGoFiles}}{{.ImportPath}}{{end}}", "./...")
	if err != nil {
		return nil, fmt.Errorf("%w\n%s", err, out)
	}
	return strings.Fields(out), nil
}

var vetOSes = []string{"linux", "darwin", "windows"}

// The checks of the code are jobs (jobs_test.go): staticcheck (pinned in go.mod as a tool) is
// built for this machine once, then go vet and staticcheck run with each GOOS, which they
// analyse for. mfacred builds without cgo for every OS and CPU it ships for: the release build
// (release_test.go) builds all six targets.
func init() {
	staticcheck := func() string { return filepath.Join(root, "tools", "staticcheck") }
	tests := []string{"TestVetAndStaticcheck"}
	addJob("build staticcheck", 20, tests, func(ctx context.Context) (string, error) {
		return runJobCmd(ctx, "..", nil, "go", "build", "-o", staticcheck(), "honnef.co/go/tools/cmd/staticcheck")
	})
	for _, goos := range vetOSes {
		addJob("vet "+goos, 21, tests, func(ctx context.Context) (string, error) {
			// The very command a contributor types, for each target, with the settings mfacred
			// ships with (no cgo). For Linux also with -trimpath, as the installs and the
			// release build it: the dependencies vet and staticcheck compile are then theirs
			// (on a fresh machine their first build costs a minute or more of CPU).
			env := []string{"GOOS=" + goos, "CGO_ENABLED=0"}
			if goos == "linux" {
				env = append(env, "GOFLAGS=-trimpath "+os.Getenv("GOFLAGS"))
			}
			if out, err := runJobCmd(ctx, "..", env, "go", "vet", "./..."); err != nil {
				return out, err
			}
			pkgs, err := goList(ctx, env)
			if err != nil {
				return "", err
			}
			return runJobCmd(ctx, "..", env, staticcheck(), pkgs...)
		})
	}
	// Each fuzz target runs briefly beyond its seed corpus (which every `go test` runs). The run
	// is bounded by a count of inputs, not by time: with -fuzztime=3s a worker still busy when
	// the time is up on a loaded machine fails the target with "context deadline exceeded",
	// which says nothing about the code.
	for _, target := range fuzzTargets {
		addJob("fuzz "+target.name, 40, []string{"TestFuzzBriefly"}, func(ctx context.Context) (string, error) {
			return runJobCmd(ctx, "..", nil, "go", "test", "-run=^$", "-fuzz=^"+target.name+"$", "-fuzztime=20000x", target.pkg)
		})
	}
}

var fuzzTargets = []struct{ name, pkg string }{
	{"FuzzResolve", "./awsconfig"}, {"FuzzSetKeys", "./awsconfig"}, {"FuzzSessionItem", "./cache"},
	{"FuzzPolicy", "./iampolicy"}, {"FuzzParseSeed", "./prompt"},
}

// go vet and staticcheck find nothing, for Linux, macOS and Windows: the code of each OS is
// checked, though only Linux runs it here. It runs in the release lane (./test.sh --release,
// docs/testing.md): on a fresh machine building staticcheck and compiling every dependency for
// three systems took 10 of the README test command's minutes.
func TestVetAndStaticcheck(t *testing.T) {
	t.Parallel() // waits for its jobs
	for _, goos := range vetOSes {
		t.Run(goos, func(t *testing.T) { waitJob(t, "vet "+goos) })
	}
}

// gofmt finds nothing to change.
func TestGofmt(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("gofmt", "-l", "..").CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Fatalf("gofmt -l: %v\n%s", err, out)
	}
}

// Each fuzz target ran 20,000 inputs past its seed corpus and found nothing.
func TestFuzzBriefly(t *testing.T) {
	t.Parallel() // waits for its jobs
	for _, target := range fuzzTargets {
		t.Run(target.name, func(t *testing.T) { waitJob(t, "fuzz "+target.name) })
	}
}

// go.mod's go line, install.sh and the README name the same oldest Go.
func TestGoVersionAgrees(t *testing.T) {
	t.Parallel()
	mod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	var line string
	for _, l := range strings.Split(string(mod), "\n") {
		if v, ok := strings.CutPrefix(l, "go "); ok {
			line = v
		}
	}
	parts := strings.Split(line, ".")
	if len(parts) < 2 {
		t.Fatalf("go.mod's go line %q", line)
	}
	want := "Go " + parts[0] + "." + parts[1] + " or newer"
	for _, f := range []string{"../README.md", "../install.sh", "../test.sh"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), want) {
			t.Errorf("%s does not say %q (go.mod: go %s)", f, want, line)
		}
	}
}

// .ci/run runs exactly the README's two set-up commands, so that CI proves what the README
// tells a newcomer to type, and then the release lane that the README's "Releases" names.
func TestCIRunsTheReadmeCommands(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, setup, ok := strings.Cut(string(readme), "## Set-up")
	_, block, ok2 := strings.Cut(setup, "```\n")
	block, _, ok3 := strings.Cut(block, "```")
	if !ok || !ok2 || !ok3 {
		t.Fatal("README.md has no code block under its Set-up heading")
	}
	var want []string
	for _, l := range strings.Split(strings.TrimSpace(block), "\n") {
		if i := strings.Index(l, " #"); i >= 0 {
			l = l[:i]
		}
		want = append(want, strings.TrimSpace(l))
	}
	ci, err := os.ReadFile("../.ci/run")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range strings.Split(string(ci), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") || strings.HasPrefix(l, "set ") || strings.HasPrefix(l, "cd ") {
			continue
		}
		got = append(got, l)
	}
	_, releases, _ := strings.Cut(string(readme), "## Releases")
	const releaseLane = "./test.sh --release"
	if !strings.Contains(releases, "`"+releaseLane+"`") {
		t.Errorf("README.md's Releases section does not name the release lane %q", releaseLane)
	}
	want = append(want, releaseLane)
	if len(want) != 3 || strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf(".ci/run runs\n%s\nwant the README's two set-up commands, then the release lane:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// test.sh --check finds everything the suite needs on this machine and installs nothing; with
// a node older than 20 first on PATH (Debian 12's is 18; the pinned @aws-sdk packages need 20)
// it names that node and where to get a newer one, and stops.
func TestTestShChecksVersions(t *testing.T) {
	t.Parallel() // builds: beside the tests that wait on the clock
	check := func(env ...string) (string, error) {
		cmd := exec.Command("./test.sh", "--check")
		cmd.Dir = ".."
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := check(); err != nil {
		t.Fatalf("./test.sh --check on this machine: %v\n%s", err, out)
	}
	old := t.TempDir()
	node := "#!/bin/sh\n# answers as node 18 does\ncase \"$1\" in\n--version) echo v18.19.0 ;;\n-e) exit 1 ;;\nesac\n"
	writeProgram(t, old+"/node", node)
	out, err := check("PATH=" + old + ":" + os.Getenv("PATH"))
	if err == nil || !strings.Contains(out, "node 20 or newer") || !strings.Contains(out, old+"/node is v18.19.0") || !strings.Contains(out, "NodeSource") {
		t.Fatalf("./test.sh --check with node 18 first on PATH: want it named, exit 1 (%v):\n%s", err, out)
	}
}
