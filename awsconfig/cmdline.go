package awsconfig

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

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
	return shlexSplit(line)
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

// shlexSplit is Python's shlex.split(s) (POSIX mode, no comments).
func shlexSplit(s string) ([]string, error) {
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

// sectionProfile returns the profile a config section names, as botocore's
// build_profile_map does: [default], or a name starting with "profile" that shlex splits
// into exactly two words.
func sectionProfile(name string) (string, bool) {
	if name == "default" {
		return name, true
	}
	return sectionNamed(kindProfile, name)
}

// The kinds of named config section: botocore's build_profile_map reads a section whose name
// starts with one of these words and splits (shlex) into exactly two words as the item named
// by the second word.
const (
	kindProfile  = "profile"
	kindServices = "services"
)

// sectionNamed returns the item of that kind a config section names.
func sectionNamed(kind, name string) (string, bool) {
	if !strings.HasPrefix(name, kind) {
		return "", false
	}
	if rest, ok := strings.CutPrefix(name, kind+" "); ok && plainProfile(rest) {
		return rest, true
	}
	words, err := shlexSplit(name)
	if err != nil || len(words) != 2 {
		return "", false
	}
	return words[1], true
}

// oddNamed reports the kind and item of a config section that names a profile or a services
// block in a form other than "KIND NAME": a search for the plain header cannot find it.
func oddNamed(name string) (kind, item string, ok bool) {
	for _, kind := range []string{kindProfile, kindServices} {
		if !strings.HasPrefix(name, kind) || strings.HasPrefix(name, kind+" ") && plainProfile(name[len(kind)+1:]) {
			continue
		}
		if item, ok := sectionNamed(kind, name); ok {
			return kind, item, true
		}
	}
	return "", "", false
}

// plainProfile reports whether "profile NAME" needs no quoting: shlex reads NAME as one word.
func plainProfile(name string) bool {
	for i := 0; i < len(name); i++ {
		switch name[i] {
		case ' ', '\t', '\r', '\n', '\'', '"', '\\':
			return false
		}
	}
	return name != ""
}

// ConfigSection is the name of a profile's section in the config file: what botocore reads as
// that profile. A name with blanks or quotes is written quoted ([profile "my prof"]); one
// with a line break, or that is not UTF-8, cannot be written.
func ConfigSection(profile string) (string, error) {
	switch {
	case profile == "default":
		return "default", nil
	case profile == "":
		return "", errors.New("a profile needs a name")
	case strings.ContainsAny(profile, "\r\n"):
		return "", fmt.Errorf("profile %q: a line break cannot be written in a section name", profile)
	case !utf8.ValidString(profile):
		return "", fmt.Errorf("profile %q: the name is not UTF-8 text", profile)
	case plainProfile(profile):
		return "profile " + profile, nil
	}
	q := strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(profile)
	return `profile "` + q + `"`, nil
}
