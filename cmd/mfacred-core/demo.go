package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"golang.org/x/term"

	"github.com/mfacred/mfacred/demo"
	"github.com/mfacred/mfacred/internal/cli"
)

var demoCmd = &command{
	name:    "demo",
	args:    "[--auto]",
	summary: "show the whole flow against a local STS: no AWS account needed, nothing left behind",
	help: `demo starts a local STS and IAM on 127.0.0.1 (in this process) that checks signatures and MFA
codes as AWS does, with an IAM user who owns two MFA devices with names of their own, and runs the
real mfacred on it step by step: keys into the keyring, a profile wired with credential_process,
the first call (a code), the second (from the keyring), 16 parallel calls (one GetSessionToken), a
role in another account (no second code), the AWS CLI (or, without it, the Go SDK) as the caller,
doctor on a pre-2022 mfa/USERNAME serial, and policy check on a pre-2022 policy.

It writes only to a temporary folder and to a keyring namespace of its own (MFACRED_NAMESPACE:
items under the service mfacred-demo-...), and removes both at the end; your ~/.aws and your
cached sessions are not read or touched.

With a terminal it shows the device's current code for you to type; with --auto, or with no
terminal, it stores the device's seed so that mfacred makes the code itself.`,
	run: runDemo,
}

func runDemo(ctx context.Context, e *env, fs *flag.FlagSet, args []string) error {
	auto := fs.Bool("auto", false, "let mfacred get the first code from mfa_process instead of asking you (the default with no terminal)")
	codeOf := fs.String("code-of", "", "print the current code of the demo device `NAME` (the demo's mfa_process; its seed is in $MFACRED_DEMO_SEED_NAME)")
	if err := cli.Parse(fs, args, 0, 0); err != nil {
		return err
	}
	if *codeOf != "" {
		code, err := demo.CodeOf(*codeOf)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(e.io.Out, code)
		return err
	}
	front, err := cli.Front()
	if err != nil {
		return err
	}
	return demo.Run(ctx, demo.Options{Out: e.io.Out, Keyring: e.store.Keyring, Front: front,
		Interactive: !*auto && term.IsTerminal(int(os.Stdin.Fd()))})
}
