//go:build !linux

package keyring

// itemGone is list_linux.go's for the Secret Service; other keyrings answer a read of a
// missing item with keyring.ErrNotFound.
func itemGone(error) bool { return false }
