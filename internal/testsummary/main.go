// Command testsummary reads `go test -json` on stdin, prints what `go test` without -json
// prints (each package's ok, FAIL or "no test files" line, the output of failed tests, a
// package's own output such as a time-out panic) and ends with one line for the whole run:
//
//	test.sh: linux: 31 packages (0 failed), 655 tests: 640 passed, 0 failed, 15 skipped; 9m12s; slowest package e2e 512.3s
//
// test.sh pipes each lane's `go test -json` through it. It exits 1 when a test or package
// failed or the input was not go test's, so that the pipeline fails even where the caller
// looks only at the last command; the caller still takes go test's own exit status.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"
)

// event is one line of `go test -json` (cmd/test2json), and the build events go test adds.
type event struct {
	Action     string
	Package    string
	Test       string
	Elapsed    float64
	Output     string
	ImportPath string // build-output and build-fail
}

// tally counts what a run did.
type tally struct {
	packages, packagesFailed int
	passed, failed, skipped  int
	slowestPkg               string
	slowest                  float64
	badLines                 int
	setup                    *time.Duration // of the lane's time, how long its set-up took (-setup-file)
}

func main() {
	lane := flag.String("lane", "go test", "the name the summary line starts with")
	setupFile := flag.String("setup-file", "", "a file that holds, once the input ends, how long the lane's set-up took (a Go duration such as 1m3s): the summary says it apart")
	since := flag.Int64("since", 0, "when the lane began, in Unix seconds, if before this program started (its set-up ran first); 0: now")
	flag.Parse()
	start := time.Now()
	if *since > 0 {
		start = time.Unix(*since, 0)
	}
	t, err := summarize(os.Stdin, os.Stdout)
	if t.packagesFailed > 0 {
		fmt.Println("FAIL") // go test's last line when a package failed, which -json leaves out
	}
	took := time.Since(start)
	if *setupFile != "" {
		b, rerr := os.ReadFile(*setupFile)
		d, perr := time.ParseDuration(strings.TrimSpace(string(b)))
		if rerr != nil || perr != nil || d < 0 {
			fmt.Fprintf(os.Stderr, "testsummary: the lane's set-up time in %s: %q %v %v\n", *setupFile, b, rerr, perr)
			os.Exit(1)
		}
		t.setup = &d
	}
	fmt.Println(t.line(*lane, took))
	if err != nil {
		fmt.Fprintf(os.Stderr, "testsummary: read go test -json: %v\n", err)
		os.Exit(1)
	}
	if t.failed > 0 || t.packagesFailed > 0 || t.badLines > 0 {
		os.Exit(1)
	}
}

func (t tally) line(lane string, took time.Duration) string {
	s := fmt.Sprintf("test.sh: %s: %d packages (%d failed), %d tests: %d passed, %d failed, %d skipped; %s",
		lane, t.packages, t.packagesFailed, t.passed+t.failed+t.skipped, t.passed, t.failed, t.skipped, took.Round(time.Second))
	if t.setup != nil {
		s += fmt.Sprintf(" (set-up %s, tests %s)", t.setup.Round(time.Second), max(took-*t.setup, 0).Round(time.Second))
	}
	if t.slowestPkg != "" {
		s += fmt.Sprintf("; slowest package %s %.1fs", t.slowestPkg, t.slowest)
	}
	if t.badLines > 0 {
		s += fmt.Sprintf("; %d lines were not go test -json", t.badLines)
	}
	return s
}

// summarize copies to out what go test prints without -json and counts the run. A test's
// output is held until it ends and printed only if it failed, as go test does, with its
// failed subtests below it; lines that are not JSON (go test's own complaints) are printed
// as they are, and counted as bad.
func summarize(in io.Reader, out io.Writer) (tally, error) {
	var t tally
	held := map[string]*test{} // by package and test name
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &e) != nil {
			fmt.Fprintf(out, "%s\n", line)
			t.badLines++
			continue
		}
		switch {
		case e.Action == "build-output":
			fmt.Fprint(out, e.Output)
		case e.Test == "":
			if o := strings.TrimSpace(e.Output); e.Action != "output" || strings.HasPrefix(o, "FAIL") || strings.HasPrefix(o, "ok") {
				flush(out, held, e.Package+"\x00")
			}
			t.pkgEvent(out, e)
		default:
			key := e.Package + "\x00" + e.Test
			x := held[key]
			if x == nil {
				x = &test{}
				held[key] = x
			}
			switch e.Action {
			case "output":
				x.add(e.Output)
				continue
			case "pass":
				t.passed++
			case "skip":
				t.skipped++
			case "fail":
				t.failed++
			default:
				continue
			}
			delete(held, key)
			if e.Action != "fail" {
				// The race detector writes its report where go test shows it whatever the
				// outcome, and test2json gives it to whichever test ran then: print it.
				fmt.Fprint(out, strings.Join(x.races, ""))
				continue
			}
			// A failed subtest goes below its parent; a failed top-level test is printed.
			block := x.block(strings.Count(e.Test, "/"))
			parent := e.Test
			for {
				i := strings.LastIndex(parent, "/")
				if i < 0 {
					fmt.Fprint(out, block)
					break
				}
				parent = parent[:i]
				if p := held[e.Package+"\x00"+parent]; p != nil {
					p.children = append(p.children, block)
					break
				}
			}
		}
	}
	flush(out, held, "")
	return t, sc.Err()
}

// flush prints the output of the tests whose key starts with prefix and that never ended (a
// time-out panic, a crash): their output is all there is, and it says why.
func flush(out io.Writer, held map[string]*test, prefix string) {
	var keys []string
	for k := range held {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprint(out, held[k].block(0))
		delete(held, k)
	}
}

// test is the output of one test, held until it ends.
type test struct {
	header   string   // "--- FAIL: TestX (1.00s)"
	body     []string // its own lines, as test2json gives them (indented once)
	children []string // the blocks of its failed subtests
	races    []string // the race detector's reports among them
	inRace   bool
}

// raceBar opens and closes a report of the race detector.
const raceBar = "==================\n"

func (x *test) add(output string) {
	trimmed := strings.TrimSpace(output)
	switch {
	case x.inRace:
		x.races = append(x.races, output)
		x.inRace = output != raceBar
	case output == "WARNING: DATA RACE\n":
		x.races = append(x.races, raceBar, output)
		x.inRace = true
	}
	switch {
	case strings.HasPrefix(trimmed, "=== "):
	case strings.HasPrefix(trimmed, "--- "):
		x.header = trimmed
	default:
		x.body = append(x.body, output)
	}
}

// block is the test's output as go test prints it for a test depth levels down.
func (x *test) block(depth int) string {
	indent := strings.Repeat("    ", depth)
	var b strings.Builder
	if x.header != "" {
		b.WriteString(indent + x.header + "\n")
	}
	for _, l := range x.body {
		if indent != "" && l != "\n" {
			b.WriteString(indent)
		}
		b.WriteString(l)
	}
	for _, c := range x.children {
		b.WriteString(c)
	}
	return b.String()
}

// pkgEvent handles an event of a package rather than of one of its tests.
func (t *tally) pkgEvent(out io.Writer, e event) {
	switch e.Action {
	case "output":
		if o := strings.TrimSpace(e.Output); o != "PASS" && !strings.HasPrefix(o, "=== ") {
			fmt.Fprint(out, e.Output)
		}
	case "pass", "fail", "skip":
		t.packages++
		if e.Action == "fail" {
			t.packagesFailed++
		}
		if e.Elapsed > t.slowest {
			t.slowest, t.slowestPkg = e.Elapsed, e.Package[strings.LastIndex(e.Package, "/")+1:]
		}
	}
}
