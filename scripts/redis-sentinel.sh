#!/usr/bin/env bash
# redis-sentinel.sh: run a command against a private Redis master, its
# replicas and three Sentinels.
#
#   scripts/redis-sentinel.sh [COMMAND [ARG...]]
#
# Starts on 127.0.0.1 (free ports from 16500; no persistence) a master, two
# replicas of it (so that a Store with WaitReplicas 1 keeps working after
# one failover), and three redis-sentinel processes monitoring the master
# as "pasetokit" (quorum 2, down-after-milliseconds 1000, failover-timeout
# 5000: quick failovers for tests), waits until the replicas are in sync and
# every Sentinel knows them and the other Sentinels, then runs
# COMMAND with
#   PASETOKIT_REDIS_SENTINEL_ADDRS=127.0.0.1:S1,127.0.0.1:S2,127.0.0.1:S3
#   PASETOKIT_REDIS_MASTER=pasetokit
# exported, and exits with its status. Without COMMAND it prints them and
# waits until interrupted. Every process is stopped and its directory
# removed on exit (trap), whatever happens.
set -euo pipefail

# shellcheck source=scripts/lib-redis.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib-redis.sh"
redis_init redis-sentinel
master_name=pasetokit

# PASETOKIT_REDIS_SENTINEL_PORT moves the first port tried (default 16500).
first="${PASETOKIT_REDIS_SENTINEL_PORT:-16500}"
next=$first
pick() {
	while ! redis_free "$next"; do
		next=$((next + 1))
		((next < first + 200)) || { echo "redis-sentinel: no free ports from $first" >&2; exit 1; }
	done
	port=$next
	next=$((next + 1))
}

pick; mport=$port
redis-server --port "$mport" --bind 127.0.0.1 --daemonize yes --save "" --appendonly no \
	--dir "$dir" --logfile "$dir/$mport.log" --pidfile "$dir/$mport.pid"
ports+=("$mport")
rports=()
for _ in 1 2; do
	pick
	redis-server --port "$port" --bind 127.0.0.1 --daemonize yes --save "" --appendonly no \
		--replicaof 127.0.0.1 "$mport" \
		--dir "$dir" --logfile "$dir/$port.log" --pidfile "$dir/$port.pid"
	ports+=("$port")
	rports+=("$port")
done

sentinels=()
for _ in 1 2 3; do
	pick
	cat >"$dir/sentinel-$port.conf" <<CONF
port $port
bind 127.0.0.1
daemonize yes
dir $dir
logfile $dir/sentinel-$port.log
pidfile $dir/sentinel-$port.pid
sentinel monitor $master_name 127.0.0.1 $mport 2
sentinel down-after-milliseconds $master_name 1000
sentinel failover-timeout $master_name 5000
sentinel parallel-syncs $master_name 1
CONF
	redis-server "$dir/sentinel-$port.conf" --sentinel
	ports+=("$port")
	sentinels+=("127.0.0.1:$port")
done

ready() {
	local s r
	for r in "${rports[@]}"; do
		redis-cli -p "$r" info replication 2>/dev/null | grep -q '^master_link_status:up' || return 1
	done
	for s in "${sentinels[@]}"; do
		local p="${s##*:}"
		for r in "${rports[@]}"; do
			redis-cli -p "$p" sentinel replicas "$master_name" 2>/dev/null | grep -q "^$r\$" || return 1
		done
		[[ "$(redis-cli -p "$p" sentinel sentinels "$master_name" 2>/dev/null | grep -c '^name$')" == 2 ]] || return 1
	done
}
redis_wait_ready "not ready"

PASETOKIT_REDIS_SENTINEL_ADDRS="$(IFS=,; echo "${sentinels[*]}")"
PASETOKIT_REDIS_MASTER="$master_name"
export PASETOKIT_REDIS_SENTINEL_ADDRS PASETOKIT_REDIS_MASTER
echo "redis-sentinel: PASETOKIT_REDIS_SENTINEL_ADDRS=$PASETOKIT_REDIS_SENTINEL_ADDRS PASETOKIT_REDIS_MASTER=$PASETOKIT_REDIS_MASTER (master 127.0.0.1:$mport, replicas ${rports[*]})" >&2
redis_run "$@"
