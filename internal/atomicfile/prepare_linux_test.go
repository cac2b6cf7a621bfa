//go:build linux

package atomicfile

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The Prepare/Commit cases need a small disk, a read-only one and a folder its user cannot
// write: TestPrepareOnSmallDisk runs them in a mount namespace of their own (unshare -m, as
// root) with a 64 KiB tmpfs, the folder cases as the user nobody.
const hostileEnv = "ATOMICFILE_HOSTILE_TMPFS"

func TestPrepareOnSmallDisk(t *testing.T) {
	switch os.Getenv(hostileEnv) {
	case "root":
		prepareInnerRoot(t)
		return
	case "nobody":
		prepareInnerNobody(t)
		return
	}
	// The real parts: in CI (CI=true) their absence fails the test, elsewhere it skips it.
	missing := t.Skipf
	if os.Getenv("CI") == "true" {
		missing = t.Fatalf
	}
	if os.Getuid() != 0 {
		missing("needs root for unshare -m and a tmpfs")
	}
	for _, tool := range []string{"unshare", "setpriv"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing("no %s", tool)
		}
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	os.Chmod(filepath.Dir(dir), 0o755) // nobody walks through to the tmpfs
	script := `set -e
mount -t tmpfs -o size=64k,mode=0755 none "$D"
printf 'old\n' > "$D/mounted"
mount --bind "$D/mounted" "$D/mounted"
ATOMICFILE_HOSTILE_TMPFS=root "$0" -test.run '^TestPrepareOnSmallDisk$' -test.v -test.count=1
umount "$D/mounted"
umount "$D"
mount -t tmpfs -o size=64k,mode=0755 none "$D"
mkdir "$D/locked" "$D/free"
chmod 777 "$D/free"
printf 'old contents\n' > "$D/locked/f"
mkfifo "$D/locked/fifo"
chown 65534 "$D/locked/f" "$D/locked/fifo"
chmod 555 "$D/locked"
ATOMICFILE_HOSTILE_TMPFS=nobody setpriv --reuid=65534 --regid=65534 --clear-groups "$0" -test.run '^TestPrepareOnSmallDisk$' -test.v -test.count=1
`
	cmd := exec.Command("unshare", "-m", "--propagation", "private", "sh", "-c", script, self)
	cmd.Env = append(os.Environ(), "D="+dir)
	out, err := cmd.CombinedOutput()
	t.Logf("%s", out)
	if err != nil || bytes.Count(out, []byte("--- PASS: TestPrepareOnSmallDisk (")) != 2 || bytes.Contains(out, []byte("--- SKIP")) {
		t.Fatalf("the cases in the namespace failed: %v", err)
	}
}

// innerDir is the tmpfs the namespace mounted.
func innerDir(t *testing.T) string {
	d := os.Getenv("D")
	if d == "" {
		t.Fatal("no D: the folder of the tmpfs")
	}
	return d
}

// fill writes a file until the disk is full.
func fill(t *testing.T, dir string) {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil && !errors.Is(err, syscall.ENOSPC) {
		t.Fatal(err)
	}
	if f != nil {
		for err == nil {
			_, err = f.Write(make([]byte, 1024))
		}
		f.Close()
	}
}

// noTemp fails when a temporary file is left in dir.
func noTemp(t *testing.T, dir string) {
	t.Helper()
	names, _ := os.ReadDir(dir)
	for _, n := range names {
		if strings.Contains(n.Name(), ".tmp-") {
			t.Fatalf("left %s", n.Name())
		}
	}
}

func mustContain(t *testing.T, path, want string) {
	t.Helper()
	if b, err := os.ReadFile(path); err != nil || string(b) != want {
		t.Fatalf("%s holds %.40q (%v), want %.40q", path, b, err, want)
	}
}

func prepareInnerRoot(t *testing.T) {
	dir := innerDir(t)
	path := filepath.Join(dir, "f")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Run("a file mounted on its own", func(t *testing.T) {
		// Nothing can be renamed over a mount point (EBUSY): a config file mounted by itself
		// into a container is written in place, at once, as the AWS CLI writes it.
		mounted := filepath.Join(dir, "mounted")
		start := time.Now()
		if err := Write(mounted, []byte("new\n"), 0o600); err != nil {
			t.Fatalf("Write over a mount point: %v", err)
		}
		if took := time.Since(start); took > renameWait {
			t.Errorf("Write over a mount point took %v: a rename that cannot work was tried again", took)
		}
		mustContain(t, mounted, "new\n")
		noTemp(t, dir)
	})
	t.Run("reserve more than the disk", func(t *testing.T) {
		p, err := Prepare(path, 1<<20, 0o600)
		if !errors.Is(err, syscall.ENOSPC) || p != nil {
			t.Fatalf("Prepare of 1 MiB on a 64 KiB disk: %v", err)
		}
		noTemp(t, dir)
		mustContain(t, path, "old")
	})
	t.Run("missing folder", func(t *testing.T) {
		if _, err := Prepare(filepath.Join(dir, "no", "f"), 10, 0o600); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("%v", err)
		}
	})
	t.Run("the reserve is there when the disk fills", func(t *testing.T) {
		p, err := Prepare(path, 8192, 0o640)
		if err != nil {
			t.Fatal(err)
		}
		fill(t, dir)
		defer os.Remove(filepath.Join(dir, "filler"))
		want := strings.Repeat("n", 8000)
		if err := p.Commit([]byte(want)); err != nil {
			t.Fatalf("Commit within the reserve on a full disk: %v", err)
		}
		mustContain(t, path, want)
		if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o640 {
			t.Fatalf("mode %v", fi.Mode())
		}
		noTemp(t, dir)
		if err := p.Commit([]byte("again")); err == nil {
			t.Fatal("a spent Pending committed again")
		}
		p.Abort()
		mustContain(t, path, want)
	})
	t.Run("more than the reserve on a full disk", func(t *testing.T) {
		os.WriteFile(path, []byte("old"), 0o600)
		p, err := Prepare(path, 100, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		fill(t, dir)
		defer os.Remove(filepath.Join(dir, "filler"))
		if err := p.Commit(bytes.Repeat([]byte("x"), 60000)); !errors.Is(err, syscall.ENOSPC) {
			t.Fatalf("Commit past the disk: %v", err)
		}
		mustContain(t, path, "old")
		noTemp(t, dir)
	})
	t.Run("abort", func(t *testing.T) {
		p, err := Prepare(path, 10, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		p.Abort()
		p.Abort()
		noTemp(t, dir)
		mustContain(t, path, "old")
	})
	t.Run("read-only disk", func(t *testing.T) {
		if err := syscall.Mount("none", dir, "", syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
			t.Skip(err)
		}
		defer syscall.Mount("none", dir, "", syscall.MS_REMOUNT, "")
		if p, err := Prepare(path, 10, 0o600); !errors.Is(err, syscall.EROFS) || p != nil {
			t.Fatalf("Prepare on a read-only disk: %v", err)
		}
		mustContain(t, path, "old")
	})
}

// As nobody, in a folder of root's (mode 555) holding a file and a fifo of nobody's: the
// replacement falls back to writing the file in place, as the AWS CLI does.
func prepareInnerNobody(t *testing.T) {
	dir := filepath.Join(innerDir(t), "locked")
	path := filepath.Join(dir, "f")
	t.Run("in place", func(t *testing.T) {
		p, err := Prepare(path, 100, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Commit([]byte("new")); err != nil {
			t.Fatal(err)
		}
		mustContain(t, path, "new")
		p, err = Prepare(path, 100, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		p.Abort()
		mustContain(t, path, "new")
	})
	t.Run("in place on a full disk", func(t *testing.T) {
		// The reserve is what makes the answer savable (an aws login refresh spends its
		// refresh token between Prepare and Commit): in place, it was not reserved, and a
		// Commit that ran out of space left the file half new, half old.
		os.WriteFile(path, []byte("old contents\n"), 0)
		p, err := Prepare(path, 12000, 0o600)
		if err != nil {
			t.Fatalf("Prepare in place: %v", err)
		}
		fill(t, filepath.Join(dir, "..", "free"))
		want := strings.Repeat("n", 11000)
		err = p.Commit([]byte(want))
		b, _ := os.ReadFile(path)
		if err == nil {
			mustContain(t, path, want)
		} else if string(b) != "old contents\n" {
			t.Fatalf("a Commit in place that failed (%v) left the file %d bytes, %.20q...", err, len(b), b)
		}
	})
	t.Run("fifo in place", func(t *testing.T) {
		done := make(chan error, 1)
		go func() {
			p, err := Prepare(filepath.Join(dir, "fifo"), 10, 0o600)
			if p != nil {
				p.Abort()
			}
			done <- err
		}()
		select {
		case err := <-done:
			if err == nil {
				t.Fatal("Prepare took a fifo")
			}
		case <-time.After(2 * time.Second):
			t.Fatal("Prepare waits on a fifo for a reader")
		}
	})
}
