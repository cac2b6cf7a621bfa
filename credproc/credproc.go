// Package credproc is what a credential_process helper prints: one line of JSON on stdout
// (docs/aws-contract.md, "The credential_process contract").
package credproc

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/mfacred/mfacred/cache"
)

// Output is the credential_process JSON.
type Output struct {
	Version         int
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string
	SessionToken    string
	Expiration      string
	AccountID       string `json:"AccountId,omitempty"`
}

// Print writes an entry as credential_process JSON, one line. accountID may be "".
func Print(w io.Writer, e cache.Entry, accountID string) error {
	b, _ := json.Marshal(Output{
		Version:         1,
		AccessKeyID:     e.AccessKeyID,
		SecretAccessKey: e.SecretAccessKey,
		SessionToken:    e.SessionToken,
		Expiration:      e.Expiration.UTC().Format(time.RFC3339),
		AccountID:       accountID,
	})
	_, err := fmt.Fprintf(w, "%s\n", b)
	return err
}
