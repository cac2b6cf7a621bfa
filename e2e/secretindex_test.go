package e2e

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// secretIndex finds any of many secrets in a file in one pass over it. The run's end scans
// every file the tests left against every secret the local STS handed out (about 1,500):
// one bytes.Contains per secret and file took 50–80 s of each full run.
//
// Every secret indexed is at least minSecret bytes long, so any place it occurs covers a
// whole aligned 8-byte word of the file (the word starting at the first multiple of 8 at or
// after the secret's start ends at most 15 bytes after it). The index keys every 8-byte
// piece of every secret; a file is looked up one aligned word at a time and each hit is
// checked in full.
type secretIndex map[string][]secretAt

type secretAt struct {
	s   string
	off int // where the 8 bytes keyed are in s
}

const minSecret = 16 // shorter strings (account numbers, names) are not secrets here

func newSecretIndex(secrets []string) secretIndex {
	x := secretIndex{}
	for _, s := range secrets {
		if len(s) < minSecret {
			continue
		}
		for off := 0; off+8 <= len(s); off++ {
			k := s[off : off+8]
			x[k] = append(x[k], secretAt{s, off})
		}
	}
	return x
}

// find returns a secret that b holds, or "".
func (x secretIndex) find(b []byte) string {
	for i := 0; i+8 <= len(b); i += 8 {
		for _, at := range x[string(b[i:i+8])] {
			start := i - at.off
			if start >= 0 && start+len(at.s) <= len(b) && string(b[start:start+len(at.s)]) == at.s {
				return at.s
			}
		}
	}
	return ""
}

// TestSecretIndexFindsWhatContainsFinds: every secret at every offset of a file, and the
// secrets one byte short or changed, found exactly as bytes.Contains finds them.
func TestSecretIndexFindsWhatContainsFinds(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	word := func(n int) string {
		const a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
		b := make([]byte, n)
		for i := range b {
			b[i] = a[r.IntN(len(a))]
		}
		return string(b)
	}
	var secrets []string
	for _, n := range []int{16, 17, 20, 23, 24, 40, 356} {
		secrets = append(secrets, word(n))
	}
	secrets = append(secrets, "short-not-secret") // 16 bytes: a secret
	x := newSecretIndex(append(secrets, "fifteen-bytes!!"))
	if got := x.find([]byte("xx fifteen-bytes!! xx")); got != "" {
		t.Fatalf("a string shorter than %d bytes was taken as a secret: %q", minSecret, got)
	}
	for _, s := range secrets {
		for pad := 0; pad < 20; pad++ {
			for _, tc := range []struct {
				text string
				want bool
			}{
				{word(pad) + s + word(r.IntN(9)), true},
				{word(pad) + s, true},
				{word(pad) + s[:len(s)-1], false},
				{word(pad) + s[1:] + "!", false},
				{word(pad) + s[:len(s)/2] + "#" + s[len(s)/2+1:], false},
			} {
				if contains := bytes.Contains([]byte(tc.text), []byte(s)); contains != tc.want {
					t.Fatalf("case built wrong: %q in %q", s, tc.text)
				}
				if got := x.find([]byte(tc.text)) == s; got != tc.want {
					t.Fatalf("find(%q) = %v, want %v (secret %q, %d bytes before it)", tc.text, got, tc.want, s, pad)
				}
			}
		}
	}
}
