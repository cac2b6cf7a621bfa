#!/usr/bin/env bash
# exec.sh PROGRAM.exe [ARGS...] runs a Go program built for Windows under Wine, in the prefix
# WINEPREFIX made by prefix.sh: the -exec of `GOOS=windows go test` in wine-test.sh.
set -euo pipefail
: "${WINEPREFIX:?exec.sh: set WINEPREFIX to a prefix made by internal/winshim/prefix.sh}"
export WINEDEBUG=${WINEDEBUG:--all}
export WINEDLLOVERRIDES=${WINEDLLOVERRIDES:-'mscoree,mshtml=;winemenubuilder.exe=d'}
exec "${WINE64:-/usr/lib/wine/wine64}" "$@"
