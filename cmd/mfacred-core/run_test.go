package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/mfacred/mfacred/export"
	"github.com/mfacred/mfacred/fastpath"
	"github.com/mfacred/mfacred/internal/cli"
)

func runWith(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(context.Background(), args, stdio{In: strings.NewReader(""), Out: &out, Err: &errb})
	return code, out.String(), errb.String()
}

func TestHelpAndVersion(t *testing.T) {
	for _, tc := range []struct {
		args     []string
		code     int
		out, err string
	}{
		{[]string{"--help"}, 0, "credential_process = mfacred process --profile work", ""},
		{[]string{"help", "process"}, 0, "Usage: mfacred process --profile NAME", ""},
		{[]string{"help", "totp"}, 0, "one factor", ""},
		{[]string{"version"}, 0, "mfacred dev", ""},
		{[]string{"frobnicate"}, 2, "", `mfacred: no command "frobnicate": run ` + "`mfacred --help`"},
		{nil, 2, "", "Usage: mfacred [--keyring os|kernel] COMMAND"},
		{[]string{"--keyring", "file", "status"}, 2, "", "mfacred: --keyring=file: want os or kernel"},
		{[]string{"--keyring=", "status"}, 2, "", "mfacred: --keyring needs a value: os or kernel (leave the flag out for the automatic choice)"},
		{[]string{"--keyring", "", "status"}, 2, "", "mfacred: --keyring needs a value"},
		{[]string{"--keyring"}, 2, "", "--keyring needs a value"},
		{[]string{"add"}, 2, "", "mfacred: add: missing argument: run `mfacred help add`"},
	} {
		code, out, errOut := runWith(tc.args...)
		if code != tc.code || !strings.Contains(out, tc.out) || !strings.Contains(errOut, tc.err) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", tc.args, code, out, errOut)
		}
	}
}

func TestAddEnvRejectsBadKeys(t *testing.T) {
	for _, tc := range []struct{ id, secret, token, want string }{
		{"", "", "", "--env needs both"},
		{"ASIAAAAAAAAAAAAAAAAA", "secretsecretsecret", "", "temporary access key"},
		{"AKIAAAAAAAAAAAAAAAAA", "secretsecretsecret", "tok", "AWS_SESSION_TOKEN is set"},
		{"not-a-key", "secretsecretsecret", "", "not of the form AKIA"},
	} {
		t.Setenv("AWS_ACCESS_KEY_ID", tc.id)
		t.Setenv("AWS_SECRET_ACCESS_KEY", tc.secret)
		t.Setenv("AWS_SESSION_TOKEN", tc.token)
		code, out, errOut := runWith("add", "work", "--env")
		if code != 1 || out != "" || !strings.Contains(errOut, tc.want) || !strings.Contains(errOut, "profile work") {
			t.Errorf("%+v: exit %d, stderr %q", tc, code, errOut)
		}
		if strings.Contains(errOut, "secretsecretsecret") {
			t.Errorf("secret in error: %q", errOut)
		}
	}
}

func TestPolicyCommand(t *testing.T) {
	code, out, _ := runWith("policy", "check", "../../iampolicy/testdata/single-device-era.json")
	if code != 1 || !strings.Contains(out, `statement "AllowIndividualUserToManageTheirOwnMFA": iam:CreateVirtualMFADevice`) {
		t.Fatalf("single-device-era: exit %d\n%s", code, out)
	}
	code, out, _ = runWith("policy", "check", "../../iampolicy/testdata/named-devices-fixed.json")
	if code != 0 || !strings.HasSuffix(out, "named-devices-fixed.json: no problems found\n") {
		t.Fatalf("named-devices-fixed: exit %d\n%s", code, out)
	}
	code, _, errOut := runWith("policy", "check", "testdata/missing.json")
	if code != 1 || !strings.Contains(errOut, "testdata/missing.json") || strings.Count(errOut, "\n") != 1 {
		t.Fatalf("missing file: exit %d %q", code, errOut)
	}
	code, out, _ = runWith("policy", "--partition", "aws-us-gov")
	if code != 0 || !strings.Contains(out, `"arn:aws-us-gov:iam::*:mfa/*"`) {
		t.Fatalf("policy --partition aws-us-gov: exit %d\n%s", code, out)
	}
	if code, _, errOut := runWith("policy", "--partition", "aws-mars"); code != 1 || !strings.Contains(errOut, `partition "aws-mars"`) {
		t.Fatalf("bad partition: %d %q", code, errOut)
	}
}

// The fast path (fastpath.Profile, in the other binary) serves only arguments the core
// accepts, for the same profile: whatever the core refuses, the fast path leaves to it.
func TestFastPathArgsMatchCore(t *testing.T) {
	t.Setenv("AWS_PROFILE", "")
	for _, args := range [][]string{
		nil,
		{"--profile", "work"}, {"-profile", "work"}, {"--profile=work"}, {"-profile=work"},
		{"--profile", "a", "--profile", "b"},
		{"work"}, {"--profile", "work", "extra"}, {"--", "--profile", "work"}, {"--profile", "work", "--"},
		{"--"}, {"--frob"}, {"--profile"}, {"--profile="}, {"--profile", ""}, {"-h"}, {"--help"},
		{"--keyring", "os", "--profile", "work"}, {"---profile", "work"}, {"profile", "work"},
		{"--profile", "-x"}, {"--profile", "--"},
		{"--profile=a", "--profile=a"}, {"--profile", "a\nb"}, {"--profile=a\tb"},
	} {
		fs := newFlagSet(processCmd, io.Discard)
		profile := cli.ProfileFlag(fs)
		coreErr := cli.Parse(fs, args, 0, 0)
		name, ok := fastpath.Profile(args)
		switch {
		case ok && coreErr != nil:
			t.Errorf("%q: the fast path serves %q, the core refuses: %v", args, name, coreErr)
		case ok && name != *profile:
			t.Errorf("%q: the fast path serves %q, the core %q", args, name, *profile)
		}
	}
}

// The same for export: the fast path serves only arguments the core accepts, for the same
// profile and format.
func TestFastPathExportArgsMatchCore(t *testing.T) {
	t.Setenv("AWS_PROFILE", "")
	for _, args := range [][]string{
		nil, {"--profile", "work"}, {"--format", "json"}, {"--format=ini", "-profile=work"}, {"-format", "windows-cmd"},
		{"--format", "yaml"}, {"--format="}, {"--format", ""}, {"--format"}, {"--format", "env", "--format", "env"},
		{"--format", "ENV"}, {"work"}, {"--profile", "work", "--"}, {"--", "--format", "env"}, {"--profile", "a\nb"},
		{"--region", "eu-west-1"}, {"--format", "env", "extra"}, {"---format", "env"}, {"-h"},
	} {
		fs := newFlagSet(exportCmd, io.Discard)
		profile := cli.ProfileFlag(fs)
		format := fs.String("format", export.Default, "")
		coreErr := cli.Parse(fs, args, 0, 0)
		if coreErr == nil {
			_, coreErr = export.Parse(*format)
		}
		name, f, ok := fastpath.ExportArgs(args)
		switch {
		case ok && coreErr != nil:
			t.Errorf("%q: the fast path serves %q, the core refuses: %v", args, name, coreErr)
		case ok && (name != *profile || f.Name != mustFormat(t, *format)):
			t.Errorf("%q: the fast path serves %q as %s, the core %q as %s", args, name, f.Name, *profile, *format)
		}
	}
}

func mustFormat(t *testing.T, name string) string {
	t.Helper()
	f, err := export.Parse(name)
	if err != nil {
		t.Fatal(err)
	}
	return f.Name
}
