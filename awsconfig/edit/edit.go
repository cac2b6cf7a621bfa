// Package edit makes the edits setup and import make to the AWS config and credentials files:
// keys set or deleted in a section, in place, so that a user's comments, spacing, order and
// other profiles survive (an INI library would write the file anew), and the file written
// atomically. It reads a file's lines with awsconfig's reader (awsconfig.Lines), the one
// reader of the files, and so finds each section and key where botocore does.
package edit

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/internal/atomicfile"
	"github.com/mfacred/mfacred/internal/regular"
)

func join(lines []awsconfig.Line) []byte {
	var b bytes.Buffer
	for _, l := range lines {
		b.WriteString(l.Text + l.End)
	}
	return b.Bytes()
}

// sectionMatches reports whether a header names section, as botocore reads both: the same
// name, or the same profile ([profile "a"] is [profile a]; [profile default] is [default]).
func sectionMatches(name, section string) bool {
	if name == section {
		return true
	}
	a, ok1 := awsconfig.SectionProfile(name)
	b, ok2 := awsconfig.SectionProfile(section)
	return ok1 && ok2 && a == b
}

// span finds the section botocore reads (the last of those that match): the index of its
// header and one past its last key or continuation line (comments and blank lines before the
// next header belong to what follows).
func span(lines []awsconfig.Line, section string) (head, end int, ok bool) {
	head = -1
	for i, l := range lines {
		if l.Kind == awsconfig.LineHeader && sectionMatches(l.Name, section) {
			head = i
		}
	}
	if head < 0 {
		return -1, 0, false
	}
	end = head + 1
	for i := head + 1; i < len(lines) && lines[i].Kind != awsconfig.LineHeader; i++ {
		if k := lines[i].Kind; k == awsconfig.LineOption || k == awsconfig.LineMore || k == awsconfig.LineBad {
			end = i + 1
		}
	}
	return head, end, true
}

// valueEnd is one past the last continuation line of the key on line i.
func valueEnd(lines []awsconfig.Line, i, end int) int {
	last := i + 1
	for j := i + 1; j < end && lines[j].Kind != awsconfig.LineOption && lines[j].Kind != awsconfig.LineBad; j++ {
		if lines[j].Kind == awsconfig.LineMore {
			last = j + 1
		}
	}
	return last
}

func newline(lines []awsconfig.Line) string {
	for _, l := range lines {
		if l.End != "" {
			return l.End
		}
	}
	return "\n"
}

// SetKeys sets keys in a section of an INI file, keeping every other byte: an existing
// key's value is replaced in its line, a new key goes after the section's last key, a new
// section at the end of the file.
func SetKeys(data []byte, section string, kvs ...awsconfig.KV) []byte {
	lines := awsconfig.Lines(data)
	nl := newline(lines)
	head, end, ok := span(lines, section)
	if !ok {
		if n := len(lines); n > 0 {
			if lines[n-1].End == "" {
				lines[n-1].End = nl
			}
			if strings.TrimSpace(lines[n-1].Text) != "" {
				lines = append(lines, awsconfig.Line{End: nl, Kind: awsconfig.LineBlank})
			}
		}
		lines = append(lines, awsconfig.Line{Text: "[" + section + "]", End: nl, Kind: awsconfig.LineHeader, Name: section})
		head, end = len(lines)-1, len(lines)
	}
	for _, kv := range kvs {
		done := false
		for i := head + 1; i < end && !done; i++ {
			if lines[i].Kind == awsconfig.LineOption && lines[i].Name == awsconfig.FoldKey(kv.Key) {
				t := lines[i].Text
				eq := strings.IndexAny(t, "=:")
				rest := t[eq+1:]
				ws := rest[:len(rest)-len(strings.TrimLeft(rest, " \t"))] // keep the user's spacing
				lines[i].Text = t[:eq+1] + ws + kv.Value
				// The old value's continuation lines go with it.
				if last := valueEnd(lines, i, end); last > i+1 {
					var kept []awsconfig.Line
					for j := i + 1; j < last; j++ {
						if lines[j].Kind != awsconfig.LineMore {
							kept = append(kept, lines[j])
						}
					}
					lines = append(lines[:i+1], append(kept, lines[last:]...)...)
					end -= last - (i + 1) - len(kept)
				}
				done = true
			}
		}
		if done {
			continue
		}
		if end > 0 && lines[end-1].End == "" {
			lines[end-1].End = nl
		}
		lines = append(lines[:end], append([]awsconfig.Line{{Text: kv.Key + " = " + kv.Value, End: nl, Kind: awsconfig.LineOption, Name: awsconfig.FoldKey(kv.Key)}}, lines[end:]...)...)
		end++
	}
	return join(lines)
}

// DeleteKeys removes keys (and their continuation lines) from a section, keeping every
// other byte.
func DeleteKeys(data []byte, section string, keys ...string) []byte {
	lines := awsconfig.Lines(data)
	head, end, ok := span(lines, section)
	if !ok {
		return data
	}
	drop := map[string]bool{}
	for _, k := range keys {
		drop[awsconfig.FoldKey(k)] = true
	}
	out := append([]awsconfig.Line{}, lines[:head+1]...)
	for i := head + 1; i < end; i++ {
		if lines[i].Kind != awsconfig.LineOption || !drop[lines[i].Name] {
			out = append(out, lines[i])
			continue
		}
		for last := valueEnd(lines, i, end); i+1 < last; i++ {
			if lines[i+1].Kind != awsconfig.LineMore {
				out = append(out, lines[i+1]) // a comment among the continuation lines stays
			}
		}
	}
	return join(append(out, lines[end:]...))
}

// File applies edit to a file's bytes (a missing file reads as empty) and writes the
// result atomically if it differs; it reports whether it wrote. It reads as the config reader
// does (internal/regular): a fifo, a device or a file over awsconfig.MaxFileSize at the path,
// put there since the files were loaded, is refused, never waited on or read without end.
func File(path string, edit func([]byte) []byte) (bool, error) {
	old, err := regular.Read(path, awsconfig.MaxFileSize)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("read %s: %w", path, err)
	}
	data := edit(old)
	if bytes.Equal(data, old) {
		return false, nil
	}
	return true, WriteFileAtomic(path, data, 0o600)
}

// WriteFileAtomic replaces a file's contents through a temporary file in the same directory,
// flushed to disk and renamed over it (internal/atomicfile), keeping its mode (perm for a new
// file). A symlinked file is written at its target, so the link stays; a link to a file not
// made yet makes that file, as the AWS CLI does.
func WriteFileAtomic(path string, data []byte, perm fs.FileMode) error {
	if target, err := linkTarget(path); err == nil {
		path = target
	} else {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if fi, err := os.Stat(path); err == nil {
		perm = fi.Mode().Perm()
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := atomicfile.Write(path, data, perm); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// linkTarget is the file path names after its symlinks, whether or not that file exists yet.
func linkTarget(path string) (string, error) {
	for range 40 {
		target, err := filepath.EvalSymlinks(path)
		if err == nil || !errors.Is(err, fs.ErrNotExist) {
			return target, err
		}
		fi, err := os.Lstat(path)
		if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			return path, nil // no file yet, or a link whose directory is missing: made below
		}
		link, err := os.Readlink(path)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(link) {
			dir, err := filepath.EvalSymlinks(filepath.Dir(path))
			if err != nil {
				return "", err
			}
			link = filepath.Join(dir, link)
		}
		path = link
	}
	return "", errors.New("too many levels of symbolic links")
}

// Preview is what File would do to the file at path, without writing: the bytes it reads
// there (as File reads them) and edit's result, so that a change can be shown before it is made.
func Preview(path string, edit func([]byte) []byte) (old, edited []byte, err error) {
	old, err = regular.Read(path, awsconfig.MaxFileSize)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, fmt.Errorf("read %s: %w", path, err)
	}
	return old, edit(old), nil
}

// Sections applies each edit to the section of an INI file it names, on that section's
// lines alone (from its header to the next), reading the file once: what SetKeys and
// DeleteKeys do to a section depends on its lines only, so a plan that edits thousands of
// sections costs one pass over the file, not one per section. The section botocore reads
// is the last of those that match (span); an edit of a section the file lacks runs on the
// whole file, after the others.
func Sections(data []byte, edits map[string]func([]byte) []byte) []byte {
	norm := func(name string) string {
		if p, ok := awsconfig.SectionProfile(name); ok {
			return "profile\x00" + p
		}
		return "raw\x00" + name
	}
	want := map[string]string{} // normalised name -> section of edits
	for section := range edits {
		want[norm(section)] = section
	}
	lines := awsconfig.Lines(data)
	last := map[string]int{}
	for i, l := range lines {
		if l.Kind != awsconfig.LineHeader {
			continue
		}
		if section, ok := want[norm(l.Name)]; ok {
			last[section] = i
		}
	}
	var b bytes.Buffer
	for i := 0; i < len(lines); {
		j := i + 1
		for j < len(lines) && lines[j].Kind != awsconfig.LineHeader {
			j++
		}
		chunk := join(lines[i:j])
		if lines[i].Kind == awsconfig.LineHeader {
			if section, ok := want[norm(lines[i].Name)]; ok && last[section] == i {
				chunk = edits[section](chunk)
			}
		}
		b.Write(chunk)
		i = j
	}
	out := b.Bytes()
	var missing []string
	for section := range edits {
		if _, ok := last[section]; !ok {
			missing = append(missing, section)
		}
	}
	slices.Sort(missing) // added in the order of their names, whatever the map's
	for _, section := range missing {
		out = edits[section](out)
	}
	return out
}
