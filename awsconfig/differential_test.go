package awsconfig

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// Random files built from tricky pieces are read by botocore (load_config, in the AWS CLI v2's
// own Python) and by awsconfig: both refuse the same files, and find the same profiles with the
// same keys and values.
func TestDifferentialBotocore(t *testing.T) {
	python := awsPython(t)
	rng := rand.New(rand.NewSource(11))
	dir := t.TempDir()
	var paths []string
	for i := 0; i < 1000; i++ {
		data := trickyFile(rng)
		p := filepath.Join(dir, fmt.Sprint(i))
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
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
        c = load_config(p)
        out.append({"profiles": {n: {k: (v if isinstance(v, str) else None) for k, v in vals.items()} for n, vals in c["profiles"].items()}})
    except Exception as e:
        out.append({"error": type(e).__name__})
print(json.dumps(out))
`
	in, _ := json.Marshal(paths)
	raw, err := exec.Command(python, "-c", script, string(in)).Output()
	if err != nil {
		t.Fatalf("botocore: %v", err)
	}
	var answers []struct {
		Profiles map[string]map[string]*string
		Error    string
	}
	if err := json.Unmarshal(raw, &answers); err != nil || len(answers) != len(paths) {
		t.Fatalf("botocore answered %.200s: %v", raw, err)
	}
	agree, refused, profiles := 0, 0, 0
	for i, p := range paths {
		data, _ := os.ReadFile(p)
		want := answers[i]
		f, err := LoadFiles(p, filepath.Join(dir, "none"))
		switch {
		case want.Error != "" && err == nil:
			t.Errorf("%q: botocore refuses it (%s), mfacred reads it", data, want.Error)
			continue
		case want.Error == "" && err != nil:
			t.Errorf("%q: mfacred refuses it (%v), botocore reads it", data, err)
			continue
		case err != nil:
			agree++
			refused++
			continue
		}
		got := map[string]map[string]*string{}
		for _, name := range f.Profiles() {
			keys := map[string]*string{}
			s := f.config.profileSection(name)
			for d := range f.config.defaults {
				for _, k := range f.config.keysOf(&f.config.defaults[d]) {
					keys[k.key] = valueOf(k)
				}
			}
			for _, k := range f.config.keysOf(s) {
				keys[k.key] = valueOf(k)
			}
			got[name] = keys
			profiles++
		}
		if !reflect.DeepEqual(got, want.Profiles) {
			t.Errorf("%q:\nbotocore: %s\nmfacred:  %s", data, dump(want.Profiles), dump(got))
			continue
		}
		agree++
	}
	t.Logf("%d of %d files read alike (%d refused by both; %d profiles compared)", agree, len(paths), refused, profiles)
	if refused > len(paths)/2 || profiles < len(paths)/2 {
		t.Fatalf("too few files that parse to compare")
	}
}

func valueOf(k kv) *string {
	if k.nested {
		return nil
	}
	v := k.value
	return &v
}

func dump(m map[string]map[string]*string) string {
	var names []string
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		fmt.Fprintf(&b, "[%q", n)
		var ks []string
		for k := range m[n] {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		for _, k := range ks {
			if v := m[n][k]; v == nil {
				fmt.Fprintf(&b, " %q=<nested>", k)
			} else {
				fmt.Fprintf(&b, " %q=%q", k, *v)
			}
		}
		b.WriteString("] ")
	}
	return b.String()
}

// trickyFile is a random file of the pieces that make configparser and botocore differ from
// a naive reader.
func trickyFile(rng *rand.Rand) string {
	headers := []string{"[default]", "[profile a]", "[profile  a ]", `[profile "a b"]`, "[profile 'c']", "[ profile d]",
		"[profilex e]", "[DEFAULT]", "[profile a b]", "[x]", `[profile "unclosed]`, "[]", `[profile \"q\"]`, "[profile\tt]", "  [profile i]", "[profile f] tail"}
	lines := []string{"k = v", "K: v2", "  cont", "", "# c", "  ; c", "s3 =", "  x = 1", "  y", "=v", "junk", "k2=v # not a comment",
		"\tk3 = tab", "ключ = знач", "k4 = \u00a0padded\u00a0", "k5 =", "    deep = 1", "k6:a=b", "\v", "k7 = x\x1c"}
	ends := []string{"\n", "\n", "\n", "\r\n", "\r"}
	usual := []string{"k%d = v%d", "K%d: v%d", "  cont", "", "# c", "  ; c", "s%d =", "    x%d = %d", "key%d=%d # kept"}
	var b strings.Builder
	for j := 0; j < 1+rng.Intn(12); j++ {
		switch {
		case j == 0 || rng.Intn(4) == 0:
			b.WriteString(headers[rng.Intn(len(headers))])
		case rng.Intn(5) == 0:
			b.WriteString(lines[rng.Intn(len(lines))]) // any, junk too
		default:
			u := usual[rng.Intn(len(usual))]
			if strings.Contains(u, "%d") {
				u = fmt.Sprintf(u, rng.Intn(1000), rng.Intn(10))
			}
			b.WriteString(u)
		}
		b.WriteString(ends[rng.Intn(len(ends))])
	}
	return b.String()
}
