package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/prompt"
)

// A renewal in the background reads the terminal only in `serve` run in the foreground; with a
// command sharing the terminal, or from the background, it takes the desktop dialog, else it
// fails as "no terminal" (so that still-good cached credentials serve), saying how to give a code.
func TestRenewalCodes(t *testing.T) {
	p := &awsconfig.Profile{Name: "work", MFASerial: "arn:aws:iam::123456789012:mfa/u", DeviceProfile: "work"}
	dialog := prompt.Seed{Secret: "stand-in for the dialog"}
	yes := func() bool { return true }
	no := func() bool { return false }
	for _, tc := range []struct {
		name       string
		src        prompt.Source
		child      string
		foreground func() bool
		want       prompt.Source // nil: an error
		why        string
	}{
		{"serve in the foreground asks on the terminal", prompt.Terminal{}, "", yes, prompt.Terminal{}, ""},
		{"serve in the background has no terminal", prompt.Terminal{}, "", no, nil, "not in the terminal's foreground"},
		{"exec --server never asks on the terminal", prompt.Terminal{}, "bash", yes, nil, "belongs to bash"},
		{"exec --server takes the dialog", prompt.Terminal{Fallback: dialog}, "bash", yes, dialog, ""},
		{"serve in the background takes the dialog", prompt.Terminal{Fallback: dialog}, "", no, dialog, ""},
		{"a seed is always fine", prompt.Seed{Secret: "x"}, "bash", no, prompt.Seed{Secret: "x"}, ""},
		{"mfa_process is always fine", prompt.Process{Command: "x"}, "bash", no, prompt.Process{Command: "x"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := renewalCodes(tc.src, p, tc.child, tc.foreground)
			if tc.want != nil {
				if err != nil || fmt.Sprintf("%#v", got) != fmt.Sprintf("%#v", tc.want) {
					t.Fatalf("got %#v, %v; want %#v", got, err, tc.want)
				}
				return
			}
			if err == nil || !errors.Is(err, prompt.ErrNoTerminal) || !strings.Contains(err.Error(), tc.why) ||
				!strings.Contains(err.Error(), "mfacred totp set --profile work") || !strings.Contains(err.Error(), "mfa_process") {
				t.Fatalf("got %#v, %v; want an error saying %q and how to give a code", got, err, tc.why)
			}
		})
	}
}

// serve --token-file writes only a file it creates: an existing file, or a symlink to one, is
// refused with one line naming it and left as it was.
func TestWriteTokenCreatesOnly(t *testing.T) {
	dir := t.TempDir()
	existing := filepath.Join(dir, "existing")
	if err := os.WriteFile(existing, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(existing, link); err != nil {
		t.Fatal(err)
	}
	dangling := filepath.Join(dir, "dangling")
	if err := os.Symlink(filepath.Join(dir, "nowhere"), dangling); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{existing, link, dangling} {
		_, err := writeToken(path, "secret-token-value")
		if err == nil || !strings.Contains(err.Error(), path) || strings.Contains(err.Error(), "\n") || strings.Contains(err.Error(), "secret-token-value") {
			t.Errorf("writeToken(%s) = %v, want one line refusing, naming the file", path, err)
		}
	}
	if b, err := os.ReadFile(existing); err != nil || string(b) != "keep me" {
		t.Errorf("the existing file now holds %q (%v)", b, err)
	}
	if _, err := os.Lstat(filepath.Join(dir, "nowhere")); !os.IsNotExist(err) {
		t.Errorf("a dangling symlink's target was created: %v", err)
	}
	fresh := filepath.Join(dir, "fresh")
	created, err := writeToken(fresh, "secret-token-value")
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(fresh); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("new token file: %v, mode %v", err, fi.Mode())
	}
	// Replaced meanwhile: not removed at exit.
	other := filepath.Join(dir, "other")
	if err := os.WriteFile(other, []byte("someone else's"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(other, fresh); err != nil {
		t.Fatal(err)
	}
	removeToken(fresh, created)
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("removed a file it did not create: %v", err)
	}
	again := filepath.Join(dir, "again")
	if created, err = writeToken(again, "secret-token-value"); err != nil {
		t.Fatal(err)
	}
	removeToken(again, created)
	if _, err := os.Stat(again); !os.IsNotExist(err) {
		t.Errorf("its own token file left behind: %v", err)
	}
}
