//go:build unix

package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// coldCall runs the AWS CLI v2 with the profile, as a user would: mfacred is its
// credential_process, so the call gets a session from a cold cache (one GetSessionToken).
func (w *world) coldCall(aws, profile string, extraEnv ...string) {
	w.t.Helper()
	r := w.run(nil, extraEnv, aws, "sts", "get-caller-identity", "--profile", profile, "--endpoint-url", w.sts.URL, "--query", "Arn", "--output", "text")
	if r.err != nil || strings.TrimSpace(r.stdout) != w.user.ARN() {
		w.t.Fatalf("aws sts get-caller-identity --profile %q: %v\nstdout: %s\nstderr: %s", profile, r.err, r.stdout, r.stderr)
	}
}

// addKeysAs stores the user's keys for a profile name of the test's choosing.
func (w *world) addKeysAs(profile string, extraEnv ...string) {
	w.t.Helper()
	env := append([]string{"AWS_ACCESS_KEY_ID=" + w.user.AccessKeyID, "AWS_SECRET_ACCESS_KEY=" + w.user.SecretAccessKey}, extraEnv...)
	if r := w.run(nil, env, binary, "add", profile, "--env"); r.err != nil {
		w.t.Fatalf("mfacred add %q: %v\n%s", profile, r.err, r.stderr)
	}
}

// A profile whose section botocore reads but the SDK's loader does not gets a session on a
// cold call: [profile "my prof"], [profile 'x'] and a config with lone \r line ends (issue 18,
// defects 1 and 2: "load AWS config: failed to get shared config profile").
func TestColdCallQuotedAndCRProfiles(t *testing.T) {
	t.Parallel() // waits on the AWS CLI
	aws := awsCLIv2(t)
	for _, tc := range []struct{ name, header, eol string }{
		{"double-quoted", `[profile "my %s"]`, "\n"},
		{"single-quoted", `[profile '%s']`, "\n"},
		{"lone CR", `[profile %s]`, "\r"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			profile := w.profile
			if strings.Contains(tc.header, "my ") {
				profile = "my " + w.profile
			}
			line, err := credentialProcessLine(profile)
			if err != nil {
				t.Fatal(err)
			}
			cfg := strings.Join([]string{fmt.Sprintf(tc.header, w.profile), line, "mfa_serial = " + w.serial, "region = us-east-1", w.mfaProcess(), ""}, tc.eol)
			if err := os.WriteFile(w.configPath(), []byte(cfg), 0o600); err != nil {
				t.Fatal(err)
			}
			w.addKeysAs(profile)
			w.coldCall(aws, profile)
			if n := w.sts.Count("GetSessionToken"); n != 1 {
				t.Fatalf("%d GetSessionToken, want 1", n)
			}
			w.coldCall(aws, profile) // warm: the fast path reads the same file
			if n := w.sts.Count("GetSessionToken"); n != 1 {
				t.Fatalf("a warm call made GetSessionToken: %d in all", n)
			}
		})
	}
}

// credentialProcessLine is the credential_process line for a profile, quoted as setup
// quotes it.
func credentialProcessLine(profile string) (string, error) {
	if strings.ContainsAny(profile, " '\"") {
		return "credential_process = " + binary + ` process --profile "` + profile + `"`, nil
	}
	return "credential_process = " + binary + " process --profile " + profile, nil
}

// `setup --profile "new prof"` writes a quoted section, proves it with a cold call through
// mfacred (one GetSessionToken), and the AWS CLI then uses the profile.
func TestSetupNewQuotedProfileServesColdCall(t *testing.T) {
	t.Parallel()
	aws := awsCLIv2(t)
	w := newWorld(t)
	name := "new " + w.profile
	// The code comes from mfa_process, which [DEFAULT] gives every profile.
	if err := os.WriteFile(w.configPath(), []byte("[DEFAULT]\n"+w.mfaProcess()+"\n[default]\nregion = us-east-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := w.runNoTTY("setup", "--profile", name, "--env", "--mfa-serial", w.serial)
	if r.code != 0 {
		t.Fatalf("setup: exit %d\n%s", r.code, r.stderr)
	}
	if !strings.Contains(w.readFile(w.configPath()), `[profile "`+name+`"]`) {
		t.Fatalf("setup wrote:\n%s", w.readFile(w.configPath()))
	}
	if n := w.sts.Count("GetSessionToken"); n != 1 {
		t.Fatalf("setup's cold call made %d GetSessionToken, want 1", n)
	}
	w.coldCall(aws, name)
	if n := w.sts.Count("GetSessionToken"); n != 1 {
		t.Fatalf("%d GetSessionToken in all, want 1", n)
	}
}

// Settings in the credentials file count, as botocore merges a profile's keys from it over
// the config file's: the AWS CLI runs credential_process from there, and mfacred reads
// mfa_serial, mfa_process and region from there too; a key in both files is the credentials
// file's (`aws configure get` agrees). Warm calls (the fast path, and its stamp of a large
// file) read the same (issue 18, defect 3).
func TestCredentialsFileSettings(t *testing.T) {
	t.Parallel() // waits on the AWS CLI
	aws := awsCLIv2(t)
	w := newWorld(t)
	// A large config (a stamp is used from 64 KiB) whose profile names a device that is not
	// the user's: the credentials file's must win.
	var big strings.Builder
	for i := 0; big.Len() < 80<<10; i++ {
		fmt.Fprintf(&big, "[profile pad-%05d]\nregion = us-east-1\nmfa_serial = arn:aws:iam::123456789012:mfa/pad%d\n\n", i, i)
	}
	fmt.Fprintf(&big, "[profile %s]\nmfa_serial = arn:aws:iam::123456789012:mfa/not-the-users\nregion = eu-west-1\n", w.profile)
	if err := os.WriteFile(w.configPath(), []byte(big.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	line, _ := credentialProcessLine(w.profile)
	creds := fmt.Sprintf("[%s]\n%s\nmfa_serial = %s\n%s\n", w.profile, line, w.serial, w.mfaProcess())
	credPath := filepath.Join(w.dir, "home", ".aws", "credentials")
	if err := os.WriteFile(credPath, []byte(creds), 0o600); err != nil {
		t.Fatal(err)
	}
	w.addKeysAs(w.profile)
	got := strings.TrimSpace(w.mustRun(aws, "configure", "get", "mfa_serial", "--profile", w.profile))
	if got != w.serial {
		t.Fatalf("aws configure get mfa_serial: %q, want the credentials file's %q", got, w.serial)
	}
	w.coldCall(aws, w.profile)
	for i := 0; i < 3; i++ {
		w.coldCall(aws, w.profile)
	}
	if n := w.sts.Count("GetSessionToken"); n != 1 {
		t.Fatalf("%d GetSessionToken, want 1 (warm calls must find the same device)", n)
	}
	status := w.mustRun(binary, "status")
	if !strings.Contains(status, w.serial) {
		t.Fatalf("status does not show the credentials file's device:\n%s", status)
	}
}

// ~ and $VAR in AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE are expanded as botocore
// expands them, wherever mfacred runs (issue 18, defect 4).
func TestConfigPathsExpanded(t *testing.T) {
	t.Parallel() // waits on the AWS CLI
	aws := awsCLIv2(t)
	w := newWorld(t)
	home := filepath.Join(w.dir, "home")
	if err := os.MkdirAll(filepath.Join(home, "cfg"), 0o700); err != nil {
		t.Fatal(err)
	}
	line, _ := credentialProcessLine(w.profile)
	cfg := fmt.Sprintf("[profile %s]\n%s\nmfa_serial = %s\nregion = us-east-1\n%s\n", w.profile, line, w.serial, w.mfaProcess())
	if err := os.WriteFile(filepath.Join(home, "cfg", "config"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	creds := fmt.Sprintf("[%s]\nregion = us-east-1\n", w.profile)
	if err := os.WriteFile(filepath.Join(home, "cfg", "creds"), []byte(creds), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"AWS_CONFIG_FILE=~/cfg/config", "AWS_SHARED_CREDENTIALS_FILE=${MY_AWS}/creds", "MY_AWS=" + filepath.Join(home, "cfg")}
	r := w.run(nil, env, aws, "configure", "get", "mfa_serial", "--profile", w.profile)
	if strings.TrimSpace(r.stdout) != w.serial {
		t.Fatalf("the AWS CLI reads mfa_serial %q (%v %s)", r.stdout, r.err, r.stderr)
	}
	w.addKeysAs(w.profile, env...)
	w.coldCall(aws, w.profile, env...)
	w.coldCall(aws, w.profile, env...)
	if n := w.sts.Count("GetSessionToken"); n != 1 {
		t.Fatalf("%d GetSessionToken, want 1", n)
	}
	// No file was made where the unexpanded paths point.
	if _, err := os.Stat("~"); err == nil {
		t.Fatal("a directory named ~ was made")
	}
}

// setup on a config that is a symlink edits the file it points to and keeps the link, as the
// AWS CLI does, also when the link points to a file not made yet.
func TestSetupThroughSymlinkedConfig(t *testing.T) {
	t.Parallel()
	for _, dangling := range []bool{false, true} {
		t.Run(fmt.Sprintf("dangling=%v", dangling), func(t *testing.T) {
			w := newWorld(t)
			real := filepath.Join(w.dir, "dotfiles", "aws-config")
			if err := os.MkdirAll(filepath.Dir(real), 0o700); err != nil {
				t.Fatal(err)
			}
			if !dangling {
				if err := os.WriteFile(real, []byte("[DEFAULT]\n"+w.mfaProcess()+"\n[default]\nregion = us-east-1\n"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.Symlink("../../dotfiles/aws-config", w.configPath()); err != nil {
				t.Fatal(err)
			}
			r := w.runNoTTY("setup", "--profile", w.profile, "--env", "--mfa-serial", w.serial)
			// A new file has no code source for setup's proving call: that call fails, after
			// the profile is written.
			if r.code != 0 && !(dangling && strings.Contains(r.stderr, "the profile is written")) {
				t.Fatalf("setup: exit %d\n%s", r.code, r.stderr)
			}
			fi, err := os.Lstat(w.configPath())
			if err != nil || fi.Mode()&os.ModeSymlink == 0 {
				t.Fatalf("the link was replaced: %v %v", fi.Mode(), err)
			}
			if got := w.readFile(real); !strings.Contains(got, "[profile "+w.profile+"]") || !strings.Contains(got, "mfa_serial = "+w.serial) {
				t.Fatalf("the file the link points to holds:\n%s", got)
			}
		})
	}
}

// `totp set` takes an OTPAUTH:// URI (schemes are case-insensitive), refuses an empty
// period=, and shows the code the stored seed makes now, which oathtool (an independent TOTP)
// agrees with: a seed copied short is found at once, not at the next renewal.
func TestTotpSetShowsCodeNow(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.writeConfig()
	bad := "otpauth://totp/aws?secret=" + w.seed + "&period=\n"
	r := w.run(&bad, nil, binary, "totp", "set", "--profile", w.profile)
	if r.code != 1 || !strings.Contains(r.stderr, "period= with no value") || strings.Contains(r.stderr, w.seed[:8]) {
		t.Fatalf("an empty period=: exit %d\n%s", r.code, r.stderr)
	}
	uri := "OTPAUTH://TOTP/Amazon%20Web%20Services:alice@123456789012?secret=" + w.seed + "&issuer=Amazon%20Web%20Services\n"
	before := time.Now()
	r = w.run(&uri, nil, binary, "totp", "set", "--profile", w.profile)
	after := time.Now()
	if r.code != 0 {
		t.Fatalf("totp set: exit %d\n%s", r.code, r.stderr)
	}
	var want []string
	for _, at := range []time.Time{before, after} {
		out, err := exec.Command("oathtool", "--totp", "-b", "--now", fmt.Sprintf("@%d", at.Unix()), w.seed).Output()
		need(t, "oathtool (Debian package oathtool)", err)
		want = append(want, strings.TrimSpace(string(out)))
	}
	if !strings.Contains(r.stderr, "the code now is "+want[0]) && !strings.Contains(r.stderr, "the code now is "+want[1]) {
		t.Fatalf("totp set shows no code oathtool makes (%v):\n%s", want, r.stderr)
	}
	if strings.Contains(r.stderr, w.seed[:8]) {
		t.Fatalf("totp set shows the seed:\n%s", r.stderr)
	}
}
