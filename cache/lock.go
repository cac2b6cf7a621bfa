package cache

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"

	"github.com/mfacred/mfacred/internal/atomicfile"
)

// ErrLockTimeout is returned when another process holds a lock for too long.
var ErrLockTimeout = errors.New("timed out waiting for another mfacred")

// DefaultLockDir is mfacred's folder in the user cache dir.
func DefaultLockDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "mfacred")
}

// checkDir makes dir (0700) and refuses one that others could write or that is not ours.
func checkDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("make lock dir: %w", err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("lock dir: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("lock dir %s is not a directory", dir)
	}
	return checkPerms(dir, fi)
}

// CheckedDir returns the lock dir, made and checked as for a lock, for the stamps awsconfig
// keeps of config files found valid (awsconfig.Checked).
func (s *Store) CheckedDir() (string, error) {
	if err := checkDir(s.LockDir); err != nil {
		return "", err
	}
	return s.LockDir, nil
}

func lockName(name string) string {
	h := sha256.Sum256([]byte(name))
	return hex.EncodeToString(h[:12])
}

// Turn is what LockOrWait got: the lock, or the news that another process held it and has
// let go.
type Turn struct {
	// Lock is the lock, held until closed; nil when Released.
	Lock io.Closer
	// Released is set when another process held the lock and has released it: that process
	// has done its work, so the caller looks at its result before trying again.
	Released bool
}

// LockOrWait takes the lock called name if it is free and returns it. If another process
// holds it, LockOrWait waits (up to timeout, and no longer than ctx lasts) until it is
// released and says so (Turn.Released). Waiters take a shared lock to learn of the release,
// so that all of them wake together rather than one after another.
func (s *Store) LockOrWait(ctx context.Context, name string, timeout time.Duration) (Turn, error) {
	if err := checkDir(s.LockDir); err != nil {
		return Turn{}, err
	}
	fl := s.flock(name)
	ok, err := fl.TryLock()
	if err != nil {
		return Turn{}, fmt.Errorf("lock %s: %w", fl.Path(), err)
	}
	if ok {
		return Turn{Lock: fl}, nil
	}
	wait, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ok, err = fl.TryRLockContext(wait, 10*time.Millisecond)
	if !ok {
		return Turn{}, waitErr(ctx, fl, timeout, err)
	}
	if err := fl.Close(); err != nil {
		return Turn{}, fmt.Errorf("lock %s: %w", fl.Path(), err)
	}
	return Turn{Released: true}, nil
}

// flock is the lock file of name: never a symlink planted in its place (O_NOFOLLOW), owner
// only.
func (s *Store) flock(name string) *flock.Flock {
	return flock.New(filepath.Join(s.LockDir, lockName(name)+".lock"),
		flock.SetFlag(os.O_CREATE|os.O_RDWR|noFollow), flock.SetPermissions(0o600))
}

// lock takes the lock called name, waiting up to timeout. Closing the result releases it.
// The kernel releases a flock when its holder dies, so a killed process leaves no stale lock.
func (s *Store) lock(ctx context.Context, name string, timeout time.Duration) (io.Closer, error) {
	if err := checkDir(s.LockDir); err != nil {
		return nil, err
	}
	fl := s.flock(name)
	wait, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ok, err := fl.TryLockContext(wait, 25*time.Millisecond)
	if !ok {
		return nil, waitErr(ctx, fl, timeout, err)
	}
	return fl, nil
}

// waitErr says why a wait for a lock ended without it: ctx ended (Ctrl-C), the wait timed
// out, or the lock file failed.
func waitErr(ctx context.Context, fl *flock.Flock, timeout time.Duration, err error) error {
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("wait for another mfacred: %w", context.Cause(ctx))
	case err == nil || errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%w after %s", ErrLockTimeout, timeout.Round(time.Second))
	}
	return fmt.Errorf("lock %s: %w", fl.Path(), err)
}

// usedCode records the last one-time code sent for a device. AWS accepts a code once, so
// mfacred must never send it again (docs/aws-contract.md §4). Only a hash is kept.
type usedCode struct {
	At   time.Time `json:"at"`
	Hash string    `json:"h"`
}

func (s *Store) usedPath(device string) string {
	return filepath.Join(s.LockDir, lockName("used|"+device)+".used")
}

func codeHash(device, code string) string {
	h := sha256.Sum256([]byte(device + "|" + code))
	return hex.EncodeToString(h[:])
}

// CodeUsed reports whether code is the last code sent for device and when it was sent. An
// ended ctx reads as "not used": the caller's next step fails on ctx anyway.
func (s *Store) CodeUsed(ctx context.Context, device, code string) (time.Time, bool) {
	if ctx.Err() != nil {
		return time.Time{}, false
	}
	f, err := os.OpenFile(s.usedPath(device), os.O_RDONLY|noFollow, 0)
	if err != nil {
		return time.Time{}, false
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 4096))
	if err != nil {
		return time.Time{}, false
	}
	var u usedCode
	if json.Unmarshal(b, &u) != nil || u.Hash != codeHash(device, code) {
		return time.Time{}, false
	}
	return u.At, true
}

// MarkCodeUsed records code as sent for device at time at. The record is flushed to the disk
// before it replaces the last one (internal/atomicfile): it must survive a crash, or a code
// could be sent twice.
func (s *Store) MarkCodeUsed(ctx context.Context, device, code string, at time.Time) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("record the code sent for device %s: %w", device, context.Cause(ctx))
	}
	if err := checkDir(s.LockDir); err != nil {
		return err
	}
	b, _ := json.Marshal(usedCode{At: at, Hash: codeHash(device, code)})
	if err := atomicfile.Write(s.usedPath(device), b, 0o600); err != nil {
		return fmt.Errorf("record the code sent for device %s: %w", device, err)
	}
	return nil
}
