//go:build unix

package e2e

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// goTool runs the go command in the repository root.
func goTool(t *testing.T, env []string, args ...string) {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// goList lists every package of the module that has Go files for goos. None is left out: e2e
// has them for every Unix (its Linux-only files carry a linux build tag), so a file that does
// not build for a target is found here, not by someone else's `GOOS=… go vet ./...`.
func goList(t *testing.T, goos string) []string {
	t.Helper()
	cmd := exec.Command("go", "list", "-f", "{{if or .GoFiles .TestGoFiles .XTestGoFiles}}{{.ImportPath}}{{end}}", "./...")
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "GOOS="+goos)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list (GOOS=%s): %v", goos, err)
	}
	return strings.Fields(string(out))
}

// gofmt, go vet and staticcheck (pinned in go.mod as a tool) find nothing, for Linux, macOS
// and Windows: the code of each OS is checked, though only Linux runs it here.
func TestVetAndStaticcheck(t *testing.T) {
	t.Parallel() // builds: beside the tests that wait on the clock
	// Built for this machine once, then run with each GOOS, which it analyses for.
	staticcheck := t.TempDir() + "/staticcheck"
	goTool(t, nil, "build", "-o", staticcheck, "honnef.co/go/tools/cmd/staticcheck")
	for _, goos := range []string{"linux", "darwin", "windows"} {
		t.Run(goos, func(t *testing.T) {
			// The very command a contributor types, for each target.
			goTool(t, []string{"GOOS=" + goos}, "vet", "./...")
			pkgs := goList(t, goos)
			cmd := exec.Command(staticcheck, pkgs...)
			cmd.Dir = ".."
			cmd.Env = append(os.Environ(), "GOOS="+goos)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("staticcheck (GOOS=%s): %v\n%s", goos, err, out)
			}
		})
	}
	out, err := exec.Command("gofmt", "-l", "..").CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Fatalf("gofmt -l: %v\n%s", err, out)
	}
}

// mfacred builds without cgo for every OS and CPU its users have; OS code stays in OS files.
func TestCrossBuilds(t *testing.T) {
	t.Parallel() // builds: beside the tests that wait on the clock
	for _, target := range []string{"linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64", "windows/amd64", "windows/arm64"} {
		goos, goarch, _ := strings.Cut(target, "/")
		t.Run(strings.ReplaceAll(target, "/", "-"), func(t *testing.T) {
			goTool(t, []string{"CGO_ENABLED=0", "GOOS=" + goos, "GOARCH=" + goarch},
				"build", "-trimpath", "-o", t.TempDir()+"/", "./cmd/mfacred", "./cmd/mfacred-core")
		})
	}
}

// Each fuzz target runs briefly beyond its seed corpus (which every `go test` runs). The run is
// bounded by a count of inputs, not by time: with -fuzztime=3s a worker still busy when the time
// is up on a loaded machine fails the target with "context deadline exceeded", which says
// nothing about the code.
func TestFuzzBriefly(t *testing.T) {
	t.Parallel() // builds: beside the tests that wait on the clock
	for _, target := range []struct{ name, pkg string }{
		{"FuzzResolve", "./awsconfig"}, {"FuzzSetKeys", "./awsconfig"}, {"FuzzSessionItem", "./cache"},
		{"FuzzPolicy", "./policy"}, {"FuzzParseSeed", "./prompt"},
	} {
		t.Run(target.name, func(t *testing.T) {
			goTool(t, nil, "test", "-run=^$", "-fuzz=^"+target.name+"$", "-fuzztime=20000x", target.pkg)
		})
	}
}

// go.mod's go line, install.sh and the README name the same oldest Go.
func TestGoVersionAgrees(t *testing.T) {
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
// tells a newcomer to type.
func TestCIRunsTheReadmeCommands(t *testing.T) {
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
	if len(want) != 2 || strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf(".ci/run runs\n%s\nthe README's two set-up commands are\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
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
	if err := os.WriteFile(old+"/node", []byte(node), 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := check("PATH=" + old + ":" + os.Getenv("PATH"))
	if err == nil || !strings.Contains(out, "node 20 or newer") || !strings.Contains(out, old+"/node is v18.19.0") || !strings.Contains(out, "NodeSource") {
		t.Fatalf("./test.sh --check with node 18 first on PATH: want it named, exit 1 (%v):\n%s", err, out)
	}
}
