#!/usr/bin/env bash
# prefix.sh DIR makes DIR a Wine prefix of its own in which Go programs for Windows run: the
# Windows lane of the tests (wine-test.sh) and e2e/wine_test.go use one each, never ~/.wine.
#
# Go 1.22 and newer import ProcessPrng from bcryptprimitives.dll, which Debian 12's Wine 8
# lacks, so a prefix gets the DLL built from processprng.c here (docs/windows.md). Making a
# prefix takes wineboot some 20 s and 700 MB, so one is made once per Wine version and shim,
# in ${XDG_CACHE_HOME:-~/.cache}/mfacred-test/, and DIR gets a copy of it: the read-only
# Windows files hard-linked, the files Wine writes (the registry, which holds the Credential
# Manager's items, and the users' folders) copied, so nothing a run stores reaches another.
set -euo pipefail
if [ $# -ne 1 ]; then
	echo "usage: prefix.sh DIR" >&2
	exit 2
fi
dest=$1
here=$(cd "$(dirname "$0")" && pwd)
wine64=${WINE64:-/usr/lib/wine/wine64} # Debian package wine64
for tool in "$wine64" "$(dirname "$wine64")/wineserver64" x86_64-w64-mingw32-gcc; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "prefix.sh: $tool is missing (Debian packages wine64, gcc-mingw-w64-x86-64-win32)" >&2
		exit 1
	fi
done
wineserver=$(dirname "$wine64")/wineserver64

version=$("$wine64" --version 2>/dev/null || true)
key=$(printf '%s\n' "$version" | cat - "$here/processprng.c" | sha256sum | cut -c1-12)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/mfacred-test
template=$cache/wine-$key
export WINEDEBUG=-all
# No Mono or Gecko installers (nothing here needs .NET or HTML), no desktop menu entries.
export WINEDLLOVERRIDES='mscoree,mshtml=;winemenubuilder.exe=d'

mkdir -p "$cache"
# Tests that start at once make the template once: the others wait for it here.
exec 9>"$cache/wine.lock"
flock 9
if [ ! -e "$template/.mfacred-ready" ]; then
	tmp=$(mktemp -d "$cache/wine-new.XXXXXX")
	trap 'WINEPREFIX=$tmp/prefix "$wineserver" -k 2>/dev/null || true; rm -rf "$tmp"' EXIT
	x86_64-w64-mingw32-gcc -shared -O2 -o "$tmp/bcryptprimitives.dll" "$here/processprng.c" -ladvapi32
	WINEPREFIX=$tmp/prefix "$wine64" wineboot -i >"$tmp/wineboot.log" 2>&1 || {
		cat "$tmp/wineboot.log" >&2
		echo "prefix.sh: wineboot failed" >&2
		exit 1
	}
	WINEPREFIX=$tmp/prefix "$wineserver" -w
	cp "$tmp/bcryptprimitives.dll" "$tmp/prefix/drive_c/windows/system32/"
	rm -f "$tmp/prefix/wineserver"
	touch "$tmp/prefix/.mfacred-ready"
	rm -rf "$template"
	mv -T "$tmp/prefix" "$template"
	rm -rf "$tmp"
	trap - EXIT
	# Prefixes of other Wine versions or shims are of no more use.
	for old in "$cache"/wine-*; do
		if [ -d "$old" ] && [ "$old" != "$template" ]; then
			rm -rf "$old"
		fi
	done
fi
exec 9>&-

rm -rf "$dest"
mkdir -p "$(dirname "$dest")"
cp -al "$template" "$dest"
for f in system.reg user.reg userdef.reg .update-timestamp drive_c/users drive_c/ProgramData; do
	rm -rf "${dest:?}/$f"
	cp -a "$template/$f" "$dest/$f"
done
rm -f "$dest/.mfacred-ready"
