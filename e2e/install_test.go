//go:build unix

package e2e

import (
	"archive/zip"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// goInstall runs go install with GOBIN=bin and the extra environment, for a job. -trimpath:
// the dependencies' compiled packages are then the ones the release build (also trimmed, no
// cgo) made, whatever module cache they come from; what the tests below check does not depend
// on it.
func goInstall(ctx context.Context, dir, bin string, env []string, args ...string) (string, error) {
	return runJobCmd(ctx, dir, append([]string{"GOBIN=" + bin, "CGO_ENABLED=0"}, env...), "go", append([]string{"install", "-trimpath"}, args...)...)
}

// checkInstalled checks what goInstall put in bin: both binaries; bin/mfacred version --json,
// which mfacred hands to the mfacred-core it finds beside itself, whose answer (version,
// commit, date, go) it returns; and the other direction: mfacred-core finds the mfacred beside
// it, the program credential_process must run (doctor names it when a profile runs another).
func checkInstalled(t *testing.T, bin string) map[string]string {
	t.Helper()
	for _, name := range []string{"mfacred", "mfacred-core"} {
		if _, err := os.Stat(filepath.Join(bin, name)); err != nil {
			t.Fatalf("no %s in %s: %v", name, bin, err)
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
func treeFiles() ([]string, error) {
	out, err := exec.Command("git", "-C", "..", "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		return nil, fmt.Errorf("git ls-files: %w", err)
	}
	var names []string
	for _, name := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		if fi, err := os.Stat(filepath.Join("..", name)); err == nil && fi.Mode().IsRegular() {
			names = append(names, name)
		}
	}
	return names, nil
}

// copyCommit makes dir a git repository of the work tree's files with one commit: a fresh
// clone of what is being tested. Its remote is GitHub's address of the project (GoReleaser
// reads the commit only in a repository with a remote; it says "none" elsewhere).
func copyCommit(dir string) error {
	names, err := treeFiles()
	if err != nil {
		return err
	}
	for _, name := range names {
		fi, err := os.Stat(filepath.Join("..", name))
		if err != nil {
			return err
		}
		b, err := os.ReadFile(filepath.Join("..", name))
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, fi.Mode().Perm()); err != nil {
			return err
		}
	}
	for _, args := range [][]string{{"init", "-q"}, {"add", "-A"}, {"-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "tree"},
		{"remote", "add", "origin", "https://github.com/mfacred/mfacred.git"}} {
		if out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput(); err != nil {
			return fmt.Errorf("git %v: %v %s", args, err, out)
		}
	}
	return nil
}

// The two installs are jobs (jobs_test.go), in folders below root/install.
func init() {
	addJob("go install from a checkout", 30, []string{"TestGoInstall"}, func(ctx context.Context) (string, error) {
		clone := filepath.Join(root, "install", "checkout")
		if err := copyCommit(clone); err != nil {
			return "", err
		}
		return goInstall(ctx, clone, filepath.Join(root, "install", "checkout-bin"), []string{"GOFLAGS=-buildvcs=true"}, "./cmd/...")
	})
	addJob("go install @latest", 31, []string{"TestGoInstall"}, installLatest)
	addJob("install.sh", 32, []string{"TestInstallScript"}, installScript)
}

// TestGoInstall checks the two ways Go users install, one after the other while it waits for
// the builds (one slot of go test -parallel).
func TestGoInstall(t *testing.T) {
	t.Parallel() // waits for its jobs
	t.Run("FromCheckout", goInstallFromCheckout)
	t.Run("Latest", goInstallLatest)
}

// `go install ./cmd/...` in a fresh git clone (made here from the work tree): both binaries in
// GOBIN, and a version, commit and date from the commit, though nothing was stamped in.
func goInstallFromCheckout(t *testing.T) {
	_, err := exec.LookPath("git")
	need(t, "git (Debian package git)", err)
	waitJob(t, "go install from a checkout")
	clone := filepath.Join(root, "install", "checkout")
	got := checkInstalled(t, filepath.Join(root, "install", "checkout-bin"))
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

// installLatest is `go install github.com/mfacred/mfacred/cmd/...@latest`, the way Go users
// install, from a module proxy: a folder below root/install, holding this tree as v0.9.0, the
// one version its list names; the dependencies come from the module cache.
func installLatest(ctx context.Context) (string, error) {
	dir := filepath.Join(root, "install", "latest")
	at := filepath.Join(dir, "proxy", "github.com", "mfacred", "mfacred", "@v")
	if err := os.MkdirAll(at, 0o755); err != nil {
		return "", err
	}
	mod, err := os.ReadFile("../go.mod")
	if err != nil {
		return "", err
	}
	for name, content := range map[string]string{"list": "v0.9.0\n", "v0.9.0.info": `{"Version":"v0.9.0","Time":"2026-01-01T00:00:00Z"}`, "v0.9.0.mod": string(mod)} {
		if err := os.WriteFile(filepath.Join(at, name), []byte(content), 0o644); err != nil {
			return "", err
		}
	}
	f, err := os.Create(filepath.Join(at, "v0.9.0.zip"))
	if err != nil {
		return "", err
	}
	defer f.Close()
	z := zip.NewWriter(f)
	names, err := treeFiles()
	if err != nil {
		return "", err
	}
	for _, name := range names {
		if strings.HasPrefix(name, "tools/") {
			continue // a module of its own (tools/go.mod): not in mfacred's module zip
		}
		b, err := os.ReadFile(filepath.Join("..", name))
		if err != nil {
			return "", err
		}
		w, err := z.Create("github.com/mfacred/mfacred@v0.9.0/" + name)
		if err != nil {
			return "", err
		}
		if _, err := w.Write(b); err != nil {
			return "", err
		}
	}
	if err := z.Close(); err != nil {
		return "", err
	}
	modcache := filepath.Join(os.Getenv("HOME"), "go", "pkg", "mod")
	if out, err := exec.Command("go", "env", "GOMODCACHE").Output(); err == nil {
		modcache = strings.TrimSpace(string(out))
	}
	work := filepath.Join(dir, "work")
	if err := os.MkdirAll(work, 0o755); err != nil {
		return "", err
	}
	return goInstall(ctx, work, filepath.Join(dir, "bin"), []string{
		"GOPROXY=file://" + filepath.Join(dir, "proxy") + ",file://" + filepath.Join(modcache, "cache", "download"),
		// A module cache of its own, so that the user's holds no v0.9.0 of mfacred afterwards.
		"GOMODCACHE=" + filepath.Join(dir, "modcache"), "GOFLAGS=-modcacherw",
		// The checksum database is out of reach here; the dependencies are the ones go.sum pins.
		"GOSUMDB=off", "GOTOOLCHAIN=local",
	}, "github.com/mfacred/mfacred/cmd/...@latest")
}

// go install @latest put both binaries in GOBIN, they find each other, and mfacred version says
// v0.9.0.
func goInstallLatest(t *testing.T) {
	_, err := exec.LookPath("git")
	need(t, "git (Debian package git)", err)
	waitJob(t, "go install @latest")
	got := checkInstalled(t, filepath.Join(root, "install", "latest", "bin"))
	if got["version"] != "v0.9.0" || got["commit"] != "" {
		t.Fatalf("mfacred version says %v, want version v0.9.0 and no commit (a module zip has none)", got)
	}
}

// installScript runs ./install.sh of a fresh clone (made here from the work tree) the way a
// user standing in another folder does: `PREFIX=rel /path/to/checkout/install.sh`, from the
// folder root/install/script-cwd. GOFLAGS=-buildvcs=false, as some machines' go env has it:
// the commit and date must come from install.sh, not from Go's own VCS stamp.
func installScript(ctx context.Context) (string, error) {
	clone := filepath.Join(root, "install", "script-checkout")
	if err := copyCommit(clone); err != nil {
		return "", err
	}
	cwd := filepath.Join(root, "install", "script-cwd")
	if err := os.MkdirAll(cwd, 0o755); err != nil {
		return "", err
	}
	return runJobCmd(ctx, cwd, []string{"PREFIX=rel", "GOFLAGS=-buildvcs=false"}, "sh", filepath.Join(clone, "install.sh"))
}

// TestInstallScript: a relative PREFIX is a path from where the user stands (README.md,
// "Install"): the binaries land in cwd/rel/bin, nothing is written into the checkout (release.sh
// refuses a tree with untracked files), every path install.sh prints is absolute and the
// "try it" line runs from anywhere; mfacred version names the checkout's commit and its time.
func TestInstallScript(t *testing.T) {
	t.Parallel() // waits for its job
	_, err := exec.LookPath("git")
	need(t, "git (Debian package git)", err)
	out := waitJob(t, "install.sh")
	clone := filepath.Join(root, "install", "script-checkout")
	bin := filepath.Join(root, "install", "script-cwd", "rel", "bin")
	got := checkInstalled(t, bin)

	status, err := exec.Command("git", "-C", clone, "status", "--porcelain", "--untracked-files=all", "--ignored").Output()
	if err != nil || len(status) != 0 {
		t.Errorf("install.sh left files in the checkout (git status: %v):\n%s", err, status)
	}
	if want := "installed " + filepath.Join(bin, "mfacred") + " and " + filepath.Join(bin, "mfacred-core") + " ("; !strings.Contains(out, want) {
		t.Errorf("install.sh does not say %q:\n%s", want, out)
	}
	_, try, ok := strings.Cut(out, "try it without an AWS account: ")
	try, _, _ = strings.Cut(try, "\n")
	program, arg, _ := strings.Cut(try, " ")
	if !ok || program != filepath.Join(bin, "mfacred") || arg != "demo" {
		t.Fatalf("install.sh's try-it line is %q, want %s demo:\n%s", try, filepath.Join(bin, "mfacred"), out)
	}
	run := exec.Command(program, "version")
	run.Dir = "/"
	if b, err := run.CombinedOutput(); err != nil {
		t.Errorf("the printed %s does not run from /: %v %s", program, err, b)
	}

	head, err := exec.Command("git", "-C", clone, "log", "-1", "--format=%H %cI").Output()
	if err != nil {
		t.Fatal(err)
	}
	commit, date, _ := strings.Cut(strings.TrimSpace(string(head)), " ")
	when, _ := time.Parse(time.RFC3339, date)
	stamped, err := time.Parse(time.RFC3339, got["date"])
	if got["commit"] != commit || err != nil || !stamped.Equal(when) {
		t.Fatalf("mfacred version --json after install.sh says %v, want commit %s and date %s", got, commit, date)
	}
}
