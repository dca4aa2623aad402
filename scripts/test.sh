#!/usr/bin/env bash
# test.sh: the README's test command: the whole test suite.
#
#   1. go test -race over the library module, then over every other
#      module go.work lists except the three of step 2 (today bench,
#      bench/session, examples/resource_server, grpcauth, otelmetrics and
#      tools/loadtest; examples/resource_server's tests build the demo
#      and start a redis-server of their own, when one is installed);
#   2. scripts/redis-test.sh: the modules that use Redis (store/redisstore,
#      examples/onetime_refresh, examples/demo) against a real redis-server
#      on 127.0.0.1 (installed with apt-get and started when missing);
#   3. scripts/browser-test.sh: the demo in headless Chromium (Debian's
#      chromium and playwright-core from npm, installed when missing);
#   4. scripts/load-test.sh: a bounded load test at 1,000 connections, a
#      soak with key rotation every second and a Redis stop and restart
#      under load.
#
# Set SKIP_BROWSER=1 or SKIP_LOAD=1 to leave out steps 3 or 4 (CI runs
# everything). Works from any directory.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
command -v go >/dev/null || export PATH="/usr/local/go/bin:$PATH"
cd "$root"

echo "== go test -race ./..."
go test -race -count=1 ./...
# The other modules of the workspace (go.work), except the three that need
# Redis, which scripts/redis-test.sh runs against a real server.
for mod in $(go work edit -json | sed -n 's/.*"DiskPath": "\.\/\(.*\)".*/\1/p'); do
	case "$mod" in
	store/redisstore | examples/onetime_refresh | examples/demo) continue ;;
	esac
	echo "== ($mod) go test -race ./..."
	(cd "$mod" && go test -race -count=1 ./...)
done
echo "== scripts/redis-test.sh"
bash scripts/redis-test.sh
if [[ -z "${SKIP_BROWSER:-}" ]]; then
	echo "== scripts/browser-test.sh"
	bash scripts/browser-test.sh
fi
if [[ -z "${SKIP_LOAD:-}" ]]; then
	echo "== scripts/load-test.sh"
	bash scripts/load-test.sh
fi
echo "test.sh: all tests passed"
