#!/bin/sh
# Builds mfacred with the module versions pinned in go.mod and installs it into $PREFIX/bin
# (default ~/.local/bin): two files, mfacred (the cached path, no AWS SDK inside) and
# mfacred-core (everything else; mfacred runs it when it must). Safe to run again.
# Works on Linux and macOS; on Windows see README.md.
set -eu
unset CDPATH # a cd below goes where it says, not to a folder of that name CDPATH lists
# A relative PREFIX is a path from where the user stands, as any path typed at a shell is; it
# is made absolute before the cd into the checkout, so that the binaries do not land in the
# checkout (release.sh refuses a tree with untracked files) and every path printed below runs.
PREFIX=${PREFIX:-$HOME/.local}
case $PREFIX in
/*) ;;
"~" | "~/"*) PREFIX=$HOME${PREFIX#"~"} ;; # a quoted ~ is the home folder, as botocore reads ~ in a path
*) PREFIX=$(pwd)/$PREFIX ;;
esac
cd "$(dirname "$0")"
if ! command -v go >/dev/null 2>&1; then
	echo "install.sh: Go is not installed: get Go 1.26 or newer from your package manager or https://go.dev/dl" >&2
	exit 1
fi
mkdir -p "$PREFIX/bin"
PREFIX=$(cd "$PREFIX" && pwd) # without the ./ and ../ of a relative one
# The version, commit and commit time, stamped as release.sh's GoReleaser build stamps them
# (.goreleaser.yaml): from git, since Go's own VCS stamp is off where go env says
# GOFLAGS=-buildvcs=false. Outside a git checkout nothing is stamped but the version "dev" —
# also where this folder has no .git of its own but sits inside another repository (a source
# archive unpacked in a home folder kept in git): that repository's commit is not this source's,
# so Go's own stamp is off too (-buildvcs=false), or it would stamp that commit.
version=dev commit= date=
if [ "$(git rev-parse --show-toplevel 2>/dev/null || true)" = "$(pwd -P)" ]; then
	version=$(git describe --tags --always --dirty 2>/dev/null || echo dev)
	commit=$(git rev-parse HEAD 2>/dev/null || true)
	date=$(TZ=UTC git log -1 --format=%cd --date=format-local:%Y-%m-%dT%H:%M:%SZ 2>/dev/null || true)
fi
case $version in *-dirty) commit=${commit:+$commit-dirty} ;; esac
for cmd in mfacred-core mfacred; do
	CGO_ENABLED=0 go build -trimpath -buildvcs=false -ldflags "-s -w -X main.version=$version -X main.commit=$commit -X main.date=$date" -o "$PREFIX/bin/$cmd.tmp" "./cmd/$cmd"
	mv "$PREFIX/bin/$cmd.tmp" "$PREFIX/bin/$cmd"
done
echo "installed $PREFIX/bin/mfacred and $PREFIX/bin/mfacred-core ($version)"
case ":$PATH:" in *":$PREFIX/bin:"*) ;; *) echo "add $PREFIX/bin to your PATH" ;; esac
"$PREFIX/bin/mfacred" version
echo "try it without an AWS account: $PREFIX/bin/mfacred demo"
