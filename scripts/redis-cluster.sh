#!/usr/bin/env bash
# redis-cluster.sh: run a command against a private Redis Cluster.
#
#   scripts/redis-cluster.sh [COMMAND [ARG...]]
#
# Starts six `redis-server --cluster-enabled yes` on 127.0.0.1 (free ports
# from 16400 whose cluster bus port, +10000, is free too; no persistence;
# keyspace notifications on, which redisstore's Replica needs),
# joins them with `redis-cli --cluster create ... --cluster-replicas 1
# --cluster-yes` (three masters, three replicas), waits until every node
# reports cluster_state:ok and every replica has synced, then runs
# COMMAND with
#   PASETOKIT_REDIS_CLUSTER_ADDRS=127.0.0.1:P1,...,127.0.0.1:P6
# exported, and exits with its status. Without COMMAND it prints the
# addresses and waits until interrupted. Every server is stopped and its
# directory removed on exit (trap), whatever happens.
# PASETOKIT_REDIS_CLUSTER_REPLICAS=N (default 1) gives each of the three
# masters N replicas (3 + 3N nodes): a master kill with WAIT 1 needs a
# second replica to acknowledge writes once the first is promoted.
set -euo pipefail

# shellcheck source=scripts/lib-redis.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib-redis.sh"
redis_init redis-cluster

# PASETOKIT_REDIS_CLUSTER_PORT moves the first port tried (default 16400).
first="${PASETOKIT_REDIS_CLUSTER_PORT:-16400}"
replicas="${PASETOKIT_REDIS_CLUSTER_REPLICAS:-1}"
[[ "$replicas" =~ ^[1-9]$ ]] || { echo "redis-cluster: PASETOKIT_REDIS_CLUSTER_REPLICAS=$replicas: want 1 to 9" >&2; exit 1; }
nodes=$((3 + 3 * replicas))
port=$first
while ((${#ports[@]} < nodes)); do
	((port < first + 300)) || { echo "redis-cluster: no free ports from $first" >&2; exit 1; }
	if redis_free "$port" && redis_free $((port + 10000)); then
		mkdir -p "$dir/$port"
		if redis-server --port "$port" --bind 127.0.0.1 --daemonize yes \
			--cluster-enabled yes --cluster-config-file "$dir/$port/nodes.conf" \
			--cluster-node-timeout 2000 --notify-keyspace-events 'Kg$hxe' \
			--save "" --appendonly no --dir "$dir/$port" \
			--logfile "$dir/$port.log" --pidfile "$dir/$port.pid"; then
			ports+=("$port")
		fi
	fi
	port=$((port + 1))
done

redis_wait_pong "${ports[@]}"

addrs=()
for p in "${ports[@]}"; do addrs+=("127.0.0.1:$p"); done
redis-cli --cluster create "${addrs[@]}" --cluster-replicas "$replicas" --cluster-yes >"$dir/create.log" 2>&1 || {
	cat "$dir/create.log" >&2
	exit 1
}

ready() {
	local p
	for p in "${ports[@]}"; do
		redis-cli -p "$p" cluster info 2>/dev/null | grep -q '^cluster_state:ok' || return 1
	done
	# every replica has finished its first sync
	for p in "${ports[@]}"; do
		if redis-cli -p "$p" info replication | grep -q '^role:slave'; then
			redis-cli -p "$p" info replication | grep -q '^master_link_status:up' || return 1
		fi
	done
}
redis_wait_ready "cluster not ready"

PASETOKIT_REDIS_CLUSTER_ADDRS="$(IFS=,; echo "${addrs[*]}")"
export PASETOKIT_REDIS_CLUSTER_ADDRS
echo "redis-cluster: PASETOKIT_REDIS_CLUSTER_ADDRS=$PASETOKIT_REDIS_CLUSTER_ADDRS" >&2
redis_run "$@"
