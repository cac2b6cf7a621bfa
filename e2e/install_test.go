//go:build unix

package e2e

import (
	"archive/zip"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// goInstall runs go install with GOBIN=bin and the extra environment, and then bin/mfacred
// version --json, which mfacred hands to the mfacred-core it finds beside itself, and returns
// what it says (version, commit, date, go). It also checks the
// other direction: mfacred-core finds the mfacred beside it, the program credential_process
// must run (doctor names it when a profile runs another).
func goInstall(t *testing.T, dir string, env []string, args ...string) map[string]string {
	t.Helper()
	bin := t.TempDir()
	cmd := exec.Command("go", append([]string{"install"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), append([]string{"GOBIN=" + bin, "CGO_ENABLED=0"}, env...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go install %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	for _, name := range []string{"mfacred", "mfacred-core"} {
		if _, err := os.Stat(filepath.Join(bin, name)); err != nil {
			t.Fatalf("go install put no %s in GOBIN: %v", name, err)
		}
	}
	out, err := exec.Command(filepath.Join(bin, "mfacred"), "version", "--json").CombinedOutput()
	var version map[string]string
	if err != nil || json.Unmarshal(out, &version) != nil {
		t.Fatalf("mfacred version --json: %v %s", err, out)
	}
	if version["go"] != runtime.Version() {
		t.Errorf("mfacred version --json: go %q, want %q", version["go"], runtime.Version())
	}
	config := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(config, []byte("[profile p]\ncredential_process = /elsewhere/mfacred process --profile p\nmfa_serial = arn:aws:iam::123456789012:mfa/phone\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	doctor := exec.Command(filepath.Join(bin, "mfacred"), "doctor", "--profile", "p")
	doctor.Env = append(os.Environ(), "AWS_CONFIG_FILE="+config, "AWS_SHARED_CREDENTIALS_FILE="+config+".none", "MFACRED_KEYRING=kernel")
	report, _ := doctor.CombinedOutput() // exit 1: the profile has problems
	if want := "not this mfacred (" + filepath.Join(bin, "mfacred") + ")"; !strings.Contains(string(report), want) {
		t.Fatalf("mfacred doctor from GOBIN: want mfacred-core to find %s beside it (%q):\n%s", filepath.Join(bin, "mfacred"), want, report)
	}
	return version
}

// treeFiles lists the files of the work tree that git tracks or would track (not ignored).
func treeFiles(t *testing.T) []string {
	t.Helper()
	out, err := exec.Command("git", "-C", "..", "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	var names []string
	for _, name := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		if fi, err := os.Stat(filepath.Join("..", name)); err == nil && fi.Mode().IsRegular() {
			names = append(names, name)
		}
	}
	return names
}

// commitTree makes a git repository of the work tree's files, with one commit, and returns its
// path: a fresh clone of what is being tested.
func commitTree(t *testing.T) string {
	t.Helper()
	_, err := exec.LookPath("git")
	need(t, "git (Debian package git)", err)
	clone := t.TempDir()
	for _, name := range treeFiles(t) {
		b, err := os.ReadFile(filepath.Join("..", name))
		if err != nil {
			t.Fatal(err)
		}
		fi, _ := os.Stat(filepath.Join("..", name))
		if err := os.MkdirAll(filepath.Dir(filepath.Join(clone, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(clone, name), b, fi.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{{"init", "-q"}, {"add", "-A"}, {"-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "tree"}} {
		if out, err := exec.Command("git", append([]string{"-C", clone}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v %s", args, err, out)
		}
	}
	return clone
}

// `go install ./cmd/...` in a fresh git clone (made here from the work tree): both binaries in
// GOBIN, and a version, commit and date from the commit, though nothing was stamped in.
func TestGoInstallFromCheckout(t *testing.T) {
	t.Parallel() // builds: beside the tests that wait on the clock
	clone := commitTree(t)
	got := goInstall(t, clone, []string{"GOFLAGS=-buildvcs=true"}, "./cmd/...")
	head, err := exec.Command("git", "-C", clone, "log", "-1", "--format=%H %cI").Output()
	if err != nil {
		t.Fatal(err)
	}
	commit, date, _ := strings.Cut(strings.TrimSpace(string(head)), " ")
	when, _ := time.Parse(time.RFC3339, date)
	stamped, err := time.Parse(time.RFC3339, got["date"])
	if !strings.HasPrefix(got["version"], "v0.0.0-") || strings.HasSuffix(got["version"], "+dirty") || got["commit"] != commit || err != nil || !stamped.Equal(when) {
		t.Fatalf("mfacred version says %v, want the commit's pseudo-version, commit %s and date %s", got, commit, date)
	}
}

// `go install github.com/mfacred/mfacred/cmd/...@latest`, the way Go users install, from a
// module proxy (a folder here, holding this tree as v0.9.0, the one version its list names;
// the dependencies come from the module cache): both binaries land in GOBIN, find each other,
// and mfacred version says v0.9.0.
func TestGoInstallLatest(t *testing.T) {
	t.Parallel() // builds: beside the tests that wait on the clock
	_, err := exec.LookPath("git")
	need(t, "git (Debian package git)", err)
	proxy := t.TempDir()
	at := filepath.Join(proxy, "github.com", "mfacred", "mfacred", "@v")
	if err := os.MkdirAll(at, 0o755); err != nil {
		t.Fatal(err)
	}
	mod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{"list": "v0.9.0\n", "v0.9.0.info": `{"Version":"v0.9.0","Time":"2026-01-01T00:00:00Z"}`, "v0.9.0.mod": string(mod)} {
		if err := os.WriteFile(filepath.Join(at, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.Create(filepath.Join(at, "v0.9.0.zip"))
	if err != nil {
		t.Fatal(err)
	}
	z := zip.NewWriter(f)
	for _, name := range treeFiles(t) {
		if strings.HasPrefix(name, "tools/") {
			continue // a module of its own (tools/go.mod): not in mfacred's module zip
		}
		b, err := os.ReadFile(filepath.Join("..", name))
		if err != nil {
			t.Fatal(err)
		}
		w, err := z.Create("github.com/mfacred/mfacred@v0.9.0/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	modcache := filepath.Join(os.Getenv("HOME"), "go", "pkg", "mod")
	if out, err := exec.Command("go", "env", "GOMODCACHE").Output(); err == nil {
		modcache = strings.TrimSpace(string(out))
	}
	got := goInstall(t, t.TempDir(), []string{
		"GOPROXY=file://" + proxy + ",file://" + filepath.Join(modcache, "cache", "download"),
		"GOMODCACHE=" + t.TempDir(), "GOFLAGS=-modcacherw", // The checksum database is out of reach here; the dependencies are the ones go.sum pins.
		"GOSUMDB=off", "GOTOOLCHAIN=local",
	}, "github.com/mfacred/mfacred/cmd/...@latest")
	if got["version"] != "v0.9.0" || got["commit"] != "" {
		t.Fatalf("mfacred version says %v, want version v0.9.0 and no commit (a module zip has none)", got)
	}
}
