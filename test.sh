#!/usr/bin/env bash
# Runs mfacred's test suite the way CI does, on a machine where only Go is installed.
#
# First it looks for every program the tests start (a private D-Bus with gnome-keyring, the AWS
# CLI v2 at /usr/bin/aws, boto3 with a botocore that reads AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE
# (1.33 or newer), moto, oathtool, pass and gpg (aws-vault's pass backend), tmux, Xvfb, zenity, xdotool, zsh, fish, gcc for the race
# detector, node 20 or newer and npm for the JS SDK tests, Wine and mingw-w64 for the Windows
# lane; rpm and ruby only for the release lane). What is missing is installed with
# apt-get when this runs as root or sudo works (Debian, Ubuntu), moto and a newer boto3 into a
# virtualenv from PyPI; otherwise the script names exactly what is missing and how to get it,
# and stops. Then it runs
#
#   CI=true go test -race -count=1 -parallel 12 -timeout 30m -skip '^(TestRelease|TestVetAndStaticcheck)$' ./...
#
# (with -json, through internal/testsummary: go test's usual output, then one summary line),
# and then the Windows lane, ./wine-test.sh: every package's tests built for Windows and run
# under Wine (docs/windows.md), with its own summary line. The release checks (TestRelease: the
# whole release built twice, reproducible, its packages installed, SBOMs and manifests; and
# TestVetAndStaticcheck: go vet and staticcheck for Linux, macOS and Windows) are not in this
# run: they have a lane of their own, ./test.sh --release, which builds GoReleaser and
# staticcheck from source the first time (docs/testing.md, "The release lane"). CI runs both.
# Arguments replace the package list: ./test.sh ./e2e -run TestDemo
# ./test.sh --check only looks: it names what is missing (exit 1) and installs and runs nothing.
# ./test.sh --release runs the release lane only.
set -euo pipefail
cd "$(dirname "$0")"
began=$(date +%s) # the Linux lane's summary says how much of its time the set-up below took

if ! command -v go >/dev/null 2>&1; then
	echo "test.sh: Go is not installed: get Go 1.26 or newer from your package manager or https://go.dev/dl" >&2
	exit 1
fi

# moto is not packaged by Debian: it goes into a virtualenv (on top of the system's boto3) here,
# and so does a newer boto3 where the system's botocore is too old (Debian 12's is 1.29).
venv=${XDG_CACHE_HOME:-$HOME/.cache}/mfacred-test/venv
moto_spec='moto[server]==5.2.1'                     # the version the suite runs against on CI
boto_specs=('boto3==1.43.11' 'botocore==1.43.11') # likewise
only_check=false
release_lane=false
case ${1:-} in
--check) only_check=true ;;
--release) release_lane=true ;;
esac
if $only_check || $release_lane; then
	opt=$1
	shift
	if [ $# -gt 0 ]; then
		echo "test.sh: unexpected argument \"$1\": $opt takes none" >&2
		exit 2
	fi
fi
if [ -x "$venv/bin/python3" ]; then
	export PATH="$venv/bin:$PATH"
fi

# While the packages below install (a minute or two on a fresh machine, apt using about one
# core), Go compiles with the race detector every package the Linux lane's test binaries are made
# of, into its build cache, where `go test` finds them: the compile `go test` would otherwise do
# before e2e's tests can start (about 130 CPU-seconds with an empty cache, a second with a warm
# one). Only for the whole suite; its output is not kept (go test reports the same errors), and
# the lane starts after it ends, so the two never compile the same package side by side.
prewarm=
if ! $only_check && ! $release_lane && [ $# -eq 0 ]; then
	(
		pkgs=$(go list -test -deps -f '{{if and (not .ForTest) (ne .Name "main") (or .GoFiles .CgoFiles)}}{{.ImportPath}}{{end}}' ./... | grep -v '\.test$') &&
			exec go build -race $pkgs
	) >/dev/null 2>&1 &
	prewarm=$!
fi
# On any exit (an error, Ctrl-C, SIGTERM) that compile is stopped (a compiler process it had
# started may finish its one package first).
cleanup() {
	[ -z "$prewarm" ] || kill "$prewarm" 2>/dev/null || true
	[ -z "${summary_dir:-}" ] || rm -rf "$summary_dir"
}
trap cleanup EXIT

missing_pkgs=() # Debian packages to install
missing_text=() # one line per missing part, for a machine where we cannot install

need() { # need PACKAGE DESCRIPTION
	missing_pkgs+=("$1")
	missing_text+=("$2 (Debian/Ubuntu package $1)")
}

check() {
	missing_pkgs=()
	missing_text=()
	local prog progs=(dbus-daemon:dbus dbus-send:dbus dbus-launch:dbus-x11 gnome-keyring-daemon:gnome-keyring
		oathtool:oathtool pass:pass gpg:gnupg tmux:tmux Xvfb:xvfb zenity:zenity xdotool:xdotool zsh:zsh fish:fish
		gcc:gcc pgrep:procps ps:procps git:git x86_64-w64-mingw32-gcc:gcc-mingw-w64-x86-64-win32)
	# only TestRelease reads the .rpm packages and the Homebrew formula
	! $release_lane || progs+=(rpm:rpm ruby:ruby)
	for prog in "${progs[@]}"; do
		command -v "${prog%%:*}" >/dev/null 2>&1 || need "${prog#*:}" "${prog%%:*}"
	done
	[ -e /etc/ssl/certs/ca-certificates.crt ] || need ca-certificates "CA certificates (for npm and pip)"
	[ -x /usr/lib/wine/wine64 ] || need wine64 "Wine's 64-bit loader /usr/lib/wine/wine64 (the Windows lane)"
	if ! /usr/bin/aws --version 2>&1 | grep -q '^aws-cli/2'; then
		need awscli "the AWS CLI v2 at /usr/bin/aws"
	fi
	if ! command -v python3 >/dev/null 2>&1; then
		need python3 python3
	elif ! python3 -c 'import boto3' >/dev/null 2>&1; then
		need python3-boto3 "boto3 for python3"
	fi
	if [ -d e2e/jsclient ]; then
		if ! command -v node >/dev/null 2>&1; then
			need nodejs "node 20 or newer (the JS SDK tests in e2e/jsclient)"
		elif ! node_ok; then
			# No Debian/Ubuntu package helps: Debian 12 and Ubuntu 24.04 ship node 18.
			missing_text+=("node 20 or newer for the JS SDK tests in e2e/jsclient (its pinned @aws-sdk packages need it); $(command -v node) is $(node --version): get node 20 from NodeSource (https://github.com/nodesource/distributions) or nvm (https://github.com/nvm-sh/nvm) and put it first on PATH")
		fi
		command -v npm >/dev/null 2>&1 || need npm "npm (the JS SDK tests in e2e/jsclient)"
	fi
}

moto_ok() { python3 -c 'import boto3, moto.server' >/dev/null 2>&1; }

# botocore_ok: the python3 on PATH has a botocore whose container credential provider reads
# AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (botocore 1.33, November 2023), as the tests of
# `mfacred serve` use it.
botocore_ok() {
	python3 -c 'from botocore.credentials import ContainerProvider; ContainerProvider.ENV_VAR_AUTH_TOKEN_FILE' >/dev/null 2>&1
}
botocore_version() { python3 -c 'import botocore; print(botocore.__version__)' 2>/dev/null || echo none; }

node_ok() { node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' >/dev/null 2>&1; }

python_ok() { moto_ok && botocore_ok; }

check
if [ ${#missing_text[@]} -gt 0 ] || ! python_ok; then
	sudo=
	if $only_check; then
		sudo=none
	elif [ "$(id -u)" -ne 0 ]; then
		if command -v sudo >/dev/null 2>&1 && { sudo -n true 2>/dev/null || [ -t 0 ]; }; then
			sudo=sudo
		else
			sudo=none
		fi
	fi
	pkgs=("${missing_pkgs[@]}")
	python_ok || pkgs+=(python3-venv)
	if [ "$sudo" != none ] && [ ${#pkgs[@]} -gt 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "test.sh: installing ${pkgs[*]}"
		export DEBIAN_FRONTEND=noninteractive
		$sudo apt-get update -qq
		# Without the packages they only recommend (Wine's brings GStreamer, FFmpeg, Mesa and
		# fonts): 140 packages instead of 310, about half the time on a fresh machine.
		$sudo apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
		check
	fi
	if ! $only_check && [ ${#missing_pkgs[@]} -eq 0 ] && ! python_ok && python3 -m venv --help >/dev/null 2>&1; then
		specs=("$moto_spec")
		botocore_ok || specs+=("${boto_specs[@]}")
		echo "test.sh: installing ${specs[*]} into $venv (from PyPI)"
		if python3 -m venv --system-site-packages "$venv" &&
			"$venv/bin/python3" -m pip install -q --disable-pip-version-check "${specs[@]}"; then
			export PATH="$venv/bin:$PATH"
		else
			rm -rf "$venv"
		fi
	fi
	if ! moto_ok; then
		missing_text+=("moto for python3: python3 -m venv --system-site-packages $venv && $venv/bin/pip install '$moto_spec' (PyPI)")
	fi
	if command -v python3 >/dev/null 2>&1 && ! botocore_ok; then
		missing_text+=("botocore 1.33 or newer for $(command -v python3) (it has $(botocore_version), whose container credential provider does not read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE): python3 -m venv --system-site-packages $venv && $venv/bin/pip install ${boto_specs[*]} (PyPI)")
	fi
	if [ ${#missing_text[@]} -gt 0 ]; then
		echo "test.sh: the tests need these, which are missing:" >&2
		printf '  %s\n' "${missing_text[@]}" >&2
		if [ ${#missing_pkgs[@]} -gt 0 ]; then
			echo "on Debian/Ubuntu: sudo apt-get install --no-install-recommends $(printf '%s\n' "${missing_pkgs[@]}" python3-venv | sort -u | tr '\n' ' ')&& ./test.sh" >&2
		fi
		exit 1
	fi
fi

if $only_check; then
	echo "test.sh: everything the tests need is here"
	exit 0
fi

if [ -d e2e/jsclient ] && ! $release_lane; then
	(cd e2e/jsclient && npm ci --no-audit --no-fund --loglevel=error)
fi

# The release lane (./test.sh --release): TestRelease (e2e/release_test.go) runs GoReleaser and
# cyclonedx-gomod, pinned in tools/go.mod and built by ./release.sh --tools once per machine and
# Go release (about 16 CPU-minutes the first time, nothing after). That build is the lane's
# set-up, counted apart in its summary line.
if $release_lane; then
	./release.sh --tools
fi

# The summary of each lane: internal/testsummary reads `go test -json` and prints what go test
# prints without it (the ok and FAIL lines, the output of failed tests), then one line for the
# lane: packages, tests passed, failed and skipped, the time, the slowest package.
if [ -n "$prewarm" ]; then
	wait "$prewarm" || true
	prewarm=
fi
summary_dir=$(mktemp -d)
go build -o "$summary_dir/testsummary" ./internal/testsummary

# lane NAME COMMAND...: runs COMMAND, a go test -json, through the summary. Its status is
# go test's, or the summary's when go test passed but the summary did not (a test or package
# failed, or go test printed something that was not -json). With MFACRED_TEST_JSON=DIR the
# lane's go test -json is also kept in DIR/NAME.json (per-test times).
# The lane's set-up time is in $summary_dir/NAME.setup by the time its go test ends: test.sh
# writes the Linux and release lanes' (the packages and tools above) before it starts, wine-test.sh the
# Windows lane's (its Wine prefix) through MFACRED_SETUP_FILE.
lane() {
	local name=$1 s json=/dev/null since=0
	shift
	if [ -n "${MFACRED_TEST_JSON:-}" ]; then
		mkdir -p "$MFACRED_TEST_JSON"
		json=$MFACRED_TEST_JSON/$name.json
	fi
	if [ "$name" != windows ]; then
		since=$began
		echo "$(($(date +%s) - began))s" >"$summary_dir/$name.setup"
	fi
	MFACRED_SETUP_FILE=$summary_dir/$name.setup "$@" | tee "$json" |
		"$summary_dir/testsummary" -lane "$name" -since "$since" -setup-file "$summary_dir/$name.setup" || {
		s=("${PIPESTATUS[@]}")
		status=${s[0]}
		[ "$status" -ne 0 ] || status=${s[2]}
		[ "$status" -ne 0 ] || status=${s[1]}
	}
}

# The whole suite is the Linux lane without the release lane's tests, then the Windows lane;
# --release is those tests alone, with the Linux lane's flags, so it reuses the e2e test binary
# that lane built: the release, and go vet and staticcheck for the three systems it ships for
# (on a fresh machine the two cost 16 and about 10 CPU-minutes, docs/testing.md).
release_tests='^(TestRelease|TestVetAndStaticcheck)$'
windows_lane=false
linux_flags=(-race -count=1 -parallel 12 -timeout 30m)
if $release_lane; then
	set -- -run "$release_tests" ./e2e
elif [ $# -eq 0 ]; then
	set -- -skip "$release_tests" ./...
	windows_lane=true
fi
status=0
if $release_lane; then
	CI=true lane release go test -json "${linux_flags[@]}" "$@"
else
	CI=true lane linux go test -json "${linux_flags[@]}" "$@"
fi
if $windows_lane; then
	lane windows ./wine-test.sh -json
fi
exit "$status"
