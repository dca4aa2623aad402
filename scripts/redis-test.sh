#!/usr/bin/env bash
# redis-test.sh: run the tests of the modules that use Redis against a real
# Redis server: the Redis store (store/redisstore), the one-time refresh
# example (examples/onetime_refresh) and the demo (examples/demo, whose app
# tests run twice: on the in-memory stores and on Redis).
#
# The Redis store's tests also run against a private Redis Cluster (six
# nodes, scripts/redis-cluster.sh) and a private Sentinel set-up (master,
# two replicas, three Sentinels, scripts/redis-sentinel.sh): the
# conformance suites of both stores on each, and last, each alone on a
# fresh set-up, a kill -9 of a master under load (TestSentinelMasterKill,
# TestClusterMasterKill).
#
# Installs redis-server if missing (apt-get), starts a private one on the
# first free 127.0.0.1 port from 16379 (daemonized, no persistence) unless
# PASETOKIT_REDIS_ADDR names a server to use, waits up to ~10s for PONG,
# then runs go vet and go test -race with PASETOKIT_REDIS_ADDR set and
# CI=true (so a missing server fails the tests instead of skipping them).
# Stops the server it started on exit.
# Works from any directory.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
command -v go >/dev/null || export PATH="/usr/local/go/bin:$PATH"
started=""

command -v redis-server >/dev/null || (apt-get update && apt-get install -y redis-server)

cleanup() {
	if [[ -n "$started" ]]; then
		redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
		rm -rf "$started"
	fi
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
			--logfile "$started/redis.log" --pidfile "$started/redis.pid" || continue
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
PASETOKIT_REDIS_SENTINEL_KILL= PASETOKIT_REDIS_CLUSTER_KILL= \
	"$root/scripts/redis-cluster.sh" "$root/scripts/redis-sentinel.sh" \
	go test -race -count=1 ./...
# The kill tests change their set-up for good: each runs alone, last.
PASETOKIT_REDIS_SENTINEL_KILL=1 "$root/scripts/redis-sentinel.sh" \
	go test -race -count=1 -run '^TestSentinelMasterKill$' ./...
PASETOKIT_REDIS_CLUSTER_KILL=1 "$root/scripts/redis-cluster.sh" \
	go test -race -count=1 -run '^TestClusterMasterKill$' ./...
cd "$root/examples/onetime_refresh"
go vet ./...
go test -race -count=1 ./...
cd "$root/examples/demo"
go vet ./...
PASETOKIT_REDIS_ADDR= go test -race -count=1 ./...
go test -race -count=1 ./...
