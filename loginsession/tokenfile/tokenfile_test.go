package tokenfile

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials/logincreds"
)

// Path names the file as the Go SDK does (and so the AWS CLI and the JS SDK), with and
// without the cache folder set, spaces around the session trimmed. (Set but empty, the SDKs
// part ways: botocore, which writes the file, takes the current folder, the Go SDK the
// default; mfacred reads as botocore, e2e TestLoginCacheDirectoryExpandsAsBotocore.)
func TestPathIsTheSDKs(t *testing.T) {
	t.Setenv("HOME", "/home/u")
	t.Setenv("USERPROFILE", "/home/u")
	for _, dir := range []string{"", "/x/cache"} {
		t.Setenv(CacheDirEnv, dir)
		if dir == "" {
			os.Unsetenv(CacheDirEnv)
		}
		for _, session := range []string{"arn:aws:iam::123456789012:user/alice", " arn:aws:iam::123456789012:user/bob\t"} {
			got, err := Path(session)
			want, werr := logincreds.StandardCachedTokenFilepath(session, dir)
			if err != nil || werr != nil || got != want {
				t.Errorf("Path(%q) with %s=%q: %q %v, the SDK's %q %v", session, CacheDirEnv, dir, got, err, want, werr)
			}
		}
	}
}

// Only a read that may have caught the AWS tools mid-write is tried again: an empty file, or
// JSON cut short. A file damaged otherwise is called damaged at the first read, not after
// the retries' sleeps on every call.
func TestOnlyAHalfWrittenFileIsReadAgain(t *testing.T) {
	for b, want := range map[string]bool{
		``:                               true,
		"  \n":                           true,
		`{"accessToken":{"accessKeyId":`: true,
		`{"a":1`:                         true,
		`{"a":1}`:                        false,
		`{"a" x`:                         false,
		`not json`:                       false,
		`{"accessToken":{}} trailing`:    false,
		`[]`:                             false,
	} {
		if got := halfWritten([]byte(b)); got != want {
			t.Errorf("%q: halfWritten %v, want %v", b, got, want)
		}
	}
}

// Another tool rewriting the file in place leaves it empty or cut short for a moment: a read
// then waits for the whole file instead of calling the session damaged; a file that stays
// half written is damaged after the last try, and one damaged in its middle at once. The
// rewrite happens during the wait itself, so the test does not race a timer.
func TestReadWaitsOutAFileRewrittenInPlace(t *testing.T) {
	full := `{"accessToken":{"accessKeyId":"ASIAEXAMPLE","secretAccessKey":"s","sessionToken":"t",` +
		`"accountId":"123456789012","expiresAt":"2030-01-01T00:00:00Z"},"clientId":"c","refreshToken":"r","dpopKey":"k"}`
	path := filepath.Join(t.TempDir(), "token.json")
	waits := 0
	pause = func(d time.Duration) {
		if d != RereadAfter {
			t.Errorf("waited %s, want %s", d, RereadAfter)
		}
		if waits++; waits == 2 { // the other tool's write ends during the second wait
			if err := os.WriteFile(path, []byte(full), 0o600); err != nil {
				t.Error(err)
			}
		}
	}
	defer func() { pause = time.Sleep }()
	for _, during := range []string{"", full[:40]} {
		waits = 0
		if err := os.WriteFile(path, []byte(during), 0o600); err != nil {
			t.Fatal(err)
		}
		tok, err := Read(path)
		if err != nil || tok.AccessKeyID != "ASIAEXAMPLE" || waits != 2 {
			t.Fatalf("read during a rewrite (%q first): %v, %d waits", during, err, waits)
		}
	}
	for _, stays := range []struct {
		text  string
		waits int
	}{{full[:40], rereads}, {`{"accessToken" x}`, 0}} {
		waits = 3 // no rewrite comes
		if err := os.WriteFile(path, []byte(stays.text), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := Read(path); !errors.Is(err, ErrBadToken) || waits-3 != stays.waits {
			t.Fatalf("file staying %q: %v after %d waits, want ErrBadToken after %d", stays.text, err, waits-3, stays.waits)
		}
	}
}
