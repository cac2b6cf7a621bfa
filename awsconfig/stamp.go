package awsconfig

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/mfacred/mfacred/internal/atomicfile"
)

// A stamp records that a full check found a large file valid, and the file's identity then
// (docs/config-files.md, "Cost"). While the file's identity is unchanged, a call skips checking
// every line and reads only the sections its profile's chain needs: in a valid file a line that
// starts with [ is a section header, so `[NAME]` at the start of a line finds section NAME;
// the headers such a search cannot find or would misread (indented ones, [DEFAULT], quoted
// profile names) are listed in the stamp. A stamp holds no secret.

// Checked says where stamps live and when they are used. The zero value uses none.
type Checked struct {
	// Dir is mfacred's own lock dir, which the caller has checked is the user's and not
	// writable by others (cache.Store.CheckedDir).
	Dir string
	// MinSize: smaller files are always checked in full; it costs less than reading a stamp.
	MinSize int64
	// Settle: a stamp is written only for a file whose mtime and ctime are at least this old
	// (at least coarseSettle on a file system whose times are whole milliseconds or coarser).
	// File times tick coarsely (up to 10 ms on Linux; seconds on some file systems): a file
	// rewritten within the tick of the check, at the same size, would keep its stat.
	Settle time.Duration
	// Map: a file of MinSize or more is mapped, not read, where the system can (mapFile): the
	// fast path, which recovers from the fault a file truncated meanwhile makes.
	Map bool
}

// DefaultChecked is what `mfacred process` uses: files from 64 KiB up, settled for 100 ms.
func DefaultChecked(dir string) Checked {
	return Checked{Dir: dir, MinSize: 64 << 10, Settle: 100 * time.Millisecond, Map: true}
}

// coarseSettle is the settling time for files whose times may tick by whole seconds (FAT: 2 s).
const coarseSettle = 3 * time.Second

// settled reports whether a file's times are old enough for a stamp: any later write to it
// then gets a later time.
func (c Checked) settled(id fileID, now time.Time) bool {
	settle := c.Settle
	if settle > 0 && (id.mtime%1e6 == 0 || id.ctime%1e6 == 0) {
		settle = max(settle, coarseSettle)
	}
	n := now.UnixNano()
	return n-id.mtime >= int64(settle) && n-id.ctime >= int64(settle)
}

// fileID is what stat says of a file: with the same values, mfacred takes it for the same
// bytes. ok is false when the platform gives no such identity (then no stamp is used).
type fileID struct {
	ok           bool
	dev, ino     uint64
	size         int64
	mtime, ctime int64 // ns
}

func (id fileID) String() string {
	return fmt.Sprintf("%d %d %d %d %d", id.dev, id.ino, id.size, id.mtime, id.ctime)
}

// The largest number of unusual headers a stamp lists; a file with more is always checked.
const maxUnusual = 4096

const stampMagic = "mfacred checked 2"

// load reads one file, skipping the check of every line when a stamp vouches for it.
// Anything amiss with a stamp means a full check, never a different answer.
func (c Checked) load(path string) (*iniFile, error) {
	var mapFrom int64
	if c.Map {
		mapFrom = max(c.MinSize, 1)
	}
	data, id, err := readFileID(path, mapFrom)
	if err != nil {
		return nil, err
	}
	use := c.Dir != "" && id.ok && int64(len(data)) >= c.MinSize
	var exe fileID
	if use {
		exe = exeID()
		use = exe.ok
	}
	stamp := filepath.Join(c.Dir, stampName(path))
	if use {
		if f, ok := readStamp(stamp, path, exe, id, data); ok {
			return f, nil
		}
	}
	f, err := parseINI(data)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	if use && c.settled(id, time.Now()) && len(f.unusual) <= maxUnusual {
		_ = writeStamp(stamp, stampText(path, exe, id, f))
	}
	return f, nil
}

// exeID is the running program's identity: a stamp made by another build is not trusted,
// whose parser may differ.
func exeID() fileID {
	exe, err := os.Executable()
	if err != nil {
		return fileID{}
	}
	fi, err := os.Stat(exe)
	if err != nil {
		return fileID{}
	}
	return statID(fi)
}

func stampName(path string) string {
	h := sha256.Sum256([]byte("config|" + path))
	return hex.EncodeToString(h[:12]) + ".checked"
}

func stampText(path string, exe, id fileID, f *iniFile) string {
	var b strings.Builder
	cr := 0
	if f.cr {
		cr = 1
	}
	fmt.Fprintf(&b, "%s\n%s\nexe %s\nfile %s %d\n", stampMagic, strconv.Quote(path), exe, id, cr)
	for _, s := range f.unusual {
		fmt.Fprintf(&b, "%d %d %d\n", s.nameAt, s.nameLen, s.body)
	}
	b.WriteString("end\n")
	return b.String()
}

func writeStamp(stamp, text string) error {
	return atomicfile.Write(stamp, []byte(text), 0o600)
}

// readStamp returns the file read lazily when the stamp vouches for it.
func readStamp(stamp, path string, exe, id fileID, data string) (*iniFile, bool) {
	fh, err := os.OpenFile(stamp, os.O_RDONLY|noFollow, 0)
	if err != nil {
		return nil, false
	}
	defer fh.Close()
	b, err := io.ReadAll(io.LimitReader(fh, 64*(maxUnusual+8)))
	if err != nil {
		return nil, false
	}
	return parseStamp(string(b), path, exe, id, data)
}

func parseStamp(text, path string, exe, id fileID, data string) (*iniFile, bool) {
	sc := bufio.NewScanner(strings.NewReader(text))
	line := func(want string) bool { return sc.Scan() && sc.Text() == want }
	if !line(stampMagic) || !line(strconv.Quote(path)) || !line("exe "+exe.String()) {
		return nil, false
	}
	var cr bool
	switch {
	case !sc.Scan():
		return nil, false
	case sc.Text() == "file "+id.String()+" 0":
	case sc.Text() == "file "+id.String()+" 1":
		cr = true
	default:
		return nil, false
	}
	var unusual []section
	for sc.Scan() {
		if sc.Text() == "end" {
			return lazyFile(data, cr, unusual)
		}
		var s section
		if n, err := fmt.Sscanf(sc.Text(), "%d %d %d", &s.nameAt, &s.nameLen, &s.body); n != 3 || err != nil {
			return nil, false
		}
		unusual = append(unusual, s)
	}
	return nil, false // cut short
}

// lazyFile is a file found valid before, with its unusual headers; the others are found by
// findLazy.
func lazyFile(data string, cr bool, unusual []section) (*iniFile, bool) {
	f := &iniFile{data: data, cr: cr, lazy: true, found: map[string]int{}}
	for _, s := range unusual {
		if s.nameAt < 1 || s.nameLen < 0 || int(s.nameAt+s.nameLen) >= len(data) || data[s.nameAt-1] != '[' || data[s.nameAt+s.nameLen] != ']' ||
			s.body < s.nameAt+s.nameLen || int(s.body) > len(data) {
			return nil, false
		}
		s.end = int32(len(data)) // keysOf stops at the next header
		name := f.name(&s)
		if name == "DEFAULT" {
			f.defaults = append(f.defaults, s)
			continue
		}
		f.sections = append(f.sections, s)
		f.found[name] = len(f.sections) - 1
		if kind, item, ok := oddNamed(name); ok {
			f.quoted = append(f.quoted, namedSection{kind, item, len(f.sections) - 1})
		}
	}
	return f, true
}

// findLazy finds section name of a file known valid: the unusual headers are listed; any
// other is `[name]` at the start of a line.
func (f *iniFile) findLazy(name string) int {
	if name == "DEFAULT" {
		return -1
	}
	if i, ok := f.found[name]; ok {
		return i
	}
	i := -1
	pat := "[" + name + "]"
	for off := 0; off < len(f.data); {
		j := strings.Index(f.data[off:], pat)
		if j < 0 {
			break
		}
		at := off + j
		off = at + 1
		if at > 0 && f.data[at-1] != '\n' && f.data[at-1] != '\r' {
			continue
		}
		r := reader{data: f.data, off: at, cr: f.cr, nextCR: -1}
		if r.next() == LineHeader && r.name() == name {
			f.sections = append(f.sections, section{nameAt: int32(r.nameAt), nameLen: int32(len(name)), body: int32(r.off), end: int32(len(f.data))})
			i = len(f.sections) - 1
			break
		}
	}
	f.found[name] = i
	return i
}
