package main

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// testdata/run.json is `go test -json ./...` of a module with a passing, a skipped and a
// parent test whose parallel subtests pass and fail (package a), a passing package (b) and one
// with no tests (c). What go test prints without -json for that run is what testsummary prints.
func TestPrintsWhatGoTestPrints(t *testing.T) {
	f, err := os.Open("testdata/run.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out strings.Builder
	got, err := summarize(f, &out)
	if err != nil {
		t.Fatal(err)
	}
	want := "--- FAIL: TestParent (0.00s)\n" +
		"    --- FAIL: TestParent/bad (0.00s)\n" +
		"        a_test.go:11: bad subtest failed here\n" +
		"FAIL\n" +
		"FAIL\texample.com/sample/a\t0.037s\n" +
		"ok  \texample.com/sample/b\t0.073s\n" +
		"?   \texample.com/sample/c\t[no test files]\n"
	if out.String() != want {
		t.Errorf("printed\n%s\nwant\n%s", out.String(), want)
	}
	line := got.line("linux", 75*time.Second)
	if want := "test.sh: linux: 3 packages (1 failed), 6 tests: 3 passed, 2 failed, 1 skipped; 1m15s; slowest package b 0.1s"; line != want {
		t.Errorf("summary %q, want %q", line, want)
	}
	setup := 20 * time.Second
	got.setup = &setup
	line = got.line("linux", 75*time.Second)
	if want := "test.sh: linux: 3 packages (1 failed), 6 tests: 3 passed, 2 failed, 1 skipped; 1m15s (set-up 20s, tests 55s); slowest package b 0.1s"; line != want {
		t.Errorf("summary with a set-up %q, want %q", line, want)
	}
}

// testdata/timeout.json is `go test -json -timeout 1s` of a test that logs a line and sleeps:
// the panic, attributed to the test that never ended, is printed before the package's FAIL
// line, with the test's log.
func TestTimeOutPanicIsPrinted(t *testing.T) {
	f, err := os.Open("testdata/timeout.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out strings.Builder
	got, err := summarize(f, &out)
	if err != nil {
		t.Fatal(err)
	}
	s := out.String()
	log, panicAt, fail := strings.Index(s, "d_test.go:8: before the hang"), strings.Index(s, "panic: test timed out after 1s"), strings.Index(s, "FAIL\texample.com/sample/d")
	if log < 0 || panicAt < log || fail < panicAt {
		t.Errorf("want the log, the panic, then the package's FAIL line:\n%s", s)
	}
	if got.packages != 1 || got.packagesFailed != 1 {
		t.Errorf("counted %+v, want one failed package", got)
	}
}

// A line that is not go test -json (go test's own complaint) is printed and counted.
func TestOtherLinesArePrintedAndCounted(t *testing.T) {
	var out strings.Builder
	got, err := summarize(strings.NewReader("go: unknown flag -bogus\n"), &out)
	if err != nil || out.String() != "go: unknown flag -bogus\n" || got.badLines != 1 {
		t.Fatalf("printed %q, counted %+v (%v)", out.String(), got, err)
	}
}

// A race report that test2json gives to a test that passed (it was running when the report
// was written; the test that raced fails with "race detected") is printed all the same, as go
// test prints it.
func TestRaceReportOfPassingTestIsPrinted(t *testing.T) {
	in := ""
	for _, e := range []struct{ action, test, output string }{
		{"run", "TestA", ""},
		{"run", "TestB", ""},
		{"output", "TestA", "--- PASS: TestA (1.00s)\n"},
		{"output", "TestA", "==================\n"},
		{"output", "TestA", "WARNING: DATA RACE\n"},
		{"output", "TestA", "Read at 0x00c00032e748 by goroutine 319:\n"},
		{"output", "TestA", "==================\n"},
		{"output", "TestA", "a later line of TestA\n"},
		{"pass", "TestA", ""},
		{"output", "TestB", "--- FAIL: TestB (2.00s)\n"},
		{"output", "TestB", "    testing.go:1712: race detected during execution of test\n"},
		{"fail", "TestB", ""},
	} {
		in += `{"Action":"` + e.action + `","Package":"p","Test":"` + e.test + `","Output":` + strconv.Quote(e.output) + "}\n"
	}
	var out strings.Builder
	got, err := summarize(strings.NewReader(in), &out)
	if err != nil {
		t.Fatal(err)
	}
	want := "==================\nWARNING: DATA RACE\nRead at 0x00c00032e748 by goroutine 319:\n==================\n" +
		"--- FAIL: TestB (2.00s)\n    testing.go:1712: race detected during execution of test\n"
	if out.String() != want || got.passed != 1 || got.failed != 1 {
		t.Errorf("printed\n%s\nwant\n%s\ncounted %+v", out.String(), want, got)
	}
}
