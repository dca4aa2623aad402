#!/usr/bin/env bash
# redis-test.sh: run the tests of the modules that use Redis against a real
# Redis server: the Redis store (store/redisstore), the one-time refresh
# example (examples/onetime_refresh) and the demo (examples/demo, whose app
# tests run twice: on the in-memory stores and on Redis).
#
# Installs redis-server if missing (apt-get), starts a private one on the
# first free 127.0.0.1 port from 16379 (daemonized, no persistence) unless
# PASETOKIT_REDIS_ADDR names a server to use, waits up to ~10s for PONG,
# then runs go vet and go test -race with PASETOKIT_REDIS_ADDR set and
# CI=true (so a missing server fails the tests instead of skipping them).
# Stops every server it started on exit, also one that missed its start-up
# window.
# Works from any directory.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
command -v go >/dev/null || export PATH="/usr/local/go/bin:$PATH"
started=""
pids=() # every redis-server this script started

command -v redis-server >/dev/null || {
	apt-get -o DPkg::Lock::Timeout=300 update
	apt-get -o DPkg::Lock::Timeout=300 install -y redis-server
}

cleanup() {
	local pid
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null || true
	done
	[[ -n "$started" ]] && rm -rf "$started"
	return 0
}
trap cleanup EXIT

# A private server on the first free port from 16379, never a Redis that
# already runs on this machine (a developer's, or the one the Debian
# package starts on 6379). PASETOKIT_REDIS_ADDR set by the caller wins.
if [[ -z "${PASETOKIT_REDIS_ADDR:-}" ]]; then
	started="$(mktemp -d)"
	for port in $(seq 16379 16399); do
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue # taken
		redis-server --port "$port" --bind 127.0.0.1 --daemonize yes \
			--save "" --appendonly no --dir "$started" \
			--logfile "$started/redis.log" --pidfile "$started/redis.$port.pid" || continue
		for _ in $(seq 20); do # the pid file appears once the server runs
			[[ -s "$started/redis.$port.pid" ]] && break
			sleep 0.1
		done
		[[ -s "$started/redis.$port.pid" ]] && pids+=("$(cat "$started/redis.$port.pid")")
		for _ in $(seq 100); do
			[[ "$(redis-cli -p "$port" ping 2>/dev/null || true)" == PONG ]] && break
			sleep 0.1
		done
		[[ "$(redis-cli -p "$port" ping 2>/dev/null || true)" == PONG ]] && break
	done
	if [[ "$(redis-cli -p "$port" ping 2>/dev/null || true)" != PONG ]]; then
		echo "redis-test: could not start redis-server on a port from 16379 to 16399" >&2
		cat "$started/redis.log" >&2 || true
		exit 1
	fi
	export PASETOKIT_REDIS_ADDR="127.0.0.1:$port"
fi
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
