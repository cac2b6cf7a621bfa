package main

import (
	"context"
	"flag"

	"github.com/mfacred/mfacred/internal/cli"
	"github.com/mfacred/mfacred/vaultimport"
)

var importCmd = &command{name: "import", args: "aws-vault [--backend NAME] [--yes] [--no-verify] [--remove]", summary: "move your keys and profiles from aws-vault",
	help: `Reads the long-term keys aws-vault holds (its backend and variables: AWS_VAULT_BACKEND, AWS_VAULT_FILE_PASSPHRASE, ...), stores them as add does, and rewrites the profiles aws-vault served as mfacred profiles (README, Coming from aws-vault). It shows the change and makes it once you agree, or with --yes; aws-vault's items stay unless --remove.`,
	run: func(ctx context.Context, e *env, fs *flag.FlagSet, args []string) (err error) {
		var o vaultimport.Options
		fs.StringVar(&o.Backend, "backend", "", "aws-vault's backend (default $AWS_VAULT_BACKEND, else aws-vault's default on this OS)")
		fs.BoolVar(&o.Yes, "yes", false, "make the change without asking")
		fs.BoolVar(&o.NoVerify, "no-verify", false, "store the keys without checking them with AWS (offline)")
		fs.BoolVar(&o.Remove, "remove", false, "remove aws-vault's items of the keys imported")
		if _, err = cli.ParseNamed(fs, args, "aws-vault"); err != nil {
			return err
		} else if err = cli.Empty(fs, "backend"); err != nil {
			return err
		}
		return vaultimport.Run(ctx, e.store, o, e.io.Out, e.io.Err)
	}}
