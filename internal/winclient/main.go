// Command winclient is the Windows caller of mfacred's Wine tests (e2e/wine_test.go): built
// for Windows and run under Wine, it resolves a profile the way a Windows user's program does,
// with the AWS SDK for Go v2, which runs the profile's credential_process through cmd.exe.
//
//	winclient identity     credentials from the SDK's default chain (AWS_PROFILE), then
//	                       GetCallerIdentity; prints {"arn":...,"key":...} (the access key id)
//	winclient code         prints the current TOTP code of the seed in MFACRED_TEST_SEED: the
//	                       program an mfa_process line runs
//	winclient tree FILE    starts "winclient beat FILE" and waits: a process with a child, for
//	                       exec's job object to end together
//	winclient beat FILE    writes the time to FILE every 100 ms, for ever
//
// Errors go to stderr with exit status 1.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/pquerna/otp/totp"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "winclient:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New("usage: winclient identity|code|tree FILE|beat FILE")
	}
	switch {
	case args[0] == "identity" && len(args) == 1:
		return identity(ctx)
	case args[0] == "code" && len(args) == 1:
		code, err := totp.GenerateCode(os.Getenv("MFACRED_TEST_SEED"), time.Now())
		if err != nil {
			return fmt.Errorf("generate code: %w", err)
		}
		fmt.Println(code)
		return nil
	case args[0] == "tree" && len(args) == 2:
		self, err := os.Executable()
		if err != nil {
			return err
		}
		child := exec.CommandContext(ctx, self, "beat", args[1])
		if err := child.Start(); err != nil {
			return fmt.Errorf("start beat: %w", err)
		}
		fmt.Println(child.Process.Pid)
		return child.Wait()
	case args[0] == "beat" && len(args) == 2:
		for ctx.Err() == nil {
			if err := os.WriteFile(args[1], []byte(strconv.FormatInt(time.Now().UnixNano(), 10)), 0o600); err != nil {
				return err
			}
			time.Sleep(100 * time.Millisecond)
		}
		return nil
	}
	return fmt.Errorf("unknown arguments %q", args)
}

func identity(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return fmt.Errorf("load config: %w", err)
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return fmt.Errorf("retrieve credentials: %w", err)
	}
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return fmt.Errorf("get caller identity: %w", err)
	}
	return json.NewEncoder(os.Stdout).Encode(map[string]string{"arn": *out.Arn, "key": creds.AccessKeyID})
}
