// The AWS SDK for JavaScript v3 as a real client in mfacred's end-to-end tests: credentials
// from the SDK's default Node.js chain, so from a credentials server when
// AWS_CONTAINER_CREDENTIALS_FULL_URI is set. For argv[2] seconds it calls GetCallerIdentity
// every second, then prints one JSON line: {"ok":N,"failed":M,"keys":K,"arn":"..."}, keys
// counting the distinct access key ids the SDK used. Each failure goes to stderr.
import { STSClient, GetCallerIdentityCommand } from "@aws-sdk/client-sts";

const client = new STSClient({ endpoint: process.env.AWS_ENDPOINT_URL_STS });
const end = Date.now() + Number(process.argv[2]) * 1000;
let ok = 0, failed = 0, arn = "";
const keys = new Set();
while (Date.now() < end) {
  try {
    const creds = await client.config.credentials();
    keys.add(creds.accessKeyId);
    arn = (await client.send(new GetCallerIdentityCommand({}))).Arn;
    ok++;
  } catch (e) {
    failed++;
    console.error("call failed:", e.message);
  }
  await new Promise((r) => setTimeout(r, 1000));
}
console.log(JSON.stringify({ ok, failed, keys: keys.size, arn }));
