//go:build linux

package e2e

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The release (release.sh, .goreleaser.yaml) is built once per run, in a fresh clone of the
// work tree below root/release, by a job (jobs_test.go): it is the costliest thing the suite
// does, and runs in the background from the start. The tests below share it.
// TestRelease checks the release from every side, one check after the other while it waits
// for the build (one slot of go test -parallel, not six).
func TestRelease(t *testing.T) {
	t.Parallel() // waits for its jobs
	for _, check := range []struct {
		name string
		f    func(*testing.T)
	}{
		{"IsReproducible", releaseIsReproducible}, {"SBOMs", releaseSBOMs}, {"DebInstallsAndPurges", releaseDebInstallsAndPurges},
		{"RPMHoldsTheFiles", releaseRPMHoldsTheFiles}, {"HomebrewFormula", releaseHomebrewFormula}, {"ScoopAndWingetManifests", releaseScoopAndWingetManifests},
		{"LicenseEverywhere", releaseLicense},
	} {
		t.Run(check.name, check.f)
	}
}

func init() {
	addJob("release", 10, []string{"TestRelease"}, func(ctx context.Context) (string, error) {
		repo := filepath.Join(root, "release", "repo")
		if err := copyCommit(repo); err != nil {
			return "", err
		}
		return runJobCmd(ctx, repo, nil, "./release.sh")
	})
	// The second build of TestRelease/IsReproducible: one target, in a second clone of the same
	// commit at another path, a second later, with a user's environment that would change the
	// bytes if it reached the build (GOAMD64, GOARM64, GOEXPERIMENT, CGO_ENABLED, GOFLAGS, and
	// GOFLAGS in the go env file). It shares the Go build cache: the cache hands over a compiled
	// package only for the very same inputs (source, flags, settings, paths when not trimmed),
	// so whatever of the project's would change the bytes is compiled anew and caught; what a
	// shared cache could hide is a compiler that makes different bytes from the same inputs,
	// which the Go project itself checks (a second cold build cost 4.5 CPU-minutes a run).
	addJob("release again", 11, []string{"TestRelease"}, func(ctx context.Context) (string, error) {
		a, b := filepath.Join(root, "release", "repo"), filepath.Join(root, "release", "elsewhere")
		if out, err := exec.Command("git", "clone", "-q", a, b).CombinedOutput(); err != nil {
			return string(out), fmt.Errorf("git clone: %w", err)
		}
		time.Sleep(1100 * time.Millisecond)               // a second later: no clock may reach the bytes
		goenv := filepath.Join(root, "release", "go.env") // what go env -w writes
		if err := os.WriteFile(goenv, []byte("GOFLAGS=-tags=fromgoenv\nGOTOOLCHAIN=local\n"), 0o644); err != nil {
			return "", err
		}
		return runJobCmd(ctx, b, []string{"GOENV=" + goenv, "GOAMD64=v3", "GOARM64=v8.5",
			"GOEXPERIMENT=heapminimum512kib", "CGO_ENABLED=1", "GOFLAGS=-tags=fromenv"}, "./release.sh", "--target", "linux_amd64")
	})
}

// release returns the clone the whole release was built in and its dist/.
func release(t *testing.T) (repo, dist string) {
	t.Helper()
	_, err := exec.LookPath("git")
	need(t, "git (Debian package git)", err)
	waitJob(t, "release")
	repo = filepath.Join(root, "release", "repo")
	return repo, filepath.Join(repo, "dist")
}

// commitTree is copyCommit into a temporary folder of t.
func commitTree(t *testing.T) string {
	t.Helper()
	_, err := exec.LookPath("git")
	need(t, "git (Debian package git)", err)
	dir := t.TempDir()
	if err := copyCommit(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// sums reads a SHA256SUMS file: file name to hex digest.
func sums(t *testing.T, path string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		sum, name, ok := strings.Cut(line, "  ")
		if !ok || len(sum) != 64 {
			t.Fatalf("%s: line %q is not 'SHA256  NAME'", path, line)
		}
		m[name] = sum
	}
	return m
}

func releaseVersion(t *testing.T, repo string) (version, commit string, secs int64) {
	t.Helper()
	out, err := exec.Command("git", "-C", repo, "log", "-1", "--format=%H %ct").Output()
	if err != nil {
		t.Fatal(err)
	}
	commit, ct, _ := strings.Cut(strings.TrimSpace(string(out)), " ")
	secs, _ = strconv.ParseInt(ct, 10, 64)
	return "0.0.0-SNAPSHOT-" + commit[:7], commit, secs
}

// debVersion and rpmVersion are the packages' spelling of a version (nfpm's): a pre-release
// sorts before its release there when it follows a tilde; rpm takes no hyphen in a version.
func debVersion(version string) string { return strings.Replace(version, "-", "~", 1) }
func rpmVersion(version string) string {
	v, pre, _ := strings.Cut(version, "-")
	return v + "~" + strings.ReplaceAll(pre, "-", "_")
}

var targets = []struct{ goos, goarch, archive string }{
	{"linux", "amd64", "tar.gz"}, {"linux", "arm64", "tar.gz"},
	{"darwin", "amd64", "tar.gz"}, {"darwin", "arm64", "tar.gz"},
	{"windows", "amd64", "zip"}, {"windows", "arm64", "zip"},
}

// release.sh run in two clones of one commit, at different paths and times, makes the same
// bytes. The whole release is built once; one target (linux/amd64: its archive, SBOM, .deb
// and .rpm) is built again in the second clone (the job "release again" says with what) and a
// user's environment that would change the bytes if it reached the build (GOAMD64, GOARM64,
// GOEXPERIMENT, CGO_ENABLED, GOFLAGS, and GOFLAGS in the go env file): each of its files is the
// first build's, and its
// SHA256SUMS lines are the first build's lines. The other targets differ from that one only in
// GOOS and GOARCH, which the build sets itself. The first build's SHA256SUMS lists the six
// archives, their SBOMs and the packages and checks out with sha256sum -c; archive entries
// carry the commit's time and owner 0; the Linux binary says the version, commit and date.
func releaseIsReproducible(t *testing.T) {
	a, distA := release(t)
	version, commit, secs := releaseVersion(t, a)
	waitJob(t, "release again")
	b := filepath.Join(root, "release", "elsewhere")

	sumsA, sumsB := sums(t, filepath.Join(distA, "SHA256SUMS")), sums(t, filepath.Join(b, "dist", "SHA256SUMS"))
	var want []string
	for _, x := range targets {
		name := fmt.Sprintf("mfacred_%s_%s_%s.%s", version, x.goos, x.goarch, x.archive)
		want = append(want, name, name+".cdx.json")
	}
	for _, arch := range []string{"amd64", "arm64"} {
		want = append(want, fmt.Sprintf("mfacred_%s_%s.deb", debVersion(version), arch))
	}
	want = append(want, fmt.Sprintf("mfacred-%s-1.x86_64.rpm", rpmVersion(version)), fmt.Sprintf("mfacred-%s-1.aarch64.rpm", rpmVersion(version)))
	got := slices.Sorted(func(yield func(string) bool) {
		for name := range sumsA {
			if !yield(name) {
				return
			}
		}
	})
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("SHA256SUMS names\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(sumsB) != 4 {
		t.Errorf("one target's SHA256SUMS: %v, want its archive, SBOM, .deb and .rpm", sumsB)
	}
	for name, sum := range sumsB {
		if sumsA[name] != sum {
			t.Errorf("%s: %s in the one-target build, %q in the whole release", name, sum, sumsA[name])
		}
		x, _ := os.ReadFile(filepath.Join(distA, name))
		y, err := os.ReadFile(filepath.Join(b, "dist", name))
		if err != nil || string(x) != string(y) {
			t.Errorf("%s differs between two builds of one commit (%v)", name, err)
		}
	}
	check := exec.Command("sha256sum", "-c", "SHA256SUMS")
	check.Dir = distA
	if out, err := check.CombinedOutput(); err != nil {
		t.Fatalf("sha256sum -c SHA256SUMS: %v\n%s", err, out)
	}

	bin := t.TempDir()
	f, err := os.Open(filepath.Join(distA, fmt.Sprintf("mfacred_%s_linux_amd64.tar.gz", version)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for tr := tar.NewReader(gz); ; {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
		if h.ModTime.Unix() != secs || h.Uid != 0 || h.Gid != 0 {
			t.Errorf("%s: time %v, owner %d:%d; want the commit's time and 0:0", h.Name, h.ModTime, h.Uid, h.Gid)
		}
	}
	// Unpacked by tar, not written from here: a file this process holds open for writing can be
	// "text file busy" to exec while another test forks (e2e/harness_test.go, writeProgram).
	if out, err := exec.Command("tar", "-xzf", f.Name(), "-C", bin, "--strip-components=1").CombinedOutput(); err != nil {
		t.Fatalf("tar -xzf %s: %v %s", f.Name(), err, out)
	}
	dir := fmt.Sprintf("mfacred_%s_linux_amd64/", version)
	for _, want := range []string{dir + "mfacred", dir + "mfacred-core", dir + "README.md", dir + "LICENSE"} {
		if !slices.Contains(names, want) {
			t.Errorf("the linux/amd64 archive lacks %s: %v", want, names)
		}
	}
	out, err := exec.Command(filepath.Join(bin, "mfacred"), "version", "--json").Output()
	var v map[string]string
	if err != nil || json.Unmarshal(out, &v) != nil {
		t.Fatalf("mfacred version --json from the archive: %v %s", err, out)
	}
	date, err := time.Parse(time.RFC3339, v["date"])
	if v["version"] != "v"+version || v["commit"] != commit || err != nil || date.Unix() != secs || v["os"] != "linux" || v["arch"] != "amd64" {
		t.Errorf("mfacred version --json: %v; want version v%s, commit %s, the commit's date", v, version, commit)
	}
}

// Each archive has a CycloneDX SBOM of the modules built into it, for its OS: the Windows one
// names the Windows credential store's module, the Linux one the D-Bus module.
func releaseSBOMs(t *testing.T) {
	repo, dist := release(t)
	version, _, _ := releaseVersion(t, repo)
	for _, x := range targets {
		name := fmt.Sprintf("mfacred_%s_%s_%s.%s.cdx.json", version, x.goos, x.goarch, x.archive)
		data, err := os.ReadFile(filepath.Join(dist, name))
		if err != nil {
			t.Fatal(err)
		}
		var bom struct {
			BOMFormat  string `json:"bomFormat"`
			Components []struct {
				Name, Version, PURL string
			} `json:"components"`
		}
		if err := json.Unmarshal(data, &bom); err != nil || bom.BOMFormat != "CycloneDX" {
			t.Fatalf("%s: %v, format %q", name, err, bom.BOMFormat)
		}
		var mods []string
		for _, c := range bom.Components {
			mods = append(mods, c.Name+"@"+c.Version)
		}
		wants := []string{"github.com/aws/aws-sdk-go-v2/service/sts@", "github.com/zalando/go-keyring@"}
		switch x.goos {
		case "windows":
			wants = append(wants, "github.com/danieljoos/wincred@")
		case "linux":
			wants = append(wants, "github.com/godbus/dbus/v5@")
		}
		for _, want := range wants {
			if !slices.ContainsFunc(mods, func(m string) bool { return strings.HasPrefix(m, want) }) {
				t.Errorf("%s names no %s: %v", name, want, mods)
			}
		}
		if x.goos != "windows" && slices.ContainsFunc(mods, func(m string) bool { return strings.HasPrefix(m, "github.com/danieljoos/wincred@") }) {
			t.Errorf("%s names the Windows-only wincred", name)
		}
	}
}

// The .deb installs as a user's apt would, but into a throwaway root (dpkg --root: its own
// database there, nothing on this system touched): mfacred and mfacred-core in /usr/bin, the
// completions where bash, zsh and fish look, the README; mfacred version and mfacred demo --auto
// run from that root's /usr/bin; then dpkg --purge leaves nothing of the package behind.
func releaseDebInstallsAndPurges(t *testing.T) {
	_, err := exec.LookPath("dpkg")
	need(t, "dpkg (Debian package dpkg)", err)
	repo, dist := release(t)
	version, commit, _ := releaseVersion(t, repo)
	deb := filepath.Join(dist, fmt.Sprintf("mfacred_%s_amd64.deb", debVersion(version)))

	sys := t.TempDir()
	for _, d := range []string{"var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers", "tmp"} {
		if err := os.MkdirAll(filepath.Join(sys, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"var/lib/dpkg/status", "var/lib/dpkg/available"} {
		if err := os.WriteFile(filepath.Join(sys, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	before := files(t, sys)
	dpkg := func(args ...string) string {
		t.Helper()
		// --force-script-chrootless: maintainer scripts (the package has none) would run
		// without chroot, which an unprivileged run cannot do; --force-not-root likewise.
		cmd := exec.Command("dpkg", append([]string{"--root=" + sys, "--force-script-chrootless", "--force-not-root", "--log=/dev/null"}, args...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("dpkg %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	dpkg("--install", deb)
	if st := dpkg("--status", "mfacred"); !strings.Contains(st, "Status: install ok installed") || !strings.Contains(st, "Version: "+debVersion(version)) {
		t.Fatalf("dpkg --status mfacred after the install:\n%s", st)
	}
	listed := strings.Fields(dpkg("--listfiles", "mfacred"))
	for _, want := range debFiles {
		if !slices.Contains(listed, want) {
			t.Errorf("the .deb did not install %s: %v", want, listed)
		}
		if _, err := os.Stat(filepath.Join(sys, want)); err != nil {
			t.Errorf("%s: %v", want, err)
		}
	}

	w := newWorld(t)
	r := w.run(nil, []string{"PATH=" + filepath.Join(sys, "usr", "bin") + ":/usr/bin:/bin"}, filepath.Join(sys, "usr", "bin", "mfacred"), "version")
	if r.err != nil || !strings.HasPrefix(r.stdout, "mfacred v"+version+"\ncommit: "+commit+"\n") {
		t.Fatalf("mfacred version from the .deb: %v\n%s%s", r.err, r.stdout, r.stderr)
	}
	r = w.run(nil, []string{"PATH=" + filepath.Join(sys, "usr", "bin") + ":/usr/bin:/bin", "TMPDIR=" + filepath.Join(sys, "tmp")}, filepath.Join(sys, "usr", "bin", "mfacred"), "demo", "--auto")
	if r.err != nil || !strings.Contains(r.stdout, "credential_process = "+filepath.Join(sys, "usr", "bin", "mfacred")+" process --profile demo\n") || !strings.Contains(r.stdout, "Done: the keyring namespace mfacred-demo-") {
		t.Fatalf("mfacred demo --auto from the .deb: %v\n%s%s", r.err, r.stdout, r.stderr)
	}

	dpkg("--purge", "mfacred")
	if out, err := exec.Command("dpkg", "--root="+sys, "--status", "mfacred").CombinedOutput(); err == nil {
		t.Errorf("dpkg --status mfacred after the purge:\n%s", out)
	}
	after := files(t, sys)
	for path := range after {
		if strings.HasPrefix(path, filepath.Join(sys, "var", "lib", "dpkg")+string(filepath.Separator)) {
			delete(after, path) // dpkg's own database: status, its backups, its lock
		}
	}
	for path := range before {
		if !strings.HasPrefix(path, filepath.Join(sys, "var", "lib", "dpkg")+string(filepath.Separator)) {
			if _, ok := after[path]; !ok {
				t.Errorf("the purge removed %s, which was there before", path)
			}
			delete(after, path)
		}
	}
	for path := range after {
		if path != filepath.Join(sys, "tmp") {
			t.Errorf("left behind after dpkg --purge: %s", path)
		}
	}
	entries, _ := os.ReadDir(filepath.Join(sys, "tmp"))
	if len(entries) > 0 {
		t.Errorf("the demo left files in its TMPDIR: %v", entries)
	}
}

// What the .deb and the .rpm put where: the binaries in /usr/bin, the completions where the
// shells look (zsh's folder differs: Debian's vendor-completions, Fedora's site-functions).
var debFiles = []string{
	"/usr/bin/mfacred", "/usr/bin/mfacred-core",
	"/usr/share/bash-completion/completions/mfacred",
	"/usr/share/zsh/vendor-completions/_mfacred",
	"/usr/share/fish/vendor_completions.d/mfacred.fish",
	"/usr/share/doc/mfacred/README.md",
}

// The .rpm (read with rpm -qlp, Debian's rpm package) holds the same files, zsh's completion
// in site-functions, and says the version.
func releaseRPMHoldsTheFiles(t *testing.T) {
	_, err := exec.LookPath("rpm")
	need(t, "rpm (Debian package rpm)", err)
	repo, dist := release(t)
	version, _, _ := releaseVersion(t, repo)
	rpmVersion := rpmVersion(version)
	for _, arch := range []string{"x86_64", "aarch64"} {
		pkg := filepath.Join(dist, fmt.Sprintf("mfacred-%s-1.%s.rpm", rpmVersion, arch))
		out, err := exec.Command("rpm", "-qlp", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("rpm -qlp %s: %v\n%s", pkg, err, out)
		}
		listed := strings.Fields(string(out))
		for _, want := range debFiles {
			want = strings.Replace(want, "/zsh/vendor-completions/", "/zsh/site-functions/", 1)
			if !slices.Contains(listed, want) {
				t.Errorf("%s lacks %s: %v", filepath.Base(pkg), want, listed)
			}
		}
		out, err = exec.Command("rpm", "-qp", "--queryformat", "%{NAME} %{VERSION} %{ARCH}", pkg).CombinedOutput()
		if want := "mfacred " + rpmVersion + " " + arch; err != nil || string(out) != want {
			t.Errorf("rpm -qp %s: %v %q, want %q", filepath.Base(pkg), err, out, want)
		}
	}
}

// The Homebrew formula is Ruby that parses (ruby -c), and each url it names is a release
// archive at the download address, with that archive's checksum beside it.
func releaseHomebrewFormula(t *testing.T) {
	_, err := exec.LookPath("ruby")
	need(t, "ruby (Debian package ruby)", err)
	repo, dist := release(t)
	version, _, _ := releaseVersion(t, repo)
	formula := filepath.Join(dist, "homebrew", "mfacred.rb")
	if out, err := exec.Command("ruby", "-c", formula).CombinedOutput(); err != nil || !strings.Contains(string(out), "Syntax OK") {
		t.Fatalf("ruby -c %s: %v %s", formula, err, out)
	}
	data, err := os.ReadFile(formula)
	if err != nil {
		t.Fatal(err)
	}
	pairs := regexp.MustCompile(`url "([^"]+)"\s+sha256 "([0-9a-f]{64})"`).FindAllStringSubmatch(string(data), -1)
	matchArchives(t, "the formula", version, sums(t, filepath.Join(dist, "SHA256SUMS")), pairs, []string{"linux_amd64", "linux_arm64", "darwin_amd64", "darwin_arm64"})
	if !strings.Contains(string(data), `bin.install "mfacred", "mfacred-core"`) {
		t.Errorf("the formula does not install both binaries:\n%s", data)
	}
}

// The Scoop manifest and the winget manifests are valid against the schemas Scoop and winget
// publish (vendored in e2e/testdata/schemas, README.md there names their source), and each
// download they name is a release archive with that archive's checksum.
func releaseScoopAndWingetManifests(t *testing.T) {
	repo, dist := release(t)
	version, _, _ := releaseVersion(t, repo)
	checker := filepath.Join(t.TempDir(), "schemacheck")
	if out, err := exec.Command("go", "build", "-C", "../tools", "-o", checker, "./schemacheck").CombinedOutput(); err != nil {
		t.Fatalf("build tools/schemacheck: %v\n%s", err, out)
	}
	validate := func(schema string, docs ...string) {
		t.Helper()
		out, err := exec.Command(checker, append([]string{filepath.Join("testdata", "schemas", schema)}, docs...)...).CombinedOutput()
		if err != nil {
			t.Errorf("%s: %v\n%s", schema, err, out)
		}
	}
	all := sums(t, filepath.Join(dist, "SHA256SUMS"))

	scoop := filepath.Join(dist, "scoop", "mfacred.json")
	validate("scoop-schema.json", scoop)
	data, err := os.ReadFile(scoop)
	if err != nil {
		t.Fatal(err)
	}
	var manifest struct {
		Version      string `json:"version"`
		Architecture map[string]struct {
			URL  string   `json:"url"`
			Hash string   `json:"hash"`
			Bin  []string `json:"bin"`
		} `json:"architecture"`
	}
	if err := json.Unmarshal(data, &manifest); err != nil {
		t.Fatal(err)
	}
	var pairs [][]string
	for arch, a := range manifest.Architecture {
		pairs = append(pairs, []string{arch, a.URL, a.Hash})
		if len(a.Bin) != 2 {
			t.Errorf("scoop %s: bin %v, want mfacred.exe and mfacred-core.exe", arch, a.Bin)
		}
	}
	if manifest.Version != version {
		t.Errorf("scoop version %q, want %q", manifest.Version, version)
	}
	matchArchives(t, "the Scoop manifest", version, all, pairs, []string{"windows_amd64", "windows_arm64"})

	dir := filepath.Join(dist, "winget", "manifests", "m", "mfacred", "mfacred", version)
	validate("winget-manifest.version.1.12.0.json", filepath.Join(dir, "mfacred.mfacred.yaml"))
	validate("winget-manifest.installer.1.12.0.json", filepath.Join(dir, "mfacred.mfacred.installer.yaml"))
	validate("winget-manifest.defaultLocale.1.12.0.json", filepath.Join(dir, "mfacred.mfacred.locale.en-US.yaml"))
	installer, err := os.ReadFile(filepath.Join(dir, "mfacred.mfacred.installer.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	pairs = regexp.MustCompile(`InstallerUrl: (\S+)\s+InstallerSha256: ([0-9A-Fa-f]{64})`).FindAllStringSubmatch(string(installer), -1)
	matchArchives(t, "the winget installer manifest", version, all, pairs, []string{"windows_amd64", "windows_arm64"})
}

// matchArchives checks that pairs (each [..., url, sha256]) name exactly the archives of the
// targets, at the release's download address, each with its line in SHA256SUMS.
func matchArchives(t *testing.T, what, version string, sums map[string]string, pairs [][]string, targets []string) {
	t.Helper()
	prefix := "https://github.com/mfacred/mfacred/releases/download/v" + version + "/"
	var got []string
	for _, p := range pairs {
		url, sum := p[len(p)-2], strings.ToLower(p[len(p)-1])
		name, ok := strings.CutPrefix(url, prefix)
		if !ok {
			t.Errorf("%s: url %s is not below %s", what, url, prefix)
			continue
		}
		if sums[name] == "" || sums[name] != sum {
			t.Errorf("%s: %s with sha256 %s; SHA256SUMS says %q", what, name, sum, sums[name])
		}
		got = append(got, name)
	}
	var want []string
	for _, target := range targets {
		ext := ".tar.gz"
		if strings.HasPrefix(target, "windows") {
			ext = ".zip"
		}
		want = append(want, "mfacred_"+version+"_"+target+ext)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("%s names %v, want %v", what, got, want)
	}
}

// release.sh refuses a work tree that is not its commit: an untracked .go file in a package
// folder (go build would compile it in) is named in the error, and nothing is built.
func TestReleaseRefusesWhatIsNotTheCommit(t *testing.T) {
	t.Parallel()
	dir := commitTree(t)
	extra := filepath.Join(dir, "cmd", "mfacred", "zz_extra.go")
	if err := os.WriteFile(extra, []byte("package main\n\nfunc init() { println(\"not in the commit\") }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("./release.sh")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("release.sh built a release with an untracked .go file:\n%s", out)
	}
	if !strings.Contains(string(out), "cmd/mfacred/zz_extra.go") || !strings.Contains(string(out), "untracked") {
		t.Fatalf("release.sh with an untracked .go file: want it named:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "dist")); !os.IsNotExist(err) {
		t.Fatalf("release.sh made dist/ (%v)", err)
	}
	// An argument it does not take is an error, not a default.
	cmd = exec.Command("./release.sh", "--target", "plan9_amd64")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "plan9_amd64") {
		t.Fatalf("release.sh --target plan9_amd64: %v\n%s", err, out)
	}
}

// The licence, Apache-2.0 (LICENSE), is in every archive as it is in the repository, and every
// package, manifest and SBOM names it: the .deb's copyright file (Debian's machine-readable
// format, where dpkg installs it), the .rpm's License tag and %license file, the formula's
// license, the Scoop and winget manifests' License, each SBOM's main component.
func releaseLicense(t *testing.T) {
	repo, dist := release(t)
	version, _, _ := releaseVersion(t, repo)
	license, err := os.ReadFile(filepath.Join(repo, "LICENSE"))
	if err != nil || !bytes.Contains(license, []byte("Apache License\n                           Version 2.0, January 2004")) {
		t.Fatalf("the repository's LICENSE is not the Apache License 2.0: %v", err)
	}
	for _, x := range targets {
		name := fmt.Sprintf("mfacred_%s_%s_%s", version, x.goos, x.goarch)
		if got := archiveEntry(t, filepath.Join(dist, name+"."+x.archive), name+"/LICENSE"); !bytes.Equal(got, license) {
			t.Errorf("%s.%s: LICENSE is not the repository's (%d bytes)", name, x.archive, len(got))
		}
		data, err := os.ReadFile(filepath.Join(dist, name+"."+x.archive+".cdx.json"))
		if err != nil {
			t.Fatal(err)
		}
		var bom struct {
			Metadata struct {
				Component struct {
					Name     string
					Licenses []struct{ License struct{ ID string } }
				}
			}
		}
		if err := json.Unmarshal(data, &bom); err != nil {
			t.Fatal(err)
		}
		c := bom.Metadata.Component
		if c.Name != "github.com/mfacred/mfacred" || len(c.Licenses) != 1 || c.Licenses[0].License.ID != "Apache-2.0" {
			t.Errorf("%s.%s.cdx.json: main component %s with licences %+v, want Apache-2.0", name, x.archive, c.Name, c.Licenses)
		}
	}

	for _, arch := range []string{"amd64", "arm64"} {
		deb := filepath.Join(dist, fmt.Sprintf("mfacred_%s_%s.deb", debVersion(version), arch))
		root := t.TempDir()
		if out, err := exec.Command("dpkg-deb", "-x", deb, root).CombinedOutput(); err != nil {
			t.Fatalf("dpkg-deb -x %s: %v\n%s", deb, err, out)
		}
		copyright, err := os.ReadFile(filepath.Join(root, "usr", "share", "doc", "mfacred", "copyright"))
		if err != nil || !bytes.HasPrefix(copyright, []byte("Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n")) ||
			!bytes.Contains(copyright, []byte("\nFiles: *\nCopyright: 2026 The mfacred Authors\nLicense: Apache-2.0\n")) {
			t.Errorf("%s: /usr/share/doc/mfacred/copyright: %v\n%s", filepath.Base(deb), err, copyright)
		}
	}
	_, err = exec.LookPath("rpm")
	need(t, "rpm (Debian package rpm)", err)
	for _, arch := range []string{"x86_64", "aarch64"} {
		pkg := filepath.Join(dist, fmt.Sprintf("mfacred-%s-1.%s.rpm", rpmVersion(version), arch))
		out, err := exec.Command("rpm", "-qp", "--queryformat", "%{LICENSE}", pkg).CombinedOutput()
		if err != nil || string(out) != "Apache-2.0" {
			t.Errorf("rpm -qp --queryformat %%{LICENSE} %s: %v %q", filepath.Base(pkg), err, out)
		}
		out, err = exec.Command("rpm", "-qp", "--licensefiles", pkg).CombinedOutput()
		if err != nil || string(out) != "/usr/share/licenses/mfacred/LICENSE\n" {
			t.Errorf("rpm -qp --licensefiles %s: %v %q", filepath.Base(pkg), err, out)
		}
		root := t.TempDir()
		// rpm2archive (Debian package rpm2cpio, which rpm needs) given - reads the package on
		// stdin and writes a tar.gz of its files to stdout.
		extract := exec.Command("sh", "-c", `rpm2archive - < "$0" | tar -xzf - -C "$1"`, pkg, root)
		if out, err := extract.CombinedOutput(); err != nil {
			t.Fatalf("rpm2archive %s: %v\n%s", filepath.Base(pkg), err, out)
		}
		if got, _ := os.ReadFile(filepath.Join(root, "usr", "share", "licenses", "mfacred", "LICENSE")); !bytes.Equal(got, license) {
			t.Errorf("%s: its LICENSE is not the repository's (%d bytes)", filepath.Base(pkg), len(got))
		}
	}

	locale := filepath.Join(dist, "winget", "manifests", "m", "mfacred", "mfacred", version, "mfacred.mfacred.locale.en-US.yaml")
	for file, want := range map[string][]string{
		filepath.Join(dist, "homebrew", "mfacred.rb"): {`license "Apache-2.0"`},
		locale: {"License: Apache-2.0", "LicenseUrl: https://github.com/mfacred/mfacred/blob/v" + version + "/LICENSE"},
	} {
		data, err := os.ReadFile(file)
		var trimmed []string
		for _, l := range strings.Split(string(data), "\n") {
			trimmed = append(trimmed, strings.TrimSpace(l))
		}
		for _, line := range want {
			if err != nil || !slices.Contains(trimmed, line) {
				t.Errorf("%s lacks the line %q: %v\n%s", file, line, err, data)
			}
		}
	}
	var scoop struct{ License string }
	data, err := os.ReadFile(filepath.Join(dist, "scoop", "mfacred.json"))
	if err != nil || json.Unmarshal(data, &scoop) != nil || scoop.License != "Apache-2.0" {
		t.Errorf("the Scoop manifest's license: %q (%v)\n%s", scoop.License, err, data)
	}
}

// archiveEntry is the content of the entry name in a release archive (.tar.gz or .zip), nil
// if it has none.
func archiveEntry(t *testing.T, archive, name string) []byte {
	t.Helper()
	if strings.HasSuffix(archive, ".zip") {
		z, err := zip.OpenReader(archive)
		if err != nil {
			t.Fatal(err)
		}
		defer z.Close()
		f, err := z.Open(name)
		if err != nil {
			return nil
		}
		defer f.Close()
		b, err := io.ReadAll(f)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	for tr := tar.NewReader(gz); ; {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Name == name {
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	}
}
