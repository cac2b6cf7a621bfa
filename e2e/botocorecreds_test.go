//go:build linux

package e2e

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
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
