// Package iampolicy reads IAM policy documents and finds what breaks MFA since IAM users may own
// several MFA devices with names of their choosing (November 2022): device actions limited to
// mfa/${aws:username}, Deny-unless-MFA statements that also deny enrolling a device, and Bool
// conditions that never apply to requests signed with long-term keys. It also holds AWS's
// self-manage-MFA example policy, per partition.
package iampolicy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Document is an IAM policy document in the shapes real ones take.
type Document struct {
	Version   string     `json:"Version,omitempty"`
	Statement Statements `json:"Statement"`
}

// Statements is one statement or a list of them.
type Statements []Statement

// Statement is one policy statement.
type Statement struct {
	Sid         string                       `json:"Sid,omitempty"`
	Effect      string                       `json:"Effect"`
	Action      Values                       `json:"Action,omitempty"`
	NotAction   Values                       `json:"NotAction,omitempty"`
	Resource    Values                       `json:"Resource,omitempty"`
	NotResource Values                       `json:"NotResource,omitempty"`
	Condition   map[string]map[string]Values `json:"Condition,omitempty"`
}

// Values is a string, a bool or a number, or a list of them, read as strings.
type Values []string

// UnmarshalJSON accepts "x", ["x", "y"], true, 1.
func (v *Values) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		var raw []json.RawMessage
		if err := json.Unmarshal(b, &raw); err != nil {
			return err
		}
		out := make(Values, 0, len(raw))
		for _, r := range raw {
			s, err := scalar(r)
			if err != nil {
				return err
			}
			out = append(out, s)
		}
		*v = out
		return nil
	}
	s, err := scalar(b)
	*v = Values{s}
	return err
}

// MarshalJSON writes one value as a string, several as a list.
func (v Values) MarshalJSON() ([]byte, error) {
	if len(v) == 1 {
		return json.Marshal(v[0])
	}
	return json.Marshal([]string(v))
}

func scalar(b json.RawMessage) (string, error) {
	var x any
	if err := json.Unmarshal(b, &x); err != nil {
		return "", err
	}
	switch x := x.(type) {
	case string:
		return x, nil
	case bool:
		return strconv.FormatBool(x), nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	}
	return "", fmt.Errorf("want a string or a list of strings, got %s", b)
}

// UnmarshalJSON accepts one statement or a list.
func (s *Statements) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '{' {
		var one Statement
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		*s = Statements{one}
		return nil
	}
	var list []Statement
	err := json.Unmarshal(b, &list)
	*s = list
	return err
}

// Parse reads a policy document.
func Parse(data []byte) (*Document, error) {
	var d Document
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("not an IAM policy document: %v", err)
	}
	if len(d.Statement) == 0 {
		return nil, fmt.Errorf("not an IAM policy document: no Statement")
	}
	for i, st := range d.Statement {
		if e := strings.ToLower(st.Effect); e != "allow" && e != "deny" {
			return nil, fmt.Errorf("statement %s: Effect %q: want Allow or Deny", name(st, i), st.Effect)
		}
	}
	return &d, nil
}

// Finding is one problem in one statement.
type Finding struct {
	Statement string // its Sid, or "#N" counting from 1
	Message   string
}

func (f Finding) String() string { return "statement " + f.Statement + ": " + f.Message }

func name(st Statement, i int) string {
	if st.Sid != "" {
		return strconv.Quote(st.Sid)
	}
	return fmt.Sprintf("#%d (no Sid)", i+1)
}

// deviceResourceActions act on arn:...:mfa/NAME resources (the others act on the user).
var deviceResourceActions = []string{"iam:CreateVirtualMFADevice", "iam:DeleteVirtualMFADevice"}

// enrollActions are what a user without MFA needs to enroll a device and to let mfacred
// find it: a Deny-unless-MFA must leave them out.
var enrollActions = []string{"iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:ListMFADevices"}

const mfaKey = "aws:multifactorauthpresent"

// Check reports the statements of d that break MFA for named devices or long-term keys.
func Check(d *Document) []Finding {
	var out []Finding
	for i, st := range d.Statement {
		add := func(format string, args ...any) {
			out = append(out, Finding{name(st, i), fmt.Sprintf(format, args...)})
		}
		allow := strings.EqualFold(st.Effect, "allow")
		if allow && len(st.Action) > 0 {
			if acts := matching(st.Action, deviceResourceActions); len(acts) > 0 {
				if r, ok := onlyUsernameDevice(st.Resource); ok {
					add("%s limited to %s: since November 2022 users name their MFA devices, and a device with any other name fails with AccessDenied; use %s",
						strings.Join(acts, ", "), r, r[:strings.Index(r, ":mfa/")+len(":mfa/")]+"*")
				}
			}
		}
		if allow {
			continue
		}
		op, ok := mfaAbsentCondition(st.Condition)
		if !ok {
			continue
		}
		if op == "bool" {
			add(`uses "Bool" on aws:MultiFactorAuthPresent: requests signed with long-term access keys carry no such key, so this Deny never applies to them; use "BoolIfExists"`)
		}
		var denied []string
		switch {
		case len(st.NotAction) > 0:
			for _, a := range enrollActions {
				if len(matching(st.NotAction, []string{a})) == 0 {
					denied = append(denied, a)
				}
			}
		case len(st.Action) > 0:
			denied = matching(st.Action, enrollActions)
		}
		if len(denied) > 0 {
			add("denies %s without MFA: a user without a device cannot enroll one, and mfacred cannot list the user's devices; list them in NotAction",
				strings.Join(denied, ", "))
		}
	}
	return out
}

// matching returns the actions of want that a pattern of patterns matches (IAM action
// patterns: case-insensitive, * and ? wildcards).
func matching(patterns Values, want []string) []string {
	var out []string
	for _, a := range want {
		for _, p := range patterns {
			if glob(strings.ToLower(p), strings.ToLower(a)) {
				out = append(out, a)
				break
			}
		}
	}
	return out
}

// onlyUsernameDevice reports a resource limited to mfa/${aws:username} when no resource of
// the list covers a device with another name.
func onlyUsernameDevice(resources Values) (string, bool) {
	restricted := ""
	for _, r := range resources {
		probe := "arn:aws:iam::123456789012:mfa/googleAuthentication"
		if i := strings.Index(r, ":mfa/"); i >= 0 {
			probe = r[:i] + ":mfa/googleAuthentication"
		}
		if glob(strings.ReplaceAll(r, "${aws:username}", "alice"), probe) {
			return "", false
		}
		if strings.Contains(r, ":mfa/") && strings.Contains(r, "${aws:username}") {
			restricted = r
		}
	}
	return restricted, restricted != ""
}

// mfaAbsentCondition reports whether a condition block applies when MFA is absent, and with
// which operator: Bool or BoolIfExists false, or Null true.
func mfaAbsentCondition(c map[string]map[string]Values) (string, bool) {
	for op, kv := range c {
		for k, vals := range kv {
			if strings.ToLower(k) != mfaKey {
				continue
			}
			o := strings.ToLower(op)
			for _, v := range vals {
				switch v = strings.ToLower(v); {
				case (o == "bool" || o == "boolifexists") && v == "false",
					o == "null" && v == "true":
					return o, true
				}
			}
		}
	}
	return "", false
}

// glob matches s against a pattern with * (any run) and ? (any one character).
func glob(pattern, s string) bool {
	px, sx := 0, 0
	star, mark := -1, 0
	for sx < len(s) {
		switch {
		case px < len(pattern) && (pattern[px] == '?' || pattern[px] == s[sx]):
			px++
			sx++
		case px < len(pattern) && pattern[px] == '*':
			star, mark = px, sx
			px++
		case star >= 0:
			px, mark = star+1, mark+1
			sx = mark
		default:
			return false
		}
	}
	for px < len(pattern) && pattern[px] == '*' {
		px++
	}
	return px == len(pattern)
}
