package localsts

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"
)

// signed is a request to sign by hand, so that a test can choose what the signature covers.
type signed struct {
	body          string // form body of a POST
	keyID, secret string
	token         string   // session token, sent as X-Amz-Security-Token when set
	signHeaders   []string // lower-case names; the signature covers exactly these
	claimedHash   string   // sent as X-Amz-Content-Sha256 and signed over, when set
	sendBody      string   // the body actually sent, when it differs from body
}

// do signs and sends r to the server the way SigV4 says, and returns the status and the
// error code of the answer ("" on success).
func (r signed) do(t *testing.T, s *Server) (int, string) {
	t.Helper()
	st, code, _ := r.send(t, s)
	return st, code
}

// send is do that also returns the answer's body.
func (r signed) send(t *testing.T, s *Server) (int, string, string) {
	t.Helper()
	u, _ := url.Parse(s.URL)
	now := time.Now().UTC()
	amzDate, date := now.Format("20060102T150405Z"), now.Format("20060102")
	hdr := map[string]string{
		"host":         u.Host,
		"x-amz-date":   amzDate,
		"content-type": "application/x-www-form-urlencoded; charset=utf-8",
	}
	if r.token != "" {
		hdr["x-amz-security-token"] = r.token
	}
	sum := sha256.Sum256([]byte(r.body))
	hash := hex.EncodeToString(sum[:])
	if r.claimedHash != "" {
		hash = r.claimedHash
		hdr["x-amz-content-sha256"] = hash
	}
	names := append([]string(nil), r.signHeaders...)
	sort.Strings(names)
	var canon strings.Builder
	for _, h := range names {
		canon.WriteString(h + ":" + hdr[h] + "\n")
	}
	creq := strings.Join([]string{"POST", "/", "", canon.String(), strings.Join(names, ";"), hash}, "\n")
	creqSum := sha256.Sum256([]byte(creq))
	scope := date + "/us-east-1/sts/aws4_request"
	toSign := "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(creqSum[:])
	key := []byte("AWS4" + r.secret)
	for _, part := range []string{date, "us-east-1", "sts", "aws4_request"} {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(part))
		key = m.Sum(nil)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(toSign))
	sig := hex.EncodeToString(m.Sum(nil))

	body := r.body
	if r.sendBody != "" {
		body = r.sendBody
	}
	req, _ := http.NewRequest("POST", s.URL+"/", strings.NewReader(body))
	for h, v := range hdr {
		if h != "host" {
			req.Header.Set(h, v)
		}
	}
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+r.keyID+"/"+scope+", SignedHeaders="+strings.Join(names, ";")+", Signature="+sig)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var e struct {
		Code string `xml:"Error>Code"`
	}
	_ = xml.Unmarshal(b, &e)
	return resp.StatusCode, e.Code, string(b)
}

// The local STS checks signatures as strictly as AWS: the payload hash is its own, and the
// host, the date and a session's token must be covered by the signature.
func TestSignatureStrictness(t *testing.T) {
	seed := "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	u := User{Name: "alice", Account: "123456789012", AccessKeyID: "AKIAEXAMPLE000000001", SecretAccessKey: "secret-of-alice-0000000000000000",
		Devices: []Device{{Serial: "arn:aws:iam::123456789012:mfa/phone", Seed: seed}}}
	s := New(u)
	defer s.Close()
	identity := "Action=GetCallerIdentity&Version=2011-06-15"
	all := []string{"content-type", "host", "x-amz-date"}

	long := signed{body: identity, keyID: u.AccessKeyID, secret: u.SecretAccessKey, signHeaders: all}
	if st, code := long.do(t, s); st != 200 {
		t.Fatalf("an honest request: %d %s", st, code)
	}

	// A body other than the one signed, with the signed body's hash claimed in the header.
	sum := sha256.Sum256([]byte(identity))
	lie := long
	lie.claimedHash = hex.EncodeToString(sum[:])
	lie.signHeaders = append(all, "x-amz-content-sha256")
	lie.sendBody = "Action=GetSessionToken&Version=2011-06-15"
	if st, code := lie.do(t, s); st != 403 || code != "XAmzContentSHA256Mismatch" {
		t.Fatalf("a body that does not match the claimed payload hash: %d %q, want 403 XAmzContentSHA256Mismatch", st, code)
	}
	// The claimed hash, when true, is accepted.
	honest := lie
	honest.sendBody = ""
	if st, code := honest.do(t, s); st != 200 {
		t.Fatalf("a true X-Amz-Content-Sha256: %d %s", st, code)
	}

	for _, unsigned := range []string{"host", "x-amz-date"} {
		r := long
		r.signHeaders = without(all, unsigned)
		if st, code := r.do(t, s); st != 403 || code != "SignatureDoesNotMatch" {
			t.Fatalf("%s not signed: %d %q, want 403 SignatureDoesNotMatch", unsigned, st, code)
		}
	}

	// Session credentials: the token must be signed too.
	code := Code(seed, time.Now())
	gst := long
	gst.body = "Action=GetSessionToken&Version=2011-06-15&SerialNumber=" + url.QueryEscape(u.Devices[0].Serial) + "&TokenCode=" + code
	st, _, body := gst.send(t, s)
	if st != 200 {
		t.Fatalf("GetSessionToken: %d %s", st, body)
	}
	var out struct {
		Creds struct{ AccessKeyId, SecretAccessKey, SessionToken string } `xml:"GetSessionTokenResult>Credentials"`
	}
	if err := xml.Unmarshal([]byte(body), &out); err != nil || out.Creds.SessionToken == "" {
		t.Fatalf("GetSessionToken answer %q: %v", body, err)
	}
	sess := signed{body: identity, keyID: out.Creds.AccessKeyId, secret: out.Creds.SecretAccessKey, token: out.Creds.SessionToken,
		signHeaders: append(all, "x-amz-security-token")}
	if st, code := sess.do(t, s); st != 200 {
		t.Fatalf("session credentials, token signed: %d %s", st, code)
	}
	sess.signHeaders = all
	if st, code := sess.do(t, s); st != 403 || code != "SignatureDoesNotMatch" {
		t.Fatalf("session token not signed: %d %q, want 403 SignatureDoesNotMatch", st, code)
	}
}

func without(list []string, drop string) []string {
	var out []string
	for _, v := range list {
		if v != drop {
			out = append(out, v)
		}
	}
	return out
}
