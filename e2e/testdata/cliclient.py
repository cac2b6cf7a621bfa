"""The AWS CLI v2 (/usr/bin/aws) as a real client in mfacred's end-to-end tests: every run
is a new process that reads the credentials server named in its environment. For argv[1]
seconds it runs `aws sts get-caller-identity` and `aws configure export-credentials` (for the
access key id the CLI used), then prints one JSON line like the other clients. Each failure
goes to stderr. Before that it checks that the server refuses a wrong token and a missing
one, to the CLI and to a plain request ("refused": true)."""
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

AWS = "/usr/bin/aws"
endpoint = os.environ["AWS_ENDPOINT_URL_STS"]  # the CLI 2.9 predates the variable


def aws(*args, env=None):
    return subprocess.run([AWS, *args], capture_output=True, text=True, env=env, timeout=60)


def status(headers):
    req = urllib.request.Request(os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"], headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status
    except urllib.error.HTTPError as e:
        return e.code


wrong = dict(os.environ, AWS_CONTAINER_AUTHORIZATION_TOKEN="x" * 43)
cli_refused = aws("sts", "get-caller-identity", "--endpoint-url", endpoint, env=wrong).returncode != 0
refused = cli_refused and status({"Authorization": "x" * 43}) == 403 and status({}) == 401

end = time.time() + float(sys.argv[1])
ok = failed = 0
keys = set()
arn = ""
while time.time() < end:
    r = aws("sts", "get-caller-identity", "--endpoint-url", endpoint, "--query", "Arn", "--output", "text")
    e = aws("configure", "export-credentials", "--format", "process")
    if r.returncode == 0 and e.returncode == 0:
        ok += 1
        arn = r.stdout.strip()
        keys.add(json.loads(e.stdout)["AccessKeyId"])
    else:
        failed += 1
        print("call failed:", r.stderr.strip(), e.stderr.strip(), file=sys.stderr)
    time.sleep(2)
print(json.dumps({"ok": ok, "failed": failed, "keys": len(keys), "arn": arn, "refused": refused}))
