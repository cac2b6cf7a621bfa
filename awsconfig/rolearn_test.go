package awsconfig

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// roleARNRow is one row of testdata/role_arns.txt.
type roleARNRow struct {
	ok            bool
	value, reason string
}

func roleARNTable(t *testing.T) []roleARNRow {
	t.Helper()
	f, err := os.Open("testdata/role_arns.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []roleARNRow
	for s := bufio.NewScanner(f); s.Scan(); {
		if s.Text() == "" || strings.HasPrefix(s.Text(), "#") {
			continue
		}
		cols := strings.Split(s.Text(), "\t")
		v, err := strconv.Unquote(cols[1])
		if err != nil || len(cols) != map[bool]int{true: 2, false: 3}[cols[0] == "ok"] {
			t.Fatalf("testdata/role_arns.txt: bad row %q", s.Text())
		}
		r := roleARNRow{ok: cols[0] == "ok", value: v}
		if !r.ok {
			r.reason = cols[2]
		}
		rows = append(rows, r)
	}
	return rows
}

// CheckRoleARN, and the reader behind process that asks it, give each role ARN of
// testdata/role_arns.txt the table's verdict, the reader naming the reason in one line with the
// profile, the key and the file; setup gives the same verdicts (e2e
// TestRoleARNSetupRefusesWhatProcessRefuses).
func TestRoleARNOneVerdict(t *testing.T) {
	// IAM: a path of 1 to 512 characters (/p/p/.../, its first / not in the ARN), a name of 1
	// to 64: the longest role ARN has 511 + 64 after role/. It refused a real role whose path
	// and name passed 512 together.
	path := "pp/" + strings.Repeat("p/", 254) // with its leading /, an IAM path of 512
	long := "arn:aws:iam::123456789012:role/" + path + strings.Repeat("n", 64)
	if err := CheckRoleARN(long); err != nil {
		t.Errorf("a role with a 512-character path and a 64-character name: %v", err)
	}
	if err := CheckRoleARN("arn:aws:iam::123456789012:role/p" + path + "n"); !errors.Is(err, ErrRoleARN) || !strings.HasPrefix(err.Error(), "the role's path is 513 characters, more than 512: ") {
		t.Errorf("a role with a 513-character path: %v", err)
	}
	if err := CheckRoleARN(long + "n"); !errors.Is(err, ErrRoleARN) || !strings.HasPrefix(err.Error(), "the role's path and name are 576 characters, more than IAM's 512 and 64: ") {
		t.Errorf("a role with 576 characters of path and name: %v", err)
	}
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config")
	for _, row := range roleARNTable(t) {
		switch err := CheckRoleARN(row.value); {
		case row.ok && err != nil:
			t.Errorf("CheckRoleARN(%q) = %v", row.value, err)
		case !row.ok && (!errors.Is(err, ErrRoleARN) || err.Error() != row.reason+": "+ErrRoleARN.Error()):
			t.Errorf("CheckRoleARN(%q) = %v, want %s", row.value, err, row.reason)
		}
		if row.value != strings.TrimSpace(row.value) || strings.ContainsAny(row.value, "\r\n") {
			continue // setup's alone: no file carries it to the reader
		}
		config := fmt.Sprintf("[profile work]\nmfa_serial = arn:aws:iam::123456789012:mfa/phone\n[profile r]\nmfacred_source_profile = work\nmfacred_role_arn = %s\n", row.value)
		if err := os.WriteFile(cfg, []byte(config), 0o600); err != nil {
			t.Fatal(err)
		}
		f, err := LoadFiles(cfg, filepath.Join(dir, "credentials"))
		if err != nil {
			t.Fatalf("%q: %v", row.value, err)
		}
		p, err := f.Resolve("r")
		switch {
		case row.ok && err != nil:
			t.Errorf("%q refused: %v", row.value, err)
		case row.ok && (p.Role == nil || p.Role.ARN != row.value):
			t.Errorf("%q read as %+v", row.value, p.Role)
		case row.ok:
		case err == nil:
			t.Errorf("%q accepted", row.value)
		case !errors.Is(err, ErrRoleARN):
			t.Errorf("%q: %v is not ErrRoleARN", row.value, err)
		default:
			want := fmt.Sprintf("profile r: mfacred_role_arn = %q in %s: %s: want a role ARN such as arn:aws:iam::123456789012:role/NAME", row.value, cfg, row.reason)
			if err.Error() != want {
				t.Errorf("%q:\n got %s\nwant %s", row.value, err, want)
			}
		}
	}
}
