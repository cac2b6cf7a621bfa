package awsclient

import (
	"context"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/mfacred/mfacred/awsconfig"
	"github.com/mfacred/mfacred/cache"
)

// sdkEnv lists the variables that shape a client; each test starts with none of them set (set
// to "" is not unset for the SDK, which asks whether AWS_ENDPOINT_URL exists).
var sdkEnv = []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION",
	"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_IAM", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
	"AWS_CA_BUNDLE", "AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE", "AWS_USE_FIPS_ENDPOINT", "AWS_USE_DUALSTACK_ENDPOINT",
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"}

// files writes a config and credentials file, points the environment at them and clears the
// variables that shape a client; env is set after.
func files(t *testing.T, config, credentials string, env ...string) (configPath, credentialsPath string) {
	t.Helper()
	for _, k := range sdkEnv {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	dir := t.TempDir()
	configPath, credentialsPath = filepath.Join(dir, "config"), filepath.Join(dir, "credentials")
	if err := os.WriteFile(configPath, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(credentialsPath, []byte(credentials), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CONFIG_FILE", configPath)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", credentialsPath)
	t.Setenv("HOME", dir)
	for i := 0; i+1 < len(env); i += 2 {
		t.Setenv(env[i], env[i+1])
	}
	return configPath, credentialsPath
}

var testKeys = cache.Credentials{AccessKeyID: "AKIAEXAMPLE", SecretAccessKey: "secret"}

// resolved is a profile as the commands have it: read by awsconfig, then handed to For.
func resolved(t *testing.T, profile string) Target {
	t.Helper()
	f, err := awsconfig.Load()
	if err != nil {
		t.Fatal(err)
	}
	return Target{Profile: profile, Region: f.Get(profile, awsconfig.KeyRegion), Files: f}
}

// recorder is an HTTP client that notes where each request went and refuses it (403, which the
// SDK does not retry).
type recorder struct {
	mu   sync.Mutex
	urls []string
}

func (r *recorder) Do(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.urls = append(r.urls, req.URL.Scheme+"://"+req.URL.Host+req.URL.Path)
	r.mu.Unlock()
	body := `<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>recorded</Message></Error></ErrorResponse>`
	return &http.Response{StatusCode: 403, Header: http.Header{"Content-Type": {"text/xml"}}, Body: io.NopCloser(strings.NewReader(body)), Request: req}, nil
}

// endpoints is where an STS and an IAM call of a client built for t go.
func endpoints(t *testing.T, target Target) (stsURL, iamURL string) {
	t.Helper()
	cfg, err := Config(context.Background(), target, testKeys)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	cfg.HTTPClient = rec
	sts.NewFromConfig(cfg).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	iam.NewFromConfig(cfg).ListMFADevices(context.Background(), &iam.ListMFADevicesInput{})
	if len(rec.urls) != 2 {
		t.Fatalf("requests sent: %q", rec.urls)
	}
	return rec.urls[0], rec.urls[1]
}

// Every endpoint setting the README names reaches the clients, with the environment over the
// profile as the SDK orders them: AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, the profile's
// services block, the profile's endpoint_url; ignore_configured_endpoint_urls (or
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS) drops them all; use_fips_endpoint and
// use_dualstack_endpoint pick AWS's other hosts. Settings may sit in either file.
func TestEndpointSettingsReachTheClient(t *testing.T) {
	const profile = "my prof" // quoted section: the SDK's own reader fails on it
	for _, tc := range []struct {
		name, config, credentials string
		env                       []string
		sts, iam                  string
	}{
		{"nothing set", "[profile \"my prof\"]\nregion = eu-west-1\n", "", nil,
			"https://sts.eu-west-1.amazonaws.com/", "https://iam.amazonaws.com/"},
		{"endpoint_url", "[profile \"my prof\"]\nendpoint_url = http://127.0.0.1:1/a\n", "", nil,
			"http://127.0.0.1:1/a", "http://127.0.0.1:1/a"},
		{"endpoint_url in the credentials file", "[profile \"my prof\"]\nregion = eu-west-1\n", "[my prof]\nendpoint_url = http://127.0.0.1:9/c\n", nil,
			"http://127.0.0.1:9/c", "http://127.0.0.1:9/c"},
		{"services block over endpoint_url", "[profile \"my prof\"]\nendpoint_url = http://127.0.0.1:1/a\nservices = local\n[services local]\nsts =\n  endpoint_url = http://127.0.0.1:2/sts\n", "", nil,
			"http://127.0.0.1:2/sts", "http://127.0.0.1:1/a"},
		{"quoted services block, CR line ends", "[profile \"my prof\"]\rservices = my svc\r[services \"my svc\"]\riam =\r  endpoint_url = http://127.0.0.1:3/iam\r", "", nil,
			"https://sts.us-east-1.amazonaws.com/", "http://127.0.0.1:3/iam"},
		{"AWS_ENDPOINT_URL over the profile's settings", "[profile \"my prof\"]\nendpoint_url = http://127.0.0.1:1/a\nservices = local\n[services local]\nsts =\n  endpoint_url = http://127.0.0.1:2/sts\n", "",
			[]string{"AWS_ENDPOINT_URL", "http://127.0.0.1:4/env"}, "http://127.0.0.1:4/env", "http://127.0.0.1:4/env"},
		{"AWS_ENDPOINT_URL_STS over all", "[profile \"my prof\"]\nendpoint_url = http://127.0.0.1:1/a\n", "",
			[]string{"AWS_ENDPOINT_URL", "http://127.0.0.1:4/env", "AWS_ENDPOINT_URL_STS", "http://127.0.0.1:5/sts", "AWS_ENDPOINT_URL_IAM", "http://127.0.0.1:6/iam"},
			"http://127.0.0.1:5/sts", "http://127.0.0.1:6/iam"},
		{"ignore_configured_endpoint_urls", "[profile \"my prof\"]\nendpoint_url = http://127.0.0.1:1/a\nignore_configured_endpoint_urls = TRUE\n", "",
			[]string{"AWS_ENDPOINT_URL_STS", "http://127.0.0.1:5/sts"}, "https://sts.us-east-1.amazonaws.com/", "https://iam.amazonaws.com/"},
		{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS over the profile", "[profile \"my prof\"]\nendpoint_url = http://127.0.0.1:1/a\nignore_configured_endpoint_urls = false\n", "",
			[]string{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"}, "https://sts.us-east-1.amazonaws.com/", "https://iam.amazonaws.com/"},
		{"use_fips_endpoint", "[profile \"my prof\"]\nregion = us-west-2\nuse_fips_endpoint = true\n", "", nil,
			"https://sts-fips.us-west-2.amazonaws.com/", "https://iam-fips.amazonaws.com/"},
		{"AWS_USE_FIPS_ENDPOINT over the profile", "[profile \"my prof\"]\nregion = us-west-2\nuse_fips_endpoint = true\n", "", []string{"AWS_USE_FIPS_ENDPOINT", "false"},
			"https://sts.us-west-2.amazonaws.com/", "https://iam.amazonaws.com/"},
		{"use_dualstack_endpoint", "[profile \"my prof\"]\nregion = us-west-2\nuse_dualstack_endpoint = true\n", "", nil,
			"https://sts.us-west-2.api.aws/", "https://iam.global.api.aws/"},
		{"a key in both files: the credentials file's", "[profile \"my prof\"]\nuse_dualstack_endpoint = true\n", "[my prof]\nuse_dualstack_endpoint = false\n", nil,
			"https://sts.us-east-1.amazonaws.com/", "https://iam.amazonaws.com/"},
		{"AWS_PROFILE names another profile, which is nowhere", "[profile \"my prof\"]\nendpoint_url = http://127.0.0.1:1/a\n", "", []string{"AWS_PROFILE", "elsewhere"},
			"http://127.0.0.1:1/a", "http://127.0.0.1:1/a"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files(t, tc.config, tc.credentials, tc.env...)
			stsURL, iamURL := endpoints(t, resolved(t, profile))
			if stsURL != tc.sts || iamURL != tc.iam {
				t.Errorf("STS %s, IAM %s; want %s, %s", stsURL, iamURL, tc.sts, tc.iam)
			}
		})
	}
}

// The profile a command names is what the client reads, whatever AWS_PROFILE says, and a
// target built by hand (add, setup) reads the files itself.
func TestTargetWithoutFilesReadsThem(t *testing.T) {
	files(t, "[profile a]\nendpoint_url = http://127.0.0.1:1/a\n[profile b]\nendpoint_url = http://127.0.0.1:2/b\n", "", "AWS_PROFILE", "b")
	if stsURL, _ := endpoints(t, Target{Profile: "a"}); stsURL != "http://127.0.0.1:1/a" {
		t.Fatalf("STS %s, want profile a's endpoint", stsURL)
	}
	if stsURL, _ := endpoints(t, Target{}); stsURL != "https://sts.us-east-1.amazonaws.com/" {
		t.Fatalf("no profile: STS %s, want AWS's (AWS_PROFILE is not read)", stsURL)
	}
}

// A config the SDK's own reader fails on, or reads otherwise, builds a client: quoted profile
// sections ([profile "my prof"], [profile 'x']) and lone \r line ends (issue 18, defects 1
// and 2: "failed to get shared config profile").
func TestFilesTheSDKMisreadsBuildAClient(t *testing.T) {
	for _, tc := range []struct{ name, config, profile string }{
		{"double-quoted", "[profile \"my prof\"]\nregion = eu-west-1\nendpoint_url = http://127.0.0.1:1/q\n", "my prof"},
		{"single-quoted", "[profile 'x']\nregion = eu-west-1\nendpoint_url = http://127.0.0.1:1/q\n", "x"},
		{"lone CR", "[profile cr]\rregion = eu-west-1\rendpoint_url = http://127.0.0.1:1/q\r", "cr"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files(t, tc.config, "")
			target := resolved(t, tc.profile)
			if stsURL, _ := endpoints(t, target); stsURL != "http://127.0.0.1:1/q" {
				t.Fatalf("STS %s", stsURL)
			}
			cfg, _ := Config(context.Background(), target, testKeys)
			if cfg.Region != "eu-west-1" {
				t.Fatalf("region %q", cfg.Region)
			}
		})
	}
}

// stsServer answers GetCallerIdentity, or fails every call with 500 when failing is set.
func stsServer(tlsServer bool, failing bool, calls *atomic.Int32) *httptest.Server {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Content-Type", "text/xml")
		if failing {
			w.WriteHeader(500)
			io.WriteString(w, `<ErrorResponse><Error><Type>Receiver</Type><Code>InternalFailure</Code><Message>down</Message></Error></ErrorResponse>`)
			return
		}
		io.WriteString(w, `<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/alice</Arn><UserId>AIDA</UserId><Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>`)
	})
	if tlsServer {
		return httptest.NewTLSServer(h)
	}
	return httptest.NewServer(h)
}

func call(t *testing.T, target Target) error {
	t.Helper()
	cfg, err := Config(context.Background(), target, testKeys)
	if err != nil {
		return err
	}
	_, err = sts.NewFromConfig(cfg).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	return err
}

// ca_bundle (and AWS_CA_BUNDLE over it) is the set of roots the client trusts: a server with a
// certificate of its own is reached with it, and refused without.
func TestCABundleReachesTheClient(t *testing.T) {
	var calls atomic.Int32
	srv := stsServer(true, false, &calls)
	defer srv.Close()
	dir := t.TempDir()
	bundle := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(bundle, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	// Public CAs, none of which signed the test server's certificate (every httptest server
	// has the same one).
	other := "/etc/ssl/certs/ca-certificates.crt"
	if _, err := os.Stat(other); err != nil {
		t.Fatalf("no system CA bundle to name: %v", err)
	}
	prof := "[profile p]\nendpoint_url = " + srv.URL + "\n"
	files(t, prof, "")
	if err := call(t, resolved(t, "p")); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("without ca_bundle: %v, want a certificate error", err)
	}
	files(t, prof+"ca_bundle = "+bundle+"\n", "")
	if err := call(t, resolved(t, "p")); err != nil {
		t.Fatalf("with ca_bundle: %v", err)
	}
	files(t, prof, "[p]\nca_bundle = "+bundle+"\n")
	if err := call(t, resolved(t, "p")); err != nil {
		t.Fatalf("with ca_bundle in the credentials file: %v", err)
	}
	files(t, prof+"ca_bundle = "+other+"\n", "", "AWS_CA_BUNDLE", bundle)
	if err := call(t, resolved(t, "p")); err != nil {
		t.Fatalf("AWS_CA_BUNDLE over the profile's ca_bundle: %v", err)
	}
	files(t, prof+"ca_bundle = "+bundle+"\n", "", "AWS_CA_BUNDLE", other)
	if err := call(t, resolved(t, "p")); err == nil {
		t.Fatal("AWS_CA_BUNDLE naming another CA: the call went through")
	}
	files(t, prof+"ca_bundle = "+filepath.Join(dir, "none.pem")+"\n", "")
	if err := call(t, resolved(t, "p")); err == nil || !strings.Contains(err.Error(), "none.pem") || !strings.Contains(err.Error(), "profile p") {
		t.Fatalf("a missing ca_bundle: %v, want an error naming the file and the profile", err)
	}
	if calls.Load() < 3 {
		t.Fatalf("the server saw %d calls", calls.Load())
	}
}

// max_attempts and retry_mode (AWS_MAX_ATTEMPTS and AWS_RETRY_MODE over them) decide how often
// a failing call is tried.
func TestRetrySettingsReachTheClient(t *testing.T) {
	for _, tc := range []struct {
		name, config string
		env          []string
		tries        int32
		mode         aws.RetryMode
	}{
		{"default", "[profile p]\n", nil, 3, aws.RetryModeStandard},
		{"max_attempts", "[profile p]\nmax_attempts = 2\n", nil, 2, aws.RetryModeStandard},
		{"AWS_MAX_ATTEMPTS over max_attempts", "[profile p]\nmax_attempts = 2\n", []string{"AWS_MAX_ATTEMPTS", "4"}, 4, aws.RetryModeStandard},
		{"retry_mode adaptive", "[profile p]\nretry_mode = adaptive\nmax_attempts = 1\n", nil, 1, aws.RetryModeAdaptive},
		{"AWS_RETRY_MODE over retry_mode", "[profile p]\nretry_mode = adaptive\nmax_attempts = 1\n", []string{"AWS_RETRY_MODE", "standard"}, 1, aws.RetryModeStandard},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := stsServer(false, true, &calls)
			defer srv.Close()
			files(t, tc.config+"endpoint_url = "+srv.URL+"\n", "", tc.env...)
			cfg, err := Config(context.Background(), resolved(t, "p"), testKeys)
			if err != nil {
				t.Fatal(err)
			}
			client := sts.NewFromConfig(cfg)
			if m := client.Options().RetryMode; m != tc.mode {
				t.Errorf("retry mode %q, want %q", m, tc.mode)
			}
			if _, err := client.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}); err == nil {
				t.Fatal("a failing server's answer was taken")
			}
			if n := calls.Load(); n != tc.tries {
				t.Errorf("%d tries, want %d", n, tc.tries)
			}
		})
	}
	for _, bad := range []string{"retry_mode = fast", "max_attempts = 0", "max_attempts = many"} {
		files(t, "[profile p]\n"+bad+"\n", "")
		if err := call(t, resolved(t, "p")); err == nil || !strings.Contains(err.Error(), "profile p") {
			t.Errorf("%s: %v, want an error naming the profile", bad, err)
		}
	}
}

// HTTPS_PROXY carries the calls: the SDK's transport reads it (once per process, so the check
// runs in a process of its own).
func TestHTTPSProxyReachesTheClient(t *testing.T) {
	if os.Getenv("MFACRED_TEST_PROXY_CHILD") == "1" {
		target := Target{Profile: "p"}
		err := call(t, target)
		if err == nil {
			t.Fatal("the call through a refusing proxy went through")
		}
		return
	}
	var connects atomic.Int32
	var host atomic.Value
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodConnect {
			connects.Add(1)
			host.Store(r.Host)
		}
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer proxy.Close()
	dir := t.TempDir()
	config := filepath.Join(dir, "config")
	if err := os.WriteFile(config, []byte("[profile p]\nendpoint_url = https://sts.example.invalid\nmax_attempts = 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHTTPSProxyReachesTheClient$", "-test.count=1")
	cmd.Env = append(os.Environ(), "MFACRED_TEST_PROXY_CHILD=1", "HTTPS_PROXY="+proxy.URL, "NO_PROXY=", "AWS_CONFIG_FILE="+config,
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "none"), "AWS_ENDPOINT_URL=", "AWS_ENDPOINT_URL_STS=", "AWS_MAX_ATTEMPTS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if connects.Load() != 1 || host.Load() != "sts.example.invalid:443" {
		t.Fatalf("the proxy saw %d CONNECTs (host %v)", connects.Load(), host.Load())
	}
}

// No code of mfacred hands the SDK's shared-config loader a profile or lets it read the files:
// awsconfig is the one reader. (internal/sdkclient and internal/winclient play SDK programs
// calling mfacred, so they load their config the SDK's way on purpose.)
func TestNoOtherReaderOfTheFiles(t *testing.T) {
	var found []string
	err := filepath.WalkDir("..", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata" || d.Name() == "node_modules" || path == filepath.Join("..", "internal", "sdkclient") || path == filepath.Join("..", "internal", "winclient")) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, call := range []string{"LoadDefaultConfig(", "WithSharedConfigProfile(", "LoadSharedConfigProfile(", "WithSharedConfigFiles(", "WithSharedCredentialsFiles("} {
			for _, line := range strings.Split(string(b), "\n") {
				if trimmed := strings.TrimSpace(line); strings.Contains(trimmed, call) && !strings.HasPrefix(trimmed, "//") {
					found = append(found, path+": "+trimmed)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) > 0 {
		t.Fatalf("the SDK's own reader of the files is called:\n%s", strings.Join(found, "\n"))
	}
}
