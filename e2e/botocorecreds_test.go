//go:build linux

package e2e

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/mfacred/mfacred/internal/testenv"
)

// botocoreCase is one profile whose credentials botocore is asked for: its config file and
// the environment its credential_process runs in (a world's).
type botocoreCase struct {
	Config  string            `json:"config"`
	Profile string            `json:"profile"`
	Env     map[string]string `json:"env"`
}

// botocoreCredentials asks botocore, in one Python process, for each case's credentials,
// through the same credential provider chain the AWS CLI uses (its credential_process runs as
// the AWS CLI runs it: split with shlex, no shell). It returns, for each case, the access key
// id botocore got ("error: ..." with botocore's words if none) and the profile's
// credential_process as botocore reads it. One Python start for many lines, instead of one
// AWS CLI start (about a CPU-second) for each.
func botocoreCredentials(t *testing.T, cases []botocoreCase) []botocoreAnswer {
	t.Helper()
	needPython(t)
	in, err := json.Marshal(cases)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(python, "-c", `import json, os, sys
import botocore.session
out = []
for c in json.load(sys.stdin):
    os.environ.clear()
    os.environ.update(c["env"])
    os.environ["AWS_CONFIG_FILE"] = c["config"]
    s = botocore.session.Session(profile=c["profile"])
    a = {"process": s.full_config["profiles"].get(c["profile"], {}).get("credential_process", "")}
    try:
        creds = s.get_credentials()
        a["key"] = creds.get_frozen_credentials().access_key if creds else "error: no credentials"
    except Exception as e:
        a["key"] = "error: " + str(e).replace("\n", " ")
    out.append(a)
json.dump(out, sys.stdout)`)
	cmd.Stdin = strings.NewReader(string(in))
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("botocore: %v", err)
	}
	var got []botocoreAnswer
	if err := json.Unmarshal(b, &got); err != nil || len(got) != len(cases) {
		t.Fatalf("botocore answered %q (%v), want %d answers", b, err, len(cases))
	}
	return got
}

// botocoreAnswer is what botocore made of one botocoreCase.
type botocoreAnswer struct {
	Key     string `json:"key"`     // the access key id it got, or "error: ..."
	Process string `json:"process"` // the profile's credential_process, as it reads it
}

// envMap is a world's environment as botocoreCredentials takes it.
func envMap(env []string) map[string]string {
	m := map[string]string{}
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}

// awsConfigGet answers, for each key, `aws configure get KEY --profile PROFILE` as the AWS CLI
// v2 at /usr/bin/aws does, in one start of it: what /usr/bin/aws runs (awscli.clidriver.main,
// with the command line in sys.argv) is called once per key inside the CLI's own Python,
// with env as the environment, and what it prints is the answer ("" for a key the profile
// does not have). One start, about a CPU-second, instead of one for each key.
func awsConfigGet(t *testing.T, env []string, profile string, keys ...string) []string {
	t.Helper()
	in, err := json.Marshal(keys)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(testenv.AWSPython(t), "-c", `import json, os, sys, tempfile
import awscli.clidriver
keys, profile = json.load(sys.stdin), sys.argv[1]
out, saved = [], os.dup(1)
with tempfile.TemporaryFile() as f:
    for key in keys:
        f.seek(0)
        f.truncate()
        sys.stdout.flush()
        os.dup2(f.fileno(), 1)
        try:
            sys.argv = ["aws", "configure", "get", key, "--profile", profile]
            awscli.clidriver.main()
        finally:
            sys.stdout.flush()
            os.dup2(saved, 1)
        f.seek(0)
        out.append(f.read().decode())
json.dump(out, sys.stdout)`, profile)
	cmd.Env = env
	cmd.Stdin = strings.NewReader(string(in))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	var got []string
	if err != nil || json.Unmarshal(b, &got) != nil || len(got) != len(keys) {
		t.Fatalf("aws configure get %v --profile %s: %v %q %s", keys, profile, err, b, stderr.String())
	}
	return got
}
