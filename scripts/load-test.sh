#!/usr/bin/env bash
# load-test.sh: run the demo's load generator and fault tests,
# `go run ./examples/demo/loadtest -mode=all` (see the doc comment of
# examples/demo/loadtest/main.go):
#   - bench: GET /api/me at 1000 concurrent keep-alive connections, beside a
#     bare handler; any non-200 answer fails;
#   - soak: the same load while the signing key rotates every second; a
#     token rejected while its key is still in the ring fails;
#   - redis: the app on a Redis store that is stopped and restarted under
#     load; answers must be 503 while it is down, return to 200 within 10s,
#     and no logout that answered 200 may be lost; then the redis mode once
#     more with Redis killed (SIGKILL, a crash) instead of stopped.
# The defaults keep the whole run to about a minute (plus the build).
# Installs redis-server with apt-get when missing (the program starts its
# own on a free 127.0.0.1 port, in a temporary directory). Extra arguments
# go to both runs of the program, e.g. `scripts/load-test.sh -duration 20s`.
# The exit status is nonzero when a property fails. Works from any directory.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
command -v go >/dev/null || export PATH="/usr/local/go/bin:$PATH"
command -v redis-server >/dev/null || (apt-get -o DPkg::Lock::Timeout=600 update && apt-get -o DPkg::Lock::Timeout=600 install -y redis-server)

cd "$root"
start=$SECONDS
go run ./examples/demo/loadtest -mode=all "$@"
go run ./examples/demo/loadtest -mode=redis -redis-kill "$@"
echo "load-test: OK ($((SECONDS - start))s)"
