package awsconfig

import "strings"

// Line is one line of a file, with its line ending and what configparser reads it as: what
// the edits setup makes (awsconfig/edit) know of a file, so that they read it with the one
// reader that parses it.
type Line struct {
	Text string // without the ending
	End  string
	Kind LineKind
	Name string // LineHeader: the section; LineOption: the key, folded (FoldKey)
}

// Lines cuts a file into lines where configparser does (\n, \r\n, a lone \r) and classifies
// them with the reader that parses the file.
func Lines(data []byte) []Line {
	s := string(data)
	r := newReader(s)
	var out []Line
	for {
		k := r.next()
		if k == LineEOF {
			return out
		}
		l := Line{Text: s[r.start:r.off], Kind: k}
		switch {
		case strings.HasSuffix(l.Text, "\r\n"):
			l.End = "\r\n"
		case strings.HasSuffix(l.Text, "\n"):
			l.End = "\n"
		case strings.HasSuffix(l.Text, "\r"):
			l.End = "\r"
		}
		l.Text = l.Text[:len(l.Text)-len(l.End)]
		switch k {
		case LineHeader:
			l.Name = r.name()
		case LineOption:
			l.Name = FoldKey(r.key())
		}
		out = append(out, l)
	}
}

// KV is a key and value to set in a section: what TaggingLines answers, and what
// awsconfig/edit's SetKeys writes.
type KV struct{ Key, Value string }
