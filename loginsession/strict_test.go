package loginsession

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mfacred/mfacred/localsts"
)

// The local signin endpoint checks a refresh as strictly as AWS: each case sends one
// request that AWS would refuse, and the last a good one.
func TestLocalSigninRefusesWhatAWSRefuses(t *testing.T) {
	w := newWorld(t, localsts.LoginOptions{})
	tok := w.token(t)
	key, err := ParseKey(tok.DPoPKey)
	if err != nil {
		t.Fatal(err)
	}
	other := newWorld(t, localsts.LoginOptions{})
	otherKey, _ := ParseKey(other.token(t).DPoPKey)
	t.Setenv("AWS_ENDPOINT_URL_SIGNIN", w.srv.URL)
	url := w.srv.URL + "/v1/token"
	body := `{"clientId":"` + tok.ClientID + `","grantType":"refresh_token","refreshToken":"` + tok.RefreshToken + `"}`
	send := func(dpop string) int {
		req, _ := http.NewRequest("POST", url, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if dpop != "" {
			req.Header.Set("DPoP", dpop)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	mk := func(k any, method, u string, at time.Time) string {
		p, err := proof(key, method, u, at)
		if k != nil {
			p, err = proof(otherKey, method, u, at)
		}
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := mk(nil, "POST", url, time.Now())
	parts := strings.Split(good, ".")
	tampered := parts[0] + "." + parts[1] + "." + strings.Repeat("A", len(parts[2]))
	for name, dpop := range map[string]string{
		"no proof":      "",
		"bad signature": tampered,
		"another key":   mk(true, "POST", url, time.Now()),
		"wrong htm":     mk(nil, "GET", url, time.Now()),
		"wrong htu":     mk(nil, "POST", w.srv.URL+"/v1/other", time.Now()),
		"old iat":       mk(nil, "POST", url, time.Now().Add(-5*time.Minute)),
		"future iat":    mk(nil, "POST", url, time.Now().Add(5*time.Minute)),
	} {
		if code := send(dpop); code < 400 {
			t.Errorf("%s: HTTP %d, want a refusal", name, code)
		}
	}
	if w.srv.Refreshes() != 0 {
		t.Fatalf("a refused request was granted")
	}
	if code := send(good); code != 200 {
		t.Fatalf("a good refresh: HTTP %d", code)
	}
	// The same proof again (jti replayed), and a fresh proof with the spent refresh token.
	if code := send(good); code < 400 {
		t.Errorf("replayed jti: HTTP %d", code)
	}
	if code := send(mk(nil, "POST", url, time.Now())); code < 400 {
		t.Errorf("spent refresh token: HTTP %d", code)
	}
	if w.srv.Refreshes() != 1 {
		t.Fatalf("refreshes = %d, want 1", w.srv.Refreshes())
	}
}
