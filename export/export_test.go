package export

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mfacred/mfacred/cache"
)

// sample is a session as STS issues it: the token holds /, + and =.
func sample(region string) Credentials {
	return Credentials{Profile: "work", Account: "123456789012", Region: region, Entry: cache.Entry{
		Credentials: cache.Credentials{AccessKeyID: "ASIAEXAMPLE000000001", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY",
			SessionToken: "IQoJb3JpZ2luX2VjE+/a//////////wEaCXVzLWVhc3QtMSJHMEUCIQ=="},
		Expiration: time.Date(2026, 12, 7, 18, 30, 0, 0, time.FixedZone("CET", 3600)),
	}}
}

func render(t *testing.T, name string, c Credentials) string {
	t.Helper()
	f, err := Parse(name)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := f.Write(&b, c); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return b.String()
}

// Each format prints the variables exec sets, quoted for its reader; aliases print the same.
func TestFormats(t *testing.T) {
	c := sample("eu-west-1")
	tok := c.Entry.SessionToken
	want := map[string]string{
		"env": "export AWS_ACCESS_KEY_ID='ASIAEXAMPLE000000001'\nexport AWS_SECRET_ACCESS_KEY='wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY'\n" +
			"export AWS_SESSION_TOKEN='" + tok + "'\nexport AWS_CREDENTIAL_EXPIRATION='2026-12-07T17:30:00Z'\n" +
			"export AWS_REGION='eu-west-1'\nexport AWS_DEFAULT_REGION='eu-west-1'\n",
		"env-no-export": "AWS_ACCESS_KEY_ID='ASIAEXAMPLE000000001'\nAWS_SECRET_ACCESS_KEY='wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY'\n" +
			"AWS_SESSION_TOKEN='" + tok + "'\nAWS_CREDENTIAL_EXPIRATION='2026-12-07T17:30:00Z'\n" +
			"AWS_REGION='eu-west-1'\nAWS_DEFAULT_REGION='eu-west-1'\n",
		"powershell": "$Env:AWS_ACCESS_KEY_ID='ASIAEXAMPLE000000001'\n$Env:AWS_SECRET_ACCESS_KEY='wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY'\n" +
			"$Env:AWS_SESSION_TOKEN='" + tok + "'\n$Env:AWS_CREDENTIAL_EXPIRATION='2026-12-07T17:30:00Z'\n" +
			"$Env:AWS_REGION='eu-west-1'\n$Env:AWS_DEFAULT_REGION='eu-west-1'\n",
		"windows-cmd": "set \"AWS_ACCESS_KEY_ID=ASIAEXAMPLE000000001\"\r\nset \"AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY\"\r\n" +
			"set \"AWS_SESSION_TOKEN=" + tok + "\"\r\nset \"AWS_CREDENTIAL_EXPIRATION=2026-12-07T17:30:00Z\"\r\n" +
			"set \"AWS_REGION=eu-west-1\"\r\nset \"AWS_DEFAULT_REGION=eu-west-1\"\r\n",
		"ini": "[profile work]\naws_access_key_id = ASIAEXAMPLE000000001\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY\n" +
			"aws_session_token = " + tok + "\naws_credential_expiration = 2026-12-07T17:30:00Z\nregion = eu-west-1\n",
	}
	for name, w := range want {
		if got := render(t, name, c); got != w {
			t.Errorf("%s:\n%s\nwant:\n%s", name, got, w)
		}
	}
	var p struct {
		Version                                                           int
		AccessKeyId, SecretAccessKey, SessionToken, Expiration, AccountId string
	}
	out := render(t, "process", c)
	if err := json.Unmarshal([]byte(out), &p); err != nil || strings.Count(out, "\n") != 1 {
		t.Fatalf("process: %v %q", err, out)
	}
	if p.Version != 1 || p.AccessKeyId != c.Entry.AccessKeyID || p.SecretAccessKey != c.Entry.SecretAccessKey ||
		p.SessionToken != tok || p.Expiration != "2026-12-07T17:30:00Z" || p.AccountId != "123456789012" {
		t.Fatalf("process: %+v", p)
	}
	for alias, name := range map[string]string{"json": "process", "export-env": "env"} {
		if render(t, alias, c) != render(t, name, c) {
			t.Errorf("%s is not %s", alias, name)
		}
	}
}

// Without a region no region variable or key is printed; the rest stays.
func TestNoRegion(t *testing.T) {
	for _, f := range Formats {
		out := render(t, f.Name, sample(""))
		if strings.Contains(strings.ToLower(out), "region") || !strings.Contains(out, "ASIAEXAMPLE000000001") {
			t.Errorf("%s without a region:\n%s", f.Name, out)
		}
	}
}

// An unknown name, "" too, is refused with every format named; aws-vault's and the AWS CLI's
// names are all known.
func TestParse(t *testing.T) {
	for _, name := range []string{"process", "json", "env", "export-env", "env-no-export", "powershell", "windows-cmd", "ini"} {
		if _, err := Parse(name); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	for _, name := range []string{"", "yaml", "ENV", "Env", " env", "cmd", "fish"} {
		_, err := Parse(name)
		var u UnknownFormatError
		if !errors.As(err, &u) || u.Name != name {
			t.Fatalf("%q: %v", name, err)
		}
		if want := "want process (json), env (export-env), env-no-export, powershell, windows-cmd or ini"; !strings.Contains(err.Error(), want) {
			t.Fatalf("%q: %v", name, err)
		}
	}
	if _, err := Parse(Default); err != nil {
		t.Fatal(err)
	}
}

// A value PowerShell would end or expand is quoted so that it reads back as it was: every one
// of PowerShell's four single quotes doubled, $ and ` left alone inside single quotes. (No
// PowerShell runs here: readPowerShell follows the language's rule for a verbatim string.)
func TestPowerShellQuoting(t *testing.T) {
	for _, v := range []string{"plain", "it's", "$Env:HOME `n $(whoami)", "\u2018a\u2019b\u201ac\u201bd", "''", "a/b+c=="} {
		q := powershell(v)
		got, ok := readPowerShell(q)
		if !ok || got != v {
			t.Errorf("%q quoted %s reads back as %q (%v)", v, q, got, ok)
		}
	}
}

// readPowerShell reads a single-quoted PowerShell string that must span all of s: it opens and
// ends with any of ' ‘ ’ ‚ ‛, and two of them in a row inside stand for the second.
func readPowerShell(s string) (string, bool) {
	quote := func(r rune) bool { return strings.ContainsRune("'\u2018\u2019\u201a\u201b", r) }
	rs := []rune(s)
	if len(rs) < 2 || !quote(rs[0]) || !quote(rs[len(rs)-1]) {
		return "", false
	}
	var b strings.Builder
	for i := 1; i < len(rs)-1; i++ {
		if quote(rs[i]) {
			if !quote(rs[i+1]) || i+1 == len(rs)-1 {
				return "", false // the string would end here
			}
			i++
		}
		b.WriteRune(rs[i])
	}
	return b.String(), true
}

// A value that cannot be printed safely is refused, naming the variable, never the value.
func TestUnprintableValuesRefused(t *testing.T) {
	for _, tc := range []struct{ format, token string }{
		{"env", "abc\ndef"}, {"env-no-export", "abc\rdef"}, {"powershell", "abc\x00"}, {"ini", "abc\ndef"},
		{"windows-cmd", "abc%PATH%"}, {"windows-cmd", `abc"&calc`}, {"windows-cmd", "abc\n"},
		// botocore strips white space, Python's (U+00A0, U+2028 too), from a value's ends
		{"ini", " abc"}, {"ini", "abc "}, {"ini", "\u00a0abc"}, {"ini", "abc\u2028"},
	} {
		c := sample("")
		c.Entry.SessionToken = tc.token
		f, _ := Parse(tc.format)
		var out bytes.Buffer
		err := f.Write(&out, c)
		if err == nil || out.Len() > 0 {
			t.Errorf("%s printed %q", tc.format, out.String())
			continue
		}
		if strings.Contains(err.Error(), tc.token) || !strings.Contains(err.Error(), "profile work: AWS_SESSION_TOKEN") && !strings.Contains(err.Error(), "aws_session_token") {
			t.Errorf("%s: %v", tc.format, err)
		}
	}
}

// The ini section is named as the config file wants the profile (quoted when it has blanks).
func TestINISection(t *testing.T) {
	c := sample("")
	c.Profile = "my prof"
	if out := render(t, "ini", c); !strings.HasPrefix(out, "[profile \"my prof\"]\n") {
		t.Fatal(out)
	}
	c.Profile = "default"
	if out := render(t, "ini", c); !strings.HasPrefix(out, "[default]\n") {
		t.Fatal(out)
	}
}

// The help names every format and alias.
func TestUsageNamesEveryFormat(t *testing.T) {
	h := Usage()
	for _, f := range Formats {
		for _, n := range append([]string{f.Name}, f.Aliases...) {
			if !strings.Contains(h, n) {
				t.Errorf("help lacks %s:\n%s", n, h)
			}
		}
	}
}
