// Command sdkclient is the AWS SDK for Go v2 as a real client in mfacred's end-to-end tests:
// credentials from the SDK's default chain (config.LoadDefaultConfig), so from a credentials
// server when AWS_CONTAINER_CREDENTIALS_FULL_URI is set. For -for it calls GetCallerIdentity
// every -every and then prints one JSON line: {"ok":N,"failed":M,"keys":K,"arn":"..."}, where
// keys counts the distinct access key ids the SDK used. Each failure goes to stderr.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

type summary struct {
	OK     int    `json:"ok"`
	Failed int    `json:"failed"`
	Keys   int    `json:"keys"`
	ARN    string `json:"arn"`
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	d := flag.Duration("for", 10*time.Second, "how long to keep calling")
	every := flag.Duration("every", time.Second, "the pause between calls")
	flag.Parse()
	s, err := run(ctx, *d, *every)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sdkclient:", err)
		os.Exit(1)
	}
	json.NewEncoder(os.Stdout).Encode(s)
}

func run(ctx context.Context, d, every time.Duration) (summary, error) {
	var s summary
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return s, fmt.Errorf("load config: %w", err)
	}
	client := sts.NewFromConfig(cfg)
	keys := map[string]bool{}
	end := time.Now().Add(d)
	for time.Now().Before(end) && ctx.Err() == nil {
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		creds, err := cfg.Credentials.Retrieve(cctx)
		if err == nil {
			keys[creds.AccessKeyID] = true
			var out *sts.GetCallerIdentityOutput
			if out, err = client.GetCallerIdentity(cctx, &sts.GetCallerIdentityInput{}); err == nil && out.Arn != nil {
				s.ARN = *out.Arn
			}
		}
		cancel()
		if err != nil {
			s.Failed++
			fmt.Fprintln(os.Stderr, "call failed:", err)
		} else {
			s.OK++
		}
		select {
		case <-time.After(every):
		case <-ctx.Done():
		}
	}
	s.Keys = len(keys)
	return s, nil
}
