// Package shellword writes a word as a POSIX shell reads it back: the profile names and paths
// in credential_process lines (internal/cmdline) and in the commands messages suggest ("store them
// with `mfacred add NAME`"), which a person pastes into a shell.
package shellword

import (
	"errors"
	"strconv"
	"strings"
)

const plain = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+=,@:%"

// POSIX quotes s so that shlex.split (botocore's reader of a credential_process line) and sh
// both read it back as one word: bare when it needs no quotes; an error for what no line can
// hold (empty, a line break, NUL).
func POSIX(s string) (string, error) {
	switch {
	case s == "":
		return "", errors.New("an empty word")
	case strings.ContainsAny(s, "\r\n\x00"):
		return "", errors.New("a line break or NUL cannot be written in one config line")
	case strings.Trim(s, plain) == "":
		return s, nil
	case !strings.ContainsAny(s, "\"$`\\!"):
		return `"` + s + `"`, nil
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'", nil
}

// Quote is s as one word of a command a message suggests (`mfacred add NAME`, `aws …
// --profile NAME`): as POSIX writes it; a word no line can hold is Go-quoted, to be seen.
func Quote(s string) string {
	if q, err := POSIX(s); err == nil {
		return q
	}
	return strconv.Quote(s)
}
