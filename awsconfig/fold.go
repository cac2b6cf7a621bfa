package awsconfig

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// FoldKey is a key as configparser keeps it: lowercased with Python's str.lower
// (RawConfigParser.optionxform), which every place that compares or stores a key uses
// (docs/config-files.md). str.lower is the full Unicode lowercase mapping, not the simple one
// of Go's strings.ToLower: the capital dotted İ becomes "i" and a combining dot above (U+0069
// U+0307), so `regİon` is not `region`; and a capital sigma at the end of a word becomes the
// final ς, elsewhere σ. Every other character maps as in Go (its one-character mapping is the
// same in both). Keys are nearly always ASCII: then it is strings.ToLower.
func FoldKey(key string) string {
	if isASCII(key) {
		return strings.ToLower(key)
	}
	var b strings.Builder
	b.Grow(len(key) + 2)
	for i, r := range key {
		switch r {
		case 'İ': // U+0130
			b.WriteString("i\u0307")
		case 'Σ': // U+03A3
			if finalSigma(key, i) {
				b.WriteRune('ς')
			} else {
				b.WriteRune('σ')
			}
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// finalSigma says whether the Σ at s[i] ends a word, as Python's str.lower decides (Unicode's
// Final_Sigma condition): a cased letter before it and none after it, case-ignorable
// characters (accents, apostrophes, ...) between them not counted.
func finalSigma(s string, i int) bool {
	j := i
	for {
		if j == 0 {
			return false
		}
		r, n := utf8.DecodeLastRuneInString(s[:j])
		if !caseIgnorable(r) {
			if !cased(r) {
				return false
			}
			break
		}
		j -= n
	}
	for j = i + len("Σ"); j < len(s); {
		r, n := utf8.DecodeRuneInString(s[j:])
		if !caseIgnorable(r) {
			return !cased(r)
		}
		j += n
	}
	return true
}

// cased is Unicode's Cased property: upper, lower or titlecase letters and the like.
func cased(r rune) bool {
	return unicode.IsUpper(r) || unicode.IsLower(r) || unicode.IsTitle(r) ||
		unicode.Is(unicode.Other_Lowercase, r) || unicode.Is(unicode.Other_Uppercase, r)
}

// caseIgnorable is Unicode's Case_Ignorable property: the categories Mn, Me, Cf, Lm and Sk, and
// the characters whose Word_Break is MidLetter, MidNumLet or Single_Quote, listed here.
func caseIgnorable(r rune) bool {
	switch r {
	case '\'', '.', ':', 0x00B7, 0x0387, 0x055F, 0x05F4, 0x2018, 0x2019, 0x2024, 0x2027, 0xFE13, 0xFE52, 0xFE55, 0xFF07, 0xFF0E, 0xFF1A:
		return true
	}
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf, unicode.Lm, unicode.Sk)
}
