//go:build unix

package e2e

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// The same flow against moto_server, an STS written by others: the wire format mfacred speaks
// is AWS's, not just our test server's. (moto does not check MFA codes.)
func TestAgainstMotoServer(t *testing.T) {
	t.Parallel()
	aws := awsCLIv2(t)
	needPython(t)
	w := newWorld(t)
	err := exec.Command(python, "-c", "import moto.server").Run()
	need(t, "moto (python -m moto.server)", err)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	moto := exec.Command(python, "-m", "moto.server", "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	moto.Env = append(os.Environ(), "HOME="+w.dir)
	if err := moto.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = moto.Process.Kill(); _, _ = moto.Process.Wait() })
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	for deadline := time.Now().Add(30 * time.Second); ; {
		if resp, err := http.Get(url + "/moto-api/"); err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("moto_server did not start within 30 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	for i, kv := range w.env {
		if strings.HasPrefix(kv, "AWS_ENDPOINT_URL_STS=") {
			w.env[i] = "AWS_ENDPOINT_URL_STS=" + url
		}
	}
	w.writeConfig(w.mfaProcess())
	w.addKeys()
	first := parseCreds(t, w.mustRun(binary, "process", "--profile", w.profile))
	secretsMu.Lock()
	secrets = append(secrets, first.SecretAccessKey, first.SessionToken)
	secretsMu.Unlock()
	out := w.mustRun(aws, "sts", "get-caller-identity", "--profile", w.profile, "--endpoint-url", url, "--output", "text")
	if !strings.Contains(out, "arn:aws:sts::") && !strings.Contains(out, "arn:aws:iam::") {
		t.Fatalf("moto's get-caller-identity printed %q", out)
	}
	again := parseCreds(t, w.mustRun(binary, "process", "--profile", w.profile))
	if again.AccessKeyId != first.AccessKeyId {
		t.Fatal("the second call was not served from the cache")
	}
}
