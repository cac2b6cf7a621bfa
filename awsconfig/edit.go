package awsconfig

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// The functions below edit the bytes of an INI file in place, so that a user's comments,
// spacing, order and other profiles survive: an INI library would write the file anew.

// KV is a key and value to set.
type KV struct{ Key, Value string }

// ConfigSection is a profile's section name in the config file.
func ConfigSection(profile string) string {
	if profile == "default" {
		return "default"
	}
	return "profile " + profile
}

// line is one line of a file, with its line ending.
type line struct {
	text string // without the ending
	end  string
}

func split(data []byte) []line {
	var out []line
	for _, raw := range bytes.SplitAfter(data, []byte("\n")) {
		if len(raw) == 0 {
			continue
		}
		s := string(raw)
		end := ""
		switch {
		case strings.HasSuffix(s, "\r\n"):
			end = "\r\n"
		case strings.HasSuffix(s, "\n"):
			end = "\n"
		}
		out = append(out, line{strings.TrimSuffix(s, end), end})
	}
	return out
}

func join(lines []line) []byte {
	var b bytes.Buffer
	for _, l := range lines {
		b.WriteString(l.text + l.end)
	}
	return b.Bytes()
}

// header returns the section a header line opens, its words joined by one space.
func header(text string) (string, bool) {
	t := strings.TrimSpace(text)
	if !strings.HasPrefix(t, "[") {
		return "", false
	}
	end := strings.LastIndex(t, "]")
	if end < 0 {
		return "", false
	}
	return strings.Join(strings.Fields(t[1:end]), " "), true
}

// sectionMatches reports whether a header names section; [profile default] is [default].
func sectionMatches(name, section string) bool {
	return name == section || section == "default" && name == "profile default"
}

// keyOf returns the key an unindented key = value line sets.
func keyOf(text string) (string, bool) {
	if text == "" || text[0] == ' ' || text[0] == '\t' || text[0] == '#' || text[0] == ';' {
		return "", false
	}
	i := strings.IndexAny(text, "=:")
	if i < 0 {
		return "", false
	}
	return strings.TrimSpace(text[:i]), true
}

// span finds a section: the index of its header and one past its last key or continuation
// line (comments and blank lines before the next header belong to what follows).
func span(lines []line, section string) (head, end int, ok bool) {
	head = -1
	for i, l := range lines {
		name, isHeader := header(l.text)
		if head < 0 {
			if isHeader && sectionMatches(name, section) {
				head, end = i, i+1
			}
			continue
		}
		if isHeader {
			break
		}
		if t := strings.TrimSpace(l.text); t != "" && t[0] != '#' && t[0] != ';' {
			end = i + 1
		}
	}
	return head, end, head >= 0
}

func newline(lines []line) string {
	for _, l := range lines {
		if l.end != "" {
			return l.end
		}
	}
	return "\n"
}

// SetKeys sets keys in a section of an INI file, keeping every other byte: an existing
// key's value is replaced in its line, a new key goes after the section's last key, a new
// section at the end of the file.
func SetKeys(data []byte, section string, kvs ...KV) []byte {
	lines := split(data)
	nl := newline(lines)
	head, end, ok := span(lines, section)
	if !ok {
		if n := len(lines); n > 0 {
			if lines[n-1].end == "" {
				lines[n-1].end = nl
			}
			if strings.TrimSpace(lines[n-1].text) != "" {
				lines = append(lines, line{"", nl})
			}
		}
		lines = append(lines, line{"[" + section + "]", nl})
		head, end = len(lines)-1, len(lines)
	}
	for _, kv := range kvs {
		done := false
		for i := head + 1; i < end && !done; i++ {
			if k, ok := keyOf(lines[i].text); ok && k == kv.Key {
				t := lines[i].text
				eq := strings.IndexAny(t, "=:")
				rest := t[eq+1:]
				ws := rest[:len(rest)-len(strings.TrimLeft(rest, " \t"))] // keep the user's spacing
				lines[i].text = t[:eq+1] + ws + kv.Value
				done = true
			}
		}
		if done {
			continue
		}
		if end > 0 && lines[end-1].end == "" {
			lines[end-1].end = nl
		}
		lines = append(lines[:end], append([]line{{kv.Key + " = " + kv.Value, nl}}, lines[end:]...)...)
		end++
	}
	return join(lines)
}

// DeleteKeys removes keys (and their continuation lines) from a section, keeping every
// other byte.
func DeleteKeys(data []byte, section string, keys ...string) []byte {
	lines := split(data)
	head, end, ok := span(lines, section)
	if !ok {
		return data
	}
	drop := map[string]bool{}
	for _, k := range keys {
		drop[k] = true
	}
	out := append([]line{}, lines[:head+1]...)
	for i := head + 1; i < end; i++ {
		k, isKey := keyOf(lines[i].text)
		if !isKey || !drop[k] {
			out = append(out, lines[i])
			continue
		}
		for i+1 < end && (strings.HasPrefix(lines[i+1].text, " ") || strings.HasPrefix(lines[i+1].text, "\t")) {
			i++ // the key's continuation lines
		}
	}
	return join(append(out, lines[end:]...))
}

// EditFile applies edit to a file's bytes (a missing file reads as empty) and writes the
// result atomically if it differs; it reports whether it wrote.
func EditFile(path string, edit func([]byte) []byte) (bool, error) {
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("read %s: %w", path, err)
	}
	data := edit(old)
	if bytes.Equal(data, old) {
		return false, nil
	}
	return true, WriteFileAtomic(path, data, 0o600)
}

// WriteFileAtomic replaces a file's contents through a temporary file in the same directory
// and a rename, keeping its mode (perm for a new file). A symlinked file is written at its
// target, so the link stays.
func WriteFileAtomic(path string, data []byte, perm fs.FileMode) (err error) {
	if target, err := filepath.EvalSymlinks(path); err == nil {
		path = target
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if fi, err := os.Stat(path); err == nil {
		perm = fi.Mode().Perm()
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".mfacred-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err == nil {
		if err = tmp.Chmod(perm); err == nil {
			err = tmp.Sync()
		}
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
