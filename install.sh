#!/bin/sh
# Builds mfacred with the module versions pinned in go.mod and installs it into $PREFIX/bin
# (default ~/.local/bin). Safe to run again.
set -eu
cd "$(dirname "$0")"
if ! command -v go >/dev/null 2>&1; then
	echo "install.sh: Go is not installed: get Go 1.22 or newer from your package manager or https://go.dev/dl" >&2
	exit 1
fi
PREFIX=${PREFIX:-$HOME/.local}
mkdir -p "$PREFIX/bin"
version=$(git describe --tags --always --dirty 2>/dev/null || echo dev)
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=$version" -o "$PREFIX/bin/mfacred.tmp" ./cmd/mfacred
mv "$PREFIX/bin/mfacred.tmp" "$PREFIX/bin/mfacred"
echo "installed $PREFIX/bin/mfacred ($version)"
case ":$PATH:" in *":$PREFIX/bin:"*) ;; *) echo "add $PREFIX/bin to your PATH" ;; esac
"$PREFIX/bin/mfacred" version
