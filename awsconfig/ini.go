package awsconfig

import (
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"io/fs"
	"strings"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"github.com/mfacred/mfacred/internal/regular"
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
//     every section. Keys are split at the first = or : and lowercased as Python's str.lower does
//     (FoldKey).
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
	index    []uint64  // open addressing by raw name: hash<<32 | 1+index into sections; 0 is free
	seed     maphash.Seed
	// quoted holds the config sections that name a profile or services block other than
	// plainly ("profile NAME", "services NAME").
	quoted []namedSection
	keys   map[int32][]kv // the sections read key by key, by body offset
	cr     bool           // the file holds a \r
	// unusual holds, in file order, the headers a search for `[NAME]` at the start of a line
	// cannot find or would misread: indented ones, [DEFAULT] and quoted profile names. A
	// stamp keeps them (stamp.go).
	unusual []section
	// lazy: the file was found valid before and not re-checked (stamp.go); sections holds only
	// the unusual headers and those found so far, and find searches the text.
	lazy  bool
	found map[string]int
}

type namedSection struct {
	kind, item string // kindProfile or kindServices, and the name
	i          int
}

// section holds offsets only: with no pointers, tens of thousands of them cost the garbage
// collector nothing.
type section struct {
	nameAt, nameLen int32 // the name as configparser has it: between [ and the last ]
	body, end       int32 // the lines after the header
	line            int32 // the header's line number
}

func (f *iniFile) name(s *section) string { return f.data[s.nameAt : s.nameAt+s.nameLen] }

type kv struct {
	key, value string
	nested     bool // a nested block (s3 = ...): value holds its lines, read by nestedValue
}

// readFileID reads a config or credentials file, and returns the file's identity (stamp.go):
// id.ok only when the file did not change while it was read, as far as fstat can tell. A
// missing file is empty; one that is not a regular file or is over MaxFileSize is an error,
// found without reading it.
//
// A file of mapFrom bytes or more (0: none) is mapped rather than read, where the system can
// (mapFile): the caller must then recover from a fault.
func readFileID(path string, mapFrom int64) (string, fileID, error) {
	f, fi, err := regular.Open(path, MaxFileSize)
	if errors.Is(err, fs.ErrNotExist) {
		return "", fileID{}, nil
	}
	if err != nil {
		return "", fileID{}, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	if canMap && mapFrom > 0 && fi.Size() >= mapFrom {
		if b, err := mapFile(f, fi.Size()); err == nil {
			id := statID(fi)
			if after, err := f.Stat(); err != nil || statID(after) != id {
				id = fileID{}
			}
			return unsafe.String(&b[0], len(b)), id, nil
		}
	}
	b := make([]byte, fi.Size()+1) // +1: see the file grow
	n, err := io.ReadFull(f, b)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return "", fileID{}, fmt.Errorf("read %s: %w", path, err)
	}
	if n > MaxFileSize {
		return "", fileID{}, fmt.Errorf("read %s: larger than the %d MiB mfacred reads", path, MaxFileSize>>20)
	}
	id := statID(fi)
	if after, err := f.Stat(); err != nil || statID(after) != id || int64(n) != fi.Size() {
		id = fileID{}
	}
	if n == 0 {
		return "", id, nil
	}
	// b is never written again: the sections' names and values point into it.
	return unsafe.String(&b[0], n), id, nil
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
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("larger than the %d MiB mfacred reads", MaxFileSize>>20)
	}
	f := &iniFile{data: data, seed: maphash.MakeSeed(), cr: strings.IndexByte(data, '\r') >= 0}
	// Room for every section at once: no copying as the file is read.
	f.sections = make([]section, 0, strings.Count(data, "["))
	f.grow()
	r := reader{data: data, cr: f.cr, nextCR: -1}
	var keys keySet    // the current section's keys
	var defKeys keySet // all [DEFAULT] blocks' keys
	cur := (*section)(nil)
	inDefault := false
	for {
		k := r.next()
		switch k {
		case LineEOF:
			if cur != nil {
				cur.end = int32(len(data))
			}
			f.sections = f.sections[:len(f.sections):len(f.sections)]
			return f, nil
		case LineBlank, LineComment:
		case LineMore:
			if r.nested && !nestedLineOK(r.text()) {
				return nil, &parseError{r.n, "a nested value's line needs `key = value`"}
			}
		case LineHeader:
			if cur != nil {
				cur.end = int32(r.start)
			}
			s := section{nameAt: int32(r.nameAt), nameLen: int32(r.nameEnd - r.nameAt), body: int32(r.off), line: int32(r.n)}
			name := r.name()
			if inDefault = name == "DEFAULT"; inDefault {
				f.unusual = append(f.unusual, s)
				f.defaults = append(f.defaults, s)
				cur = &f.defaults[len(f.defaults)-1]
				continue
			}
			f.sections = append(f.sections, s)
			if j := f.add(len(f.sections) - 1); j >= 0 {
				return nil, &parseError{r.n, fmt.Sprintf("section [%s] is already on line %d", name, f.sections[j].line)}
			}
			if kind, item, ok := oddNamed(name); ok {
				f.quoted = append(f.quoted, namedSection{kind, item, len(f.sections) - 1})
				f.unusual = append(f.unusual, s)
			}
			if r.textAt != r.start && (len(f.unusual) == 0 || f.unusual[len(f.unusual)-1] != s) {
				f.unusual = append(f.unusual, s)
			}
			cur = &f.sections[len(f.sections)-1]
			keys.reset()
		case LineOption:
			if cur == nil {
				return nil, &parseError{r.n, "a key before any [section]"}
			}
			if r.keyEnd == r.keyAt {
				return nil, &parseError{r.n, "a line with no key before its = or :"}
			}
			set := &keys
			if inDefault {
				set = &defKeys
			}
			if !set.add(data, r.keyAt, r.keyEnd-r.keyAt, r.ascii) {
				return nil, &parseError{r.n, fmt.Sprintf("key %s is set twice in [%s]", FoldKey(r.key()), f.name(cur))}
			}
		case LineBad:
			if r.text()[0] == '[' {
				return nil, &parseError{r.n, "unclosed section: " + r.text()}
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
	for n < 2*max(len(f.sections)+1, cap(f.sections))+2 {
		n *= 2
	}
	if n <= len(f.index) {
		return
	}
	f.index = make([]uint64, n)
	for i := range f.sections {
		f.put(i)
	}
}

func (f *iniFile) put(i int) {
	mask := uint64(len(f.index) - 1)
	hash := f.hash(f.name(&f.sections[i]))
	for h := hash & mask; ; h = (h + 1) & mask {
		if f.index[h] == 0 {
			f.index[h] = hash>>32<<32 | uint64(i+1)
			return
		}
	}
}

// add indexes section i, unless a section of that name is indexed already: then it returns
// that one's index.
func (f *iniFile) add(i int) int {
	if 2*len(f.sections)+2 > len(f.index) {
		f.sections = f.sections[:i]
		f.grow()
		f.sections = f.sections[:i+1]
	}
	name := f.name(&f.sections[i])
	mask := uint64(len(f.index) - 1)
	hash := f.hash(name)
	for h := hash & mask; ; h = (h + 1) & mask {
		e := f.index[h]
		if e == 0 {
			f.index[h] = hash>>32<<32 | uint64(i+1)
			return -1
		}
		if e>>32 == hash>>32 {
			if j := int(uint32(e)) - 1; f.name(&f.sections[j]) == name {
				return j
			}
		}
	}
}

// find returns the index of the section with this raw name, or -1.
func (f *iniFile) find(name string) int {
	if f.lazy {
		return f.findLazy(name)
	}
	if len(f.index) == 0 {
		return -1
	}
	mask := uint64(len(f.index) - 1)
	hash := f.hash(name)
	for h := hash & mask; f.index[h] != 0; h = (h + 1) & mask {
		e := f.index[h]
		if e>>32 != hash>>32 {
			continue
		}
		if i := int(uint32(e)) - 1; f.name(&f.sections[i]) == name {
			return i
		}
	}
	return -1
}

// keySet finds a key set twice in one section. Sections hold a handful of keys, so a list of
// their offsets does until it grows long.
type keySet struct {
	list []int32 // offset, length (negative: not ASCII), ...
	big  map[string]bool
}

func (s *keySet) reset() { s.list, s.big = s.list[:0], nil }

func (s *keySet) add(data string, at, n int, ascii bool) bool {
	key := data[at : at+n]
	if s.big != nil {
		k := FoldKey(key)
		if s.big[k] {
			return false
		}
		s.big[k] = true
		return true
	}
	for i := 0; i < len(s.list); i += 2 {
		at, n := s.list[i], s.list[i+1]
		switch {
		case ascii && n > 0:
			if int(n) == len(key) && strings.EqualFold(data[at:at+n], key) {
				return false
			}
		// Not EqualFold: it also matches pairs that configparser's lowercasing keeps apart
		// (the long s 'ſ' and 's').
		case FoldKey(data[at:at+abs(n)]) == FoldKey(key):
			return false
		}
	}
	if !ascii {
		n = -n
	}
	s.list = append(s.list, int32(at), int32(n))
	if len(s.list) > 64 {
		s.big = map[string]bool{}
		for i := 0; i < len(s.list); i += 2 {
			at, n := s.list[i], abs(s.list[i+1])
			s.big[FoldKey(data[at:at+n])] = true
		}
	}
	return true
}

func abs(n int32) int32 {
	if n < 0 {
		return -n
	}
	return n
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
func (f *iniFile) keysOf(s *section) []kv {
	if keys, ok := f.keys[s.body]; ok {
		return keys
	}
	r := reader{data: f.data[:s.end], cr: f.cr, nextCR: -1}
	r.off, r.inSection = int(s.body), true
	var keys []kv
	var vals []string
	flush := func() {
		if len(keys) == 0 || vals == nil {
			return
		}
		v := strings.Join(vals, "\n")
		v = strings.TrimRightFunc(v, isPySpace)
		last := &keys[len(keys)-1]
		if strings.HasPrefix(v, "\n") {
			last.value, last.nested = v, true
		} else {
			last.value = v
		}
		vals = nil
	}
	for done := false; !done; {
		switch r.next() {
		case LineEOF, LineHeader:
			flush()
			done = true
		case LineOption:
			flush()
			keys = append(keys, kv{key: FoldKey(r.key()), value: r.value()})
			vals = []string{r.value()}
		case LineMore:
			vals = append(vals, r.text())
		case LineBlank:
			if r.inOption && vals != nil {
				vals = append(vals, "")
			}
		}
	}
	if f.keys == nil {
		f.keys = map[int32][]kv{}
	}
	f.keys[s.body] = keys
	return keys
}

// get returns a key of a section, else of [DEFAULT].
func (f *iniFile) get(s *section, key string) (kv, bool) {
	if s != nil {
		for _, p := range f.keysOf(s) {
			if p.key == key {
				return p, true
			}
		}
	}
	for i := len(f.defaults) - 1; i >= 0; i-- {
		for _, p := range f.keysOf(&f.defaults[i]) {
			if p.key == key {
				return p, true
			}
		}
	}
	return kv{}, false
}

// The kinds of line (Lines gives them to awsconfig/edit).
type LineKind uint8

const (
	LineEOF     LineKind = iota
	LineBlank            // nothing but white space
	LineComment          // # or ; first
	LineHeader           // [NAME]
	LineOption           // KEY = VALUE or KEY: VALUE
	LineMore             // a continuation of the value above
	LineBad              // none of these
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

	// Of the line read, as offsets: a reader writes no pointers, so reading a large file
	// costs no write barriers while the garbage collector runs.
	start           int  // the line
	textAt, textEnd int  // the line stripped
	nameAt, nameEnd int  // LineHeader: the section name
	keyAt, keyEnd   int  // LineOption: the key
	valueAt         int  // and the value, to textEnd
	ascii           bool // LineOption: the line is ASCII
	nextCR          int  // where the next \r is, when cr
}

func (r *reader) text() string  { return r.data[r.textAt:r.textEnd] }
func (r *reader) name() string  { return r.data[r.nameAt:r.nameEnd] }
func (r *reader) key() string   { return r.data[r.keyAt:r.keyEnd] }
func (r *reader) value() string { return r.data[r.valueAt:r.textEnd] }

func newReader(data string) reader {
	return reader{data: data, cr: strings.IndexByte(data, '\r') >= 0, nextCR: -1}
}

// next reads the next line and classifies it. The line's bounds are found by plainLine for a
// plain ASCII line ending in \n or \r\n, as nearly every line is, else by the general rules;
// one classifier (classify) then decides what the line is.
func (r *reader) next() LineKind {
	if r.off >= len(r.data) {
		return LineEOF
	}
	r.start = r.off
	r.n++
	if textAt, textEnd, delim, next, ok := r.plainLine(); ok {
		r.off = next
		return r.classify(textAt, textEnd, textAt-r.start, delim, true)
	}
	rest := r.data[r.off:]
	var line string
	i := strings.IndexByte(rest, '\n')
	if r.cr {
		if r.nextCR < r.off {
			r.nextCR = len(r.data)
			if j := strings.IndexByte(rest, '\r'); j >= 0 {
				r.nextCR = r.off + j
			}
		}
		if j := r.nextCR - r.off; j < len(rest) && (i < 0 || j < i) {
			i = j
		}
	}
	switch {
	case i < 0:
		line, r.off = rest, len(r.data)
	case rest[i] == '\r' && i+1 < len(rest) && rest[i+1] == '\n':
		line, r.off = rest[:i], r.off+i+2
	default:
		line, r.off = rest[:i], r.off+i+1
	}
	indent, lead := leadingSpace(line)
	textAt := r.start + lead
	text := trimRight(line[lead:])
	delim := strings.IndexAny(text, "=:")
	if delim >= 0 {
		delim += textAt
	}
	return r.classify(textAt, textAt+len(text), indent, delim, false)
}

// classify decides what the line whose stripped text is data[textAt:textEnd], indented by
// indent white space characters, is, as configparser does; delim is the offset of its first =
// or :, -1 for none. plain: the line is ASCII with no white space but blanks and tabs.
func (r *reader) classify(textAt, textEnd, indent, delim int, plain bool) LineKind {
	r.textAt, r.textEnd = textAt, textEnd
	d := r.data
	if textEnd == textAt {
		return LineBlank
	}
	switch d[textAt] {
	case '#', ';':
		return LineComment
	}
	if r.inSection && r.inOption && indent > r.indent {
		return LineMore
	}
	r.indent = indent
	text := d[textAt:textEnd]
	if text[0] == '[' {
		if j := strings.LastIndexByte(text, ']'); j >= 2 {
			r.nameAt, r.nameEnd = textAt+1, textAt+j
			r.inSection, r.inOption, r.nested = true, false, false
			return LineHeader
		}
	}
	if delim < 0 {
		return LineBad
	}
	j := delim - textAt
	key := trimRight(text[:j])
	_, lead := leadingSpace(text[j+1:])
	r.keyAt, r.keyEnd, r.valueAt = textAt, textAt+len(key), textAt+j+1+lead
	r.inOption = key != ""
	r.nested = r.valueAt == textEnd
	r.ascii = plain || isASCII(key)
	return LineOption
}

// Byte classes for plainLine, as bits.
const (
	plainDelim = 1 // = :
	plainOther = 2 // anything that needs the general rules: \r, other white space, non-ASCII
)

var plainClass = func() (c [256]uint8) {
	for i := range c {
		if i >= utf8.RuneSelf || i == '\r' || asciiSpaces[i] && i != ' ' && i != '\t' && i != '\n' {
			c[i] = plainOther
		}
	}
	c['='], c[':'] = plainDelim, plainDelim
	return c
}()

// plainLine finds the bounds of the next line in one pass over its bytes when it is plain
// ASCII ending in \n or \r\n: its text stripped of blanks and tabs, its first = or : (-1 for
// none), and where the next line starts. ok is false for any other line.
func (r *reader) plainLine() (textAt, textEnd, delim, next int, ok bool) {
	d, n := r.data, len(r.data)
	// The line's end by IndexByte (vector instructions), then one branch-light pass over its
	// bytes.
	e := strings.IndexByte(d[r.off:], '\n')
	next = n
	if e < 0 {
		e = n
	} else {
		e += r.off
		next = e + 1
	}
	if e > r.off && d[e-1] == '\r' {
		e-- // \r\n
	}
	i := r.off
	for i < e && (d[i] == ' ' || d[i] == '\t') {
		i++
	}
	last := e
	for last > i && (d[last-1] == ' ' || d[last-1] == '\t') {
		last--
	}
	var bad uint8
	delim = -1
	for j := i; j < last; j++ {
		c := plainClass[d[j]]
		bad |= c
		if c == plainDelim && delim < 0 {
			delim = j
		}
	}
	return i, last, delim, next, bad&plainOther == 0
}

// trimRight drops trailing white space, as Python's rstrip.
func trimRight(s string) string {
	for len(s) > 0 {
		c := s[len(s)-1]
		if c < utf8.RuneSelf {
			if !asciiSpace(c) {
				return s
			}
			s = s[:len(s)-1]
			continue
		}
		r, n := utf8.DecodeLastRuneInString(s)
		if !unicode.IsSpace(r) {
			return s
		}
		s = s[:len(s)-n]
	}
	return s
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

func asciiSpace(c byte) bool { return asciiSpaces[c] }

var asciiSpaces = [256]bool{' ': true, '\t': true, '\n': true, '\v': true, '\f': true, '\r': true, 0x1c: true, 0x1d: true, 0x1e: true, 0x1f: true}

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
	if name == "default" {
		return f.namedSection(kindProfile, name, f.find("default"))
	}
	return f.namedSection(kindProfile, name, -1)
}

// servicesSection returns the config section botocore reads as services block name (a
// profile's `services = NAME`): the last of those that name it.
func (f *iniFile) servicesSection(name string) *section {
	return f.namedSection(kindServices, name, -1)
}

// namedSection returns the last section naming item of kind; also is one more candidate (-1
// for none).
func (f *iniFile) namedSection(kind, item string, also int) *section {
	best := -1
	later := func(i int) { // by offset: a lazy file's sections are not in file order
		if i >= 0 && (best < 0 || f.sections[i].nameAt > f.sections[best].nameAt) {
			best = i
		}
	}
	later(also)
	if plainProfile(item) {
		later(f.find(kind + " " + item))
	}
	for _, q := range f.quoted {
		if q.kind == kind && q.item == item {
			later(q.i)
		}
	}
	if best < 0 {
		return nil
	}
	return &f.sections[best]
}

// profiles lists the config file's profiles in the order botocore has them.
func (f *iniFile) profiles() []string {
	if f.lazy { // it knows only some sections: check the whole file again
		full, err := parseINI(f.data)
		if err != nil {
			return nil
		}
		return full.profiles()
	}
	var names []string
	seen := map[string]bool{}
	for _, s := range f.sections {
		if name, ok := SectionProfile(f.name(&s)); ok && !seen[name] {
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

// nestedValue returns a nested block of a section (or [DEFAULT]) as botocore's _parse_nested
// reads it: each non-blank line split at its first =, key and value stripped. ok is false when
// the key is unset or holds a plain value.
func (f *iniFile) nestedValue(s *section, key string) (map[string]string, bool) {
	if s == nil {
		return nil, false
	}
	p, ok := f.get(s, key)
	if !ok || !p.nested {
		return nil, false
	}
	m := map[string]string{}
	for _, line := range strings.FieldsFunc(p.value, pyLineBreak) {
		line = strings.TrimFunc(line, isPySpace)
		if k, v, ok := strings.Cut(line, "="); ok {
			m[strings.TrimFunc(k, isPySpace)] = strings.TrimFunc(v, isPySpace)
		}
	}
	return m, true
}
