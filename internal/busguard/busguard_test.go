package busguard

import "testing"

func TestIsImport(t *testing.T) {
	for args, want := range map[string]bool{
		"mfacred-core import aws-vault":              true,
		"mfacred-core --keyring os import aws-vault": true,
		"mfacred-core --keyring=kernel import":       true,
		"mfacred-core -keyring os import":            true,
		"mfacred-core process --profile import":      false,
		"mfacred-core status":                        false,
		"mfacred-core":                               false,
		"mfacred-core --keyring":                     false,
		"mfacred-core --keyring import":              false,
		"mfacred-core help import":                   false,
	} {
		if got := isImport(split(args)); got != want {
			t.Errorf("%q: %v, want %v", args, got, want)
		}
	}
}

func split(s string) []string {
	var out []string
	w := ""
	for _, r := range s + " " {
		if r == ' ' {
			if w != "" {
				out = append(out, w)
			}
			w = ""
			continue
		}
		w += string(r)
	}
	return out
}
