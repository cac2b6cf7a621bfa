package awsconfig

import (
	"fmt"
	"os"
)

// Region is the region mfacred's own AWS calls use, given the region the config sets
// (configured, "" for none): AWS_REGION, else configured, else AWS_DEFAULT_REGION
// (docs/aws-contract.md §3). "" means none is set anywhere; the caller picks the default.
func Region(configured string) string {
	if env := os.Getenv("AWS_REGION"); env != "" {
		return env
	}
	if configured != "" {
		return configured
	}
	return os.Getenv("AWS_DEFAULT_REGION")
}

// Conflict is an SDK setting beside credential_process that the SDKs would act on
// themselves (docs/aws-contract.md §3).
type Conflict struct {
	Profile, Key string
}

func (c Conflict) Error() string {
	return fmt.Sprintf("profile %s has %s beside credential_process, which makes the SDKs assume a role on top of mfacred (or refuse the profile): rename it to mfacred_%s", c.Profile, c.Key, c.Key)
}

// SDKConflicts lists the settings of profile name that get in the way of credential_process:
// role_arn and source_profile, which mfacred reads as mfacred_role_arn and
// mfacred_source_profile.
func (f *Files) SDKConflicts(name string) []Conflict {
	var cs []Conflict
	for _, k := range []string{"role_arn", "source_profile"} {
		if f.Exists(name) && f.Get(name, k) != "" {
			cs = append(cs, Conflict{name, k})
		}
	}
	return cs
}
