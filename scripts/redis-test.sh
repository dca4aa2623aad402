#!/usr/bin/env bash
# redis-test.sh: run the tests of the modules that use Redis against a real
# Redis server: the Redis store (store/redisstore), the one-time refresh
# example (examples/onetime_refresh) and the demo (examples/demo, whose app
# tests run twice: on the in-memory stores and on Redis).
#
# Installs redis-server if missing (apt-get), starts one on 127.0.0.1:6379
# unless something already answers there (daemonized, no persistence),
# waits up to ~10s for PONG, then runs go vet and go test -race with
# PASETOKIT_REDIS_ADDR set and CI=true (so a missing server fails the
# tests instead of skipping them). Stops the server it started on exit.
# Works from any directory.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
port=6379
started=""

command -v redis-server >/dev/null || (apt-get update && apt-get install -y redis-server)

cleanup() {
	if [[ -n "$started" ]]; then
		redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
		rm -rf "$started"
	fi
}
trap cleanup EXIT

if [[ "$(redis-cli -p "$port" ping 2>/dev/null || true)" != PONG ]]; then
	started="$(mktemp -d)"
	redis-server --port "$port" --bind 127.0.0.1 --daemonize yes \
		--save "" --appendonly no --dir "$started" \
		--logfile "$started/redis.log" --pidfile "$started/redis.pid"
	for _ in $(seq 100); do
		[[ "$(redis-cli -p "$port" ping 2>/dev/null || true)" == PONG ]] && break
		sleep 0.1
	done
	if [[ "$(redis-cli -p "$port" ping 2>/dev/null || true)" != PONG ]]; then
		echo "redis-test: redis-server did not answer on port $port" >&2
		cat "$started/redis.log" >&2 || true
		exit 1
	fi
fi

export PASETOKIT_REDIS_ADDR="127.0.0.1:$port"
export CI=true
cd "$root/store/redisstore"
go vet ./...
go test -race -count=1 ./...
cd "$root/examples/onetime_refresh"
go vet ./...
go test -race -count=1 ./...
cd "$root/examples/demo"
go vet ./...
PASETOKIT_REDIS_ADDR= go test -race -count=1 ./...
go test -race -count=1 ./...
