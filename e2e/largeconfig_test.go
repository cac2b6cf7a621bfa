//go:build unix

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// With 5,000 generated profiles, warm calls are served while a stamp says the config was
// checked (docs/config-files.md, Cost); an edit in place at the same size that makes the file
// invalid (a key twice, as botocore refuses) is seen at the next call: nothing is served.
func TestProcessLargeConfigStampAndEdit(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.writeConfig(w.mfaProcess())
	w.addKeys()
	var b strings.Builder
	for i := 0; i < 5000; i++ {
		fmt.Fprintf(&b, "[profile team-%05d]\nsso_session = corp\nsso_account_id = %012d\nsso_role_name = Developer\nregion = us-east-1\n\n", i, 100000000000+i)
	}
	f, err := os.OpenFile(w.configPath(), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(b.String()); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	first := parseCreds(t, w.mustRun(binary, "process", "--profile", w.profile))

	// Calls until one leaves a stamp: the file's times must settle first (bounded wait).
	stamps := func() []string {
		m, _ := filepath.Glob(filepath.Join(w.store().LockDir, "*.checked"))
		return m
	}
	for deadline := time.Now().Add(10 * time.Second); len(stamps()) == 0; {
		if time.Now().After(deadline) {
			t.Fatal("no stamp written for a settled 5,000-profile config")
		}
		time.Sleep(50 * time.Millisecond)
		w.mustRun(binary, "process", "--profile", w.profile)
	}
	// A call that checks the whole file writes the stamp anew (a new file, renamed into
	// place); one that the stamp vouched for leaves it as it is. So the warm calls used the
	// stamp if and only if every stamp is still the very file it was.
	stampFiles := map[string]os.FileInfo{}
	for _, p := range stamps() {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		stampFiles[p] = fi
	}
	for i := 0; i < 3; i++ {
		if c := parseCreds(t, w.mustRun(binary, "process", "--profile", w.profile)); c.AccessKeyId != first.AccessKeyId {
			t.Fatalf("call %d served %s, want the cached %s", i, c.AccessKeyId, first.AccessKeyId)
		}
	}
	for p, before := range stampFiles {
		if after, err := os.Stat(p); err != nil || !os.SameFile(before, after) || !after.ModTime().Equal(before.ModTime()) {
			t.Fatalf("stamp %s was written again during warm calls (%v): they checked the whole file instead of using it", filepath.Base(p), err)
		}
	}
	if n := w.sts.Count("GetSessionToken"); n != 1 {
		t.Fatalf("%d GetSessionToken calls, want 1", n)
	}

	// The same size, the same inode: profile team-04321 gets region twice.
	data, err := os.ReadFile(w.configPath())
	if err != nil {
		t.Fatal(err)
	}
	old := "[profile team-04321]\nsso_session = corp\nsso_account_id = 100000004321\nsso_role_name = Developer\n"
	bad := "[profile team-04321]\nsso_session = corp\nsso_account_id = 100000004321\nregion = aaaaaaaaaaaaaaaa\n"
	if len(old) != len(bad) || !strings.Contains(string(data), old) {
		t.Fatal("test bug: the edit changes the size or finds nothing")
	}
	edited := strings.Replace(string(data), old, bad, 1)
	if err := os.WriteFile(w.configPath(), []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	r := w.run(nil, nil, binary, "process", "--profile", w.profile)
	if r.err == nil || r.stdout != "" || !strings.Contains(r.stderr, w.configPath()) || !strings.Contains(r.stderr, "key region is set twice in [profile team-04321]") {
		t.Fatalf("after an edit that breaks the config: exit %v, %d bytes on stdout (credentials served?), stderr %q", r.err, len(r.stdout), r.stderr)
	}
}
