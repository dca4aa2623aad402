#!/usr/bin/env bash
# load-test.sh: run the load generator and fault tests (tools/loadtest, a
# module of its own; see the doc comment of tools/loadtest/main.go) against
# the demo run as a real process:
#   - bench: GET /api/me at 1000 concurrent keep-alive connections, beside a
#     bare handler in a process of its own; any non-200 answer fails;
#   - soak: the same load while the signing key rotates every second
#     (POST /admin/rotate); a token rejected while its key is still in the
#     published key set fails, and so does one accepted after its key left;
#   - redis: the demo on a Redis server that is stopped and restarted under
#     load; answers must be 503 while it is down, return to 200 within 10s,
#     and no logout that answered 200 may be lost; then the redis mode once
#     more with Redis killed (SIGKILL, a crash) instead of stopped;
#   - fleet: three demo processes on one Redis and one key file, sharing
#     their key rings there and rotating the access-token key every 2s
#     fleet-wide, two resource servers following the key sets of two of
#     them, one demo SIGKILLed and restarted, Redis restarted: no live token
#     of a kept key or cookie refused by any process, no token of a dropped
#     key accepted, rotations on the schedule (none doubled), no logout
#     lost; the demos read revocations from local replicas
#     (-redis-replica), and probes time how soon a logout is refused at the
#     other demos (p50/p99/max), failing a token still accepted 1.1 s after
#     its logout.
# The defaults keep the whole run to about a minute (plus the build).
# Builds the demo and the load tool once, into a temporary directory.
# Installs redis-server with apt-get when missing (the program starts its
# own on a free 127.0.0.1 port, in a temporary directory). Extra arguments
# go to both runs of the program, e.g. `scripts/load-test.sh -duration 20s`.
# The exit status is nonzero when a property fails. Works from any directory.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
command -v go >/dev/null || export PATH="/usr/local/go/bin:$PATH"
command -v redis-server >/dev/null || (apt-get -o DPkg::Lock::Timeout=600 update && apt-get -o DPkg::Lock::Timeout=600 install -y redis-server)

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$root"
start=$SECONDS
(cd tools/loadtest && go test -count=1 ./...) # its own checks: windows, percentiles, processes
go build -o "$tmp/demo" ./examples/demo
go build -o "$tmp/loadtest" ./tools/loadtest
"$tmp/loadtest" -demo-bin "$tmp/demo" -mode=all "$@"
"$tmp/loadtest" -demo-bin "$tmp/demo" -mode=redis -redis-kill "$@"
"$tmp/loadtest" -demo-bin "$tmp/demo" -mode=fleet -fleet 40s "$@"
echo "load-test: OK ($((SECONDS - start))s)"
