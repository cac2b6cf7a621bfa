#!/usr/bin/env bash
# overlay.sh DIR writes, in DIR, a go build -overlay that lets Go programs for Windows remove
# folder trees under Wine, and prints the path of its overlay.json. The Windows lane
# (wine-test.sh) builds every package's tests with it, and e2e/wine_test.go the Windows
# programs it runs under Wine: the same file, so both share one compile of Go's library and
# the dependencies for Windows.
#
# os.RemoveAll (t.TempDir's clean-up among others) asks for FileDispositionInformationEx,
# which Wine 8 does not implement: Go falls back to the older call only for the answers
# Windows gives. The overlay adds Wine's answer, STATUS_NOT_IMPLEMENTED, to those; Windows
# never gives it, so on Windows a program built with it does what one built without it does
# (docs/windows.md). Nothing else of Go changes. Like the ProcessPrng DLL of prefix.sh, it
# is a shim for Wine, not a change of mfacred.
set -euo pipefail
if [ $# -ne 1 ]; then
	echo "usage: overlay.sh DIR" >&2
	exit 2
fi
dir=$1
at=$(go env GOROOT)/src/internal/syscall/windows/at_windows.go
mkdir -p "$dir"
if ! grep -q '^		STATUS_NOT_SUPPORTED:     // the file system' "$at"; then
	echo "overlay.sh: $at is not as this script knows it (Go $(go env GOVERSION)): update internal/winshim/overlay.sh" >&2
	exit 1
fi
sed 's|^\t\tSTATUS_NOT_SUPPORTED:     // the file system|\t\tSTATUS_NOT_IMPLEMENTED, STATUS_NOT_SUPPORTED: // Wine 8: not implemented;|' "$at" >"$dir/at_windows.go"
printf '\n// STATUS_NOT_IMPLEMENTED is what Wine 8 answers for FileDispositionInformationEx.\nconst STATUS_NOT_IMPLEMENTED NTStatus = 0xC0000002\n' >>"$dir/at_windows.go"
printf '{"Replace":{"%s":"%s"}}\n' "$at" "$dir/at_windows.go" >"$dir/overlay.json"
echo "$dir/overlay.json"
