#!/usr/bin/env bash
# The Windows lane of the tests: every package's tests built for Windows (GOOS=windows) and
# run under Wine (Debian package wine64), each test binary through internal/winshim/exec.sh,
# in a Wine prefix of the run's own (internal/winshim/prefix.sh). test.sh runs it after the
# Linux lane and installs what it needs; alone: ./wine-test.sh [PACKAGES] [go test flags].
# The e2e package is not in it: it drives the binaries from Linux, its Windows part under Wine
# is e2e/wine_test.go. What Wine cannot show, and the tests left out here, are in docs/windows.md.
set -euo pipefail
cd "$(dirname "$0")"
# Flags before the packages go to go test (test.sh passes -json); everything the set-up prints
# goes to stderr, so that stdout is go test's alone.
flags=()
while [ $# -gt 0 ] && [ "${1#-}" != "$1" ]; do
	flags+=("$1")
	shift
done
exec 3>&1 1>&2
here=$PWD
began=$(date +%s) # the set-up's time goes to $MFACRED_SETUP_FILE (test.sh's lane summary)

wine64=/usr/lib/wine/wine64
wineserver=/usr/lib/wine/wineserver64
for tool in "$wine64" "$wineserver" x86_64-w64-mingw32-gcc; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "wine-test.sh: $tool is missing: sudo apt-get install wine64 gcc-mingw-w64-x86-64-win32 (or ./test.sh, which installs them)" >&2
		exit 1
	fi
done

# Tests that check Linux or macOS behaviour, or run Linux programs (botocore through
# /usr/bin/python3, the AWS CLI v2 at /usr/bin/aws, /bin/sh), and so cannot run on Windows; they
# run in the Linux lane. docs/windows.md says why each is here.
skip='^(TestReadsAsBotocore|TestWrittenSectionsReadAsBotocore|TestAWSConfigureGetAgrees|TestCredentialProcessPOSIX|TestCredentialProcessWindows|TestDifferentialBotocore|TestFoldKeyAsPython|TestKeysFoldAsBotocore|TestWriteFileAtomicKeepsModeAndLink|TestLockDirWritableByOthersRefused|TestHandoff|TestDialogCancelAndTimeOut|TestLoadChecked|TestClientSettingsAsBotocore|TestPathsExpandAsBotocore|TestWriteFileAtomicThroughDanglingLink|TestPathIsTheSHA256OfTheSessionInTheCacheDir|TestRefreshUnderElevenMinutesKeepsEveryFieldAndRotatesTheRefreshToken)$'

work=$(mktemp -d "${TMPDIR:-/tmp}/mfacred-wine.XXXXXX")
export WINEPREFIX=$work/prefix WINEDEBUG=-all WINEDLLOVERRIDES='mscoree,mshtml=;winemenubuilder.exe=d'
stop() {
	"$wineserver" -k 2>/dev/null || true
	rm -rf "$work"
}
trap stop EXIT
internal/winshim/prefix.sh "$WINEPREFIX"

# One wineserver for the whole run, with Wine's services started here, not by the first test
# binary: they would hold that binary's output open and go test would wait for them.
"$wineserver" -p
"$wine64" cmd /c exit </dev/null >/dev/null 2>&1

# os.RemoveAll (t.TempDir's clean-up) fails under Wine 8 without the overlay of Go's library
# that internal/winshim/overlay.sh writes (docs/windows.md).
overlay=$(internal/winshim/overlay.sh "$work/overlay")

if [ $# -eq 0 ]; then
	set -- $(GOOS=windows go list ./... | grep -v '/e2e$')
fi
if [ -n "${MFACRED_SETUP_FILE:-}" ]; then
	echo "$(($(date +%s) - began))s" >"$MFACRED_SETUP_FILE"
fi
# -vet=off: the Linux lane vets the Windows code already (e2e/quality_test.go, GOOS=windows).
GOOS=windows GOARCH=amd64 CGO_ENABLED=0 CI=true go test "${flags[@]}" -overlay "$overlay" -exec "$here/internal/winshim/exec.sh" \
	-vet=off -count=1 -timeout 10m -skip "$skip" "$@" >&3
