package session

import (
	"reflect"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/mfacred/mfacred/awsconfig"
)

// The AssumeRole call of every role path (process, serve, doctor's trial, roles over an aws
// login session) carries the profile's session tags, transitive keys and source identity,
// and none when the profile sets none.
func TestAssumeRoleInputTags(t *testing.T) {
	role := &awsconfig.Role{ARN: "arn:aws:iam::222222222222:role/Admin", Duration: 3600,
		Tags: []awsconfig.Tag{{Key: "team", Value: "platform"}, {Key: "empty", Value: ""}}, TransitiveTagKeys: []string{"team"}, SourceIdentity: "alice"}
	in := assumeRoleInput(Request{Role: role}, "alice", 900)
	want := []types.Tag{{Key: aws.String("team"), Value: aws.String("platform")}, {Key: aws.String("empty"), Value: aws.String("")}}
	if !reflect.DeepEqual(in.Tags, want) || !reflect.DeepEqual(in.TransitiveTagKeys, []string{"team"}) || aws.ToString(in.SourceIdentity) != "alice" {
		t.Fatalf("AssumeRole input %+v", in)
	}
	plain := assumeRoleInput(Request{Role: &awsconfig.Role{ARN: role.ARN}}, "alice", 900)
	if plain.Tags != nil || plain.TransitiveTagKeys != nil || plain.SourceIdentity != nil {
		t.Fatalf("a role without tags sends %+v", plain)
	}
}
