#!/usr/bin/env bash
# redis-test.sh: run the tests of the modules that use Redis against a real
# Redis server: the Redis store (store/redisstore), the one-time refresh
# example (examples/onetime_refresh) and the demo (examples/demo, whose app
# tests run twice: on the in-memory stores and on Redis; its process tests
# run the built demo on the Cluster and the Sentinel set-up below, two
# processes sharing one fleet's state, and on a redis-server of their own
# stopped with SIGSTOP).
#
# The Redis store's tests also run against a private Redis Cluster (six
# nodes, scripts/redis-cluster.sh) and a private Sentinel set-up (master,
# two replicas, three Sentinels, scripts/redis-sentinel.sh): the
# conformance suites of both stores on each, and last, each alone on a
# fresh set-up, a kill -9 of a master under load with WaitReplicas 1 (no
# acknowledged write lost: TestSentinelMasterKill, and
# TestClusterMasterKill on a Cluster with two replicas per master), and
# TestClusterReplicaMasterKill and TestClusterReplicaManualFailover for the
# local replica of revocations on Cluster.
#
# Installs redis-server if missing (apt-get, waiting for another install's
# package lock), starts a private one on the first free 127.0.0.1 port from
# 16379 (no persistence) unless PASETOKIT_REDIS_ADDR names a server to use,
# waits up to ~10s for PONG (and moves on to the next port, stopping the
# server, when it does not answer), then runs go vet and go test -race with
# PASETOKIT_REDIS_ADDR set and CI=true (so a missing server fails the tests
# instead of skipping them). Every server it started is stopped when it
# exits, whether the tests pass, fail or are interrupted.
# Works from any directory.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
command -v go >/dev/null || export PATH="/usr/local/go/bin:$PATH"

# shellcheck source=scripts/lib-redis.sh
source "$root/scripts/lib-redis.sh" # functions only: redis_install, redis_free
redis_install

# The servers run in the foreground as children of this script, so their
# process ids are known from the start (a daemonized server's pid file may
# not exist yet when it misses its window).
tmp=""
pids=()
stop() { # stop PID: end one server and reap it.
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}
cleanup() {
	local pid
	for pid in ${pids[@]+"${pids[@]}"}; do stop "$pid"; done # bash 3.2: no "${pids[@]}" when empty under set -u
	if [[ -n "$tmp" ]]; then rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

pong() { [[ "$(redis-cli -p "$1" ping 2>/dev/null || true)" == PONG ]]; }

# A private server on the first free port from 16379, never a Redis that
# already runs on this machine (a developer's, or the one the Debian
# package starts on 6379). PASETOKIT_REDIS_ADDR set by the caller wins.
if [[ -z "${PASETOKIT_REDIS_ADDR:-}" ]]; then
	tmp="$(mktemp -d)"
	port=""
	for p in $(seq 16379 16399); do
		redis_free "$p" || continue # taken
		# Keyspace notifications: the demo's -redis-replica test needs them.
		redis-server --port "$p" --bind 127.0.0.1 --daemonize no \
			--save "" --appendonly no --dir "$tmp" \
			--notify-keyspace-events 'Kg$hxe' \
			--logfile "$tmp/redis-$p.log" </dev/null &
		pid=$!
		pids+=("$pid")
		for _ in $(seq 100); do
			pong "$p" && break
			kill -0 "$pid" 2>/dev/null || break # exited: the port was taken after all
			sleep 0.1
		done
		if pong "$p"; then
			port="$p"
			break
		fi
		echo "redis-test: redis-server on port $p did not answer; stopping it" >&2
		cat "$tmp/redis-$p.log" >&2 2>/dev/null || true
		stop "$pid"
	done
	if [[ -z "$port" ]]; then
		echo "redis-test: could not start redis-server on a port from 16379 to 16399" >&2
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
# Two replicas per master: with WaitReplicas 1, writes go on after the
# promotion only if another replica follows the promoted one.
PASETOKIT_REDIS_CLUSTER_KILL=1 PASETOKIT_REDIS_CLUSTER_REPLICAS=2 "$root/scripts/redis-cluster.sh" \
	go test -race -count=1 -run '^TestClusterMasterKill$' ./...
PASETOKIT_REDIS_CLUSTER_KILL=1 "$root/scripts/redis-cluster.sh" \
	go test -race -count=1 -run '^TestClusterReplicaMasterKill$' ./...
PASETOKIT_REDIS_CLUSTER_KILL=1 "$root/scripts/redis-cluster.sh" \
	go test -race -count=1 -run '^TestClusterReplicaManualFailover$' ./...
cd "$root/examples/onetime_refresh"
go vet ./...
go test -race -count=1 ./...
cd "$root/examples/demo"
go vet ./...
# The app's tests on the in-memory stores; the process tests (main_test.go)
# run once, below.
PASETOKIT_REDIS_ADDR= go test -race -count=1 -skip '^TestProcess' ./...
# The app's tests on Redis, and the demo as a process: two processes on
# the Cluster (-redis with every node) and on the Sentinels (-redis-master)
# sharing one fleet's state, and one on a redis-server of its own that it
# stops with SIGSTOP (503 with Retry-After within the store's timeout).
"$root/scripts/redis-cluster.sh" "$root/scripts/redis-sentinel.sh" \
	go test -race -count=1 ./...
