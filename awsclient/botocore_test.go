package awsclient

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	awscfg "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// botocorePython is a Python whose botocore reads endpoint_url and services blocks (1.31+: the
// image's AWS CLI v1 and boto3; the AWS CLI v2 of Debian is older). With CI=true its absence
// fails the test.
func botocorePython(t *testing.T) string {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err == nil {
		err = exec.Command(py, "-c", "import botocore.configprovider as c, sys; sys.exit(0 if hasattr(c, 'ConfiguredEndpointProvider') else 1)").Run()
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no python3 with a botocore that reads endpoint_url (1.31+): %v", err)
		}
		t.Skipf("no python3 with a botocore that reads endpoint_url: %v", err)
	}
	return py
}

// botocoreClientScript builds botocore's STS client for each case, as the AWS CLI builds it,
// and reports what it will use.
const botocoreClientScript = `
import json, os, sys
import botocore.session
out = []
for case in json.loads(sys.argv[1]):
    saved = dict(os.environ)
    os.environ.update(case["env"])
    try:
        s = botocore.session.Session(profile=case["profile"])
        c = s.create_client("sts", aws_access_key_id="a", aws_secret_access_key="b")
        i = s.create_client("iam", aws_access_key_id="a", aws_secret_access_key="b")
        r = c.meta.config.retries or {}
        v = c._endpoint.http_session._verify
        out.append({"endpoint": c.meta.endpoint_url, "iam": i.meta.endpoint_url, "region": c.meta.region_name,
                    "attempts": r.get("total_max_attempts", 0), "mode": r.get("mode", ""),
                    "bundle": v if isinstance(v, str) and case["bundle_set"] else ""})
    except Exception as e:
        out.append({"error": type(e).__name__ + ": " + str(e)})
    os.environ.clear()
    os.environ.update(saved)
print(json.dumps(out))
`

// The client settings the README says mfacred honours are read as the AWS CLI's botocore
// reads them: for each pair of files and environment, botocore's STS client and mfacred's go
// to the same endpoint, in the same region, with the same CA bundle and the same retry
// settings.
func TestClientSettingsAsBotocore(t *testing.T) {
	py := botocorePython(t)
	type clientCase struct {
		Name        string            `json:"-"`
		Config      string            `json:"-"`
		Credentials string            `json:"-"`
		Profile     string            `json:"profile"`
		Env         map[string]string `json:"env"`
		BundleSet   bool              `json:"bundle_set"`
	}
	cases := []clientCase{
		{Name: "region", Config: "[profile \"my prof\"]\nregion = eu-west-1\n", Profile: "my prof"},
		{Name: "region from the credentials file", Config: "[profile q]\nregion = eu-west-1\n", Credentials: "[q]\nregion = ap-south-1\n", Profile: "q"},
		{Name: "endpoint_url", Config: "[profile 'x']\nendpoint_url = http://127.0.0.1:1/a\n", Profile: "x"},
		{Name: "endpoint_url in the credentials file only", Config: "", Credentials: "[c]\nendpoint_url = http://127.0.0.1:9/c\n", Profile: "c"},
		{Name: "services block", Config: "[profile s]\nendpoint_url = http://127.0.0.1:1/a\nservices = loc\n[services loc]\nsts =\n  endpoint_url = http://127.0.0.1:2/sts\n", Profile: "s"},
		{Name: "quoted services block, CR line ends", Config: "[profile s]\rservices = my svc\r[services \"my svc\"]\rsts =\r  endpoint_url = http://127.0.0.1:3/sts\r", Profile: "s"},
		{Name: "AWS_ENDPOINT_URL over the services block", Config: "[profile s]\nservices = loc\n[services loc]\nsts =\n  endpoint_url = http://127.0.0.1:2/sts\n", Profile: "s",
			Env: map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:4/env"}},
		{Name: "AWS_ENDPOINT_URL_STS over all", Config: "[profile s]\nendpoint_url = http://127.0.0.1:1/a\n", Profile: "s",
			Env: map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:4/env", "AWS_ENDPOINT_URL_STS": "http://127.0.0.1:5/sts"}},
		{Name: "AWS_ENDPOINT_URL_IAM over the services block", Config: "[profile s]\nservices = loc\n[services loc]\niam =\n  endpoint_url = http://127.0.0.1:2/iam\n", Profile: "s",
			Env: map[string]string{"AWS_ENDPOINT_URL_IAM": "http://127.0.0.1:6/iam"}},
		{Name: "services block for IAM", Config: "[profile s]\nendpoint_url = http://127.0.0.1:1/a\nservices = loc\n[services loc]\niam =\n  endpoint_url = http://127.0.0.1:2/iam\n", Profile: "s"},
		{Name: "ignore_configured_endpoint_urls", Config: "[profile s]\nendpoint_url = http://127.0.0.1:1/a\nignore_configured_endpoint_urls = True\n", Profile: "s",
			Env: map[string]string{"AWS_ENDPOINT_URL_STS": "http://127.0.0.1:5/sts"}},
		{Name: "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", Config: "[profile s]\nendpoint_url = http://127.0.0.1:1/a\n", Profile: "s",
			Env: map[string]string{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"}},
		{Name: "use_fips_endpoint", Config: "[profile f]\nregion = us-west-2\nuse_fips_endpoint = true\n", Profile: "f"},
		{Name: "use_fips_endpoint, not 'true'", Config: "[profile f]\nregion = us-west-2\nuse_fips_endpoint = yes\n", Profile: "f"},
		{Name: "AWS_USE_FIPS_ENDPOINT over the profile", Config: "[profile f]\nregion = us-west-2\nuse_fips_endpoint = true\n", Profile: "f",
			Env: map[string]string{"AWS_USE_FIPS_ENDPOINT": "false"}},
		{Name: "use_dualstack_endpoint", Config: "[profile d]\nregion = us-west-2\nuse_dualstack_endpoint = true\n", Profile: "d"},
		{Name: "a key in both files", Config: "[profile d]\nregion = us-west-2\nuse_dualstack_endpoint = true\n", Credentials: "[d]\nuse_dualstack_endpoint = false\n", Profile: "d"},
		{Name: "[DEFAULT] of the config file", Config: "[DEFAULT]\nendpoint_url = http://127.0.0.1:7/dflt\n[profile d]\nregion = us-west-2\n", Profile: "d"},
		{Name: "max_attempts and retry_mode", Config: "[profile r]\nmax_attempts = 7\nretry_mode = adaptive\n", Profile: "r"},
		{Name: "AWS_MAX_ATTEMPTS and AWS_RETRY_MODE over them", Config: "[profile r]\nmax_attempts = 7\nretry_mode = adaptive\n", Profile: "r",
			Env: map[string]string{"AWS_MAX_ATTEMPTS": "2", "AWS_RETRY_MODE": "standard"}},
		{Name: "ca_bundle", Config: "[profile b]\nca_bundle = /etc/ssl/certs/ca-certificates.crt\n", Profile: "b", BundleSet: true},
		{Name: "AWS_CA_BUNDLE over ca_bundle", Config: "[profile b]\nca_bundle = /nowhere.pem\n", Profile: "b", BundleSet: true,
			Env: map[string]string{"AWS_CA_BUNDLE": "/etc/ssl/certs/ca-certificates.crt"}},
	}
	type answer struct {
		Endpoint, IAM, Region, Mode, Bundle, Error string
		Attempts                                   int
	}
	// Each case gets its own files; botocore reads them in one process.
	var paths []struct{ config, credentials string }
	for i := range cases {
		c, k := files(t, cases[i].Config, cases[i].Credentials)
		paths = append(paths, struct{ config, credentials string }{c, k})
		if cases[i].Env == nil {
			cases[i].Env = map[string]string{}
		}
		// Without a region botocore sends STS calls to the global endpoint, mfacred to
		// us-east-1's (DefaultRegion); a profile's region is compared without the variable,
		// which botocore puts first and mfacred after the profile (docs/aws-contract.md §3).
		if !strings.Contains(cases[i].Config+cases[i].Credentials, "region") {
			cases[i].Env["AWS_DEFAULT_REGION"] = DefaultRegion
		}
	}
	var in []map[string]any
	for i, c := range cases {
		env := map[string]string{"AWS_CONFIG_FILE": paths[i].config, "AWS_SHARED_CREDENTIALS_FILE": paths[i].credentials}
		for k, v := range c.Env {
			env[k] = v
		}
		in = append(in, map[string]any{"profile": c.Profile, "env": env, "bundle_set": c.BundleSet})
	}
	q, _ := json.Marshal(in)
	cmd := exec.Command(py, "-c", botocoreClientScript, string(q))
	var env []string
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); !strings.HasPrefix(k, "AWS_") {
			env = append(env, kv)
		}
	}
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("botocore: %v", err)
	}
	var answers []answer
	if err := json.Unmarshal(out, &answers); err != nil || len(answers) != len(cases) {
		t.Fatalf("botocore answered %s: %v", out, err)
	}
	for i, c := range cases {
		want := answers[i]
		if want.Error != "" {
			t.Errorf("%s: botocore fails: %s", c.Name, want.Error)
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			var envList []string
			for k, v := range c.Env {
				envList = append(envList, k, v)
			}
			files(t, c.Config, c.Credentials, envList...)
			target := resolved(t, c.Profile)
			stsURL, iamURL := endpoints(t, target)
			cfg, err := Config(context.Background(), target, testKeys)
			if err != nil {
				t.Fatal(err)
			}
			got := answer{Endpoint: strings.TrimSuffix(stsURL, "/"), Region: cfg.Region}
			o := sts.NewFromConfig(cfg).Options()
			if want.Attempts != 0 {
				got.Attempts = o.RetryMaxAttempts
			}
			if want.Mode != "legacy" && want.Mode != "" {
				got.Mode = string(o.RetryMode)
			}
			got.Mode, want.Mode = strings.Replace(got.Mode, "legacy", "", 1), strings.Replace(want.Mode, "legacy", "", 1)
			if c.BundleSet {
				envCfg, _ := awscfg.NewEnvConfig()
				files, _ := target.Files.ClientSettings(c.Profile)
				got.Bundle, _ = caBundle(envCfg, files)
			}
			want.Endpoint = strings.TrimSuffix(want.Endpoint, "/")
			// IAM is compared where an endpoint is configured: AWS's own IAM hosts for FIPS
			// and dual-stack are named by each SDK's endpoint rules, not by the files.
			if strings.HasPrefix(want.IAM, "http://127.0.0.1") || strings.HasPrefix(iamURL, "http://127.0.0.1") {
				got.IAM = strings.TrimSuffix(iamURL, "/")
				want.IAM = strings.TrimSuffix(want.IAM, "/")
			} else {
				want.IAM = ""
			}
			if got != want {
				t.Errorf("mfacred %+v\nbotocore %+v", got, want)
			}
		})
	}
}
