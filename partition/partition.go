// Package partition is the one list of the AWS partitions mfacred knows: their names, the
// hosts of their console and of their sign-in (federation) endpoint, and which partition an
// ARN or a region name belongs to. Package console signs in on these hosts; package iampolicy
// writes its example policies for these names. It imports nothing outside the standard
// library, so that either can use it without the other (iampolicy's fuzz target, for one, is
// built without the AWS SDK that console needs).
package partition

import (
	"fmt"
	"strings"
)

// Partition is an AWS partition's name and its console and sign-in hosts.
type Partition struct {
	Name    string // aws, aws-cn, aws-us-gov
	Signin  string // the federation endpoint's host
	Console string // the console's host
}

var known = []Partition{
	{"aws", "signin.aws.amazon.com", "console.aws.amazon.com"},
	{"aws-cn", "signin.amazonaws.cn", "console.amazonaws.cn"},
	{"aws-us-gov", "signin.amazonaws-us-gov.com", "console.amazonaws-us-gov.com"},
}

// Names lists the partitions mfacred knows, by name, in order.
func Names() []string {
	names := make([]string, len(known))
	for i, p := range known {
		names[i] = p.Name
	}
	return names
}

// Of returns the partition of an ARN (arn:PARTITION:...).
func Of(arn string) (Partition, error) {
	parts := strings.SplitN(arn, ":", 3)
	if len(parts) < 3 || parts[0] != "arn" {
		return Partition{}, fmt.Errorf("%q is not an ARN", arn)
	}
	for _, p := range known {
		if p.Name == parts[1] {
			return p, nil
		}
	}
	return Partition{}, fmt.Errorf("partition %q of %s has no console sign-in mfacred knows (%s)", parts[1], arn, strings.Join(Names(), ", "))
}

// OfRegion is the name of the partition a region belongs to, by AWS's naming of regions.
func OfRegion(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}
