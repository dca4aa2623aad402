# lib-redis.sh: the start-and-wait code shared by redis-cluster.sh and
# redis-sentinel.sh. Sourced, not run:
#
#   source "$(dirname "${BASH_SOURCE[0]}")/lib-redis.sh"
#   redis_init NAME          # NAME prefixes the messages ("redis-cluster")
#   ... start servers: record each port in ports, write pid files
#       and logs into $dir (--pidfile "$dir/P.pid" --logfile "$dir/P.log") ...
#   ready() { ...; }         # succeeds once the set-up is usable
#   redis_wait_ready "cluster not ready"
#   export VARIABLES...
#   redis_run "$@"
#
# redis_init installs redis-server when it is missing (apt-get, waiting
# for another install's package lock), makes the temporary directory $dir,
# sets ports=() and traps EXIT to stop every server whose port is in ports
# (SHUTDOWN NOSAVE), then kill -9 each process named by a $dir/*.pid file,
# and remove $dir, whatever happens; INT and TERM exit with 130.
# redis_install alone installs redis-server when it is missing (for a
# script that runs its servers itself, as redis-test.sh does).
# redis_free PORT succeeds when nothing listens on 127.0.0.1:PORT.
# redis_wait_pong PORT... waits up to 10 s for each server to answer PING.
# redis_wait_ready MESSAGE waits up to 30 s for ready, else prints "NAME:
# MESSAGE after 30s" and the tail of every log and exits 1. redis_run runs
# its arguments as a command and exits with its status; without arguments
# it says the set-up is running and waits until interrupted.

redis_install() {
	command -v redis-server >/dev/null || (apt-get -o DPkg::Lock::Timeout=600 update &&
		apt-get -o DPkg::Lock::Timeout=600 install -y redis-server)
}

redis_init() {
	redis_name="$1"
	redis_install
	dir="$(mktemp -d)"
	ports=()
	trap redis_cleanup EXIT
	trap 'exit 130' INT TERM
}

redis_cleanup() {
	local p f pid
	for p in ${ports[@]+"${ports[@]}"}; do
		redis-cli -p "$p" shutdown nosave >/dev/null 2>&1 || true
	done
	for f in "$dir"/*.pid; do
		[[ -e "$f" ]] || continue
		pid="$(cat "$f" 2>/dev/null || true)"
		[[ -n "$pid" ]] && kill -9 "$pid" 2>/dev/null || true
	done
	rm -rf "$dir"
}

redis_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

redis_wait_pong() {
	local p
	for p in "$@"; do
		for _ in $(seq 100); do
			[[ "$(redis-cli -p "$p" ping 2>/dev/null || true)" == PONG ]] && break
			sleep 0.1
		done
	done
}

redis_wait_ready() {
	for _ in $(seq 300); do ready && break; sleep 0.1; done
	ready || { echo "$redis_name: $1 after 30s" >&2; tail -n 20 "$dir"/*.log >&2; exit 1; }
}

redis_run() {
	if (($# == 0)); then
		echo "$redis_name: running; interrupt to stop" >&2
		while :; do sleep 3600; done
	fi
	local status=0
	"$@" || status=$?
	exit "$status"
}
