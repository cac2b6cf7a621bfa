#!/bin/sh
# Builds the release archives of the checked-out commit into dist/ (or $1): mfacred and
# mfacred-core for linux, darwin and windows on amd64 and arm64, and SHA256SUMS. The same
# commit built with the same Go release gives the same bytes (see README.md, "Releases").
set -eu
cd "$(dirname "$0")"
go version >&2
exec go run ./internal/release -out "${1:-dist}"
