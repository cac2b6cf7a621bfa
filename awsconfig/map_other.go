//go:build !unix

package awsconfig

import (
	"errors"
	"os"
)

func mapFile(*os.File, int64) ([]byte, error) { return nil, errors.New("not mapped here") }

const canMap = false
