package testenv

import (
	"os"
	"strings"
	"testing"
)

// AWSCLI is the real AWS CLI v2 (Debian package awscli), whose botocore is the reference for
// how the files are read and credential_process lines are split. With CI=true its absence
// fails the test; elsewhere it skips it.
func AWSCLI(t *testing.T) string {
	t.Helper()
	const cli = "/usr/bin/aws"
	if _, err := os.Stat(cli); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s (AWS CLI v2) is missing: %v", cli, err)
		}
		t.Skipf("%s (AWS CLI v2) is missing", cli)
	}
	return cli
}

// AWSPython is the interpreter the AWS CLI v2 runs on (from its #! line), with its botocore.
func AWSPython(t *testing.T) string {
	t.Helper()
	head, err := os.ReadFile(AWSCLI(t))
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(head), "\n")
	return strings.TrimSpace(strings.TrimPrefix(first, "#!"))
}
