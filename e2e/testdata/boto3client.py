"""boto3 as a real client in mfacred's end-to-end tests: credentials from botocore's default
chain, so from a credentials server when AWS_CONTAINER_CREDENTIALS_FULL_URI is set. For argv[1]
seconds it calls GetCallerIdentity every second, then prints one JSON line:
{"ok": N, "failed": M, "keys": K, "arn": "..."}, keys counting the distinct access key ids
botocore used. Each failure goes to stderr."""
import json
import sys
import time

import boto3

session = boto3.session.Session()
client = session.client("sts")
end = time.time() + float(sys.argv[1])
ok = failed = 0
keys = set()
arn = ""
while time.time() < end:
    try:
        keys.add(session.get_credentials().get_frozen_credentials().access_key)
        arn = client.get_caller_identity()["Arn"]
        ok += 1
    except Exception as e:  # every failure counts, whatever its kind
        failed += 1
        print("call failed:", e, file=sys.stderr)
    time.sleep(1)
print(json.dumps({"ok": ok, "failed": failed, "keys": len(keys), "arn": arn}))
