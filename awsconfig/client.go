package awsconfig

import (
	"fmt"
	"strconv"
	"strings"
)

// Keys of a profile that shape the AWS clients mfacred builds (docs/config-files.md, "Client
// settings").
const (
	KeyEndpointURL               = "endpoint_url"
	KeyServices                  = "services"
	KeyIgnoreConfiguredEndpoints = "ignore_configured_endpoint_urls"
	KeyCABundle                  = "ca_bundle"
	KeyRetryMode                 = "retry_mode"
	KeyMaxAttempts               = "max_attempts"
	KeyUseFIPSEndpoint           = "use_fips_endpoint"
	KeyUseDualStackEndpoint      = "use_dualstack_endpoint"
)

// ClientSettings are a profile's settings for the AWS clients mfacred builds (package
// awsclient), read from the files as botocore reads them. The environment goes on top, in
// awsclient, as the SDK applies it. The SDK's own reader of the files is never used.
type ClientSettings struct {
	// Profile is whose settings these are ("" for none).
	Profile string
	// EndpointURL is the profile's endpoint_url, for every service.
	EndpointURL string
	// ServiceEndpoints are the endpoint_url of each service in the services block the profile
	// names (`services = NAME`, section [services NAME]), by the service's key there (sts, iam).
	ServiceEndpoints map[string]string
	// IgnoreConfiguredEndpoints is ignore_configured_endpoint_urls; nil when unset.
	IgnoreConfiguredEndpoints *bool
	// CABundle is the ca_bundle file, as written.
	CABundle string
	// RetryMode is retry_mode: "standard" or "adaptive" ("legacy" reads as "standard": the Go
	// SDK has no legacy mode); "" when unset.
	RetryMode string
	// MaxAttempts is max_attempts (all tries, the first included); 0 when unset.
	MaxAttempts int
	// UseFIPSEndpoint and UseDualStackEndpoint are use_fips_endpoint and
	// use_dualstack_endpoint; nil when unset.
	UseFIPSEndpoint, UseDualStackEndpoint *bool
}

// ClientSettings reads a profile's client settings. A profile in neither file has none; a
// value botocore would refuse when it builds a client is an error naming the file.
func (f *Files) ClientSettings(name string) (ClientSettings, error) {
	c := ClientSettings{Profile: name}
	if name == "" || !f.Exists(name) {
		return ClientSettings{}, nil
	}
	bad := func(key, v, want string) error {
		return fmt.Errorf("profile %s: %s = %q in %s: %s", name, key, v, f.where(name, key), want)
	}
	c.EndpointURL = f.value(name, KeyEndpointURL)
	c.CABundle = f.value(name, KeyCABundle)
	c.IgnoreConfiguredEndpoints = f.boolean(name, KeyIgnoreConfiguredEndpoints)
	c.UseFIPSEndpoint = f.boolean(name, KeyUseFIPSEndpoint)
	c.UseDualStackEndpoint = f.boolean(name, KeyUseDualStackEndpoint)
	switch v := f.value(name, KeyRetryMode); v {
	case "":
	case "standard", "adaptive":
		c.RetryMode = v
	case "legacy":
		c.RetryMode = "standard"
	default:
		return ClientSettings{}, bad(KeyRetryMode, v, "want standard, adaptive or legacy")
	}
	if v := f.value(name, KeyMaxAttempts); v != "" {
		n, err := strconv.Atoi(strings.TrimFunc(v, isPySpace))
		if err != nil || n < 1 {
			return ClientSettings{}, bad(KeyMaxAttempts, v, "want a whole number of tries, 1 or more")
		}
		c.MaxAttempts = n
	}
	if block := f.value(name, KeyServices); block != "" {
		if s := f.config.servicesSection(block); s != nil {
			for _, svc := range []string{"sts", "iam"} {
				if m, ok := f.config.nestedValue(s, svc); ok && m[KeyEndpointURL] != "" {
					if c.ServiceEndpoints == nil {
						c.ServiceEndpoints = map[string]string{}
					}
					c.ServiceEndpoints[svc] = m[KeyEndpointURL]
				}
			}
		}
	}
	return c, nil
}

// boolean reads a true/false key as botocore does: "true" in any case is true, anything else
// false; nil when unset.
func (f *Files) boolean(name, key string) *bool {
	v := f.value(name, key)
	if v == "" {
		return nil
	}
	b := strings.EqualFold(v, "true")
	return &b
}
