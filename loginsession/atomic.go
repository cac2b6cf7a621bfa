package loginsession

import (
	"fmt"
	"os"
	"path/filepath"
)

// writeFile replaces path with data atomically: a new file (mode 0600) in the same folder,
// synced, renamed over the old one. A reader sees the old file or the new one, never a part,
// and a failure leaves the old file as it was. The AWS tools write the token file in place
// (truncate, then write), which a parallel reader can catch empty.
//
// Not awsconfig.WriteFileAtomic, which keeps the old file's mode: a token file is 0600
// whatever it was before.
func writeFile(path string, data []byte) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	// CreateTemp makes the file 0600; Chmod says so where the umask or platform differs.
	if err = f.Chmod(0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err = f.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
