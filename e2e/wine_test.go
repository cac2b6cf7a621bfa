//go:build linux

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mfacred/mfacred/localsts"
)

// The Windows lane: mfacred.exe and mfacred-core.exe under Wine (Debian package wine64), in a
// Wine prefix of each test's own made by internal/winshim/prefix.sh, against the local STS on
// the Linux side, called by internal/winclient: the AWS SDK for Go v2 built for Windows, which
// runs credential_process through cmd.exe as on Windows. What Wine cannot show is listed in
// docs/windows.md.

// wine64 is Debian's 64-bit Wine loader (package wine64).
const wine64 = "/usr/lib/wine/wine64"

var winBuild struct {
	once sync.Once
	dir  string // holds mfacred.exe, mfacred-core.exe, winclient.exe, vaultwriter.exe
	// code holds winclient.exe again, for mfa_process: its name has a blank, which the
	// mfa_process line quotes. (The credential_process line cannot be quoted for the Go SDK on
	// Windows, README "Setup"; dir has no blank.)
	code string
	err  error
}

// winBinaries builds the Windows programs once per run.
func winBinaries(t *testing.T) string {
	t.Helper()
	winBuild.once.Do(func() {
		winBuild.dir, winBuild.code = filepath.Join(root, "winbin"), filepath.Join(root, "win code")
		// With the Windows lane's overlay of Go's library (internal/winshim/overlay.sh: a shim
		// for Wine that changes nothing on Windows), so that the lane reuses this compile.
		overlay, err := exec.Command("../internal/winshim/overlay.sh", filepath.Join(root, "win-overlay")).Output()
		if err != nil {
			winBuild.err = fmt.Errorf("internal/winshim/overlay.sh: %v", err)
			return
		}
		cmd := exec.Command("go", "build", "-overlay", strings.TrimSpace(string(overlay)), "-o", winBuild.dir+"/", "../cmd/mfacred", "../cmd/mfacred-core", "../internal/winclient", "../internal/vaultwriter")
		cmd.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			winBuild.err = fmt.Errorf("build for windows: %v\n%s", err, out)
			return
		}
		b, err := os.ReadFile(filepath.Join(winBuild.dir, "winclient.exe"))
		if err == nil {
			err = os.MkdirAll(winBuild.code, 0o755)
		}
		if err == nil {
			err = os.WriteFile(filepath.Join(winBuild.code, "winclient.exe"), b, 0o755)
		}
		winBuild.err = err
	})
	if winBuild.err != nil {
		t.Fatal(winBuild.err)
	}
	return winBuild.dir
}

// winPath is how a Windows program under Wine names a Linux path: drive Z: is /.
func winPath(p string) string { return `Z:` + strings.ReplaceAll(p, "/", `\`) }

// winWorld is a world whose programs are the Windows ones, run under Wine.
type winWorld struct {
	*world
	bin    string   // the Windows programs
	prefix string   // the test's own Wine prefix
	wenv   []string // the environment of every Windows program
}

func newWinWorld(t *testing.T) *winWorld {
	t.Helper()
	_, err := os.Stat(wine64)
	need(t, "Wine (Debian package wine64)", err)
	_, err = exec.LookPath("x86_64-w64-mingw32-gcc")
	need(t, "mingw-w64 (Debian package gcc-mingw-w64-x86-64-win32)", err)
	w := newWorld(t)
	ww := &winWorld{world: w, bin: winBinaries(t), prefix: filepath.Join(w.dir, "wine")}
	if out, err := exec.Command("../internal/winshim/prefix.sh", ww.prefix).CombinedOutput(); err != nil {
		t.Fatalf("make a Wine prefix: %v\n%s", err, out)
	}
	home := filepath.Join(w.dir, "home")
	ww.wenv = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"WINEPREFIX=" + ww.prefix,
		"WINEDEBUG=-all",
		"WINEDLLOVERRIDES=mscoree,mshtml=;winemenubuilder.exe=d",
		"AWS_CONFIG_FILE=" + winPath(w.configPath()),
		"AWS_SHARED_CREDENTIALS_FILE=" + winPath(filepath.Join(home, ".aws", "credentials")),
		"AWS_ENDPOINT_URL_STS=" + w.sts.URL,
		"AWS_ENDPOINT_URL_IAM=" + w.sts.URL,
		"AWS_REGION=us-east-1",
		"AWS_EC2_METADATA_DISABLED=true",
		"MFACRED_TEST_SEED=" + w.seed,
	}
	// One wineserver for the test, kept up between programs (each would otherwise start
	// Wine's services anew, seconds each), ended with every process of the prefix.
	server := exec.Command(filepath.Join(filepath.Dir(wine64), "wineserver64"), "-p", "-f")
	server.Env = ww.wenv
	if err := server.Start(); err != nil {
		t.Fatalf("start wineserver: %v", err)
	}
	// Wine's services start with the first program and keep its output open: started here,
	// with no output, they never hold a test's.
	boot := exec.Command(wine64, "cmd", "/c", "exit")
	boot.Env = ww.wenv
	bootErr := boot.Run()
	t.Cleanup(func() {
		kill := exec.Command(filepath.Join(filepath.Dir(wine64), "wineserver64"), "-k")
		kill.Env = ww.wenv
		_ = kill.Run()
		_ = server.Process.Kill()
		_ = server.Wait()
		ww.scanPrefix()
		// 700 MB, mostly hard links to the prefix template: not for the secret scan of root.
		os.RemoveAll(ww.prefix)
	})
	if bootErr != nil {
		t.Fatalf("start Wine: %v", bootErr)
	}
	return ww
}

// scanPrefix fails the test if a secret of its STS is in a file of the prefix that Wine
// writes: the registry (the Credential Manager's items are in user.reg) and the users' folders.
func (ww *winWorld) scanPrefix() {
	secrets := ww.sts.Secrets()
	var files []string
	for _, f := range []string{"system.reg", "user.reg", "userdef.reg"} {
		files = append(files, filepath.Join(ww.prefix, f))
	}
	_ = filepath.WalkDir(filepath.Join(ww.prefix, "drive_c", "users"), func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			files = append(files, p)
		}
		return nil
	})
	index := newSecretIndex(secrets)
	for _, f := range files {
		if b, _ := os.ReadFile(f); index.find(b) != "" {
			ww.t.Errorf("a secret is in plain text in %s", f)
		}
	}
}

// win runs a Windows program of the lane (mfacred.exe, winclient.exe) or of Wine's own (reg)
// under Wine.
func (ww *winWorld) win(extraEnv []string, exe string, args ...string) result {
	ww.t.Helper()
	return collect(ww.winCmd(extraEnv, exe, args...))
}

func (ww *winWorld) winCmd(extraEnv []string, exe string, args ...string) *exec.Cmd {
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	ww.t.Cleanup(cancel)
	prog := exe // a program of Wine's own, such as reg
	if filepath.Ext(exe) == ".exe" {
		prog = filepath.Join(ww.bin, exe)
	}
	cmd := exec.CommandContext(ctx, wine64, append([]string{prog}, args...)...)
	cmd.Env = append(append([]string{}, ww.wenv...), extraEnv...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	return cmd
}

func (ww *winWorld) mustWin(extraEnv []string, exe string, args ...string) string {
	ww.t.Helper()
	r := ww.win(extraEnv, exe, args...)
	if r.err != nil {
		ww.t.Fatalf("%s %s: %v\nstdout: %s\nstderr: %s", exe, strings.Join(args, " "), r.err, r.stdout, r.stderr)
	}
	return r.stdout
}

type identityOut struct{ ARN, Key string }

// identity is what the Windows SDK caller resolves for profile and STS says of it.
func (ww *winWorld) identity(profile string) identityOut {
	ww.t.Helper()
	id, err := ww.tryIdentity(profile)
	if err != nil {
		ww.t.Fatal(err)
	}
	return id
}

func (ww *winWorld) tryIdentity(profile string) (identityOut, error) {
	var id identityOut
	r := ww.win([]string{"AWS_PROFILE=" + profile}, "winclient.exe", "identity")
	if r.err != nil {
		return id, fmt.Errorf("winclient identity --profile %s: %v\n%s", profile, r.err, r.stderr)
	}
	if err := json.Unmarshal([]byte(r.stdout), &id); err != nil {
		return id, fmt.Errorf("winclient identity: %v: %q", err, r.stdout)
	}
	return id, nil
}

// mfaProcess is an mfa_process line for cmd.exe: the code printer's path has a blank, so the
// line's double quotes must reach cmd.exe as written.
func (ww *winWorld) mfaProcess() string {
	return `mfa_process = "` + winPath(filepath.Join(winBuild.code, "winclient.exe")) + `" code`
}

// setup writes, on Windows, the credential_process line that the AWS SDK then runs through
// cmd.exe: the first call takes a code from mfa_process (run through cmd.exe too), parallel
// callers share one STS call, later calls are served from the Credential Manager, status lists
// the session and clear removes it.
func TestWineSetupLineRunByWindowsSDK(t *testing.T) {
	t.Parallel()
	ww := newWinWorld(t)
	p := ww.profile
	if err := os.WriteFile(ww.configPath(), []byte(fmt.Sprintf("[profile %s]\n%s\nregion = us-east-1\n", p, ww.mfaProcess())), 0o600); err != nil {
		t.Fatal(err)
	}
	keys := []string{"AWS_ACCESS_KEY_ID=" + ww.user.AccessKeyID, "AWS_SECRET_ACCESS_KEY=" + ww.user.SecretAccessKey}
	r := ww.win(keys, "mfacred.exe", "setup", "--profile", p, "--env", "--mfa-serial", ww.serial)
	if r.code != 0 || !strings.HasPrefix(r.stdout, "profile "+p+" works: arn:aws:iam::123456789012:user/alice") {
		t.Fatalf("setup: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	line := `credential_process = ` + winPath(filepath.Join(ww.bin, "mfacred.exe")) + ` process --profile ` + p + "\n"
	if cfg := ww.readFile(ww.configPath()); !strings.Contains(cfg, line) || !strings.Contains(cfg, "mfa_serial = "+ww.serial+"\n") {
		t.Fatalf("setup wrote:\n%s\nwant the line %q", cfg, line)
	}
	ww.wantCalls("setup", "GetSessionToken=1 AssumeRole=0")

	// Cold: four callers at once, one code, one STS call, one session for all.
	if st := ww.mustWin(nil, "mfacred.exe", "status"); !strings.Contains(st, ww.serial) {
		t.Fatalf("status does not list the session setup cached:\n%s", st)
	}
	ww.mustWin(nil, "mfacred.exe", "clear")
	if st := ww.mustWin(nil, "mfacred.exe", "status"); strings.Contains(st, ww.serial) {
		t.Fatalf("status after clear still lists the session:\n%s", st)
	}
	ids := make([]identityOut, 4)
	errs := make([]error, 4)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Add(1)
		go func() { defer wg.Done(); ids[i], errs[i] = ww.tryIdentity(p) }()
	}
	wg.Wait()
	for i, id := range ids {
		if errs[i] != nil {
			t.Fatalf("caller %d: %v", i, errs[i])
		}
		if id.ARN != "arn:aws:iam::123456789012:user/alice" || id.Key != ids[0].Key || !strings.HasPrefix(id.Key, "ASIA") {
			t.Fatalf("caller %d: %+v, caller 0: %+v", i, id, ids[0])
		}
	}
	ww.wantCalls("four cold callers", "GetSessionToken=2 AssumeRole=0")
	if codes := ww.sts.Codes("GetSessionToken"); len(codes) != 2 || codes[0] == codes[1] {
		t.Fatalf("codes sent: %q, want two different ones", codes)
	}

	// Warm: served from the Credential Manager.
	if id := ww.identity(p); id.Key != ids[0].Key {
		t.Fatalf("warm call got %s, want the cached %s", id.Key, ids[0].Key)
	}
	ww.wantCalls("warm call", "GetSessionToken=2 AssumeRole=0")
	if st := ww.mustWin(nil, "mfacred.exe", "status"); !strings.Contains(st, ww.serial) {
		t.Fatalf("status does not list the session:\n%s", st)
	}
}

// A role whose session token (with AWS's session tags and policies) passes the Credential
// Manager's 2560-byte item limit: stored in parts, served whole, listed and cleared.
func TestWineRoleItemPastLimit(t *testing.T) {
	t.Parallel()
	ww := newWinWorld(t)
	const role = "arn:aws:iam::222222222222:role/Admin"
	ww.sts.AddRole(localsts.Role{ARN: role, RequireMFA: true, TokenBytes: 2000})
	p := ww.profile
	prod := p + "-prod"
	cp := func(name string) string {
		return `credential_process = ` + winPath(filepath.Join(ww.bin, "mfacred.exe")) + ` process --profile ` + name
	}
	cfg := fmt.Sprintf("[profile %s]\n%s\nmfa_serial = %s\n%s\n\n[profile %s]\n%s\nmfacred_source_profile = %s\nmfacred_role_arn = %s\n",
		p, cp(p), ww.serial, ww.mfaProcess(), prod, cp(prod), p, role)
	if err := os.WriteFile(ww.configPath(), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	ww.mustWin([]string{"AWS_ACCESS_KEY_ID=" + ww.user.AccessKeyID, "AWS_SECRET_ACCESS_KEY=" + ww.user.SecretAccessKey}, "mfacred.exe", "add", p, "--env")

	first := ww.identity(prod)
	if first.ARN != "arn:aws:sts::222222222222:assumed-role/Admin/alice" {
		t.Fatalf("role profile is %s", first.ARN)
	}
	ww.wantCalls("cold role", "GetSessionToken=1 AssumeRole=1")
	if again := ww.identity(prod); again.Key != first.Key {
		t.Fatalf("second call got %s, want the cached %s", again.Key, first.Key)
	}
	ww.wantCalls("warm role", "GetSessionToken=1 AssumeRole=1")
	if n := ww.credentialItems(); n < 4 {
		// The key, the MFA session, the record and a role item in two parts or more.
		t.Fatalf("the Credential Manager holds %d mfacred items, want the role's in parts", n)
	}
	st := ww.mustWin(nil, "mfacred.exe", "status")
	if !strings.Contains(st, role) {
		t.Fatalf("status does not list the role session:\n%s", st)
	}
	ww.mustWin(nil, "mfacred.exe", "clear")
	if st := ww.mustWin(nil, "mfacred.exe", "status"); strings.Contains(st, role) {
		t.Fatalf("status after clear still lists the role:\n%s", st)
	}
	if again := ww.identity(prod); again.Key == first.Key {
		t.Fatal("after clear the role session was still served")
	}
	ww.wantCalls("after clear", "GetSessionToken=2 AssumeRole=2")
}

// credentialItems counts the Credential Manager's mfacred items, as Wine keeps them: one
// registry key each below Software\Wine\Credential Manager in user.reg, named by target.
func (ww *winWorld) credentialItems() int {
	ww.t.Helper()
	out := ww.mustWin(nil, "reg", "query", `HKCU\Software\Wine\Credential Manager`)
	n := 0
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, `\Credential Manager\`) && strings.Contains(l, "mfacred") {
			n++
		}
	}
	return n
}

// exec runs COMMAND in a job object: killing mfacred ends COMMAND and the process it started.
func TestWineExecJobEndsTree(t *testing.T) {
	t.Parallel()
	ww := newWinWorld(t)
	ww.writeWinConfig()
	beat := filepath.Join(ww.dir, "beat")
	cmd := ww.winCmd(nil, "mfacred.exe", "exec", "--profile", ww.profile, "--", winPath(filepath.Join(ww.bin, "winclient.exe")), "tree", winPath(beat))
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	beating := func() bool {
		a, _ := os.ReadFile(beat)
		time.Sleep(time.Second)
		b, _ := os.ReadFile(beat)
		return len(b) > 0 && !bytes.Equal(a, b)
	}
	deadline := time.Now().Add(60 * time.Second)
	for !beating() {
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Fatalf("the grandchild never beat\n%s", errb.String())
		}
	}
	// mfacred.exe is this Linux process (Wine runs a Windows process as one): killed outright,
	// as the Go SDK kills a credential_process it gave up on.
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	time.Sleep(2 * time.Second) // for wineserver to close the dead process's job
	if beating() {
		t.Fatalf("the grandchild still runs after mfacred was killed")
	}
	if left := ww.winProcesses("winclient.exe", "mfacred-core.exe"); len(left) > 0 {
		t.Fatalf("processes left: %v", left)
	}
	ww.wantCalls("exec", "GetSessionToken=1 AssumeRole=0")
}

// writeWinConfig writes a profile with the Windows credential_process and mfa_process lines
// and stores the user's keys.
func (ww *winWorld) writeWinConfig() {
	ww.t.Helper()
	cfg := fmt.Sprintf("[profile %s]\ncredential_process = %s process --profile %s\nmfa_serial = %s\n%s\nregion = us-east-1\n",
		ww.profile, winPath(filepath.Join(ww.bin, "mfacred.exe")), ww.profile, ww.serial, ww.mfaProcess())
	if err := os.WriteFile(ww.configPath(), []byte(cfg), 0o600); err != nil {
		ww.t.Fatal(err)
	}
	ww.mustWin([]string{"AWS_ACCESS_KEY_ID=" + ww.user.AccessKeyID, "AWS_SECRET_ACCESS_KEY=" + ww.user.SecretAccessKey}, "mfacred.exe", "add", ww.profile, "--env")
}

// winProcesses lists the Linux pids of the prefix's Windows processes running one of exes.
func (ww *winWorld) winProcesses(exes ...string) []string {
	var found []string
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		env, _ := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
		if !bytes.Contains(env, []byte("WINEPREFIX="+ww.prefix+"\x00")) {
			continue
		}
		cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		for _, exe := range exes {
			if bytes.Contains(cmdline, []byte(exe)) {
				found = append(found, fmt.Sprintf("%d %s", pid, bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '})))
			}
		}
	}
	return found
}

// tmuxWin runs a shell script, with the Windows programs' environment, in a tmux terminal:
// Wine then gives the Windows programs a console on that terminal.
func (ww *winWorld) tmuxWin(script string) *tmuxSession {
	ww.t.Helper()
	return tmuxRun(ww.t, filepath.Join(ww.dir, "run-win.sh"), ww.wenv, "", script)
}

// The prompt on the Wine console: the Windows SDK runs credential_process through cmd.exe;
// mfacred asks on CONOUT$ and reads the code from CONIN$, typed into the terminal; a second
// call, at the prompt, is ended by Ctrl-C (the terminal's SIGINT, which Wine turns into a
// console Ctrl-C event), and no code is sent.
func TestWineConsolePrompt(t *testing.T) {
	t.Parallel()
	ww := newWinWorld(t)
	cfg := fmt.Sprintf("[profile %s]\ncredential_process = %s process --profile %s\nmfa_serial = %s\nregion = us-east-1\n",
		ww.profile, winPath(filepath.Join(ww.bin, "mfacred.exe")), ww.profile, ww.serial)
	if err := os.WriteFile(ww.configPath(), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	ww.mustWin([]string{"AWS_ACCESS_KEY_ID=" + ww.user.AccessKeyID, "AWS_SECRET_ACCESS_KEY=" + ww.user.SecretAccessKey}, "mfacred.exe", "add", ww.profile, "--env")
	client := filepath.Join(ww.bin, "winclient.exe")
	tm := ww.tmuxWin(fmt.Sprintf("trap true INT\nAWS_PROFILE=%s %s %s identity\necho EXIT1=$?\n%s %s clear\nAWS_PROFILE=%s %s %s identity\necho EXIT2=$?",
		ww.profile, wine64, client, wine64, filepath.Join(ww.bin, "mfacred.exe"), ww.profile, wine64, client))
	prompt := fmt.Sprintf("MFA code for profile %s (device %s):", ww.profile, ww.serial)
	tm.waitFor(prompt, 60*time.Second)
	tm.typeLine(localsts.Code(ww.seed, time.Now()))
	screen := tm.waitFor("EXIT1=", 60*time.Second)
	if !strings.Contains(screen, "EXIT1=0") || !strings.Contains(screen, ww.user.ARN()) {
		t.Fatalf("the Windows caller did not complete with the typed code:\n%s", screen)
	}
	ww.wantCalls("typed code", "GetSessionToken=1 AssumeRole=0")

	// The second prompt (after clear): Ctrl-C.
	deadline := time.Now().Add(60 * time.Second)
	for strings.Count(tm.screen(), prompt) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("no second prompt:\n%s", tm.screen())
		}
		time.Sleep(100 * time.Millisecond)
	}
	at := time.Now()
	_ = exec.Command("tmux", "-L", tm.socket, "send-keys", "C-c").Run()
	screen = tm.waitFor("EXIT2=", 30*time.Second)
	took := time.Since(at)
	if strings.Contains(screen, "EXIT2=0") || took > 5*time.Second {
		t.Fatalf("Ctrl-C at the prompt: after %v:\n%s", took, screen)
	}
	// Every process of the console has the Ctrl-C, the SDK caller too: mfacred ends on its own
	// within the same bound (the caller may be gone a moment before it, so it is polled).
	for left := ww.winProcesses("mfacred.exe", "mfacred-core.exe"); len(left) > 0; left = ww.winProcesses("mfacred.exe", "mfacred-core.exe") {
		if time.Since(at) > 5*time.Second {
			t.Fatalf("mfacred still runs %v after Ctrl-C: %v", time.Since(at).Round(time.Millisecond), left)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("Ctrl-C ended the call in %v (mfacred gone after %v):\n%s", took.Round(time.Millisecond), time.Since(at).Round(time.Millisecond), screen)
	ww.wantCalls("Ctrl-C", "GetSessionToken=1 AssumeRole=0")
}

// exec with no command runs %ComSpec% (cmd.exe) with the session in its environment.
func TestWineExecRunsComSpec(t *testing.T) {
	t.Parallel()
	ww := newWinWorld(t)
	ww.writeWinConfig()
	cmd := ww.winCmd(nil, "mfacred.exe", "exec", "--profile", ww.profile)
	cmd.Stdin = strings.NewReader("echo KEY=%AWS_ACCESS_KEY_ID% SHELL=%ComSpec%\r\nexit\r\n")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("exec: %v\n%s%s", err, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "KEY=ASIA") || !strings.Contains(strings.ToLower(out.String()), `shell=c:\windows\system32\cmd.exe`) {
		t.Fatalf("cmd.exe under exec printed:\n%s\n%s", out.String(), errb.String())
	}
	ww.wantCalls("exec", "GetSessionToken=1 AssumeRole=0")
}
