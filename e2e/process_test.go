//go:build unix

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

type credsJSON struct {
	Version         int
	AccessKeyId     string
	SecretAccessKey string
	SessionToken    string
	Expiration      string
	AccountId       string
}

func parseCreds(t *testing.T, out string) credsJSON {
	t.Helper()
	var c credsJSON
	if err := json.Unmarshal([]byte(out), &c); err != nil {
		t.Fatalf("stdout is not the credential_process JSON: %v\n%q", err, out)
	}
	if c.Version != 1 || c.AccessKeyId == "" || c.SecretAccessKey == "" || c.SessionToken == "" {
		t.Fatalf("bad credentials: %+v", c)
	}
	if _, err := time.Parse(time.RFC3339, c.Expiration); err != nil {
		t.Fatalf("Expiration %q is not RFC 3339: %v", c.Expiration, err)
	}
	return c
}

// The AWS CLI v2 and boto3 call mfacred as credential_process: one GetSessionToken on the first
// call, none after, and the session passes a Deny-unless-MFA policy that long-term keys fail.
func TestAWSCLIAndBoto3UseOneCachedSession(t *testing.T) {
	t.Parallel()
	aws := awsCLIv2(t)
	w := newWorld(t)
	w.writeConfig(w.mfaProcess())
	w.addKeys()

	out := w.mustRun(aws, "sts", "get-caller-identity", "--profile", w.profile, "--endpoint-url", w.sts.URL, "--output", "json")
	if !strings.Contains(out, w.user.ARN()) {
		t.Fatalf("get-caller-identity printed %s, want %s", out, w.user.ARN())
	}
	if n := w.sts.Count("GetSessionToken"); n != 1 {
		t.Fatalf("first call made %d GetSessionToken, want 1", n)
	}
	// Deny unless MFA: the session passes...
	out = w.mustRun(aws, "iam", "get-user", "--profile", w.profile, "--endpoint-url", w.sts.URL, "--output", "json")
	if !strings.Contains(out, `"UserName": "alice"`) {
		t.Fatalf("iam get-user printed %s", out)
	}
	// ...where the long-term keys themselves are denied.
	r := w.run(nil, []string{"AWS_ACCESS_KEY_ID=" + w.user.AccessKeyID, "AWS_SECRET_ACCESS_KEY=" + w.user.SecretAccessKey},
		aws, "iam", "get-user", "--endpoint-url", w.sts.URL)
	if r.err == nil || !strings.Contains(r.stderr, "explicit deny") {
		t.Fatalf("long-term keys were not denied: %v %s", r.err, r.stderr)
	}

	needPython(t)
	script := fmt.Sprintf(`
import boto3
s = boto3.Session(profile_name=%q)
print(s.client("sts", endpoint_url=%q).get_caller_identity()["Arn"])
print(s.client("iam", endpoint_url=%q).get_user()["User"]["UserName"])
`, w.profile, w.sts.URL, w.sts.URL)
	out = w.mustRun(python, "-c", script)
	if want := w.user.ARN() + "\nalice\n"; out != want {
		t.Fatalf("boto3 printed %q, want %q", out, want)
	}
	for i := 0; i < 3; i++ {
		w.mustRun(aws, "sts", "get-caller-identity", "--profile", w.profile, "--endpoint-url", w.sts.URL)
	}
	if n := w.sts.Count("GetSessionToken"); n != 1 {
		t.Fatalf("later calls made GetSessionToken: %d in all, want 1", n)
	}
	status := w.mustRun(binary, "status")
	if !strings.Contains(status, w.profile) || !strings.Contains(status, w.serial) || !strings.Contains(status, "expires in 11h") {
		t.Fatalf("status does not show the session: %q", status)
	}
}

// 24 cold callers at once share one refresh: all succeed with the same session, and STS sees
// exactly one GetSessionToken (a second would reuse the code and be rejected).
func TestParallelColdCallsShareOneRefresh(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.writeConfig(w.mfaProcess())
	w.addKeys()
	const n = 24
	results := make([]result, n)
	var wg sync.WaitGroup
	for i := range results {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results[i] = w.run(nil, nil, binary, "process", "--profile", w.profile)
		}(i)
	}
	wg.Wait()
	keys := map[string]bool{}
	for i, r := range results {
		if r.err != nil {
			t.Fatalf("call %d failed: %v: %s", i, r.err, r.stderr)
		}
		keys[parseCreds(t, r.stdout).AccessKeyId] = true
	}
	if len(keys) != 1 {
		t.Fatalf("%d callers got %d different sessions, want 1", n, len(keys))
	}
	if c := w.sts.Count("GetSessionToken"); c != 1 {
		t.Fatalf("%d parallel cold calls made %d GetSessionToken, want 1", n, c)
	}
}

// With no terminal, no seed and no mfa_process, process fails at once with a sentence that
// names the profile, the device and the ways out.
func TestNoTerminalFailsFast(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.writeConfig()
	w.addKeys()
	r := w.run(nil, nil, binary, "process", "--profile", w.profile)
	if r.err == nil {
		t.Fatalf("process succeeded without a code source: %s", r.stdout)
	}
	if r.took > 5*time.Second {
		t.Fatalf("failing took %s, want < 5 s", r.took)
	}
	if len(r.stdout) != 0 {
		t.Fatalf("stdout must stay empty on failure, got %q", r.stdout)
	}
	msg := r.stderr
	for _, want := range []string{w.profile, w.serial, "no terminal", "mfacred totp set", "mfa_process"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}
	if strings.Count(strings.TrimSpace(msg), "\n") != 0 {
		t.Errorf("error is not one line: %q", msg)
	}
	if c := w.sts.Count("GetSessionToken"); c != 0 {
		t.Errorf("STS was called %d times", c)
	}
}

// waitForFreshStep returns once at least 12 s of the current TOTP step are left, so that two
// renewals land inside one step.
func waitForFreshStep() time.Time {
	now := time.Now()
	if left := 30*time.Second - now.Sub(now.Truncate(30*time.Second)); left < 12*time.Second {
		time.Sleep(left + 100*time.Millisecond)
	}
	return time.Now()
}

// twoRenewalsInOneStep renews twice inside one 30 s step; the second must wait for the next
// code rather than resend the first (which STS would reject).
func twoRenewalsInOneStep(t *testing.T, w *world) {
	t.Helper()
	step := waitForFreshStep().Truncate(30 * time.Second)
	first := parseCreds(t, w.mustRun(binary, "process", "--profile", w.profile))
	w.mustRun(binary, "clear", "--profile", w.profile)
	if time.Now().Truncate(30*time.Second) != step {
		t.Fatal("the first renewal left the step; the test proves nothing")
	}
	second := parseCreds(t, w.mustRun(binary, "process", "--profile", w.profile))
	if first.AccessKeyId == second.AccessKeyId {
		t.Fatal("the second call did not renew")
	}
	if c := w.sts.Count("GetSessionToken"); c != 2 {
		t.Fatalf("%d GetSessionToken, want 2 (no code sent twice)", c)
	}
}

func TestStoredSeedRenewsTwiceInOneStep(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.writeConfig()
	w.addKeys()
	seed := strings.ToLower(w.seed[:8]) + " " + w.seed[8:16] + "-" + w.seed[16:] + "\n"
	r := w.run(&seed, nil, binary, "totp", "set", "--profile", w.profile)
	if r.err != nil {
		t.Fatalf("totp set: %v %s", r.err, r.stderr)
	}
	if !strings.Contains(r.stderr, "one factor") {
		t.Errorf("totp set did not warn about one factor: %q", r.stderr)
	}
	twoRenewalsInOneStep(t, w)
}

func TestMFAProcessRenewsTwiceInOneStep(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.writeConfig(w.mfaProcess())
	w.addKeys()
	twoRenewalsInOneStep(t, w)
}

// The classic mfa/USERNAME serial fails with the serial named and AWS's words translated.
func TestWrongSerialIsExplained(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.serial = "arn:aws:iam::123456789012:mfa/alice"
	w.writeConfig(w.mfaProcess())
	w.addKeys()
	r := w.run(nil, nil, binary, "process", "--profile", w.profile)
	if r.err == nil {
		t.Fatal("process succeeded with a serial that is not the user's")
	}
	if !strings.Contains(r.stderr, "device arn:aws:iam::123456789012:mfa/alice is not one of your MFA devices") {
		t.Fatalf("error does not explain the serial: %q", r.stderr)
	}
}

// Long-term keys may come from the credentials file of a source profile; a session is only
// served while the file holds the keys it was made with.
func TestSourceProfileKeysFromCredentialsFile(t *testing.T) {
	t.Parallel() // its last call waits for the next TOTP step
	w := newWorld(t)
	src := w.profile + "-keys"
	creds := fmt.Sprintf("[%s]\naws_access_key_id = %s\naws_secret_access_key = %s\n", src, w.user.AccessKeyID, w.user.SecretAccessKey)
	credsPath := filepath.Join(w.dir, "home", ".aws", "credentials")
	if err := os.WriteFile(credsPath, []byte(creds), 0o600); err != nil {
		t.Fatal(err)
	}
	// The key file is a test fixture the user wrote, not something mfacred leaked.
	t.Cleanup(func() { os.Remove(credsPath) })
	w.writeConfig(w.mfaProcess(), "mfacred_source_profile = "+src, "", "[profile "+src+"]", "region = us-east-1")
	first := parseCreds(t, w.mustRun(binary, "process", "--profile", w.profile))
	again := parseCreds(t, w.mustRun(binary, "process", "--profile", w.profile))
	if first.AccessKeyId != again.AccessKeyId || w.sts.Count("GetSessionToken") != 1 {
		t.Fatal("the second call was not served from the cache")
	}
	// Other keys in the file: the old session must not be served for them.
	other := strings.Replace(creds, w.user.AccessKeyID, "AKIAOTHERKEY00000001", 1)
	if err := os.WriteFile(credsPath, []byte(other), 0o600); err != nil {
		t.Fatal(err)
	}
	r := w.run(nil, nil, binary, "process", "--profile", w.profile)
	if r.err == nil {
		t.Fatalf("served a session for keys it was not made with: %s", r.stdout)
	}
	if !strings.Contains(r.stderr, "long-term keys of profile "+src) {
		t.Fatalf("unexpected error: %s", r.stderr)
	}
}

// The mfacred binary answers a cached call by itself, with no AWS SDK in it; for a miss it
// needs mfacred-core beside it, and says so when that is missing.
func TestFastPathNeedsNoCore(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.writeConfig(w.mfaProcess())
	w.addKeys()
	warm := parseCreds(t, w.mustRun(binary, "process", "--profile", w.profile))
	alone := filepath.Join(w.dir, "alone")
	if err := os.MkdirAll(alone, 0o700); err != nil {
		t.Fatal(err)
	}
	front := filepath.Join(alone, "mfacred")
	if err := os.Link(binary, front); err != nil { // a link, not a copy: no file open for writing
		t.Fatal(err)
	}
	if out, err := exec.Command("go", "list", "-deps", "../cmd/mfacred").Output(); err != nil || strings.Contains(string(out), "aws-sdk-go") || strings.Contains(string(out), "99designs/keyring") {
		t.Fatalf("cmd/mfacred links the AWS SDK or aws-vault's keyring library, which only import needs (or go list failed: %v)", err)
	}
	hit := parseCreds(t, w.mustRun(front, "process", "--profile", w.profile))
	if hit.AccessKeyId != warm.AccessKeyId {
		t.Fatal("the fast path did not serve the cached session")
	}
	w.mustRun(binary, "clear", "--profile", w.profile)
	r := w.run(nil, nil, front, "process", "--profile", w.profile)
	if r.err == nil || !strings.Contains(r.stderr, filepath.Join(alone, "mfacred-core")+" is missing") {
		t.Fatalf("a miss without mfacred-core: %v %q", r.err, r.stderr)
	}
}
