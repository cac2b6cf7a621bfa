package prompt

import (
	"encoding/base32"
	"strings"
	"testing"
	"time"
)

// ParseSeed never panics; what it accepts is base32 of at least 10 bytes that makes 6-digit
// codes.
func FuzzParseSeed(f *testing.F) {
	for _, s := range []string{
		"JBSWY3DPEHPK3PXP", "jbsw y3dp ehpk 3pxp", "JBSW-Y3DP-EHPK-3PXP====",
		"otpauth://totp/Amazon%20Web%20Services:alice@123456789012?secret=JBSWY3DPEHPK3PXP&issuer=Amazon%20Web%20Services",
		"otpauth://totp/aws?secret=JBSWY3DPEHPK3PXP&algorithm=SHA256", "otpauth://hotp/x?secret=JBSWY3DPEHPK3PXP&counter=1",
		"otpauth://totp/x?secret=JBSWY3DPEHPK3PXP&digits=8&period=60", "otpauth:", "1234", "", "\x00\xff",
		"otpauth://totp/a%ZZ?secret=JBSWY3DPEHPK3PXP", "otpauth://h:JBSWY3DPEHPK3PXP/a?secret=JBSWY3DPEHPK3PXP",
		"otpauth://JBSWY3DPEHPK3PXP?secret=JBSWY3DPEHPK3PXP", "otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&period=JBSWY3DPEHPK3PXP",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := ParseSeed(in)
		if err != nil {
			// An error may end up in a log: it never shows the seed, nor the input it came in.
			if secret := secretOf(in); len(secret) >= 8 && strings.Contains(err.Error(), secret) {
				t.Fatalf("ParseSeed(%q): the error shows the secret: %v", in, err)
			}
			if in := strings.TrimSpace(in); len(in) > 6 && strings.Contains(err.Error(), in) {
				t.Fatalf("ParseSeed(%q): the error shows the input: %v", in, err)
			}
			return
		}
		b, derr := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(s)
		if derr != nil || len(b) < 10 || strings.ToUpper(s) != s {
			t.Fatalf("accepted %q as %q (%v, %d bytes)", in, s, derr, len(b))
		}
		code, err := GenerateCode(s, time.Unix(59, 0))
		if err != nil || CheckCode(code) != nil {
			t.Fatalf("seed %q makes code %q, %v", s, code, err)
		}
	})
}

// secretOf is the raw value of the first secret= field of in, as typed.
func secretOf(in string) string {
	const field = "secret="
	i := 0
	for ; i+len(field) <= len(in) && !strings.EqualFold(in[i:i+len(field)], field); i++ {
	}
	if i+len(field) > len(in) {
		return ""
	}
	v := in[i+len(field):]
	if j := strings.IndexAny(v, "&#"); j >= 0 {
		v = v[:j]
	}
	return strings.TrimSpace(v)
}
