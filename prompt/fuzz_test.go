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
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := ParseSeed(in)
		if err != nil {
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
