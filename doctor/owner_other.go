//go:build !unix

package doctor

import "io/fs"

// ownedBySelf: Windows files carry an ACL, not a Unix owner; not checked here.
func ownedBySelf(fs.FileInfo) (owner, known bool) { return false, false }
