package main

import (
	"context"
	"flag"

	"github.com/mfacred/mfacred/export"
	"github.com/mfacred/mfacred/internal/cli"
)

var exportCmd = &command{
	name:    "export",
	args:    "[--profile NAME] [--format FORMAT]",
	summary: "print the profile's credentials for a shell or a script",
	help:    export.Usage(),
	run:     runExport,
}

func runExport(ctx context.Context, e *env, fs *flag.FlagSet, args []string) error {
	profile := cli.ProfileFlag(fs)
	name := fs.String("format", export.Default, "the format: "+export.Names())
	if err := cli.Parse(fs, args, 0, 0); err != nil {
		return err
	}
	format, err := export.Parse(*name)
	if err != nil {
		return usageError{"export", err.Error()}
	}
	p, entry, err := e.credentials(ctx, *profile)
	if err != nil {
		return err
	}
	return format.Write(e.io.Out, export.Of(p, entry))
}
