package vaultimport

import (
	"fmt"
	"io"
	"strings"
)

// diff writes the lines that differ between old and new, each with one line around it and
// the line number in old, as "- " and "+ " lines. The edits import makes are few and local,
// so the common head and tail are cut first and only what lies between is compared.
func diff(w io.Writer, old, new []byte) {
	a, b := strings.SplitAfter(string(old), "\n"), strings.SplitAfter(string(new), "\n")
	head := 0
	for head < len(a) && head < len(b) && a[head] == b[head] {
		head++
	}
	tail := 0
	for tail < len(a)-head && tail < len(b)-head && a[len(a)-1-tail] == b[len(b)-1-tail] {
		tail++
	}
	ops := lcsOps(a[head:len(a)-tail], b[head:len(b)-tail])
	// ops over the middle, with the common lines around it as context
	var all []op
	for _, l := range a[:head] {
		all = append(all, op{' ', l})
	}
	all = append(all, ops...)
	for _, l := range a[len(a)-tail:] {
		all = append(all, op{' ', l})
	}
	line := 0
	for i, o := range all {
		if o.kind != '+' { // an added line has no line number in old
			line++
		}
		near := o.kind != ' ' || (i > 0 && all[i-1].kind != ' ') || (i+1 < len(all) && all[i+1].kind != ' ')
		if !near {
			continue
		}
		if o.kind != ' ' && (i == 0 || all[i-1].kind == ' ') && (i < 2 || all[i-2].kind == ' ') {
			fmt.Fprintf(w, "@@ line %d\n", line)
		}
		fmt.Fprintf(w, "%c %s\n", o.kind, hideSecret(strings.TrimRight(o.text, "\r\n")))
	}
}

// secretKeys are the keys whose values a diff never shows: static keys written in the config
// may sit beside a line import changes.
var secretKeys = []string{"aws_secret_access_key", "aws_session_token", "aws_security_token"}

// hideSecret is a config line with the value of a secret key replaced by "(hidden)".
func hideSecret(l string) string {
	i := strings.IndexAny(l, "=:")
	if i < 0 {
		return l
	}
	for _, k := range secretKeys {
		if strings.EqualFold(strings.TrimSpace(l[:i]), k) {
			return l[:i+1] + " (hidden)"
		}
	}
	return l
}

type op struct {
	kind byte // ' ' kept, '-' removed, '+' added
	text string
}

// lcsOps turns a into b by a longest common subsequence of lines; past a size where that
// table would be large it removes all of a and adds all of b.
func lcsOps(a, b []string) []op {
	var out []op
	if len(a)*len(b) > 1<<22 {
		for _, l := range a {
			out = append(out, op{'-', l})
		}
		for _, l := range b {
			out = append(out, op{'+', l})
		}
		return out
	}
	n, m := len(a), len(b)
	t := make([][]int, n+1)
	for i := range t {
		t[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				t[i][j] = t[i+1][j+1] + 1
			} else {
				t[i][j] = max(t[i+1][j], t[i][j+1])
			}
		}
	}
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			out = append(out, op{' ', a[i]})
			i, j = i+1, j+1
		case j < m && (i == n || t[i][j+1] >= t[i+1][j]):
			out = append(out, op{'+', b[j]})
			j++
		default:
			out = append(out, op{'-', a[i]})
			i++
		}
	}
	return out
}
