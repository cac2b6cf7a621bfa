package awsconfig

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// foldTable holds keys where a simple case mapping (Go's strings.ToLower) and Python's
// str.lower, which configparser folds keys with, could part: the capital dotted İ (full
// mapping "i̇"), Σ at the end of a word (ς) and elsewhere (σ), with case-ignorable marks, dots
// and quotes around it, ß and ẞ, the Turkish dotless ı, the Kelvin and Ångström signs, the
// titlecase ǅ, the long s ſ, a modifier letter (cased and case-ignorable) and scripts that have
// case.
var foldTable = []string{
	"region", "REGION", "Region_Name", "regİon", "REGİON", "İ", "İİ", "i̇", "Iİ",
	"Σ", "ΣΑΣ", "ΟΔΟΣ", "ΣΑΣ_ΣΑΣ", "ΣΑΣ ΣΑΣ", "ΑΣ.Β", "ΑΣ.", "ΑΣ'", "Α'Σ", "ΑΣ\u0301", "ΑΣ\u0301Β", "\u0301Σ", "ʰΣ", "Aʰ Σ", "AΣʰ", "AΣ1", "1Σ", "AΣΣ", "ΣΣ",
	"STRAßE", "ẞ", "ı", "ID", "ıd", "\u212Aey", "\u212B", "ǅ", "ǈ", "ſ", "Ꭰ", "ДОМ", "ԱԲ", "\U00010400", "ﬁ",
}

// TestFoldKeyAsPython: FoldKey folds as Python's str.lower, in the Python the AWS CLI runs on:
// the table above, and every code point alone and next to a Σ (what str.lower maps it to, and
// whether a Σ beside it ends a word).
func TestFoldKeyAsPython(t *testing.T) {
	python := awsPython(t)
	in, _ := json.Marshal(foldTable)
	out, err := exec.Command(python, "-c", "import json, sys; print(json.dumps([k.lower() for k in json.loads(sys.argv[1])]))", string(in)).Output()
	var want []string
	if err != nil || json.Unmarshal(out, &want) != nil || len(want) != len(foldTable) {
		t.Fatalf("python: %v %q", err, out)
	}
	for i, key := range foldTable {
		if got := FoldKey(key); got != want[i] {
			t.Errorf("FoldKey(%q) = %q (%+q), Python's lower() %q (%+q)", key, got, got, want[i], want[i])
		}
	}

	// Each code point: its lowercase, and the case of a Σ after "A" and it, after it alone, and
	// between "A" and it (bits 1, 2, 4: ς). Python lists the code points where that is not the
	// code point itself and 4, and the ranges it leaves out: code points its Unicode has not
	// assigned (Go 1.26 has Unicode 15.0, Python 3.11 14.0; Go's unassigned ones are left out
	// below) and private-use ones, which have no case.
	script := `
import unicodedata
out, skip = [], None
for c in range(0x110000):
    s = chr(c)
    if 0xD800 <= c < 0xE000 or unicodedata.category(s) in ("Cn", "Co"):
        if skip is None:
            skip = c
        continue
    if skip is not None:
        out.append("skip %x %x" % (skip, c))
        skip = None
    lower = s.lower()
    bits = (1 if ("A" + s + "Σ").lower()[-1] == "ς" else 0) | (2 if (s + "Σ").lower()[-1] == "ς" else 0) | (4 if ("AΣ" + s).lower()[1] == "ς" else 0)
    if lower != s or bits != 4:
        out.append("%x %s %d" % (c, ",".join("%x" % ord(x) for x in lower), bits))
if skip is not None:
    out.append("skip %x 110000" % skip)
print("\n".join(out))
`
	out, err = exec.Command(python, "-c", script).Output()
	if err != nil {
		t.Fatalf("python: %v", err)
	}
	hex := func(s string) rune {
		n, err := strconv.ParseUint(s, 16, 32)
		if err != nil {
			t.Fatalf("python printed %q", out)
		}
		return rune(n)
	}
	type answer struct {
		lower string
		bits  byte
	}
	listed := map[rune]answer{}
	skip := make([]bool, utf8.MaxRune+1)
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 3 && f[0] == "skip":
			for c := hex(f[1]); c < hex(f[2]); c++ {
				skip[c] = true
			}
		case len(f) == 3 && len(f[2]) == 1:
			var lower []rune
			for _, h := range strings.Split(f[1], ",") {
				lower = append(lower, hex(h))
			}
			listed[hex(f[0])] = answer{string(lower), f[2][0] - '0'}
		default:
			t.Fatalf("python printed %q", line)
		}
	}
	bad, compared := 0, 0
	for c := rune(0); c <= utf8.MaxRune; c++ {
		if skip[c] || !unicode.In(c, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Z, unicode.C) {
			continue // not assigned in Python's Unicode or in Go's, or private use
		}
		compared++
		s := string(c)
		want, ok := listed[c]
		if !ok {
			want = answer{s, 4}
		}
		var bits byte
		if strings.HasSuffix(FoldKey("A"+s+"Σ"), "ς") {
			bits |= 1
		}
		if strings.HasSuffix(FoldKey(s+"Σ"), "ς") {
			bits |= 2
		}
		if strings.HasPrefix(FoldKey("AΣ"+s), "aς") {
			bits |= 4
		}
		if lower := FoldKey(s); lower != want.lower || bits != want.bits {
			if bad++; bad <= 20 {
				t.Errorf("U+%04X: FoldKey gives %+q and Σ bits %03b, Python %+q and %03b (bits: ς after A and it, after it, before it)", c, lower, bits, want.lower, want.bits)
			}
		}
	}
	if bad > 20 {
		t.Errorf("... %d code points in all", bad)
	}
	t.Logf("%d code points compared", compared)
}

// TestKeysFoldAsBotocore: files whose keys fold differently under a simple case mapping are
// read by botocore (load_config) and by awsconfig alike: the same refused ("set twice"), the
// same keys found.
func TestKeysFoldAsBotocore(t *testing.T) {
	python := awsPython(t)
	dir := t.TempDir()
	files := []string{
		"regİon = x\nregion = y\n",
		"REGİON = x\n",
		"regİon = x\nregi\u0307on = y\n",
		"ΣΑΣ = 1\nσας = 2\n",
		"ΣΑΣ = 1\nσασ = 2\n",
		"ΑΣ.Β = 1\nασ.β = 2\n",
		"ΑΣ.Β = 1\nας.β = 2\n",
		"ΑΣ\u0301 = 1\nας\u0301 = 2\n",
		"STRAßE = 1\nstrasse = 2\n",
		"ẞ = 1\nß = 2\n",
		"ID = 1\nıd = 2\n",
		"\u212Aey = 1\nkey = 2\n",
		"\u212B = 1\nå = 2\n",
		"ſ = 1\ns = 2\n",
		"ǅ = 1\nǆ = 2\n",
	}
	var paths []string
	for i, body := range files {
		p := filepath.Join(dir, fmt.Sprint(i))
		if err := os.WriteFile(p, []byte("[profile p]\n"+body+"[profile İ]\nk = 1\n[profile i\u0307]\nk = 2\n[Profile q]\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	script := `
import json, sys
from awscli.botocore.configloader import load_config
out = []
for p in json.loads(sys.argv[1]):
    try:
        out.append({"profiles": load_config(p)["profiles"]})
    except Exception as e:
        out.append({"error": type(e).__name__})
print(json.dumps(out))
`
	in, _ := json.Marshal(paths)
	raw, err := exec.Command(python, "-c", script, string(in)).Output()
	var answers []struct {
		Profiles map[string]map[string]string
		Error    string
	}
	if err != nil || json.Unmarshal(raw, &answers) != nil || len(answers) != len(paths) {
		t.Fatalf("botocore answered %.300s: %v", raw, err)
	}
	for i, p := range paths {
		want := answers[i]
		f, err := LoadFiles(p, filepath.Join(dir, "none"))
		switch {
		case want.Error != "" && err == nil:
			t.Errorf("%q: botocore refuses it (%s), mfacred reads it", files[i], want.Error)
			continue
		case want.Error == "" && err != nil:
			t.Errorf("%q: mfacred refuses it (%v), botocore reads it", files[i], err)
			continue
		case err != nil:
			continue
		}
		got := map[string]map[string]string{}
		for _, name := range f.Profiles() {
			got[name] = map[string]string{}
			for _, k := range f.config.keysOf(f.config.profileSection(name)) {
				got[name][k.key] = k.value
			}
		}
		if !reflect.DeepEqual(got, want.Profiles) {
			t.Errorf("%q:\nbotocore: %q\nmfacred:  %q", files[i], want.Profiles, got)
		}
	}
}
