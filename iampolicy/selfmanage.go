package iampolicy

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/mfacred/mfacred/partition"
)

// Partitions are the partitions SelfManage knows: those mfacred knows (package partition).
var Partitions = partition.Names()

// SelfManage is AWS's example policy "IAM: Allows IAM users to self-manage an MFA device"
// (IAM User Guide, reference_policies_examples_iam_mfa-selfmanage) for a partition: device
// actions on arn:PARTITION:iam::*:mfa/* (any device name), user actions on the user's own
// ARN, and everything else denied unless the request carries MFA (BoolIfExists, so that
// requests signed with long-term keys are denied too).
func SelfManage(partition string) (*Document, error) {
	known := false
	for _, p := range Partitions {
		known = known || p == partition
	}
	if !known {
		return nil, fmt.Errorf("partition %q: want one of %s", partition, strings.Join(Partitions, ", "))
	}
	arn := "arn:" + partition + ":iam::*:"
	user := Values{arn + "user/${aws:username}"}
	return &Document{Version: "2012-10-17", Statement: Statements{
		{Sid: "AllowListActions", Effect: "Allow", Action: Values{"iam:ListUsers", "iam:ListVirtualMFADevices"}, Resource: Values{"*"}},
		{Sid: "AllowUserToCreateVirtualMFADevice", Effect: "Allow", Action: Values{"iam:CreateVirtualMFADevice"}, Resource: Values{arn + "mfa/*"}},
		{Sid: "AllowUserToManageTheirOwnMFA", Effect: "Allow", Action: Values{"iam:EnableMFADevice", "iam:GetMFADevice", "iam:ListMFADevices", "iam:ResyncMFADevice"}, Resource: user},
		{Sid: "AllowUserToDeactivateTheirOwnMFAOnlyWhenUsingMFA", Effect: "Allow", Action: Values{"iam:DeactivateMFADevice"}, Resource: user,
			Condition: map[string]map[string]Values{"Bool": {"aws:MultiFactorAuthPresent": {"true"}}}},
		{Sid: "BlockMostAccessUnlessSignedInWithMFA", Effect: "Deny",
			NotAction: Values{"iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:ListMFADevices", "iam:ListUsers", "iam:ListVirtualMFADevices", "iam:ResyncMFADevice"},
			Resource:  Values{"*"},
			Condition: map[string]map[string]Values{"BoolIfExists": {"aws:MultiFactorAuthPresent": {"false"}}}},
	}}, nil
}

// JSON formats a document the way the IAM console does: indented by four spaces.
func (d *Document) JSON() []byte {
	b, _ := json.MarshalIndent(d, "", "    ")
	return append(b, '\n')
}
