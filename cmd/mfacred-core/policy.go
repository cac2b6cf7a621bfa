package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/mfacred/mfacred/iampolicy"
	"github.com/mfacred/mfacred/internal/cli"
)

var policyCmd = &command{
	name:    "policy",
	args:    "[--partition aws|aws-cn|aws-us-gov] | check FILE",
	summary: "print AWS's self-manage-MFA policy, or check one for named-device breakage",
	help: `policy prints AWS's example policy that lets IAM users manage their own MFA devices and
denies everything else until they use MFA, ready for

  aws iam create-policy --policy-name SelfManageMFA --policy-document file://policy.json

Device actions take arn:PARTITION:iam::*:mfa/* (any device name); user actions the user's own ARN.

policy check FILE reads an IAM policy document (- for stdin) and reports, by statement: MFA device
actions limited to mfa/${aws:username}, which breaks devices with names of their own; a
Deny-unless-MFA statement that also denies what enrolling a device needs; Bool where BoolIfExists
is needed for requests signed with long-term keys. Exit 0 when clean, 1 with findings.`,
	run: runPolicy,
}

func runPolicy(_ context.Context, e *env, fs *flag.FlagSet, args []string) error {
	if len(args) > 0 && args[0] == "check" {
		if err := cli.Parse(fs, args[1:], 1, 1); err != nil {
			return err
		}
		return checkPolicy(e, fs.Arg(0))
	}
	partition := fs.String("partition", "aws", "the partition of the ARNs: aws, aws-cn or aws-us-gov")
	if err := cli.Parse(fs, args, 0, 0); err != nil {
		return err
	}
	d, err := iampolicy.SelfManage(*partition)
	if err != nil {
		return err
	}
	_, err = e.io.Out.Write(d.JSON())
	return err
}

func checkPolicy(e *env, path string) error {
	findings, err := iampolicy.CheckFile(path, e.io.In)
	if err != nil {
		return err
	}
	for _, f := range findings {
		fmt.Fprintf(e.io.Out, "%s: %s\n", path, f)
	}
	if len(findings) > 0 {
		return exitError(1)
	}
	fmt.Fprintf(e.io.Out, "%s: no problems found\n", path)
	return nil
}
