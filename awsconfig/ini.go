package awsconfig

import (
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"io/fs"
	"os"
	"strings"
	"syscall"
	"unicode"
	"unicode/utf8"
	"unsafe"
)

// This file reads the config and credentials files as botocore does: Python's
// configparser.RawConfigParser with its defaults, then, for the config file, botocore's
// build_profile_map (docs/config-files.md). In short:
//
//   - Lines end at \n, \r\n or a lone \r. The file is UTF-8.
//   - A line whose stripped text starts with # or ; is a comment; there are no inline comments
//     (`region = x # y` is "x # y").
//   - A line indented deeper than the key line above it (blank and comment lines between do not
//     count) continues that key's value; the value's lines are joined with \n. A value that
//     starts with a line break is a nested block (`s3 =` + indented `k = v` lines), each of whose
//     lines must hold an `=`.
//   - [NAME] opens section NAME (from the first [ to the last ]); [DEFAULT]'s keys belong to
//     every section. Keys are case-insensitive and split at the first = or :.
//   - A key before any section, a line that is none of these, a section or a key written twice:
//     the whole file is refused (botocore refuses it too).
//   - In the config file, a section whose name starts with "profile" and splits (shell-like,
//     Python's shlex) into exactly two words is the profile named by the second word, and
//     [default] is profile default; when several sections name one profile, the last wins.
//     In the credentials file a section's name is the profile's name.
//
// One pass over the bytes finds the sections; a section's keys are read only when asked for,
// so a call costs one read of the file whatever the number of profiles.

// MaxFileSize is the largest config or credentials file mfacred reads: about 140,000 generated
// SSO profiles. A larger file is refused rather than read for seconds.
const MaxFileSize = 16 << 20

// iniFile is one parsed file.
type iniFile struct {
	data     string
	sections []section // file order, [DEFAULT] blocks left out
	defaults []section // the [DEFAULT] blocks
	index    []int32   // open addressing: 1 + index into sections by raw name; 0 is free
	seed     maphash.Seed
	// quoted holds the config profile sections whose name is not plainly "profile NAME".
	quoted []namedSection
}

type namedSection struct {
	profile string
	i       int
}

type section struct {
	name      string // as configparser has it: between [ and the last ]
	body, end int    // the lines after the header
	line      int    // the header's line number
	keys      []kv   // read on first use
	read      bool
}

type kv struct {
	key, value string
	nested     bool // a nested block (s3 = ...), which no key mfacred reads may be
}

// readFile reads a config or credentials file. A missing file is empty; one that is not a
// regular file or is over MaxFileSize is an error, found without reading it.
func readFile(path string) (string, error) {
	// Non-blocking, so that opening a fifo returns at once; the stat below then refuses it.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	switch {
	case err != nil:
		return "", fmt.Errorf("read %s: %w", path, err)
	case !fi.Mode().IsRegular():
		return "", fmt.Errorf("read %s: not a regular file (%s)", path, fileType(fi.Mode()))
	case fi.Size() > MaxFileSize:
		return "", fmt.Errorf("read %s: larger than the %d MiB mfacred reads", path, MaxFileSize>>20)
	}
	b := make([]byte, fi.Size()+1) // +1: see the file grow
	n, err := io.ReadFull(f, b)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	if n > MaxFileSize {
		return "", fmt.Errorf("read %s: larger than the %d MiB mfacred reads", path, MaxFileSize>>20)
	}
	if n == 0 {
		return "", nil
	}
	// b is never written again: the sections' names and values point into it.
	return unsafe.String(&b[0], n), nil
}

func fileType(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a fifo"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return m.Type().String()
}

// parseError is a line botocore refuses.
type parseError struct {
	line int
	msg  string
}

func (e *parseError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

// parseINI reads a whole file in one pass, checking every line as configparser does.
func parseINI(data string) (*iniFile, error) {
	if !utf8.ValidString(data) {
		return nil, errors.New("not UTF-8 text")
	}
	f := &iniFile{data: data, seed: maphash.MakeSeed()}
	r := newReader(data)
	var keys keySet    // the current section's keys
	var defKeys keySet // all [DEFAULT] blocks' keys
	cur := (*section)(nil)
	inDefault := false
	for {
		k := r.next()
		switch k {
		case lineEOF:
			if cur != nil {
				cur.end = len(data)
			}
			f.sections = f.sections[:len(f.sections):len(f.sections)]
			return f, nil
		case lineBlank, lineComment:
		case lineMore:
			if r.nested && !nestedLineOK(r.text) {
				return nil, &parseError{r.n, "a nested value's line needs `key = value`"}
			}
		case lineHeader:
			if cur != nil {
				cur.end = r.start
			}
			s := section{name: r.name, body: r.off, line: r.n}
			if inDefault = r.name == "DEFAULT"; inDefault {
				f.defaults = append(f.defaults, s)
				cur = &f.defaults[len(f.defaults)-1]
				continue
			}
			if j := f.find(r.name); j >= 0 {
				return nil, &parseError{r.n, fmt.Sprintf("section [%s] is already on line %d", r.name, f.sections[j].line)}
			}
			f.sections = append(f.sections, s)
			f.add(len(f.sections) - 1)
			if strings.HasPrefix(r.name, "profile") && !(strings.HasPrefix(r.name, "profile ") && plainProfile(r.name[len("profile "):])) {
				if name, ok := sectionProfile(r.name); ok {
					f.quoted = append(f.quoted, namedSection{name, len(f.sections) - 1})
				}
			}
			cur = &f.sections[len(f.sections)-1]
			keys.reset()
		case lineOption:
			if cur == nil {
				return nil, &parseError{r.n, "a key before any [section]"}
			}
			if r.key == "" {
				return nil, &parseError{r.n, "a line with no key before its = or :"}
			}
			set := &keys
			if inDefault {
				set = &defKeys
			}
			if !set.add(r.key) {
				return nil, &parseError{r.n, fmt.Sprintf("key %s is set twice in [%s]", strings.ToLower(r.key), cur.name)}
			}
		case lineBad:
			if r.text[0] == '[' {
				return nil, &parseError{r.n, "unclosed section: " + r.text}
			}
			if cur == nil {
				return nil, &parseError{r.n, "text before any [section]"}
			}
			return nil, &parseError{r.n, "neither [section], key = value, nor a comment"}
		}
	}
}

func (f *iniFile) hash(name string) uint64 { return maphash.String(f.seed, name) }

func (f *iniFile) grow() {
	n := 64
	for n < 2*len(f.sections)+2 {
		n *= 2
	}
	if n <= len(f.index) {
		return
	}
	f.index = make([]int32, n)
	for i := range f.sections {
		f.put(i)
	}
}

func (f *iniFile) put(i int) {
	mask := uint64(len(f.index) - 1)
	for h := f.hash(f.sections[i].name) & mask; ; h = (h + 1) & mask {
		if f.index[h] == 0 {
			f.index[h] = int32(i + 1)
			return
		}
	}
}

func (f *iniFile) add(i int) {
	if 2*len(f.sections)+2 > len(f.index) {
		f.grow()
		return
	}
	f.put(i)
}

// find returns the index of the section with this raw name, or -1.
func (f *iniFile) find(name string) int {
	if len(f.index) == 0 {
		return -1
	}
	mask := uint64(len(f.index) - 1)
	for h := f.hash(name) & mask; f.index[h] != 0; h = (h + 1) & mask {
		if i := int(f.index[h] - 1); f.sections[i].name == name {
			return i
		}
	}
	return -1
}

// keySet finds a key set twice in one section. Sections hold a handful of keys, so a list
// does until it grows long.
type keySet struct {
	list []string
	big  map[string]bool
}

func (s *keySet) reset() { s.list, s.big = s.list[:0], nil }

func (s *keySet) add(key string) bool {
	if s.big != nil {
		k := strings.ToLower(key)
		if s.big[k] {
			return false
		}
		s.big[k] = true
		return true
	}
	for _, o := range s.list {
		if sameKey(o, key) {
			return false
		}
	}
	s.list = append(s.list, key)
	if len(s.list) > 32 {
		s.big = map[string]bool{}
		for _, o := range s.list {
			s.big[strings.ToLower(o)] = true
		}
	}
	return true
}

func sameKey(a, b string) bool {
	if a == b {
		return true
	}
	if isASCII(a) && isASCII(b) {
		return len(a) == len(b) && strings.EqualFold(a, b)
	}
	return strings.ToLower(a) == strings.ToLower(b)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// keysOf reads a section's keys and values, once.
func (s *section) keysOf(data string) []kv {
	if s.read {
		return s.keys
	}
	s.read = true
	r := newReader(data[:s.end])
	r.off, r.inSection = s.body, true
	var vals []string
	flush := func() {
		if len(s.keys) == 0 || vals == nil {
			return
		}
		v := strings.Join(vals, "\n")
		v = strings.TrimRightFunc(v, isPySpace)
		last := &s.keys[len(s.keys)-1]
		if strings.HasPrefix(v, "\n") {
			last.value, last.nested = "", true
		} else {
			last.value = v
		}
		vals = nil
	}
	for {
		switch r.next() {
		case lineEOF, lineHeader:
			flush()
			return s.keys
		case lineOption:
			flush()
			s.keys = append(s.keys, kv{key: strings.ToLower(r.key), value: r.value})
			vals = []string{r.value}
		case lineMore:
			vals = append(vals, r.text)
		case lineBlank:
			if r.inOption && vals != nil {
				vals = append(vals, "")
			}
		}
	}
}

// get returns a key of a section, else of [DEFAULT].
func (f *iniFile) get(s *section, key string) (kv, bool) {
	if s != nil {
		for _, p := range s.keysOf(f.data) {
			if p.key == key {
				return p, true
			}
		}
	}
	for i := len(f.defaults) - 1; i >= 0; i-- {
		for _, p := range f.defaults[i].keysOf(f.data) {
			if p.key == key {
				return p, true
			}
		}
	}
	return kv{}, false
}

// The kinds of line.
type lineKind uint8

const (
	lineEOF     lineKind = iota
	lineBlank            // nothing but white space
	lineComment          // # or ; first
	lineHeader           // [NAME]
	lineOption           // KEY = VALUE or KEY: VALUE
	lineMore             // a continuation of the value above
	lineBad              // none of these
)

// reader walks a file's lines, classifying each as configparser does.
type reader struct {
	data string
	off  int  // start of the next line
	cr   bool // the file holds a \r: a lone \r ends a line too
	n    int  // line number of the line read

	inSection bool
	inOption  bool // a key was read in this section: deeper lines continue it
	nested    bool // that key's value was empty, so continuation lines are nested keys
	indent    int

	// Of the line read:
	start      int    // its offset
	text       string // stripped
	name       string // lineHeader: the section name
	key, value string // lineOption
}

func newReader(data string) *reader {
	return &reader{data: data, cr: strings.IndexByte(data, '\r') >= 0}
}

func (r *reader) next() lineKind {
	if r.off >= len(r.data) {
		return lineEOF
	}
	r.start = r.off
	rest := r.data[r.off:]
	var line string
	var i int
	if r.cr {
		i = strings.IndexAny(rest, "\r\n")
	} else {
		i = strings.IndexByte(rest, '\n')
	}
	switch {
	case i < 0:
		line, r.off = rest, len(r.data)
	case rest[i] == '\r' && i+1 < len(rest) && rest[i+1] == '\n':
		line, r.off = rest[:i], r.off+i+2
	default:
		line, r.off = rest[:i], r.off+i+1
	}
	r.n++
	indent, lead := leadingSpace(line)
	text := strings.TrimRightFunc(line[lead:], isPySpace)
	r.text = text
	if text == "" {
		return lineBlank
	}
	if text[0] == '#' || text[0] == ';' {
		return lineComment
	}
	if r.inSection && r.inOption && indent > r.indent {
		return lineMore
	}
	r.indent = indent
	if text[0] == '[' {
		if j := strings.LastIndexByte(text, ']'); j >= 2 {
			r.name = text[1:j]
			r.inSection, r.inOption, r.nested = true, false, false
			return lineHeader
		}
	}
	j := strings.IndexAny(text, "=:")
	if j < 0 {
		return lineBad
	}
	r.key = strings.TrimRightFunc(text[:j], isPySpace)
	r.value = strings.TrimLeftFunc(text[j+1:], isPySpace)
	r.inOption = r.key != ""
	r.nested = r.value == ""
	return lineOption
}

// leadingSpace counts the white space characters a line starts with, and their bytes.
func leadingSpace(s string) (chars, bytes int) {
	for bytes < len(s) {
		c := s[bytes]
		if c < utf8.RuneSelf {
			if !asciiSpace(c) {
				return chars, bytes
			}
			bytes++
		} else {
			r, n := utf8.DecodeRuneInString(s[bytes:])
			if !unicode.IsSpace(r) {
				return chars, bytes
			}
			bytes += n
		}
		chars++
	}
	return chars, bytes
}

func asciiSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' || 0x1c <= c && c <= 0x1f
}

// isPySpace is Python's str.isspace for one character.
func isPySpace(r rune) bool {
	if r < utf8.RuneSelf {
		return asciiSpace(byte(r))
	}
	return unicode.IsSpace(r)
}

// nestedLineOK reports whether a line of a nested value splits into key = value, as
// botocore's _parse_nested needs (after Python's splitlines).
func nestedLineOK(s string) bool {
	for _, part := range strings.FieldsFunc(s, pyLineBreak) {
		if strings.TrimFunc(part, isPySpace) != "" && !strings.Contains(part, "=") {
			return false
		}
	}
	return true
}

func pyLineBreak(r rune) bool {
	switch r {
	case '\n', '\r', '\v', '\f', 0x1c, 0x1d, 0x1e, 0x85, 0x2028, 0x2029:
		return true
	}
	return false
}

// profileSection returns the config section botocore reads as a profile: the last of those
// that name it.
func (f *iniFile) profileSection(name string) *section {
	best := -1
	if plainProfile(name) {
		best = f.find("profile " + name)
	}
	if name == "default" {
		best = max(best, f.find("default"))
	}
	for _, q := range f.quoted {
		if q.profile == name {
			best = max(best, q.i)
		}
	}
	if best < 0 {
		return nil
	}
	return &f.sections[best]
}

// profiles lists the config file's profiles in the order botocore has them.
func (f *iniFile) profiles() []string {
	var names []string
	seen := map[string]bool{}
	for _, s := range f.sections {
		if name, ok := sectionProfile(s.name); ok && !seen[name] {
			seen[name] = true
			names = append(names, name)
		}
	}
	return names
}

// value returns a key of a section (or [DEFAULT]); a nested block reads as "".
func (f *iniFile) value(s *section, key string) string {
	if s == nil {
		return ""
	}
	p, ok := f.get(s, key)
	if !ok || p.nested {
		return ""
	}
	return p.value
}
