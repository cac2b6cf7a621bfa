//go:build linux

// Command bench measures mfacred against baselines taken in the same run and prints medians
// and ratios:
//
//   - a warm `mfacred process` against the floor (a Go program that reads one keyring item of
//     the same size through the same backend) and a Go hello-world, and a warm `mfacred
//     export` against the warm process;
//   - `aws sts get-caller-identity` through mfacred against the same with the session's keys
//     in the environment;
//   - a warm fetch from `mfacred serve` (p50, p99) beside a warm `mfacred process`;
//   - warm profiles on an `aws login` session (a role, a bridge) against the floor;
//   - 64 parallel cold calls against a local STS that answers in 200 ms;
//   - peak RSS of a warm call, and what package init costs (GODEBUG=inittrace=1).
//
// It needs what the tests need (Debian packages dbus, gnome-keyring, awscli) and starts its own
// private Secret Service and local STS. Run it from the repository root:
//
//	go run ./bench [-n 200]
package main

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/credproc"
	"github.com/mfacred/mfacred/internal/testenv"
	"github.com/mfacred/mfacred/localsts"
)

func main() {
	n := flag.Int("n", 200, "runs of each fast command")
	nCLI := flag.Int("n-cli", 15, "runs of each AWS CLI command")
	flag.Parse()
	if err := run(*n, *nCLI); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// bench holds the run's directory, binaries and environment.
type bench struct {
	dir string
	env []string
	bin map[string]string
	sts *localsts.Server
}

func run(n, nCLI int) error {
	dir, err := os.MkdirTemp("", "mfacred-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	b := &bench{dir: dir, bin: map[string]string{}}
	// Built as install.sh builds mfacred, all alike.
	for _, name := range []string{"mfacred", "mfacred-core", "bench/floor", "bench/hello"} {
		b.bin[filepath.Base(name)] = filepath.Join(dir, "bin", filepath.Base(name))
		pkg := "./cmd/" + name
		if strings.HasPrefix(name, "bench/") {
			pkg = "./" + name
		}
		build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", b.bin[filepath.Base(name)], pkg)
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			return fmt.Errorf("build %s: %v\n%s", pkg, err, out)
		}
	}
	bus, stop, err := testenv.SecretService(dir)
	defer stop()
	if err != nil {
		return err
	}

	users := []localsts.User{newUser("alice", "AKIABENCH00000000001"), newUser("bob", "AKIABENCH00000000002")}
	b.sts = localsts.New(users...)
	defer b.sts.Close()
	home := filepath.Join(dir, "home")
	_ = os.MkdirAll(filepath.Join(home, ".aws"), 0o700)
	b.env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + home, "XDG_CACHE_HOME=" + filepath.Join(home, ".cache"),
		"DBUS_SESSION_BUS_ADDRESS=" + bus, "AWS_CONFIG_FILE=" + filepath.Join(home, ".aws", "config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, ".aws", "credentials"),
		"AWS_ENDPOINT_URL_STS=" + b.sts.URL, "AWS_REGION=us-east-1", "AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=",
	}
	var cfg strings.Builder
	for _, u := range users {
		fmt.Fprintf(&cfg, "[profile %s]\ncredential_process = %s process --profile %s\nmfa_serial = %s\nregion = us-east-1\n\n", u.Name, b.bin["mfacred"], u.Name, u.Devices[0].Serial)
	}
	if err := os.WriteFile(filepath.Join(home, ".aws", "config"), []byte(cfg.String()), 0o600); err != nil {
		return err
	}
	for _, u := range users {
		if _, err := b.cmd(nil, []string{"AWS_ACCESS_KEY_ID=" + u.AccessKeyID, "AWS_SECRET_ACCESS_KEY=" + u.SecretAccessKey}, "mfacred", "add", u.Name, "--env"); err != nil {
			return err
		}
		seed := u.Devices[0].Seed
		if _, err := b.cmd(&seed, nil, "mfacred", "totp", "set", "--profile", u.Name); err != nil {
			return err
		}
	}
	warm, err := b.cmd(nil, nil, "mfacred", "process", "--profile", "alice")
	if err != nil {
		return err
	}
	item := string(cache.SessionKey("alice", users[0].Devices[0].Serial))

	fmt.Printf("mfacred bench, %s, %s/%s, %d CPUs, Go %s; medians of %d runs (AWS CLI: %d)\n\n",
		time.Now().Format("2006-01-02"), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version(), n, nCLI)

	// Warm path, interleaved so that drift hits all four alike.
	times := b.interleave(n, [][]string{
		{"mfacred", "process", "--profile", "alice"},
		{"floor", cache.Service, item},
		{"hello"},
		{"mfacred", "export", "--profile", "alice", "--format", "env"},
	})
	mf, fl, he, ex := median(times[0]), median(times[1]), median(times[2]), median(times[3])
	fmt.Printf("warm mfacred process      %8s\n", ms(mf))
	fmt.Printf("floor (one keyring read)  %8s   item %d bytes\n", ms(fl), len(warm)-1)
	fmt.Printf("Go hello-world            %8s\n", ms(he))
	fmt.Printf("  mfacred / floor         %8.2fx   goal <= 1.25x (aws-vault export: 2.5x)\n", ratio(mf, fl))
	fmt.Printf("  mfacred / hello         %8.2fx\n", ratio(mf, he))
	fmt.Printf("warm mfacred export (env) %8s\n", ms(ex))
	fmt.Printf("  export / process        %8.2fx   goal <= 1.2x\n\n", ratio(ex, mf))
	if err := b.serverFetch(n, times[0]); err != nil {
		fmt.Printf("credentials server        not measured: %v\n\n", err)
	}

	if err := b.loginSession(n, users[0], item); err != nil {
		fmt.Printf("aws login session         not measured: %v\n\n", err)
	}

	// Headless Linux: the kernel keyring serves the hit, against a Go hello-world.
	if kern, err := b.kernelProfile(users[0]); err != nil {
		fmt.Printf("kernel keyring            not measured: %v\n\n", err)
	} else {
		defer b.cmd(nil, nil, "mfacred", "--keyring", "kernel", "clear", "--profile", kern)
		times := b.interleave(n, [][]string{{"mfacred", "--keyring", "kernel", "process", "--profile", kern}, {"hello"}})
		k, h := median(times[0]), median(times[1])
		fmt.Printf("warm process, kernel keyring %5s   Go hello-world %s\n", ms(k), ms(h))
		fmt.Printf("  mfacred / hello         %8.2fx   goal <= 2x\n\n", ratio(k, h))
	}

	// Peak RSS and init cost of a warm call.
	var rss int64
	for i := 0; i < 10; i++ {
		c := b.exec("mfacred", "process", "--profile", "alice")
		c.Stdout = nil
		if err := c.Run(); err != nil {
			return err
		}
		if ru, ok := c.ProcessState.SysUsage().(*syscall.Rusage); ok && int64(ru.Maxrss) > rss {
			rss = int64(ru.Maxrss)
		}
	}
	fmt.Printf("peak RSS of a warm call   %6.1f MB   goal <= 25 MB\n", float64(rss)/1024)
	initTotal, top := b.inittrace()
	fmt.Printf("package init of mfacred   %8s   heaviest: %s\n", ms(initTotal), top)
	coreInit, coreTop := b.inittraceOf("mfacred-core", "version")
	fmt.Printf("  (of mfacred-core        %8s   heaviest: %s)\n\n", ms(coreInit), coreTop)

	// Large configs, as SSO tooling writes them: the same warm call with generated profiles
	// appended, against the floor in the same run. (After the RSS measure: a child's peak RSS
	// counts the memory of this process, which the generated configs grow.)
	if err := b.largeConfigs(n, item); err != nil {
		return err
	}

	// The AWS CLI with mfacred against the same command with the keys in the environment.
	var creds credproc.Output
	if err := json.Unmarshal([]byte(warm), &creds); err != nil {
		return fmt.Errorf("mfacred process printed no credentials: %v", err)
	}
	cli := "/usr/bin/aws"
	if _, err := os.Stat(cli); err != nil {
		return fmt.Errorf("%s (AWS CLI v2, Debian package awscli) not installed", cli)
	}
	var withMF, static []time.Duration
	for i := 0; i < nCLI; i++ {
		for j, args := range [][]string{
			{"--profile", "alice"},
			nil,
		} {
			c := exec.Command(cli, append([]string{"sts", "get-caller-identity", "--endpoint-url", b.sts.URL}, args...)...)
			c.Env = b.env
			if args == nil {
				c.Env = append(append([]string{}, b.env...), "AWS_ACCESS_KEY_ID="+creds.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+creds.SecretAccessKey, "AWS_SESSION_TOKEN="+creds.SessionToken)
			}
			start := time.Now()
			if out, err := c.CombinedOutput(); err != nil {
				return fmt.Errorf("aws CLI: %v\n%s", err, out)
			}
			if j == 0 {
				withMF = append(withMF, time.Since(start))
			} else {
				static = append(static, time.Since(start))
			}
		}
	}
	fmt.Printf("aws sts get-caller-identity --profile (mfacred)  %8s\n", ms(median(withMF)))
	fmt.Printf("aws sts get-caller-identity (keys in env)        %8s\n", ms(median(static)))
	fmt.Printf("  ratio                   %8.3fx   goal <= 1.05x\n\n", ratio(median(withMF), median(static)))

	// The cold path's baseline: 64 parallel keyring reads.
	pstart := time.Now()
	var pwg sync.WaitGroup
	for i := 0; i < 64; i++ {
		pwg.Add(1)
		go func() { defer pwg.Done(); _ = b.exec("floor", cache.Service, item).Run() }()
	}
	pwg.Wait()
	fmt.Printf("64 parallel floor reads   %8s\n", ms(time.Since(pstart)))

	// Cold path: 64 parallel callers, STS answering in 200 ms.
	b.sts.SetDelay(200 * time.Millisecond)
	before := b.sts.Count("GetSessionToken")
	const callers = 64
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	start := time.Now()
	for i := 0; i < callers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := b.cmd(nil, nil, "mfacred", "process", "--profile", "bob"); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	wall := time.Since(start)
	close(errs)
	for err := range errs {
		return fmt.Errorf("cold call: %w", err)
	}
	fmt.Printf("64 parallel cold calls    %8s   GetSessionToken calls: %d (goal 1); STS 200 ms, so overhead %s (goal <= 500 ms)\n",
		ms(wall), b.sts.Count("GetSessionToken")-before, ms(wall-200*time.Millisecond))
	return nil
}

// loginSession measures profiles on an `aws login` session against the floor, interleaved:
// a warm role (the fast path, one keyring read) and a warm bridge (the fast path reading the
// token file, no keyring read, no refresh).
func (b *bench) loginSession(n int, u localsts.User, item string) error {
	const role = "arn:aws:iam::222222222222:role/BenchAdmin"
	b.sts.AddRole(localsts.Role{ARN: role})
	file, err := b.sts.Login(u.AccessKeyID, localsts.LoginOptions{})
	if err != nil {
		return err
	}
	sum := sha256.Sum256([]byte(u.ARN()))
	dir := filepath.Join(b.dir, "home", ".aws", "login", "cache")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, hex.EncodeToString(sum[:])+".json"), file, 0o600); err != nil {
		return err
	}
	cfgPath := filepath.Join(b.dir, "home", ".aws", "config")
	cfg, err := os.ReadFile(cfgPath)
	if err != nil {
		return err
	}
	cfg = append(cfg, fmt.Sprintf("[profile me]\nlogin_session = %s\nregion = us-east-1\n\n"+
		"[profile lbridge]\ncredential_process = %[2]s process --profile lbridge\nmfacred_source_profile = me\n\n"+
		"[profile lrole]\ncredential_process = %[2]s process --profile lrole\nmfacred_source_profile = me\nmfacred_role_arn = %[3]s\n\n",
		u.ARN(), b.bin["mfacred"], role)...)
	if err := os.WriteFile(cfgPath, cfg, 0o600); err != nil {
		return err
	}
	for _, p := range []string{"lbridge", "lrole"} {
		if _, err := b.cmd(nil, nil, "mfacred", "process", "--profile", p); err != nil {
			return err
		}
	}
	times := b.interleave(n, [][]string{
		{"mfacred", "process", "--profile", "lrole"},
		{"mfacred", "process", "--profile", "lbridge"},
		{"floor", cache.Service, item},
	})
	r, br, fl := median(times[0]), median(times[1]), median(times[2])
	fmt.Printf("aws login role, warm      %8s   (fast path)\n", ms(r))
	fmt.Printf("aws login bridge, warm    %8s   (the fast path reads the token file)\n", ms(br))
	fmt.Printf("  role / floor            %8.2fx\n", ratio(r, fl))
	fmt.Printf("  bridge / floor          %8.2fx   refreshes: %d (goal 0)\n\n", ratio(br, fl), b.sts.Refreshes())
	return nil
}

// ssoProfiles is n generated profiles as SSO tooling writes them.
func ssoProfiles(n int) string {
	var s strings.Builder
	s.WriteString("[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&s, "[profile team-%05d]\nsso_session = corp\nsso_account_id = %012d\nsso_role_name = Developer\nregion = us-east-1\n\n", i, 100000000000+i)
	}
	return s.String()
}

// largeConfigs measures a warm call with 5,000 and 50,000 generated profiles appended to the
// config, and status and doctor over 5,000; then puts the config back.
func (b *bench) largeConfigs(n int, item string) error {
	path := filepath.Join(b.dir, "home", ".aws", "config")
	before, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	config := string(before)
	defer os.WriteFile(path, before, 0o600)
	for _, c := range []struct {
		profiles int
		goal     string
	}{{5000, "<= 1.25x"}, {50000, "<= 2x"}} {
		extra := ssoProfiles(c.profiles)
		if err := os.WriteFile(path, []byte(config+extra), 0o600); err != nil {
			return err
		}
		times := b.interleave(n, [][]string{{"mfacred", "process", "--profile", "alice"}, {"floor", cache.Service, item}})
		mf, fl := median(times[0]), median(times[1])
		fmt.Printf("warm process, %6d extra profiles (%4d KB) %8s   floor %s\n", c.profiles, len(extra)>>10, ms(mf), ms(fl))
		fmt.Printf("  mfacred / floor         %8.2fx   goal %s\n", ratio(mf, fl), c.goal)
		if c.profiles != 5000 {
			continue
		}
		for _, args := range [][]string{{"status"}, {"doctor", "--profile", "alice"}, {"clear", "--profile", "bob"}} {
			var d []time.Duration
			for i := 0; i < 3; i++ {
				cmd := b.exec("mfacred", args...)
				start := time.Now()
				_ = cmd.Run() // doctor reports problems of the generated profiles with a non-zero exit
				d = append(d, time.Since(start))
			}
			fmt.Printf("  %-22s %9s   goal < 1 s\n", strings.Join(args, " "), ms(median(d)))
		}
	}
	fmt.Println()
	return nil
}

// kernelProfile sets up a profile served from the kernel keyring: keys from the credentials
// file, codes from mfa_process (oathtool), a device unique to this run; and warms it.
func (b *bench) kernelProfile(u localsts.User) (string, error) {
	if _, err := exec.LookPath("oathtool"); err != nil {
		return "", fmt.Errorf("oathtool (Debian package oathtool) not installed")
	}
	serial := fmt.Sprintf("%s-bench-%d", u.Devices[0].Serial, time.Now().UnixNano())
	b.sts.SetDevices(u.AccessKeyID, u.Devices[0], localsts.Device{Serial: serial, Seed: u.Devices[0].Seed})
	home := filepath.Join(b.dir, "home", ".aws")
	creds := fmt.Sprintf("[carol-keys]\naws_access_key_id = %s\naws_secret_access_key = %s\n", u.AccessKeyID, u.SecretAccessKey)
	if err := os.WriteFile(filepath.Join(home, "credentials"), []byte(creds), 0o600); err != nil {
		return "", err
	}
	f, err := os.OpenFile(filepath.Join(home, "config"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return "", err
	}
	fmt.Fprintf(f, "[profile carol]\nmfacred_source_profile = carol-keys\nmfa_serial = %s\nmfa_process = oathtool --totp -b \"$BENCH_SEED\"\nregion = us-east-1\n", serial)
	f.Close()
	b.env = append(b.env, "BENCH_SEED="+u.Devices[0].Seed)
	_, err = b.cmd(nil, nil, "mfacred", "--keyring", "kernel", "process", "--profile", "carol")
	return "carol", err
}

func newUser(name, keyID string) localsts.User {
	seed := make([]byte, 20)
	_, _ = rand.Read(seed)
	secret := make([]byte, 30)
	_, _ = rand.Read(secret)
	return localsts.User{
		Name: name, Account: "123456789012", AccessKeyID: keyID,
		SecretAccessKey: base32.StdEncoding.EncodeToString(secret)[:40],
		Devices:         []localsts.Device{{Serial: "arn:aws:iam::123456789012:mfa/phone-" + name, Seed: base32.StdEncoding.EncodeToString(seed)}},
	}
}

func (b *bench) exec(name string, args ...string) *exec.Cmd {
	c := exec.Command(b.bin[name], args...)
	c.Env = b.env
	return c
}

// cmd runs one of the built programs and returns its stdout.
func (b *bench) cmd(stdin *string, extraEnv []string, name string, args ...string) (string, error) {
	c := b.exec(name, args...)
	c.Env = append(append([]string{}, b.env...), extraEnv...)
	if stdin != nil {
		c.Stdin = strings.NewReader(*stdin)
	}
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	if err := c.Run(); err != nil {
		return "", fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, errb.String())
	}
	return out.String(), nil
}

// interleave runs each command n times, round-robin, and returns the wall times per command.
func (b *bench) interleave(n int, cmds [][]string) [][]time.Duration {
	out := make([][]time.Duration, len(cmds))
	for i := 0; i < n+5; i++ {
		for j, c := range cmds {
			cmd := b.exec(c[0], c[1:]...)
			start := time.Now()
			if err := cmd.Run(); err != nil {
				fmt.Fprintf(os.Stderr, "bench: %s: %v\n", c[0], err)
				os.Exit(1)
			}
			if i >= 5 { // the first runs warm the page cache
				out[j] = append(out[j], time.Since(start))
			}
		}
	}
	return out
}

// inittrace sums the package init times of a warm call and names the heaviest three.
func (b *bench) inittrace() (time.Duration, string) {
	return b.inittraceOf("mfacred", "process", "--profile", "alice")
}

func (b *bench) inittraceOf(name string, args ...string) (time.Duration, string) {
	c := b.exec(name, args...)
	c.Env = append(c.Env, "GODEBUG=inittrace=1")
	var errb bytes.Buffer
	c.Stderr = &errb
	_ = c.Run()
	type pkg struct {
		name string
		d    time.Duration
	}
	var pkgs []pkg
	var total time.Duration
	for _, line := range strings.Split(errb.String(), "\n") {
		f := strings.Fields(line)
		// init PACKAGE @T ms, D ms clock, ...
		if len(f) >= 7 && f[0] == "init" && f[6] == "clock," {
			d, err := time.ParseDuration(f[4] + "ms")
			if err == nil {
				pkgs = append(pkgs, pkg{f[1], d})
				total += d
			}
		}
	}
	sort.Slice(pkgs, func(i, j int) bool { return pkgs[i].d > pkgs[j].d })
	var top []string
	for i := 0; i < len(pkgs) && i < 3; i++ {
		top = append(top, fmt.Sprintf("%s %s", pkgs[i].name, ms(pkgs[i].d)))
	}
	return total, strings.Join(top, ", ")
}

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func ratio(a, b time.Duration) float64 { return float64(a) / float64(b) }

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }
