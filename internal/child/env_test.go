package child

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// A command gets the profile's credentials or the server's address, and none of the parent's
// credentials, profile or server; a command of a server also none of the variables that would
// make its SDK take other credentials first (web identity, above all).
func TestEnviron(t *testing.T) {
	parent := []string{"HOME=/h", "AWS_PROFILE=work", "AWS_ACCESS_KEY_ID=AKIAPARENT", "AWS_ACCESS_KEY=AKIAOTHER",
		"AWS_ROLE_ARN=arn:aws:iam::1:role/web", "AWS_WEB_IDENTITY_TOKEN_FILE=/t", "AWS_ROLE_SESSION_NAME=pod",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/x", "AWS_REGION=eu-west-1", "PATH=/bin"}
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	keys := Env{Profile: "work", Region: "us-east-1", AccessKeyID: "AKIA1", SecretAccessKey: "s", SessionToken: "t", Expiration: exp}
	served := Env{Profile: "work", Region: "us-east-1", ServerURL: "http://127.0.0.1:1/credentials", Token: "tok"}
	for _, tc := range []struct {
		name string
		env  Env
		want []string
	}{
		{"keys", keys, []string{"HOME=/h", "AWS_ROLE_ARN=arn:aws:iam::1:role/web", "AWS_WEB_IDENTITY_TOKEN_FILE=/t", "AWS_ROLE_SESSION_NAME=pod", "PATH=/bin",
			"AWS_ACCESS_KEY_ID=AKIA1", "AWS_SECRET_ACCESS_KEY=s", "AWS_SESSION_TOKEN=t", "AWS_CREDENTIAL_EXPIRATION=2030-01-02T03:04:05Z",
			"MFACRED_PROFILE=work", "AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1"}},
		{"server", served, []string{"HOME=/h", "PATH=/bin",
			"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:1/credentials", "AWS_CONTAINER_AUTHORIZATION_TOKEN=tok",
			"MFACRED_PROFILE=work", "AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.env.Environ(parent); !slices.Equal(got, tc.want) {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

// serve prints exactly what a container needs: the server, the token file and the region.
func TestSetForContainer(t *testing.T) {
	got := Env{Region: "us-east-1", ServerURL: "http://127.0.0.1:1/credentials", TokenFile: "/run/token"}.Set()
	want := []string{"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:1/credentials", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=/run/token", "AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
