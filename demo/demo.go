// Package demo shows mfacred's whole flow against a local STS (package localsts, in this
// process): no AWS account is needed and nothing is left behind. Run makes a temporary folder
// and a keyring namespace of its own, removes what earlier demos that no longer run left there
// (a demo killed with SIGKILL runs no cleanup), runs the real mfacred binary step by step, and
// removes both at the end, after Ctrl-C too.
package demo

import (
	"bytes"
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/mfacred/mfacred/cache"
	"github.com/mfacred/mfacred/internal/cmdline"
	"github.com/mfacred/mfacred/keyring"
	"github.com/mfacred/mfacred/localsts"
)

// demoPolicy is a self-manage-MFA policy of the single-device era (a copy of
// iampolicy/testdata/single-device-era.json; a test keeps them equal).
//
//go:embed demo-policy.json
var demoPolicy []byte

const (
	demoAccount     = "111111111111"
	demoRoleAccount = "222222222222"
	demoUser        = "alice"
)

const (
	// cleanupBound is how long the demo may spend removing what it made, after Ctrl-C too
	// (a second Ctrl-C ends it at once).
	cleanupBound = 3 * time.Second
	// childWaitDelay is how long a child the demo started may hold its output open once it
	// was killed (at Ctrl-C) before the demo stops waiting for it.
	childWaitDelay = 500 * time.Millisecond
)

type demo struct {
	out   io.Writer
	front string // the mfacred binary
	dir   string
	env   []string
	sts   *localsts.Server
	user  localsts.User
	step  int
}

// Options are what a demo runs with.
type Options struct {
	Out io.Writer
	// Keyring is the keyring the demo's mfacred uses (and the demo cleans up).
	Keyring keyring.Keyring
	// Front is the mfacred binary that the demo's profiles name in credential_process.
	Front string
	// Interactive: the person types the first code; else mfa_process gives it.
	Interactive bool
}

// CodeOf is the current code of the demo device name: the demo's mfa_process, which finds the
// seed in the environment the demo gave it.
func CodeOf(name string) (string, error) {
	seed := os.Getenv("MFACRED_DEMO_SEED_" + strings.ToUpper(name))
	if seed == "" {
		return "", fmt.Errorf("--code-of %s: no seed in MFACRED_DEMO_SEED_%s: only the demo's mfa_process uses this", name, strings.ToUpper(name))
	}
	return localsts.Code(seed, time.Now()), nil
}

// Run runs the demo and removes what it made, whatever happened, within cleanupBound.
func Run(ctx context.Context, o Options) error {
	removeLeftovers(ctx, o.Out)
	ns := "demo-" + randomHex(4)
	store, err := cache.ForNamespace(o.Keyring, ns)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "mfacred-demo-")
	if err != nil {
		return fmt.Errorf("make demo folder: %w", err)
	}
	owner, err := own(dir, ns, o.Keyring)
	if err != nil {
		os.RemoveAll(dir)
		return err
	}
	defer owner.Close()
	cacheDir, _ := os.UserCacheDir()
	_, cacheDirErr := os.Stat(cacheDir)

	d := &demo{out: o.Out, front: o.Front, dir: dir}
	d.user = localsts.User{
		Name: demoUser, Account: demoAccount,
		AccessKeyID:     "AKIA" + strings.ToUpper(randomHex(8)),
		SecretAccessKey: randomHex(20),
		Devices: []localsts.Device{
			{Serial: "arn:aws:iam::" + demoAccount + ":mfa/phone", Seed: randomSeed()},
			{Serial: "arn:aws:iam::" + demoAccount + ":mfa/backup", Seed: randomSeed()},
		},
	}
	d.sts, err = localsts.Start(d.user)
	if err != nil {
		os.RemoveAll(dir)
		return err
	}
	d.sts.AddRole(localsts.Role{ARN: "arn:aws:iam::" + demoRoleAccount + ":role/Admin", RequireMFA: true})

	runErr := d.run(ctx, o.Interactive, ns, store.Keyring, store.SessionsOnly(ctx))
	d.sts.Close()
	owner.Close() // first: Windows removes no file that is open
	if left := cleanUp(ctx, store, dir); len(left) > 0 {
		return fmt.Errorf("clean up the demo: remove these by hand: %s", strings.Join(left, "; "))
	}
	if cacheDirErr != nil {
		_ = os.Remove(cacheDir) // made for the lock dir; only if empty
	}
	if runErr != nil {
		return runErr
	}
	fmt.Fprintf(d.out, "\nDone: the keyring namespace mfacred-%s and %s are removed; nothing else was written.\n", ns, dir)
	return nil
}

// cleanUp removes a demo's keyring items, folder and lock folder, even after Ctrl-C, within
// cleanupBound, and names what it could not remove: a keyring that does not answer in time is
// named for the person to clear.
func cleanUp(ctx context.Context, store *cache.Store, dir string) (left []string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupBound)
	defer cancel()
	if err := store.Purge(ctx, cache.KeysKey("demo")); err != nil {
		left = append(left, fmt.Sprintf("keyring items under the service %s (%v)", store.Service, err))
	}
	if err := os.RemoveAll(dir); err != nil {
		left = append(left, dir)
	}
	if err := os.RemoveAll(store.LockDir); err != nil {
		left = append(left, store.LockDir)
	}
	return left
}

func (d *demo) run(ctx context.Context, interactive bool, ns string, kr keyring.Keyring, sessionsOnly bool) error {
	if err := d.setUp(ctx, interactive, ns, kr, sessionsOnly); err != nil {
		return err
	}
	if err := d.calls(ctx, interactive); err != nil {
		return err
	}
	return d.findings(ctx)
}

// setUp writes the demo's AWS files and stores the IAM user's keys, as a user would.
func (d *demo) setUp(ctx context.Context, interactive bool, ns string, kr keyring.Keyring, sessionsOnly bool) error {
	phone, backup := d.user.Devices[0], d.user.Devices[1]
	config := filepath.Join(d.dir, "config")
	d.env = childEnv(os.Environ(),
		"AWS_CONFIG_FILE="+config,
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(d.dir, "credentials"),
		"AWS_ENDPOINT_URL_STS="+d.sts.URL,
		"AWS_ENDPOINT_URL_IAM="+d.sts.URL,
		"AWS_REGION=us-east-1",
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_PAGER=",
		cache.NamespaceEnv+"="+ns,
		"MFACRED_DEMO_SEED_PHONE="+phone.Seed,
		"MFACRED_DEMO_SEED_BACKUP="+backup.Seed,
	)
	if choice := keyringChoice(kr); choice != "" {
		d.env = append(d.env, keyring.Env+"="+choice)
	}
	fmt.Fprintf(d.out, `mfacred demo: a local STS/IAM on %s plays AWS. Account %s has the IAM user %s,
who owns two MFA devices named "phone" and "backup"; account %s has a role Admin whose trust
policy requires MFA. Files go to %s, keyring items under the service mfacred-%s;
both are removed at the end.
`, d.sts.URL, demoAccount, demoUser, demoRoleAccount, d.dir, ns)

	keys := "demo"
	if sessionsOnly {
		keys = "demo-keys"
		d.title("The IAM user's keys go into the demo's credentials file: the kernel keyring holds sessions only")
		creds := fmt.Sprintf("[%s]\naws_access_key_id = %s\naws_secret_access_key = %s\n", keys, d.user.AccessKeyID, d.user.SecretAccessKey)
		if err := os.WriteFile(filepath.Join(d.dir, "credentials"), []byte(creds), 0o600); err != nil {
			return fmt.Errorf("write demo credentials: %w", err)
		}
	} else {
		d.title("The IAM user's keys go into the keyring (from the environment, never argv)")
		if _, err := d.mfacred(ctx, nil, []string{"AWS_ACCESS_KEY_ID=" + d.user.AccessKeyID, "AWS_SECRET_ACCESS_KEY=" + d.user.SecretAccessKey}, "add", keys, "--env"); err != nil {
			return err
		}
		fmt.Fprintln(d.out, "   $ mfacred add demo --env")
	}

	// The demo's mfa_process: this binary prints a device's code from its seed.
	line, err := cmdline.CredentialProcess(d.front, "x", runtime.GOOS)
	if err != nil {
		return err
	}
	codeOf := strings.TrimSuffix(line, " process --profile x") + " demo --code-of "
	first := "mfa_serial = " + phone.Serial
	if sessionsOnly {
		first = "mfacred_source_profile = " + keys + "\n" + first
	}
	if !interactive {
		first += "\nmfa_process = " + codeOf + "phone"
	}
	profiles := []struct{ name, lines string }{
		{"demo", first},
		{"demo-backup", "mfacred_source_profile = " + keys + "\nmfa_serial = " + backup.Serial + "\nmfa_process = " + codeOf + "backup"},
		{"demo-admin", "mfacred_source_profile = " + keys + "\nmfacred_role_arn = arn:aws:iam::" + demoRoleAccount + ":role/Admin\nmfa_serial = " + phone.Serial},
		{"demo-old", "mfacred_source_profile = " + keys + "\nmfa_serial = arn:aws:iam::" + demoAccount + ":mfa/" + demoUser},
	}
	var cfg strings.Builder
	for _, p := range profiles {
		line, err := cmdline.CredentialProcess(d.front, p.name, runtime.GOOS)
		if err != nil {
			return err
		}
		fmt.Fprintf(&cfg, "[profile %s]\ncredential_process = %s\n%s\nregion = us-east-1\n\n", p.name, line, p.lines)
	}
	if err := os.WriteFile(config, []byte(cfg.String()), 0o600); err != nil {
		return fmt.Errorf("write demo config: %w", err)
	}
	d.title("Profiles wired with credential_process (the AWS config file of the demo)")
	for _, l := range strings.Split(strings.TrimSpace(cfg.String()), "\n") {
		fmt.Fprintln(d.out, strings.TrimRight("   "+l, " "))
	}
	return nil
}

// calls shows mfacred serving: the first call with a code, the second from the keyring, one
// GetSessionToken for 16 parallel calls, a role with no second code, a real SDK as the caller.
func (d *demo) calls(ctx context.Context, interactive bool) error {
	phone := d.user.Devices[0]
	d.title(`First call: no session yet, so mfacred needs a code of the device "phone"`)
	if interactive {
		fmt.Fprintf(d.out, "   The device \"phone\" shows %s now: type it when mfacred asks.\n", localsts.Code(phone.Seed, time.Now()))
	} else {
		fmt.Fprintln(d.out, "   (--auto or no terminal: mfacred gets it from the profile's mfa_process)")
	}
	fmt.Fprintln(d.out, "   $ mfacred process --profile demo")
	call1, err := d.process(ctx, interactive, "demo")
	if err != nil {
		return err
	}
	fmt.Fprintf(d.out, "   %s in %s; GetSessionToken calls: %d\n", call1.summary, ms(call1.took), d.sts.Count("GetSessionToken"))

	d.title("Second call: served from the keyring, no code, no network")
	second, err := d.process(ctx, false, "demo")
	if err != nil {
		return err
	}
	fmt.Fprintf(d.out, "   %s in %s; GetSessionToken calls: still %d\n", second.summary, ms(second.took), d.sts.Count("GetSessionToken"))

	d.title(`16 parallel calls of a cold profile (device "backup", code from mfa_process): one GetSessionToken`)
	before := d.sts.Count("GetSessionToken")
	var wg sync.WaitGroup
	errs := make([]error, 16)
	start := time.Now()
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = d.process(ctx, false, "demo-backup")
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	fmt.Fprintf(d.out, "   16 answers in %s; GetSessionToken calls: %d\n", ms(time.Since(start)), d.sts.Count("GetSessionToken")-before)

	d.title("A role in another account, assumed with demo's MFA session: no second code")
	before = d.sts.Count("GetSessionToken")
	role, err := d.process(ctx, false, "demo-admin")
	if err != nil {
		return err
	}
	fmt.Fprintf(d.out, "   $ mfacred process --profile demo-admin\n   %s; AssumeRole calls: %d, new GetSessionToken calls: %d\n", role.summary, d.sts.Count("AssumeRole"), d.sts.Count("GetSessionToken")-before)

	return d.caller(ctx)
}

// findings shows doctor and policy check finding the single-device-era mistakes.
func (d *demo) findings(ctx context.Context) error {
	d.title("doctor on a profile of the single-device era (mfa_serial = mfa/USERNAME)")
	out, err := d.mfacred(ctx, nil, nil, "doctor", "--profile", "demo-old")
	if err == nil || !strings.Contains(out, "mfa/phone") {
		return fmt.Errorf("doctor did not name the real devices: %v\n%s", err, out)
	}
	fmt.Fprintln(d.out, "   $ mfacred doctor --profile demo-old")
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if strings.HasPrefix(l, "problem") {
			fmt.Fprintln(d.out, "   "+l)
		}
	}

	d.title("policy check on a self-manage-MFA policy of the single-device era")
	policyFile := filepath.Join(d.dir, "old-policy.json")
	if err := os.WriteFile(policyFile, demoPolicy, 0o600); err != nil {
		return fmt.Errorf("write demo policy: %w", err)
	}
	out, err = d.mfacred(ctx, nil, nil, "policy", "check", policyFile)
	if err == nil {
		return fmt.Errorf("policy check found nothing in the single-device-era policy")
	}
	fmt.Fprintln(d.out, "   $ mfacred policy check old-policy.json")
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		fmt.Fprintln(d.out, "   "+strings.ReplaceAll(l, policyFile, "old-policy.json"))
	}
	return nil
}

// caller has the AWS CLI (or, without it, the Go SDK's credential_process provider) call STS
// with the role profile.
func (d *demo) caller(ctx context.Context) error {
	if aws, err := exec.LookPath("aws"); err == nil {
		d.title("The AWS CLI as the caller (it runs credential_process itself)")
		args := []string{"sts", "get-caller-identity", "--profile", "demo-admin", "--endpoint-url", d.sts.URL, "--query", "Arn", "--output", "text"}
		cmd := exec.CommandContext(ctx, aws, args...)
		cmd.Env = d.env
		cmd.WaitDelay = childWaitDelay
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return fmt.Errorf("run aws %s: %v: %s", strings.Join(args, " "), err, oneLine(stderr.String()))
		}
		fmt.Fprintf(d.out, "   $ aws sts get-caller-identity --profile demo-admin --query Arn\n   %s\n", strings.TrimSpace(string(out)))
		return nil
	}
	d.title("The AWS SDK for Go as the caller (no AWS CLI here): its credential_process provider runs mfacred")
	provider := processcreds.NewProviderCommand(processcreds.NewCommandBuilderFunc(func(ctx context.Context) (*exec.Cmd, error) {
		cmd := exec.CommandContext(ctx, d.front, "process", "--profile", "demo-admin")
		cmd.Env = d.env
		cmd.WaitDelay = childWaitDelay
		return cmd, nil
	}))
	client := sts.New(sts.Options{Region: "us-east-1", Credentials: aws.NewCredentialsCache(provider), BaseEndpoint: aws.String(d.sts.URL)})
	out, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return fmt.Errorf("call GetCallerIdentity with the SDK: %w", err)
	}
	fmt.Fprintf(d.out, "   GetCallerIdentity: %s\n", aws.ToString(out.Arn))
	return nil
}

func (d *demo) title(s string) {
	d.step++
	fmt.Fprintf(d.out, "\n%d. %s\n", d.step, s)
}

type call struct {
	summary string
	took    time.Duration
}

// process runs `mfacred process`; with tty it may ask the person at the terminal for a code.
func (d *demo) process(ctx context.Context, tty bool, profile string) (call, error) {
	cmd := exec.CommandContext(ctx, d.front, "process", "--profile", profile)
	cmd.Env = d.env
	cmd.WaitDelay = childWaitDelay
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if tty {
		cmd.Stdin, cmd.Stderr = os.Stdin, os.Stderr
	}
	start := time.Now()
	err := cmd.Run()
	took := time.Since(start)
	if err != nil {
		return call{}, fmt.Errorf("run mfacred process --profile %s: %v: %s", profile, err, oneLine(stderr.String()))
	}
	var c struct{ AccessKeyId, Expiration string }
	if err := json.Unmarshal(stdout.Bytes(), &c); err != nil || len(c.AccessKeyId) < 4 {
		return call{}, fmt.Errorf("read the output of mfacred process --profile %s: not credential_process JSON", profile)
	}
	return call{summary: fmt.Sprintf("credentials %s… valid until %s", c.AccessKeyId[:4], c.Expiration), took: took}, nil
}

// mfacred runs another mfacred command and returns its stdout and stderr together.
func (d *demo) mfacred(ctx context.Context, stdin io.Reader, extraEnv []string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, d.front, args...)
	cmd.Env = append(append([]string{}, d.env...), extraEnv...)
	cmd.WaitDelay = childWaitDelay
	cmd.Stdin = stdin
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("run mfacred %s: %w: %s", args[0], err, oneLine(out.String()))
	}
	return out.String(), nil
}

// keyringChoice is the MFACRED_KEYRING that makes the demo's children use kr, the keyring
// the demo itself cleans up: "" (the variable left unset: decide as usual) for the automatic
// choice; set but empty, it is a usage error (cli.KeyringChoice).
func keyringChoice(kr keyring.Keyring) string {
	switch kr.(type) {
	case keyring.OS:
		return "os"
	case keyring.Kernel:
		return "kernel"
	}
	return ""
}

// demoEnv is env without the AWS and mfacred settings of the user (their profile, keys,
// endpoints), plus set.
func childEnv(env []string, set ...string) []string {
	var out []string
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "AWS_") || (strings.HasPrefix(name, "MFACRED_") && name != keyring.Env) {
			continue
		}
		out = append(out, kv)
	}
	return append(out, set...)
}

func ms(d time.Duration) string { return d.Round(100 * time.Microsecond).String() }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func randomSeed() string {
	b := make([]byte, 20)
	_, _ = rand.Read(b)
	return base32.StdEncoding.EncodeToString(b)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
