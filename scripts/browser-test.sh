#!/usr/bin/env bash
# browser-test.sh: end-to-end tests of the demo (examples/demo) in a real
# headless Chromium, driven from Node by playwright-core (e2e/*.test.mjs,
# node's built-in test runner). The tests start the demo themselves on
# 127.0.0.1:0 and stop it at the end.
#
# On a fresh Debian machine, as root: installs chromium (and nodejs/npm if
# node is missing; Node 20 or later is needed) with apt-get, installs the
# pinned playwright-core with `npm ci` in e2e/ (never `playwright install`:
# the tests use Debian's /usr/bin/chromium), builds the demo into a temporary
# directory and runs the tests. Each test has a timeout; the whole run is
# bounded too. Works from any directory. E2E_VERBOSE=1 echoes the demo's log;
# CONSOLE_SCREENSHOT=path saves a screenshot of the console after the
# rotation test (docs/console.png is made so).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DEBIAN_FRONTEND=noninteractive
apt_updated=""
apt_install() {
	# Wait up to 10 minutes for another install's package lock, not fail.
	if [[ -z "$apt_updated" ]]; then apt-get -o DPkg::Lock::Timeout=600 update -qq; apt_updated=1; fi
	apt-get -o DPkg::Lock::Timeout=600 install -y -qq "$@" >/dev/null
}

[[ -x /usr/bin/chromium ]] || apt_install chromium
command -v node >/dev/null && command -v npm >/dev/null || apt_install nodejs npm
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if (( node_major < 20 )); then
	echo "browser-test: Node $(node --version) is too old; Node 20 or later is needed" >&2
	exit 1
fi
if ! command -v go >/dev/null && [[ -x /usr/local/go/bin/go ]]; then
	export PATH="/usr/local/go/bin:$PATH"
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

(cd "$root/e2e" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
(cd "$root" && go build -o "$tmp/demo" ./examples/demo)

cd "$root/e2e"
start=$SECONDS
# One test file at a time: each starts its own demo and browser.
DEMO_BIN="$tmp/demo" CHROMIUM_BIN=/usr/bin/chromium \
	timeout -k 10 180 node --test --test-reporter=spec --test-concurrency=1 ./*.test.mjs
echo "browser-test: OK ($((SECONDS - start))s)"
