package partition

import (
	"slices"
	"testing"
)

func TestOf(t *testing.T) {
	for arn, want := range map[string]string{
		"arn:aws:iam::222222222222:role/Admin":        "signin.aws.amazon.com",
		"arn:aws-cn:iam::222222222222:role/Admin":     "signin.amazonaws.cn",
		"arn:aws-us-gov:iam::222222222222:role/Admin": "signin.amazonaws-us-gov.com",
	} {
		p, err := Of(arn)
		if err != nil || p.Signin != want {
			t.Errorf("%s: %+v %v, want %s", arn, p, err, want)
		}
	}
	for _, bad := range []string{"arn:aws-iso:iam::222222222222:role/Admin", "Admin", ""} {
		if _, err := Of(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestOfRegion(t *testing.T) {
	for region, want := range map[string]string{
		"us-east-1": "aws", "eu-west-1": "aws", "cn-north-1": "aws-cn", "cn-northwest-1": "aws-cn",
		"us-gov-west-1": "aws-us-gov", "us-west-2": "aws",
	} {
		if got := OfRegion(region); got != want {
			t.Errorf("OfRegion(%s) = %s, want %s", region, got, want)
		}
		if !slices.Contains(Names(), OfRegion(region)) {
			t.Errorf("OfRegion(%s) is no partition of Names()", region)
		}
	}
	if got := Names(); !slices.Equal(got, []string{"aws", "aws-cn", "aws-us-gov"}) {
		t.Errorf("Names() = %v", got)
	}
}
