#!/bin/sh
# Builds mfacred with the module versions pinned in go.mod and installs it into $PREFIX/bin
# (default ~/.local/bin): two files, mfacred (the cached path, no AWS SDK inside) and
# mfacred-core (everything else; mfacred runs it when it must). Safe to run again.
# Works on Linux and macOS; on Windows see README.md.
set -eu
cd "$(dirname "$0")"
if ! command -v go >/dev/null 2>&1; then
	echo "install.sh: Go is not installed: get Go 1.26 or newer from your package manager or https://go.dev/dl" >&2
	exit 1
fi
PREFIX=${PREFIX:-$HOME/.local}
mkdir -p "$PREFIX/bin"
version=$(git describe --tags --always --dirty 2>/dev/null || echo dev)
for cmd in mfacred-core mfacred; do
	CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=$version" -o "$PREFIX/bin/$cmd.tmp" "./cmd/$cmd"
	mv "$PREFIX/bin/$cmd.tmp" "$PREFIX/bin/$cmd"
done
echo "installed $PREFIX/bin/mfacred and $PREFIX/bin/mfacred-core ($version)"
case ":$PATH:" in *":$PREFIX/bin:"*) ;; *) echo "add $PREFIX/bin to your PATH" ;; esac
"$PREFIX/bin/mfacred" version
echo "try it without an AWS account: $PREFIX/bin/mfacred demo"
