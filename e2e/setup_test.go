//go:build unix

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mfacred/mfacred/localsts"
)

// runNoTTY runs mfacred (with no controlling terminal, as every run does) with the user's
// long-term keys in its environment for --env.
func (w *world) runNoTTY(args ...string) result {
	w.t.Helper()
	return w.run(nil, []string{"AWS_ACCESS_KEY_ID=" + w.user.AccessKeyID, "AWS_SECRET_ACCESS_KEY=" + w.user.SecretAccessKey}, binary, args...)
}

func (w *world) readFile(path string) string {
	w.t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		w.t.Fatal(err)
	}
	return string(b)
}

// backupSeed is the seed of the second device of twoDevices.
const backupSeed = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

// twoDevices gives the world's user a second named device and a FIDO key beside the first.
func (w *world) twoDevices() (backup, fido string) {
	n := strings.TrimPrefix(w.profile, "work")
	backup = "arn:aws:iam::123456789012:mfa/backup-phone" + n
	fido = "arn:aws:iam::123456789012:u2f/user/alice/yubikey-ABCDEF" + n
	w.sts.SetDevices(w.user.AccessKeyID,
		localsts.Device{Serial: w.serial, Seed: w.seed},
		localsts.Device{Serial: backup, Seed: backupSeed},
		localsts.Device{Serial: fido})
	return backup, fido
}

// setup on a user with two named devices and a FIDO key: with no terminal it lists the two
// usable names and stops; --mfa-serial must name one of them; then it writes the profile,
// keeping every other byte of the file, and the profile works with the AWS CLI v2.
func TestSetupWithNamedDevices(t *testing.T) {
	t.Parallel() // doctor --spend-code may wait for the next code
	aws := awsCLIv2(t)
	w := newWorld(t)
	backup, fido := w.twoDevices()
	p := w.profile
	before := fmt.Sprintf(`# my AWS config, hand-written
[default]
region=eu-west-1
output  =  json

[profile  %s ]
mfa_serial = arn:aws:iam::123456789012:mfa/alice
%s
region = us-east-1

# staging account
[profile other]
region	=	us-west-2
`, p, w.mfaProcess())
	if err := os.WriteFile(w.configPath(), []byte(before), 0o640); err != nil {
		t.Fatal(err)
	}
	credsPath := filepath.Join(w.dir, "home", ".aws", "credentials")
	creds := fmt.Sprintf("[other]\naws_access_key_id = AKIAOTHER00000000001\naws_secret_access_key = otherothersecret\n\n[%s]\n# old habit\naws_access_key_id = %s\naws_secret_access_key = %s\n",
		p, w.user.AccessKeyID, w.user.SecretAccessKey)
	if err := os.WriteFile(credsPath, []byte(creds), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(credsPath) }) // the user's own file, not a leak of mfacred's

	// No terminal: the usable names, the flag, and nothing written.
	r := w.runNoTTY("setup", "--profile", p, "--env")
	if r.code != 1 {
		t.Fatalf("setup with two devices and no terminal: exit %d\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"googleAuthentication" + strings.TrimPrefix(p, "work") + "\t" + w.serial, "backup-phone" + strings.TrimPrefix(p, "work") + "\t" + backup,
		"leaving out " + fido, "--mfa-serial SERIAL"} {
		if !strings.Contains(r.stderr, want) {
			t.Fatalf("setup output does not show %q:\n%s", want, r.stderr)
		}
	}
	if got := w.readFile(w.configPath()); got != before {
		t.Fatalf("a stopped setup changed the config:\n%s", got)
	}

	// A serial that is not the user's: refused, with the real names.
	r = w.runNoTTY("setup", "--profile", p, "--env", "--mfa-serial", "arn:aws:iam::123456789012:mfa/alice")
	if r.code != 1 || !strings.Contains(r.stderr, "device arn:aws:iam::123456789012:mfa/alice is not one of the MFA devices of arn:aws:iam::123456789012:user/alice: googleAuthentication") {
		t.Fatalf("wrong serial: exit %d\n%s", r.code, r.stderr)
	}

	// --mfa-serial: written in place, everything else byte for byte, and proven.
	r = w.runNoTTY("setup", "--profile", p, "--env", "--mfa-serial", w.serial)
	if r.code != 0 {
		t.Fatalf("setup: exit %d\n%s", r.code, r.stderr)
	}
	if want := "profile " + p + " works: arn:aws:iam::123456789012:user/alice, MFA session until "; !strings.HasPrefix(r.stdout, want) {
		t.Fatalf("setup did not prove the profile: %q\n%s", r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "static keys for profile "+p) || !strings.Contains(r.stderr, "--move-keys") {
		t.Fatalf("setup did not warn about the shadowing static keys:\n%s", r.stderr)
	}
	want := strings.Replace(before, "mfa_serial = arn:aws:iam::123456789012:mfa/alice", "mfa_serial = "+w.serial, 1)
	want = strings.Replace(want, "region = us-east-1\n", "region = us-east-1\ncredential_process = "+binary+" process --profile "+p+"\n", 1)
	if got := w.readFile(w.configPath()); got != want {
		t.Fatalf("config after setup:\n%s\nwant:\n%s", got, want)
	}
	if fi, _ := os.Stat(w.configPath()); fi.Mode().Perm() != 0o640 {
		t.Fatalf("config mode %v, want 0640 kept", fi.Mode().Perm())
	}

	// Again, with --move-keys: the config stays, the static keys go, the rest stays.
	r = w.runNoTTY("setup", "--profile", p, "--env", "--mfa-serial", w.serial, "--move-keys")
	if r.code != 0 || !strings.Contains(r.stderr, "set up already") {
		t.Fatalf("second setup: exit %d\n%s", r.code, r.stderr)
	}
	if got := w.readFile(w.configPath()); got != want {
		t.Fatalf("an idempotent setup changed the config:\n%s", got)
	}
	wantCreds := fmt.Sprintf("[other]\naws_access_key_id = AKIAOTHER00000000001\naws_secret_access_key = otherothersecret\n\n[%s]\n# old habit\n", p)
	if got := w.readFile(credsPath); got != wantCreds {
		t.Fatalf("credentials after --move-keys:\n%q\nwant\n%q", got, wantCreds)
	}
	if n := w.sts.Count("GetSessionToken"); n != 1 {
		t.Fatalf("%d GetSessionToken, want 1 (the second setup uses the cached session)", n)
	}

	// The AWS CLI v2 uses the written profile, and the session setup made.
	out := w.mustRun(aws, "sts", "get-caller-identity", "--profile", p, "--endpoint-url", w.sts.URL, "--query", "Arn", "--output", "text")
	if strings.TrimSpace(out) != w.user.ARN() {
		t.Fatalf("aws CLI: %q", out)
	}
	if n := w.sts.Count("GetSessionToken"); n != 1 {
		t.Fatalf("%d GetSessionToken after the CLI call, want 1", n)
	}

	// doctor on the healthy profile: exit 0, no problem, with a seed checked against AWS.
	seed := w.seed + "\n"
	if r := w.run(&seed, nil, binary, "totp", "set", "--profile", p); r.err != nil {
		t.Fatalf("totp set: %v %s", r.err, r.stderr)
	}
	r = w.runNoTTY("doctor", "--profile", p, "--spend-code")
	if r.code != 0 || strings.Contains(r.stdout, "problem") {
		t.Fatalf("doctor on a healthy profile: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{
		"ok       keyring: Secret Service (D-Bus session bus) reachable",
		"ok       profile " + p + ": credential_process runs this mfacred",
		"ok       keys of profile " + p + ": access key " + w.user.AccessKeyID + ", in the keyring",
		"ok       clock: within a second of AWS's",
		"ok       device: mfa_serial " + w.serial + " is one of the MFA devices of arn:aws:iam::123456789012:user/alice",
		"hint     device: " + fido + " is a FIDO security key",
		"ok       seed: AWS accepted the code the stored seed makes",
		"ok       session: cached, expires in 11h",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("doctor does not say %q:\n%s", want, r.stdout)
		}
	}
	for _, s := range w.sts.Secrets() {
		if len(s) >= 16 && strings.Contains(r.stdout+r.stderr, s) {
			t.Fatal("doctor printed a secret")
		}
	}
}

// doctor on the classic mfa/USERNAME profile names the configured serial and the real
// devices, and exits non-zero; a skewed clock is reported.
func TestDoctorFindsWrongSerialAndSkew(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	backup, _ := w.twoDevices()
	w.serial = "arn:aws:iam::123456789012:mfa/alice"
	w.writeConfig(w.mfaProcess())
	w.addKeys()
	r := w.runNoTTY("doctor", "--profile", w.profile)
	if r.code != 1 {
		t.Fatalf("doctor: exit %d, want 1\n%s", r.code, r.stdout)
	}
	n := strings.TrimPrefix(w.profile, "work")
	want := fmt.Sprintf("problem  device: mfa_serial = arn:aws:iam::123456789012:mfa/alice (in profile %s) is not one of the MFA devices of arn:aws:iam::123456789012:user/alice, which are: googleAuthentication%s (arn:aws:iam::123456789012:mfa/googleAuthentication%s), backup-phone%s (%s)",
		w.profile, n, n, n, backup)
	if !strings.Contains(r.stdout, want) || !strings.Contains(r.stdout, "hint     device: since November 2022") {
		t.Fatalf("doctor output:\n%s\nwant a line\n%s", r.stdout, want)
	}
	if !strings.Contains(r.stdout, "hint     session: none cached") {
		t.Fatalf("doctor without a session:\n%s", r.stdout)
	}

	// The STS clock two minutes behind this machine's.
	w.sts.SetClock(func() time.Time { return time.Now().Add(-2 * time.Minute) })
	r = w.runNoTTY("doctor", "--profile", w.profile)
	// The estimate is good to about a second (Date has whole seconds; a slow machine adds
	// latency), so the text may say 1m59s or 2m1s.
	if r.code != 1 || !regexp.MustCompile(`problem  clock: this machine is (1m59s|2m0s|2m1s) ahead of AWS`).MatchString(r.stdout) {
		t.Fatalf("doctor with a skewed clock: exit %d\n%s", r.code, r.stdout)
	}
}

// On a terminal, setup asks for the keys (the secret not echoed), offers the usable devices
// as a numbered list, asks again after a bad answer, offers to store a seed, and proves the
// chosen profile.
func TestSetupOnTerminal(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.twoDevices()
	n := strings.TrimPrefix(w.profile, "work")
	// mfa_process makes the code for the proof; setup fills in the rest of the profile.
	if err := os.WriteFile(w.configPath(), []byte(fmt.Sprintf("[profile %s]\n%s\n", w.profile, w.mfaProcess())), 0o600); err != nil {
		t.Fatal(err)
	}
	tm := startTmux(t, w, fmt.Sprintf("%s setup --profile %s\necho EXIT=$?", binary, w.profile))

	tm.waitFor("Access key ID for profile "+w.profile+":", 20*time.Second)
	tm.typeLine(w.user.AccessKeyID)
	tm.waitFor("Secret access key:", 10*time.Second)
	tm.typeLine(w.user.SecretAccessKey)
	screen := tm.waitFor(fmt.Sprintf("Device for profile %s [1-2]:", w.profile), 20*time.Second)
	for _, want := range []string{"1) googleAuthentication" + n + "  " + w.serial, "2) backup-phone" + n + "  arn:aws:iam::123456789012:mfa/backup-phone" + n} {
		if !strings.Contains(screen, want) {
			t.Fatalf("the list does not show %q:\n%s", want, screen)
		}
	}
	if strings.Contains(screen, w.user.SecretAccessKey) {
		t.Fatal("the secret access key was echoed")
	}
	tm.typeLine("3")
	tm.waitFor("Type a number from 1 to 2:", 10*time.Second)
	tm.typeLine("1")
	tm.waitFor("[y/N]:", 10*time.Second)
	tm.typeLine("n")
	screen = tm.waitFor("EXIT=", 30*time.Second)
	if !strings.Contains(screen, "EXIT=0") || !strings.Contains(screen, "profile "+w.profile+" works: "+w.user.ARN()) {
		t.Fatalf("setup did not finish:\n%s", screen)
	}
	if cfg := w.readFile(w.configPath()); !strings.Contains(cfg, "mfa_serial = "+w.serial+"\n") {
		t.Fatalf("config:\n%s", cfg)
	}
}

func localstsDevice(serial, seed string) localsts.Device {
	return localsts.Device{Serial: serial, Seed: seed}
}

// A profile name with a blank: setup edits the [profile "NAME"] section botocore reads, writes
// credential_process with the name quoted, and the AWS CLI v2 then uses it.
func TestSetupQuotedProfileName(t *testing.T) {
	t.Parallel()
	aws := awsCLIv2(t)
	w := newWorld(t)
	name := "my " + w.profile
	before := fmt.Sprintf("[profile %s]\nregion = us-east-1\n\n[profile \"%s\"]\n%s\nregion = us-east-1\n", name, name, w.mfaProcess())
	if err := os.WriteFile(w.configPath(), []byte(before), 0o600); err != nil {
		t.Fatal(err)
	}
	r := w.runNoTTY("setup", "--profile", name, "--env", "--mfa-serial", w.serial)
	if r.code != 0 {
		t.Fatalf("setup: exit %d\n%s", r.code, r.stderr)
	}
	want := before + "credential_process = " + binary + ` process --profile "` + name + "\"\nmfa_serial = " + w.serial + "\n"
	if got := w.readFile(w.configPath()); got != want {
		t.Fatalf("config after setup:\n%s\nwant:\n%s", got, want)
	}
	out := w.mustRun(aws, "sts", "get-caller-identity", "--profile", name, "--endpoint-url", w.sts.URL, "--query", "Arn", "--output", "text")
	if strings.TrimSpace(out) != w.user.ARN() {
		t.Fatalf("aws CLI: %q", out)
	}
	r = w.runNoTTY("setup", "--profile", "a\nb", "--env")
	if r.code != 1 || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || !strings.Contains(r.stderr, "line break") {
		t.Fatalf("a name with a line break: exit %d\n%s", r.code, r.stderr)
	}
}

// setup bounds its lookup of the user and its devices like add: an endpoint that does not
// answer ends setup after one STS call's budget with one line naming the profile, not never.
func TestSetupBoundsHungAWS(t *testing.T) {
	t.Parallel() // waits out the 20 s bound
	for _, action := range []string{"GetCallerIdentity", "ListMFADevices"} {
		t.Run(action, func(t *testing.T) {
			t.Parallel() // waits out the 20 s bound
			w := newWorld(t)
			w.sts.Inject(localsts.Fault{Action: action, Hang: 3 * time.Minute})
			r := w.runNoTTY("setup", "--profile", w.profile, "--env", "--mfa-serial", w.serial)
			t.Logf("setup gave up after %s", r.took)
			oneLineErr(t, r, "mfacred: profile "+w.profile+": AWS did not answer within 20s", "nothing was stored")
			if r.took > time.Minute {
				t.Fatalf("setup took %s with %s hanging", r.took, action)
			}
		})
	}
}

// Keys AWS refuses are named once with their profile.
func TestSetupRejectedKeysNamesProfileOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	r := w.run(nil, []string{"AWS_ACCESS_KEY_ID=" + w.user.AccessKeyID, "AWS_SECRET_ACCESS_KEY=wrongwrongwrongwrong"}, binary, "setup", "--profile", w.profile, "--env")
	oneLineErr(t, r, "mfacred: profile "+w.profile+": AWS does not accept these keys: check the access key id and secret\n")
}

// setup --login-session --role-arn gives each role ARN of awsconfig/testdata/role_arns.txt the
// verdict the config reader gives it (awsconfig's TestRoleARNOneVerdict): a bad one is refused
// in one line naming the profile and what is wrong, and the config keeps every byte; process,
// finding the same value in the file, names the same reason. What setup writes, process reads.
func TestRoleARNSetupRefusesWhatProcessRefuses(t *testing.T) {
	t.Parallel()
	lw := newSigninWorld(t, localsts.Role{ARN: adminRole}, localsts.LoginOptions{})
	table, err := os.ReadFile("../awsconfig/testdata/role_arns.txt")
	if err != nil {
		t.Fatal(err)
	}
	config := mustRead(t, lw.configPath())
	p := lw.profile + "-r"
	rows := 0
	for _, line := range strings.Split(string(table), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		rows++
		cols := strings.Split(line, "\t")
		arn, err := strconv.Unquote(cols[1])
		if err != nil {
			t.Fatalf("role_arns.txt: %q: %v", line, err)
		}
		if err := os.WriteFile(lw.configPath(), []byte(config), 0o600); err != nil {
			t.Fatal(err)
		}
		r := lw.run(nil, nil, binary, "setup", "--profile", p, "--login-session", lw.me, "--role-arn", arn, "--verify=false")
		if cols[0] == "ok" {
			if r.err != nil || !strings.Contains(mustRead(t, lw.configPath()), "\nmfacred_role_arn = "+arn+"\n") {
				t.Fatalf("setup --role-arn %q: %v %s\n%s", arn, r.err, r.stderr, mustRead(t, lw.configPath()))
			}
			continue
		}
		reason := cols[2]
		oneLineErr(t, r, fmt.Sprintf("profile %s: --role-arn %q: %s: want a role ARN such as arn:aws:iam::123456789012:role/NAME\n", p, arn, reason))
		if got := mustRead(t, lw.configPath()); got != config {
			t.Fatalf("setup --role-arn %q changed the config:\n%s", arn, got)
		}
		if arn != strings.TrimSpace(arn) || strings.ContainsAny(arn, "\r\n") {
			continue // no file carries it to process
		}
		written := config + fmt.Sprintf("\n[profile %[1]s]\ncredential_process = %[2]s process --profile %[1]s\nmfacred_source_profile = %[3]s\nmfacred_role_arn = %[4]s\n", p, binary, lw.me, arn)
		if err := os.WriteFile(lw.configPath(), []byte(written), 0o600); err != nil {
			t.Fatal(err)
		}
		oneLineErr(t, lw.run(nil, nil, binary, "process", "--profile", p), fmt.Sprintf("profile %s: mfacred_role_arn = %q in %s: %s: want a role ARN", p, arn, lw.configPath(), reason))
	}
	if rows < 20 {
		t.Fatalf("role_arns.txt has %d rows", rows)
	}
}
