package awsconfig

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE are expanded as botocore's raw_config_parse
// expands them (os.path.expandvars, then os.path.expanduser), asked of the AWS CLI v2's own
// Python with the same environment; and `aws configure get` reads the file so named.
func TestPathsExpandAsBotocore(t *testing.T) {
	py := awsPython(t)
	home := t.TempDir()
	inputs := []string{
		"~/.aws/config", "~", "~/", "~root/x", "~no-such-user-here/x", "a/~/b", "$X/config", "${X}/config",
		"$TILDE/config", "$NOPE/config", "${NOPE}/c", "${}/c", "$/c", "$", "a$Xb", "a${X}b", "$X$X", "${X",
		"$1/c", "$X_/c", "~$X", "$HOME/.aws/config", "/abs/path", "rel/path", "$É/c", "%X%/c",
	}
	env := []string{"HOME=" + home, "X=/ex", "TILDE=~/t", "PATH=/usr/bin:/bin"}
	in, _ := json.Marshal(inputs)
	cmd := exec.Command(py, "-c", `
import json, os, sys
print(json.dumps([os.path.expanduser(os.path.expandvars(p)) for p in json.loads(sys.argv[1])]))`, string(in))
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	if err := json.Unmarshal(out, &want); err != nil || len(want) != len(inputs) {
		t.Fatalf("python answered %s: %v", out, err)
	}
	saved := os.Environ()
	t.Cleanup(func() {
		os.Clearenv()
		for _, kv := range saved {
			k, v, _ := strings.Cut(kv, "=")
			os.Setenv(k, v)
		}
	})
	os.Clearenv()
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	for i, p := range inputs {
		if got := expandPath(p); got != want[i] {
			t.Errorf("%q: mfacred %q, botocore %q", p, got, want[i])
		}
	}

	// The files the environment names, as the AWS CLI finds them.
	if err := os.MkdirAll(filepath.Join(home, "d"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, "d", "config"), []byte("[profile p]\nregion = from-config\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, "d", "creds"), []byte("[p]\nmfa_serial = from-creds\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CONFIG_FILE", "~/d/config")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "${D}/creds")
	t.Setenv("D", filepath.Join(home, "d"))
	f, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{"region": "from-config", "mfa_serial": "from-creds"} {
		c := exec.Command(awsCLI(t), "configure", "get", key, "--profile", "p")
		c.Env = os.Environ()
		got, err := c.Output()
		if err != nil || string(got) != want+"\n" || f.Get("p", key) != want {
			t.Errorf("%s: aws configure get %q (%v), mfacred %q, want %q", key, got, err, f.Get("p", key), want)
		}
	}
}
