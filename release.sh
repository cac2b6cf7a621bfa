#!/bin/sh
# Builds the release of the checked-out commit into dist/ with GoReleaser (.goreleaser.yaml):
# six archives (linux, darwin, windows on amd64 and arm64, each holding mfacred and
# mfacred-core), a CycloneDX SBOM per archive, mfacred's .deb and .rpm, SHA256SUMS, and a
# Homebrew formula, a Scoop manifest and winget manifests to publish. Nothing is uploaded.
# The same commit built with the same Go release gives the same bytes (README.md, "Releases").
#
#   ./release.sh                       the whole release
#   ./release.sh --target linux_amd64  one target's archive, SBOM and packages (a quick check)
#   ./release.sh --tools               only build the tools below, if not built yet (test.sh)
#
# GoReleaser and cyclonedx-gomod, pinned in tools/go.mod, are built once per version and Go
# release into ~/.cache/mfacred-release (XDG_CACHE_HOME), which MFACRED_RELEASE_TOOLS overrides.
set -eu
cd "$(dirname "$0")"

target=
tools_only=false
while [ $# -gt 0 ]; do
	case $1 in
	--tools) tools_only=true ;;
	--target=*) target=${1#--target=} ;;
	--target)
		[ $# -ge 2 ] || { echo "release.sh: --target needs OS_ARCH, e.g. linux_amd64" >&2; exit 2; }
		target=$2
		shift
		;;
	*) echo "release.sh: unexpected argument \"$1\": usage: ./release.sh [--target OS_ARCH | --tools]" >&2; exit 2 ;;
	esac
	shift
done
if $tools_only && [ -n "$target" ]; then
	echo "release.sh: --tools builds no target: give --tools or --target OS_ARCH" >&2
	exit 2
fi
case $target in
'') ;;
linux_amd64 | darwin_amd64 | windows_amd64) target=${target}_v1 ;;
linux_arm64 | darwin_arm64 | windows_arm64) target=${target}_v8.0 ;;
*) echo "release.sh: --target $target: want one of linux_amd64, linux_arm64, darwin_amd64, darwin_arm64, windows_amd64, windows_arm64" >&2; exit 2 ;;
esac

# A release is built from a commit. Untracked files count: go build compiles a .go file in a
# package folder whether git tracks it or not. Ignored files (dist/, completions/) do not.
dirty=
$tools_only || dirty=$(git status --porcelain --untracked-files=all)
if [ -n "$dirty" ]; then
	echo "release.sh: the work tree has uncommitted changes or untracked files ($(echo "$dirty" | head -n 1)): a release is built from a commit" >&2
	exit 1
fi
go version >&2

# The build settings a user's environment or go env file (go env -w) could change are pinned:
# GOENV names a copy of the user's go env file without them (an empty variable in the
# environment does not override the file); its other settings (GOPROXY, GOPRIVATE) still apply.
# GOAMD64 and GOARM64 are set per target by GoReleaser, CGO_ENABLED in .goreleaser.yaml; they
# are emptied here too for the one build GoReleaser does not set them for, the host build of
# the completions (.goreleaser.yaml, before hooks): with a user's GOAMD64=v3 it compiled every
# dependency anew, for text that does not depend on it.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
goenv=$(go env GOENV)
if [ -n "$goenv" ] && [ "$goenv" != off ] && [ -f "$goenv" ]; then
	grep -v -E '^[[:space:]]*(CGO_ENABLED|GOAMD64|GOARM64|GOARM|GOEXPERIMENT|GOFLAGS)[[:space:]]*=' "$goenv" >"$work/go.env" || true
else
	: >"$work/go.env"
fi
export GOENV="$work/go.env" GOFLAGS= GOEXPERIMENT= GOARM= GOAMD64= GOARM64= CGO_ENABLED=0
GOCACHE=$(go env GOCACHE)
GOMODCACHE=$(go env GOMODCACHE)
GOPROXY=$(go env GOPROXY)
export GOCACHE GOMODCACHE GOPROXY

# The tools: built once for each set of pinned versions (tools/go.sum) and Go release.
key=$(cat tools/go.sum tools/go.mod | { sha256sum 2>/dev/null || shasum -a 256; } | cut -c1-16)-$(go env GOVERSION)-$(go env GOHOSTOS)-$(go env GOHOSTARCH)
tools=${MFACRED_RELEASE_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/mfacred-release}/$key
if [ ! -x "$tools/goreleaser" ] || [ ! -x "$tools/cyclonedx-gomod" ]; then
	echo "release.sh: building GoReleaser and cyclonedx-gomod (tools/go.mod) into $tools, once" >&2
	mkdir -p "$tools"
	go build -C tools -trimpath -o "$work/" github.com/goreleaser/goreleaser/v2 github.com/CycloneDX/cyclonedx-gomod/cmd/cyclonedx-gomod
	mv "$work/goreleaser" "$work/cyclonedx-gomod" "$tools/"
fi
export PATH="$tools:$PATH" # the SBOMs' cyclonedx-gomod (an SBOM command is not templated)
if $tools_only; then
	exit 0
fi
SOURCE_DATE_EPOCH=$(git log -1 --format=%ct) # nfpm's clock
export SOURCE_DATE_EPOCH

# A tagged commit is a release; any other a snapshot (its version says SNAPSHOT and the commit).
mode=--snapshot
if [ -n "$(git tag --points-at HEAD)" ]; then
	mode=--skip=publish,announce
fi
if [ -z "$target" ]; then
	"$tools/goreleaser" release --clean "$mode"
	exit
fi
# One target: the same configuration with the targets line narrowed, without the formula and
# manifests (they need the other systems' archives).
sed "s/^\( *targets: &targets\) .*/\1 [$target]/" .goreleaser.yaml >"$work/goreleaser.yaml"
if [ "$(grep -c "targets: &targets \[$target\]\$" "$work/goreleaser.yaml")" != 1 ]; then
	echo "release.sh: .goreleaser.yaml has no single 'targets: &targets [...]' line to narrow" >&2
	exit 1
fi
"$tools/goreleaser" release --clean "$mode" --skip=homebrew,scoop,winget -f "$work/goreleaser.yaml"
