package awsconfig

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/mfacred/mfacred/internal/cmdline"
)

// SectionProfile returns the profile a config section names, as botocore's
// build_profile_map does: [default], or a name starting with "profile" that shlex splits
// into exactly two words.
func SectionProfile(name string) (string, bool) {
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
	words, err := cmdline.SplitPOSIX(name)
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
