//go:build !windows

package child

import (
	"context"
	"errors"
	"os/exec"
	"testing"
	"time"
)

// Run returns the command's status as a shell reports it, ends beside when the command ends,
// and kills the command when beside ends first.
func TestRun(t *testing.T) {
	for _, tc := range []struct {
		script string
		want   int
	}{{"exit 0", 0}, {"exit 7", 7}, {"kill -KILL $$", 128 + 9}} {
		ended := false
		code, err := Run(exec.Command("sh", "-c", tc.script), func(ctx context.Context) error {
			<-ctx.Done()
			ended = true
			return nil
		})
		if err != nil || code != tc.want || !ended {
			t.Errorf("%s: status %d, %v, beside ended %v; want %d", tc.script, code, err, ended, tc.want)
		}
	}
	stopped := errors.New("server stopped")
	start := time.Now()
	_, err := Run(exec.Command("sleep", "30"), func(context.Context) error { return stopped })
	if !errors.Is(err, stopped) || time.Since(start) > 10*time.Second {
		t.Errorf("beside ended first: %v after %s, want its error and the command killed", err, time.Since(start))
	}
}
