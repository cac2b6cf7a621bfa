package tokenfile

import (
	"os"
	"testing"

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
