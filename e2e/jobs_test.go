//go:build unix

package e2e

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A job is work that needs no world of its own and mostly costs CPU: the release build, go vet
// and staticcheck for three OSes, the fuzz runs, go install. The jobs start as the package
// does, one at a time, while the serial tests, which mostly wait on clocks, terminals and the
// local STS, run; each test that checks a job's result waits for it. So the build work no
// longer adds its minutes to the tests' (docs/testing.md, "How the run is shaped"). They run at
// normal priority: on a machine where another program keeps a core busy, nice would hand that
// program most of the core the jobs need. A job no selected test needs (go test -run, -skip)
// is not started.
type job struct {
	name  string
	order int      // lower runs first
	tests []string // the tests that wait for it
	run   func(ctx context.Context) (string, error)

	done chan struct{}
	out  string
	err  error
	took time.Duration
}

var jobs struct {
	list   []*job
	cancel context.CancelFunc
	done   chan struct{}
}

// addJob registers a job; files call it from init.
func addJob(name string, order int, tests []string, run func(ctx context.Context) (string, error)) {
	jobs.list = append(jobs.list, &job{name: name, order: order, tests: tests, run: run, done: make(chan struct{})})
}

// startJobs runs the jobs a selected test needs, in order, one at a time, in the background.
// TestMain calls it after setup; flag.Parse must have run.
func startJobs() {
	ctx, cancel := context.WithCancel(context.Background())
	jobs.cancel, jobs.done = cancel, make(chan struct{})
	slices.SortStableFunc(jobs.list, func(a, b *job) int { return a.order - b.order })
	go func() {
		defer close(jobs.done)
		for _, j := range jobs.list {
			if !slices.ContainsFunc(j.tests, selected) {
				j.err = errSkipped
				close(j.done)
				continue
			}
			start := time.Now()
			if ctx.Err() != nil {
				j.err = ctx.Err()
			} else {
				j.out, j.err = j.run(ctx)
			}
			j.took = time.Since(start)
			close(j.done)
		}
	}()
}

// stopJobs ends the running job, if any, and waits for the worker.
func stopJobs() {
	if jobs.cancel != nil {
		jobs.cancel()
		<-jobs.done
	}
}

var errSkipped = errors.New("not started: no selected test needed it")

// waitJob waits for the named job and returns its output; its failure fails t.
func waitJob(t *testing.T, name string) string {
	t.Helper()
	i := slices.IndexFunc(jobs.list, func(j *job) bool { return j.name == name })
	if i < 0 {
		t.Fatalf("no job %q", name)
	}
	j := jobs.list[i]
	if jobs.done == nil {
		t.Fatalf("job %s: the jobs were not started", name)
	}
	<-j.done
	if j.err != nil {
		t.Fatalf("%s: %v\n%s", name, j.err, j.out)
	}
	t.Logf("%s took %s (in the background)", name, j.took.Round(time.Second))
	return j.out
}

// selected says whether go test's -run and -skip select the top-level test named test.
func selected(test string) bool {
	top := func(flagName string) *regexp.Regexp {
		f := flag.Lookup(flagName)
		if f == nil || f.Value.String() == "" {
			return nil
		}
		first, _, sub := strings.Cut(f.Value.String(), "/")
		if flagName == "test.skip" && sub {
			return nil // skips subtests only
		}
		re, err := regexp.Compile(first)
		if err != nil {
			return nil
		}
		return re
	}
	if re := top("test.run"); re != nil && !re.MatchString(test) {
		return false
	}
	if re := top("test.skip"); re != nil && re.MatchString(test) {
		return false
	}
	return true
}

// jobCmd is a command of a job: in dir, with the extra environment, in a process group of its
// own that ctx's end kills whole (go build's compilers with it).
func jobCmd(ctx context.Context, dir string, env []string, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// runJobCmd runs a job's command and returns its output; an error names the command.
func runJobCmd(ctx context.Context, dir string, env []string, name string, args ...string) (string, error) {
	out, err := jobCmd(ctx, dir, env, name, args...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s %s: %w", name, strings.Join(args, " "), err)
	}
	return string(out), nil
}
