// Package cmdline writes and splits the command lines in the AWS config file
// (credential_process, mfa_process) as each platform's callers read them: the line setup writes
// (CredentialProcess), and a line split into words as botocore splits it (SplitCommand; doctor
// and import read lines so, and awsconfig reads a section name as shlex does, SplitPOSIX).
package cmdline

import (
	"errors"
	"fmt"
	"strings"

	"github.com/mfacred/mfacred/internal/shellword"
)

// How callers run a credential_process line (docs/config-files.md):
//
//   - botocore on Linux and macOS splits it with Python's shlex.split (POSIX rules);
//   - botocore on Windows splits it with its own _windows_shell_split: only " quotes, and a
//     backslash is literal unless a run of them leads up to a ";
//   - the Go, Java and Node SDKs hand it to `sh -c` on Linux and macOS and to `cmd.exe /C` on
//     Windows, where ' is no quote, %NAME% expands even inside quotes, and & | < > ^ ( ) are
//     commands outside them.
//
// CredentialProcess writes a line that all of one platform's callers read alike, and
// SplitCommand reads one as botocore on that platform does.

// CredentialProcess is the credential_process line that runs program with
// `process --profile NAME`, quoted for the callers on goos ("windows" or another).
func CredentialProcess(program, profile, goos string) (string, error) {
	quote := shellword.POSIX
	if goos == "windows" {
		quote = quoteWindows
	}
	p, err := quote(program)
	if err != nil {
		return "", fmt.Errorf("write credential_process for %s: %w", program, err)
	}
	n, err := quote(profile)
	if err != nil {
		return "", fmt.Errorf("write credential_process for profile %q: %w", profile, err)
	}
	return p + " process --profile " + n, nil
}

// SplitCommand splits a credential_process line into words as botocore on goos does.
func SplitCommand(line, goos string) ([]string, error) {
	if goos == "windows" {
		return windowsSplit(line)
	}
	return SplitPOSIX(line)
}

// quoteWindows quotes s for botocore's Windows splitting and cmd.exe alike. Words without
// blanks or cmd.exe's special characters stay bare: the Go SDK escapes the whole line as one
// argument of cmd.exe /C, which cmd.exe then reads with any " in it garbled.
func quoteWindows(s string) (string, error) {
	switch {
	case s == "":
		return "", errors.New("an empty word")
	case strings.ContainsAny(s, "\r\n\x00"):
		return "", errors.New("a line break or NUL cannot be written in one config line")
	case strings.ContainsRune(s, '"'):
		return "", errors.New(`cmd.exe cannot pass a " inside a word`)
	case strings.ContainsRune(s, '%'):
		return "", errors.New("cmd.exe expands % even inside quotes")
	case !strings.ContainsAny(s, " \t&|<>^(),;="):
		return s, nil
	}
	// Backslashes before the closing quote would escape it: double them.
	trail := len(s) - len(strings.TrimRight(s, `\`))
	return `"` + s + strings.Repeat(`\`, trail) + `"`, nil
}

// SplitPOSIX is Python's shlex.split(s) (POSIX mode, no comments).
func SplitPOSIX(s string) ([]string, error) {
	var words []string
	var w strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case ' ', '\t', '\r', '\n':
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		case '\\':
			if i+1 >= len(s) {
				return nil, errors.New("no escaped character after the final \\")
			}
			i++
			w.WriteByte(s[i])
			inWord = true
		case '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, errors.New("no closing quotation")
			}
			w.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case '"':
			inWord = true
			for i++; ; i++ {
				if i >= len(s) {
					return nil, errors.New("no closing quotation")
				}
				if s[i] == '"' {
					break
				}
				if s[i] == '\\' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\') {
					i++
				}
				w.WriteByte(s[i])
			}
		default:
			w.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, w.String())
	}
	return words, nil
}

// windowsSplit is botocore's _windows_shell_split (the C runtime's argument rules).
func windowsSplit(s string) ([]string, error) {
	var words []string
	var w strings.Builder
	inWord, quoted, slashes := false, false, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\':
			slashes++
			continue
		case c == '"':
			w.WriteString(strings.Repeat(`\`, slashes/2))
			odd := slashes%2 == 1
			slashes = 0
			inWord = true
			if odd {
				w.WriteByte('"')
				continue
			}
			quoted = !quoted
			continue
		}
		w.WriteString(strings.Repeat(`\`, slashes))
		if slashes > 0 {
			inWord = true
		}
		slashes = 0
		if (c == ' ' || c == '\t') && !quoted {
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
			continue
		}
		w.WriteByte(c)
		inWord = true
	}
	if quoted {
		return nil, errors.New("no closing quotation")
	}
	if slashes > 0 {
		w.WriteString(strings.Repeat(`\`, slashes))
		inWord = true
	}
	if inWord {
		words = append(words, w.String())
	}
	return words, nil
}
