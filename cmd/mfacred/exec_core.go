package main

import (
	"os"

	"github.com/mfacred/mfacred/internal/child"
)

// execCore becomes mfacred-core (on Windows: runs it in a job object that ends with this
// process), keeping stdio, environment, signals and exit code.
func execCore(path string, argv []string) error {
	code, err := child.Exec(path, argv, os.Environ())
	if err != nil {
		return err
	}
	os.Exit(code)
	return nil
}
