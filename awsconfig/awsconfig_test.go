package awsconfig

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func load(t *testing.T) *Files {
	t.Helper()
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	f, err := LoadFiles("testdata/config", "testdata/credentials")
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestResolve(t *testing.T) {
	f := load(t)
	for _, tc := range []struct {
		name string
		want Profile
	}{
		{"work", Profile{Name: "work", KeySource: "work", MFASerial: "arn:aws:iam::123456789012:mfa/googleAuthentication", MFAProcess: "op item get aws --otp", DeviceProfile: "work", Region: "eu-central-1", Duration: 43200, Chain: []string{"work"}}},
		{"work-ro", Profile{Name: "work-ro", KeySource: "work", MFASerial: "arn:aws:iam::123456789012:mfa/googleAuthentication", MFAProcess: "op item get aws --otp", DeviceProfile: "work", Region: "eu-central-1", Duration: 3600, Chain: []string{"work-ro", "work"}}},
		{"other-device", Profile{Name: "other-device", KeySource: "work", MFASerial: "GAKT12345678", DeviceProfile: "other-device", Region: "eu-central-1", Duration: 43200, Chain: []string{"other-device", "work"}}},
		{"prod", Profile{Name: "prod", KeySource: "work", MFASerial: "arn:aws:iam::123456789012:mfa/googleAuthentication", MFAProcess: "op item get aws --otp", DeviceProfile: "work", Region: "eu-central-1", Duration: 43200, Chain: []string{"prod", "work"},
			Role: &Role{ARN: "arn:aws:iam::222222222222:role/Admin", ExternalID: "shared-with-vendor", SessionName: "alice@example.com", Duration: 3600}}},
		{"prod-long", Profile{Name: "prod-long", KeySource: "work", MFASerial: "arn:aws:iam::123456789012:mfa/googleAuthentication", MFAProcess: "op item get aws --otp", DeviceProfile: "work", Region: "eu-central-1", Duration: 43200, Chain: []string{"prod-long", "work"},
			Role: &Role{ARN: "arn:aws:iam::222222222222:role/Admin", Duration: 28800, Direct: true}}},
		{"gov", Profile{Name: "gov", KeySource: "gov", MFASerial: "arn:aws-us-gov:iam::123456789012:mfa/path/phone", DeviceProfile: "gov", Duration: 43200, Chain: []string{"gov"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := f.Resolve(tc.name)
			if err != nil {
				t.Fatal(err)
			}
			if got.Files() != f {
				t.Fatal("the profile does not name the files it was read from")
			}
			got.files = nil
			if !reflect.DeepEqual(*got, tc.want) {
				t.Fatalf("got  %+v\nwant %+v", *got, tc.want)
			}
		})
	}
}

func TestResolveErrors(t *testing.T) {
	f := load(t)
	for name, want := range map[string]string{
		"missing":     "profile missing is in neither testdata/config nor testdata/credentials: run `mfacred setup --profile missing`",
		"loop-a":      "profile loop-a: mfacred_source_profile cycle: loop-a -> loop-b -> loop-a",
		"fido":        "profile fido: device arn:aws:iam::123456789012:u2f/user/alice/key-ABC is a FIDO security key",
		"noserial":    "profile noserial: no mfa_serial in testdata/config",
		"badduration": `profile badduration: mfacred_duration_seconds = "12h": want whole seconds from 1800 to 129600`,
		"prod-too-long": "profile prod-too-long: mfacred_role_duration_seconds = 7200 is more than AWS allows: a role assumed with an MFA session is role chaining, which AWS caps at 3600 seconds; " +
			"set mfacred_role_duration_seconds = 3600 or less, or set mfacred_role_direct = true",
		"role-of-role": "profile role-of-role: its mfacred_source_profile prod assumes a role itself",
		"badrole":      `profile badrole: mfacred_role_arn = "arn:aws:iam::2222:role/Admin" in testdata/config: the account "2222" is not 12 digits: want a role ARN`,
		"badname":      `profile badname: mfacred_role_session_name = "alice smith" in testdata/config: want 2 to 64`,
	} {
		_, err := f.Resolve(name)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Resolve(%s) = %v, want %q", name, err, want)
		}
	}
	if _, err := f.Resolve("missing"); !errors.Is(err, ErrNoProfile) {
		t.Errorf("missing profile is not ErrNoProfile: %v", err)
	}
}

func TestRegionFromEnvironment(t *testing.T) {
	f := load(t)
	t.Setenv("AWS_REGION", "ap-southeast-2")
	p, err := f.Resolve("work")
	if err != nil || p.Region != "ap-southeast-2" {
		t.Fatalf("region %q, %v", p.Region, err)
	}
}

func TestStaticKeys(t *testing.T) {
	f := load(t)
	k, ok, err := f.StaticKeys("work")
	if err != nil || !ok || k.AccessKeyID != "AKIAFILEKEY000000001" || k.File != "testdata/credentials" {
		t.Fatalf("work: %+v %v %v", k, ok, err)
	}
	if _, ok, err := f.StaticKeys("gov"); ok || err != nil {
		t.Fatalf("gov has no keys: %v %v", ok, err)
	}
	if _, _, err := f.StaticKeys("half"); err == nil || !strings.Contains(err.Error(), "profile half in testdata/config has only half a key pair") {
		t.Fatalf("half: %v", err)
	}
}

func TestMalformedFileNamesIt(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "config")
	if err := os.WriteFile(bad, []byte("[profile work\nmfa_serial = x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadFiles(bad, filepath.Join(dir, "none"))
	if err == nil || !strings.Contains(err.Error(), bad) {
		t.Fatalf("err = %v", err)
	}
}

func TestMissingFilesAreEmpty(t *testing.T) {
	dir := t.TempDir()
	f, err := LoadFiles(filepath.Join(dir, "a"), filepath.Join(dir, "b"))
	if err != nil || len(f.Profiles()) != 0 {
		t.Fatalf("%v %v", f, err)
	}
}

func TestProfilesInFileOrder(t *testing.T) {
	got := load(t).Profiles()
	if got[0] != "default" || got[1] != "work" || got[2] != "work-ro" {
		t.Fatalf("%v", got)
	}
}

func TestAccount(t *testing.T) {
	for serial, want := range map[string]string{
		"arn:aws:iam::123456789012:mfa/phone":    "123456789012",
		"arn:aws-cn:iam::210987654321:mfa/a/b/c": "210987654321",
		"GAKT12345678":                           "",
	} {
		if got := Account(serial); got != want {
			t.Errorf("Account(%s) = %q", serial, got)
		}
	}
}

// A region the SDK would refuse is refused by Resolve, naming where it was set, so that no
// caller (process, exec, serve) takes a code for a call that cannot be sent.
func TestResolveRefusesBadRegion(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config")
	const serial = "mfa_serial = arn:aws:iam::123456789012:mfa/phone\n"
	if err := os.WriteFile(cfg, []byte("[profile keys]\n"+serial+"region = us east 1\n[profile child]\nmfacred_source_profile = keys\n"+
		"[profile good]\n"+serial+"region = eu-west-1\n[profile under]\n"+serial+"region = eu_west_1\n[profile long]\n"+serial+"region = "+strings.Repeat("a", 64)+"\n[profile none]\n"+serial), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ profile, env, defaultEnv, want string }{
		{"child", "", "", `profile child: region "us east 1" is not a region name (letters, digits and dashes, like eu-west-1): fix region of profile keys in ` + cfg},
		{"under", "", "", `profile under: region "eu_west_1" is not a region name`},
		{"long", "", "", `is not a region name`},
		{"good", "eu/west", "", `profile good: region "eu/west" is not a region name (letters, digits and dashes, like eu-west-1): fix AWS_REGION`},
		{"good", "", "x.y", ""}, // the configured region wins over AWS_DEFAULT_REGION
		{"child", "eu-west-1", "", ""},
		{"good", "", "", ""},
		{"none", "", "eu west", `profile none: region "eu west" is not a region name (letters, digits and dashes, like eu-west-1): fix AWS_DEFAULT_REGION`},
	} {
		t.Setenv("AWS_REGION", tc.env)
		t.Setenv("AWS_DEFAULT_REGION", tc.defaultEnv)
		f, err := LoadFiles(cfg, filepath.Join(dir, "credentials"))
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.Resolve(tc.profile)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s (AWS_REGION=%q AWS_DEFAULT_REGION=%q): %v, want %q", tc.profile, tc.env, tc.defaultEnv, err, tc.want)
		}
	}
}

// A role over an aws login session is always chained: the reader refuses a duration past the
// chaining cap with advice that works for it (not mfacred_role_direct, which it then refused)
// and refuses mfacred_role_direct itself, each in one line naming the profile.
func TestLoginRoleDurationAndDirect(t *testing.T) {
	t.Setenv("AWS_REGION", "us-east-1")
	dir := t.TempDir()
	head := "[profile me]\nlogin_session = arn:aws:iam::123456789012:user/alice\n[profile admin]\nmfacred_source_profile = me\nmfacred_role_arn = arn:aws:iam::123456789012:role/Admin\n"
	for _, tc := range []struct{ extra, want, not string }{
		{"mfacred_role_duration_seconds = 7200\n", "a role assumed with the credentials of the aws login session of profile me is role chaining, which AWS caps at 3600 seconds: set mfacred_role_duration_seconds = 3600 or less", "mfacred_role_direct"},
		{"mfacred_role_direct = true\n", "profile admin: mfacred_role_direct = true in ", ""},
		{"mfacred_role_direct = true\nmfacred_role_duration_seconds = 7200\n", "profile admin: mfacred_role_direct = true in ", ""},
		{"mfacred_role_duration_seconds = 3600\n", "", ""},
		{"mfacred_role_direct = false\n", "", ""},
	} {
		config := filepath.Join(dir, "config")
		os.WriteFile(config, []byte(head+tc.extra), 0o600)
		f, err := LoadFiles(config, filepath.Join(dir, "none"))
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.Resolve("admin")
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%q: %v", tc.extra, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || tc.not != "" && strings.Contains(err.Error(), tc.not) || strings.Contains(err.Error(), "\n")):
			t.Errorf("%q: %v\nwant %q", tc.extra, err, tc.want)
		}
	}
}

// The refresh of an aws login session goes to the region of the profile `aws login` wrote, as
// botocore refreshes it for that profile; the region of the profile asked for only when that
// one sets none; the environment over both, as everywhere.
func TestLoginRegionIsTheLoginProfiles(t *testing.T) {
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	config := "[profile me]\nlogin_session = arn:aws:iam::123456789012:user/alice\nregion = us-west-2\n" +
		"[profile bridge]\nmfacred_source_profile = me\nregion = eu-west-1\n" +
		"[profile plain]\nlogin_session = arn:aws:iam::123456789012:user/bob\n" +
		"[profile plain-bridge]\nmfacred_source_profile = plain\nregion = ap-south-1\n" +
		"[profile odd]\nlogin_session = arn:aws:iam::123456789012:user/carol\nregion = no_such_region\n" +
		"[profile odd-bridge]\nmfacred_source_profile = odd\nregion = eu-west-1\n"
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "config"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	files, err := LoadFiles(filepath.Join(dir, "config"), filepath.Join(dir, "none"))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"me": "us-west-2", "bridge": "us-west-2", "plain-bridge": "ap-south-1"} {
		p, err := files.Resolve(name)
		if err != nil || p.Login == nil || p.Login.Region != want {
			t.Errorf("%s: login %+v, %v; want region %s", name, p, err, want)
		}
	}
	if _, err := files.Resolve("odd-bridge"); err == nil || !strings.Contains(err.Error(), `"no_such_region"`) || !strings.Contains(err.Error(), "profile odd") {
		t.Errorf("odd-bridge: %v", err)
	}
	t.Setenv("AWS_REGION", "ca-central-1")
	if p, err := files.Resolve("bridge"); err != nil || p.Login.Region != "ca-central-1" {
		t.Errorf("AWS_REGION: %+v %v", p, err)
	}
}
