package localsts

import (
	"net/http"
	"strings"
	"testing"
)

// Count is every request; Calls is every SDK call: the attempts that carry one
// amz-sdk-invocation-id (an SDK's retries of one call) count once, a request without the
// header counts on its own.
func TestCallsCountRetriesOnce(t *testing.T) {
	s := New()
	defer s.Close()
	for _, id := range []string{"a", "a", "a", "b", "", ""} {
		req, _ := http.NewRequest("POST", s.URL+"/", strings.NewReader("Action=AssumeRole&Version=2011-06-15"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if id != "" {
			req.Header.Set("amz-sdk-invocation-id", id)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Fatalf("an unsigned request was answered %d", resp.StatusCode)
		}
	}
	if got, want := s.Count("AssumeRole"), 6; got != want {
		t.Errorf("Count = %d, want %d", got, want)
	}
	if got, want := s.Calls("AssumeRole"), 4; got != want {
		t.Errorf("Calls = %d, want %d", got, want)
	}
	if s.Calls("GetSessionToken") != 0 {
		t.Error("Calls of an action never asked for is not 0")
	}
}
