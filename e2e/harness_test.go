//go:build unix

// Package e2e runs the built mfacred binary the way users do: as the credential_process of the
// real AWS CLI v2 and boto3, with a real Secret Service (gnome-keyring on a private D-Bus), a real
// terminal (tmux), and a local STS (package localsts) that checks signatures and MFA codes.
//
// Without CI=true a missing real part skips the tests that need it; with CI=true it fails them.
package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base32"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/internal/testenv"
	"github.com/mfacred/mfacred/keyring"
	"github.com/mfacred/mfacred/localsts"
)

var (
	root     string // everything the tests write lives below it; scanned for secrets at the end
	binary   string // the built mfacred
	busAddr  string // the private session bus with gnome-keyring on it
	python   string // a python3 with boto3
	setupErr error

	secretsMu sync.Mutex
	secrets   []string // every secret handed out in the run
)

func TestMain(m *testing.M) {
	// Run under nohup (or anything else that ignores SIGHUP), every program the tests start
	// would inherit SIGHUP ignored, and the tests of a closed terminal would test nohup's
	// instead. Handled here, SIGHUP goes back to its default action in the children.
	if signal.Ignored(syscall.SIGHUP) {
		signal.Notify(make(chan os.Signal, 1), syscall.SIGHUP)
	}
	var err error
	root, err = os.MkdirTemp("", "mfacred-e2e-")
	if err != nil {
		panic(err)
	}
	flag.Parse() // for startJobs: -run and -skip say which jobs a test needs
	stop, err := setup()
	if err != nil {
		setupErr = err
	}
	startJobs()
	code := m.Run()
	stopJobs()
	stopGoClientBuild()
	if setupErr == nil {
		fmt.Fprintf(os.Stderr, "items left in the shared keyring (forgetItems): %s\n", itemsLeft())
	}
	stop()
	if code == 0 && setupErr == nil {
		if leaks := scanForSecrets(); len(leaks) > 0 {
			fmt.Fprintln(os.Stderr, "FAIL: secrets found on disk:\n  "+strings.Join(leaks, "\n  "))
			code = 1
		} else {
			fmt.Fprintf(os.Stderr, "no secret of %d found in any file below %s\n", len(secrets), root)
		}
	}
	os.RemoveAll(root)
	os.Exit(code)
}

func setup() (stop func(), err error) {
	stop = func() {}
	binary = filepath.Join(root, "bin", "mfacred")
	build := exec.Command("go", "build", "-trimpath", "-o", filepath.Dir(binary)+"/", "../cmd/mfacred", "../cmd/mfacred-core")
	build.Env = shippedBuild()
	if out, err := build.CombinedOutput(); err != nil {
		return stop, fmt.Errorf("build mfacred: %v\n%s", err, out)
	}
	startGoClientBuild() // beside the tests: only TestServerRenewsForFourClients waits for it
	if p, err := exec.Command("python3", "-c", "import boto3, sys; print(sys.executable)").Output(); err == nil {
		python = strings.TrimSpace(string(p))
	}
	busAddr, stop, err = testenv.SecretService(root)
	// For the tests that look into the keyring themselves (world.store).
	os.Setenv("DBUS_SESSION_BUS_ADDRESS", busAddr)
	return stop, err
}

// shippedBuild is the environment of the tests' builds of Go programs for Linux (mfacred,
// mfacred-core, the Go SDK client): no cgo and, with go build -trimpath, as the release and
// install.sh build mfacred — what the tests run is what users run — and as the installs
// (install_test.go) build it, so that all of them share one compile of the dependencies
// (on a fresh machine one such compile is about 100 CPU-seconds).
func shippedBuild() []string { return append(os.Environ(), "CGO_ENABLED=0") }

// need fails (CI) or skips (elsewhere) a test whose real part is missing.
func need(t *testing.T, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is missing: %v", what, err)
	}
	t.Skipf("%s is missing: %v", what, err)
}

func needKeyring(t *testing.T) { t.Helper(); need(t, "the Secret Service", setupErr) }

func awsCLIv2(t *testing.T) string {
	t.Helper()
	_, err := awsCLIVersion()
	need(t, "the AWS CLI v2 (/usr/bin/aws, Debian package awscli)", err)
	return "/usr/bin/aws"
}

// awsCLIVersion is what `aws --version` says ("aws-cli/2.9.19 Python/3.11.2 ..."), asked once
// per run: each start of the AWS CLI costs about a CPU-second, and some forty tests need it.
var awsCLIVersion = sync.OnceValues(func() (string, error) {
	out, err := exec.Command("/usr/bin/aws", "--version").CombinedOutput()
	if err == nil && !bytes.HasPrefix(out, []byte("aws-cli/2")) {
		err = fmt.Errorf("/usr/bin/aws is %s", bytes.TrimSpace(out))
	}
	return string(bytes.TrimSpace(out)), err
})

func needPython(t *testing.T) {
	t.Helper()
	var err error
	if python == "" {
		err = fmt.Errorf("no python3 with boto3")
	}
	need(t, "boto3", err)
}

var serialCount struct {
	sync.Mutex
	n int
}

// world is one test's user, devices, STS, config files and environment.
type world struct {
	t       *testing.T
	dir     string
	sts     *localsts.Server
	user    localsts.User
	profile string // the profile name, unique in the shared keyring
	serial  string
	seed    string
	env     []string
}

var nameRE = regexp.MustCompile(`[^a-zA-Z0-9]+`)

func newWorld(t *testing.T) *world {
	t.Helper()
	needKeyring(t)
	serialCount.Lock()
	serialCount.n++
	n := serialCount.n
	serialCount.Unlock()
	name := strings.ToLower(nameRE.ReplaceAllString(t.Name(), "-"))
	w := &world{t: t, dir: filepath.Join(root, fmt.Sprintf("t%02d-%s", n, name)), profile: fmt.Sprintf("work%02d", n)}
	w.serial = fmt.Sprintf("arn:aws:iam::123456789012:mfa/googleAuthentication%02d", n)
	sum := sha256.Sum256([]byte(fmt.Sprintf("seed %d %d", n, time.Now().UnixNano())))
	w.seed = base32.StdEncoding.EncodeToString(sum[:20])
	w.user = localsts.User{
		Name: "alice", Account: "123456789012",
		AccessKeyID:     fmt.Sprintf("AKIAEXAMPLE%09d", n),
		SecretAccessKey: fmt.Sprintf("wJalrXUtnFEMI/K7MDENG/bPxRfiCYsecret%04d", n),
		Devices:         []localsts.Device{{Serial: w.serial, Seed: w.seed}},
	}
	w.sts = localsts.New(w.user)
	t.Cleanup(func() {
		secretsMu.Lock()
		secrets = append(secrets, w.sts.Secrets()...)
		secretsMu.Unlock()
		w.sts.Close()
		forgetItems(n)
	})
	home := filepath.Join(w.dir, "home")
	if err := os.MkdirAll(filepath.Join(home, ".aws"), 0o700); err != nil {
		t.Fatal(err)
	}
	w.env = []string{
		"PATH=" + filepath.Dir(binary) + ":" + os.Getenv("PATH"),
		"HOME=" + home,
		"XDG_CACHE_HOME=" + filepath.Join(home, ".cache"),
		"DBUS_SESSION_BUS_ADDRESS=" + busAddr,
		"AWS_CONFIG_FILE=" + filepath.Join(home, ".aws", "config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, ".aws", "credentials"),
		"AWS_ENDPOINT_URL_STS=" + w.sts.URL,
		"AWS_ENDPOINT_URL_IAM=" + w.sts.URL,
		"AWS_REGION=us-east-1",
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_PAGER=",
		"LANG=C.UTF-8",
		// mfa_process reads the seed from here, so that no file holds it (see mfaProcess).
		"MFACRED_TEST_SEED=" + w.seed,
	}
	return w
}

// store is the test's own view of the keyring and lock dir mfacred uses.
func (w *world) store() *cache.Store {
	return &cache.Store{Keyring: keyring.OS{}, LockDir: filepath.Join(w.dir, "home", ".cache", "mfacred")}
}

func (w *world) configPath() string { return filepath.Join(w.dir, "home", ".aws", "config") }

// writeConfig writes the config file; extra lines go into the test's profile.
func (w *world) writeConfig(extra ...string) {
	w.t.Helper()
	cfg := fmt.Sprintf("[profile %s]\ncredential_process = %s process --profile %s\nmfa_serial = %s\nregion = us-east-1\n%s\n",
		w.profile, binary, w.profile, w.serial, strings.Join(extra, "\n"))
	if err := os.WriteFile(w.configPath(), []byte(cfg), 0o600); err != nil {
		w.t.Fatal(err)
	}
}

// mfaProcess is an mfa_process line that prints the device's code with oathtool, an
// implementation of TOTP independent of mfacred's.
func (w *world) mfaProcess() string {
	if _, err := exec.LookPath("oathtool"); err != nil {
		need(w.t, "oathtool (Debian package oathtool)", err)
	}
	return `mfa_process = oathtool --totp -b "$MFACRED_TEST_SEED"`
}

// addKeys stores the user's long-term keys with `mfacred add --env`.
func (w *world) addKeys() {
	w.t.Helper()
	res := w.run(nil, []string{"AWS_ACCESS_KEY_ID=" + w.user.AccessKeyID, "AWS_SECRET_ACCESS_KEY=" + w.user.SecretAccessKey}, binary, "add", w.profile, "--env")
	if res.err != nil {
		w.t.Fatalf("mfacred add: %v\n%s", res.err, res.stderr)
	}
}

type result struct {
	stdout, stderr string
	err            error
	code           int
	took           time.Duration
}

// run runs a program in the world's environment, with stdin from in (nil: /dev/null) and no
// controlling terminal.
func (w *world) run(in *string, extraEnv []string, name string, args ...string) result {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(append([]string{}, w.env...), extraEnv...)
	// A new session: no controlling terminal, whether or not `go test` runs in one. Terminal
	// tests get theirs from tmux.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if in != nil {
		cmd.Stdin = strings.NewReader(*in)
	}
	return collect(cmd)
}

// writeProgram writes an executable file through a child process, so that no descriptor open
// for writing it lives in this process: a process another test forked at that moment would
// hold it until it execs, and the file would be "text file busy" to exec meanwhile, also for
// mfacred running it.
func writeProgram(t *testing.T, path, content string) {
	t.Helper()
	cmd := exec.Command("sh", "-c", `cat > "$0" && chmod 700 "$0"`, path)
	cmd.Stdin = strings.NewReader(content)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("write %s: %v %s", path, err, out)
	}
}

// collect runs cmd and returns what it printed, its exit code and how long it took.
func collect(cmd *exec.Cmd) result {
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String(), err: err, took: time.Since(start)}
	if cmd.ProcessState != nil {
		r.code = cmd.ProcessState.ExitCode()
	}
	return r
}

func (w *world) mustRun(name string, args ...string) string {
	w.t.Helper()
	r := w.run(nil, nil, name, args...)
	if r.err != nil {
		w.t.Fatalf("%s %s: %v\nstdout: %s\nstderr: %s", name, strings.Join(args, " "), r.err, r.stdout, r.stderr)
	}
	return r.stdout
}

// isProgram reports whether b is an executable the tests built or copied (ELF for Linux, PE
// for Windows): the binaries linked or copied into the worlds' folders (a hostile pass alone
// links them into 22) are the build's output, not files mfacred writes, and were most of the
// bytes the scan read.
func isProgram(b []byte) bool {
	return bytes.HasPrefix(b, []byte("\x7fELF")) || bytes.HasPrefix(b, []byte("MZ"))
}

// scanForSecrets reads every file below root and reports those holding a secret.
func scanForSecrets() []string {
	var leaks []string
	// The release and install jobs' clones (release_test.go, install_test.go) are copies of the
	// repository, whose test files hold the fixtures' secrets on purpose; nothing mfacred
	// writes goes there.
	clones := []string{filepath.Join(root, "release"), filepath.Join(root, "install")}
	index := newSecretIndex(secrets)
	_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() && slices.Contains(clones, path) {
			return filepath.SkipDir
		}
		if err != nil || !d.Type().IsRegular() || filepath.Dir(path) == filepath.Dir(binary) {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil || isProgram(b) {
			return nil
		}
		if index.find(b) != "" {
			leaks = append(leaks, path)
		}
		return nil
	})
	return leaks
}
