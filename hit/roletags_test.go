package hit

import (
	"testing"
	"unsafe"

	"github.com/mfacred/mfacred/awsconfig"
)

// A request the fast path made from a mapped config file keeps nothing of the mapping once
// cloned: the role's tags and source identity are copied too, and the item's name is the same.
func TestCloneCopiesRoleTags(t *testing.T) {
	role := &awsconfig.Role{ARN: "arn:aws:iam::222222222222:role/Admin", Tags: []awsconfig.Tag{{Key: "team", Value: "platform"}},
		TransitiveTagKeys: []string{"team"}, SourceIdentity: "alice"}
	r := Request{Profile: "prod", Source: "work", Device: "arn:aws:iam::123456789012:mfa/phone", Role: role}
	c := r.Clone()
	same := func(a, b string) bool { return unsafe.StringData(a) == unsafe.StringData(b) }
	if same(c.Role.Tags[0].Key, role.Tags[0].Key) || same(c.Role.Tags[0].Value, role.Tags[0].Value) ||
		same(c.Role.TransitiveTagKeys[0], role.TransitiveTagKeys[0]) || same(c.Role.SourceIdentity, role.SourceIdentity) {
		t.Fatal("the clone shares the role's tag strings")
	}
	if c.Key() != r.Key() {
		t.Fatalf("the clone names another item: %s, want %s", c.Key(), r.Key())
	}
	untagged := r
	untagged.Role = &awsconfig.Role{ARN: role.ARN}
	if untagged.Key() == r.Key() {
		t.Fatal("tags do not change the item's name")
	}
}
