package cache

import "os"

func ownedByMe(os.FileInfo) bool { return true }

// noFollow: Windows has no O_NOFOLLOW; the lock dir's ACL is the user's own.
const noFollow = 0
