// Command loadtest drives the demo (examples/demo) as real OS processes: it
// builds the demo with go build (or takes -demo-bin), starts it on a free
// 127.0.0.1 port with the flags each mode needs (and a redis-server of its
// own for the redis mode), loads it over HTTP, stops it, and checks these
// properties:
//
//   - bench: throughput (requests per second) and p50/p99 latency of
//     GET /api/me with valid access tokens at -conns concurrent keep-alive
//     connections (default 1000, one goroutine per connection, one token per
//     goroutine), beside a bare handler that writes a JSON body of the same
//     size without verifying anything and beside a second demo started with
//     -verify-cache 0 (no verified-token cache), measured the same way in
//     the same run (the three take turns, -rounds times, so that all see the
//     same machine). The bare handler is served by this program started
//     again as a process of its own (-serve-bare), so that every server is a
//     separate process beside the load generator. Any non-200 answer or
//     transport error fails the run.
//   - soak: the same load while this program rotates the demo's signing key
//     (POST /admin/rotate every -rotate-every, default 1s) and every client
//     fetches a new token about every -refetch-every, so tokens of many keys
//     are in use at once. A token rejected while its key is still in the
//     demo's published key set fails the run; tokens of keys the demo has
//     already dropped must be rejected with 401 and are counted apart, and
//     such a token accepted fails the run. The demo's key ring stages each
//     rotation (the new key signs 1s after the request; a request while one
//     is under way starts none) and keeps retired keys for the tokens'
//     lifetime, so no key is dropped in a short soak: the fleet mode, with
//     short lifetimes, checks drops.
//   - redis: the demo with -redis on a redis-server this program starts in a
//     temporary directory (append-only file fsynced on every write), under
//     load on /api/me with clients that keep logging tokens out. Redis is
//     stopped (SIGTERM, or SIGKILL with -redis-kill) and restarted on the
//     same port and directory. While it is down every answer of /api/me and
//     /api/logout must be 503 (fail closed: no 200 for a token whose
//     revocation cannot be checked, no 401 because of the outage, no 500;
//     /api/token needs no store and may answer 200); after the restart
//     answers must return to 200 within -recover-within; every token whose
//     logout answered 200 must stay rejected, before and after the outage,
//     along with its refresh family (no lost revocation); and a logout that
//     answered 503 while Redis was down must not have taken effect.
//   - fleet: three demo processes sharing one -key-file and one Redis, two
//     resource servers (examples/resource_server, built when it exists, or
//     -resource-bin) following the key sets of two of them; clients take
//     tokens and cookies from random demo processes and present them to
//     random demo processes and resource servers, and log tokens out at one
//     process and check them at another. One demo process is SIGKILLed and
//     started again on its address, then Redis is stopped and started again.
//     The demos share their key rings in Redis and rotate the access-token
//     key every -fleet-rotate-every (2s), publishing each key 3/4 of a
//     period ahead; clients also keep tokens for six periods and present
//     them past their exp and their key's drop. No live token of a kept
//     key, and no cookie, may be refused (a resource server following the
//     killed demo may refuse a key published while that demo was down: counted
//     apart), no expired token or token of a dropped key accepted; the
//     activations (read from every demo's GET /api/keyring) at most one per
//     period (none doubled); no logout lost at any process; a 503 only while
//     Redis is away (and -recover-within after), a transport error only
//     from the killed process while it is down (see fleet.go, fleetring.go).
//     The demos and the resource servers read revocations from
//     -redis-replica (-fleet-replica=false: from Redis on every request; a
//     resource server may answer 503 while Redis is away), and a logged-out
//     token shown to another demo may pass within -replica-max-stale of the
//     logout's 200 (counted apart). Every -fleet-probe-every a probe logs a
//     fresh token out at one demo and polls the other demos and the
//     resource servers every few milliseconds until they refuse it: the
//     revocation's visibility, p50/p99/max over the run (and apart, the
//     probes that overlapped no fault, and when the last 200 was sent),
//     beside the aim of 100 ms at p99; a token accepted by a request sent
//     later than -replica-max-stale plus -fleet-visible-slack after its
//     logout fails the run, during the faults too; polling that ends in a
//     503 while Redis is away, or a transport error from the killed demo,
//     is excluded and counted by reason (see fleetprobe.go).
//   - replica: the demo's -redis-replica on a redis-server of its own:
//     GET /api/me throughput of the demo on the memory store, on Redis and
//     on Redis with the replica, taking turns -rounds times; then
//     -replica-logouts logouts at one demo process, each timed from its
//     200 until another process, using the replica, refuses the token
//     (p50, p99; see replica.go).
//
// The redis run judges each request by the window it lies in entirely, on
// this process's monotonic clock: "up" (ended before the signal was sent),
// "down" (started after the Redis process had exited, ended before the
// restart began), "recovered" (started after the last request answered
// 503 after the restart began; the load goes on until a whole -phase has
// passed without a 503). Requests straddling a boundary are "transition":
// they may get the answer of either side (200, or 401 for a revoked token,
// or 503), never 500, never 200 for a revoked token and never 401 for a
// valid one. Recovery is bounded below by the demo's go-redis client,
// which after PoolSize failed dials stops dialing and probes Redis once a
// second.
//
// The load generator and the servers share the machine, so the figures are
// for comparing the demo with the bare handler, not absolute. The default
// demo caches verified access tokens (-verify-cache 10000, through
// authtoken.Config.CacheSize), so a token seen again skips its Ed25519
// check; every /api/me request still asks the store about revocation. The
// -verify-cache 0 demo checks every signature.
//
// The processes are managed by internal/procs (start, SIGTERM, SIGKILL,
// restart on the same address; logs kept for the report), which a fleet run
// uses as well. This is a module of its own (tools/loadtest/go.mod, in the
// repository's go.work), so the demo's module stays small. Run from the
// repository root:
//
//	go run ./tools/loadtest -mode=all
//	go run ./tools/loadtest -mode=bench -duration 20s -warmup 3s
//	go run ./tools/loadtest -mode=soak -soak 20s
//	go run ./tools/loadtest -mode=redis -phase 10s
//	go run ./tools/loadtest -mode=fleet -fleet 60s
//	go run ./tools/loadtest -mode=replica -conns 200 -duration 30s -rounds 6
//
// The defaults are short, for CI (scripts/load-test.sh runs -mode=all, the
// redis mode with -redis-kill, and -mode=fleet);
// the README's figures come from the bench with -duration 20s. The exit
// status is 1 when a property fails, 2 on a setup error.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"
)

type options struct {
	conns          int
	duration       time.Duration
	rounds         int
	warmup         time.Duration
	soak           time.Duration
	rotateEvery    time.Duration
	refetchEvery   time.Duration
	redisConns     int
	phase          time.Duration
	recoverIn      time.Duration
	logoutEvery    int
	redisServer    string
	redisKill      bool
	maxKeys        int
	fleet          time.Duration
	fleetConns     int
	fleetRotate    time.Duration
	resourceBin    string
	replicaLogouts int
	replicaWithin  time.Duration
	replicaStale   time.Duration
	replicaRedis   string // replica: the demos' -redis; empty starts a redis-server
	fleetReplica   bool
	probeEvery     time.Duration
	visibleSlack   time.Duration
}

func main() {
	var o options
	mode := flag.String("mode", "all", "bench, soak, redis, fleet, replica, or all (bench, soak and redis)")
	demoBin := flag.String("demo-bin", "", "the demo binary; empty builds examples/demo with go build")
	flag.IntVar(&o.conns, "conns", 1000, "bench and soak: concurrent keep-alive connections")
	flag.DurationVar(&o.duration, "duration", 5*time.Second, "bench: measured time of each handler")
	flag.IntVar(&o.rounds, "rounds", 2, "bench: split -duration into this many turns per handler, alternating")
	flag.DurationVar(&o.warmup, "warmup", time.Second, "bench and soak: load before measuring")
	flag.DurationVar(&o.soak, "soak", 5*time.Second, "soak: measured time")
	flag.DurationVar(&o.rotateEvery, "rotate-every", time.Second, "soak: key rotation interval")
	flag.IntVar(&o.maxKeys, "max-keys", 0, "soak: the demo's -max-keys (0: room for every rotation of the run; the demo answers 503 to a rotation beyond the cap)")
	flag.DurationVar(&o.refetchEvery, "refetch-every", time.Second, "soak: mean interval between a client's token fetches")
	flag.IntVar(&o.redisConns, "redis-conns", 200, "redis: concurrent connections")
	flag.DurationVar(&o.phase, "phase", 3*time.Second, "redis: length of each phase (up, down, recovered)")
	flag.DurationVar(&o.recoverIn, "recover-within", 10*time.Second, "redis: bound on the time from restart to the first 200")
	flag.IntVar(&o.logoutEvery, "logout-every", 20, "redis: each client logs its token out every this many requests")
	flag.BoolVar(&o.redisKill, "redis-kill", false, "redis: stop Redis with SIGKILL instead of SIGTERM (a crash; appendfsync always must still keep every acknowledged logout)")
	flag.StringVar(&o.redisServer, "redis-server", "redis-server", "redis: the redis-server binary")
	flag.DurationVar(&o.fleet, "fleet", 16*time.Second, "fleet: length of the run")
	flag.IntVar(&o.fleetConns, "fleet-conns", 50, "fleet: concurrent clients")
	flag.DurationVar(&o.fleetRotate, "fleet-rotate-every", 2*time.Second, "fleet: the demos' -rotate-every (the access tokens live twice as long, keys are published 3/4 of it ahead)")
	flag.BoolVar(&o.fleetReplica, "fleet-replica", true, "fleet: run every demo with -redis-replica (and -redis-replica-max-stale from -replica-max-stale); false: per-request lookups in Redis")
	flag.DurationVar(&o.probeEvery, "fleet-probe-every", 250*time.Millisecond, "fleet: start a revocation visibility probe (log a fresh token out at one demo, poll the others until they refuse it) this often")
	flag.DurationVar(&o.visibleSlack, "fleet-visible-slack", time.Second, "fleet: a logged-out token accepted by a request sent later than -replica-max-stale plus this after the logout's 200 fails the run")
	flag.StringVar(&o.resourceBin, "resource-bin", "", "fleet: the resource server binary; empty builds examples/resource_server, and runs without resource servers when it does not build")
	flag.IntVar(&o.replicaLogouts, "replica-logouts", 300, "replica: logouts whose visibility at the replica demo is measured")
	flag.DurationVar(&o.replicaWithin, "replica-within", 2*time.Second, "replica: a logged-out token still accepted by the replica demo after this fails the run")
	flag.StringVar(&o.replicaRedis, "replica-redis", "", "replica: ADDR[,ADDR...] of a running Redis for the demos' -redis (several: a Redis Cluster, as scripts/redis-cluster.sh starts one; keyspace notifications on, and no keys of the demo's prefix); empty starts a redis-server of its own")
	flag.DurationVar(&o.replicaStale, "replica-max-stale", 0, "replica and fleet: the replica demos' -redis-replica-max-stale (0: its default, 100ms)")
	bareAddr := flag.String("serve-bare", "", "internal: serve the bench's bare handler on this address (the bench starts this program so)")
	bareBody := flag.String("bare-body", "", "internal: the bare handler's body, standard base64")
	flag.Parse()

	if *bareAddr != "" {
		serveBare(*bareAddr, *bareBody)
		return
	}
	if o.rounds < 1 || o.conns < 1 || o.redisConns < 1 || o.logoutEvery < 2 || o.maxKeys < 0 || o.fleetConns < 1 || o.fleet < 4*time.Second || o.probeEvery <= 0 || o.visibleSlack < 0 {
		fmt.Fprintln(os.Stderr, "loadtest: -rounds, -conns, -redis-conns, -fleet-conns must be positive, -max-keys not negative, -logout-every at least 2, -fleet at least 4s, -fleet-probe-every positive, -fleet-visible-slack not negative")
		os.Exit(2)
	}
	// Every POST /admin/rotate rotates each of the demo's rings, and its
	// session, remember-me and refresh rings keep retired keys for their
	// long lifetimes with room for 16 extra rotations beyond their
	// schedule: a longer soak would see rotations answered 503.
	if n := (o.warmup + o.soak) / o.rotateEvery; (*mode == "soak" || *mode == "all") && n > maxSoakRotations {
		fmt.Fprintf(os.Stderr, "loadtest: -warmup plus -soak makes %d rotations at -rotate-every %v; the demo's rings have room for %d: shorten -soak or lengthen -rotate-every\n", n, o.rotateEvery, maxSoakRotations)
		os.Exit(2)
	}
	// Each client connection takes a descriptor here. Refuse up front
	// rather than report transport errors that would look like the demo's.
	if need := uint64(max(o.conns, o.redisConns) + 100); fdSoft() != 0 && fdSoft() < need {
		fmt.Fprintf(os.Stderr, "loadtest: the open-file limit %d is below the %d that %d connections need; raise it (ulimit -n) or lower -conns\n", fdSoft(), need, max(o.conns, o.redisConns))
		os.Exit(2)
	}
	modes := map[string]func(*env, options) ([]string, error){"bench": runBench, "soak": runSoak, "redis": runRedis, "fleet": runFleet, "replica": runReplica}
	order := []string{*mode}
	if *mode == "all" {
		order = []string{"bench", "soak", "redis"}
	} else if modes[*mode] == nil {
		fmt.Fprintf(os.Stderr, "loadtest: unknown -mode %q\n", *mode)
		os.Exit(2)
	}
	e, err := newEnv(*demoBin)
	if err != nil {
		fmt.Fprintf(os.Stderr, "loadtest: %v\n", err)
		os.Exit(2)
	}
	fmt.Printf("loadtest: %s; demo %s; file descriptor limit %s\n", strings.Join(order, ", "), e.demoBin, fdLimit())
	status := 0
	for _, m := range order {
		if s := runMode(e, m, modes[m], o); s > status {
			status = s
		}
		if status == 2 {
			break
		}
	}
	e.close()
	os.Exit(status)
}

// runMode runs one mode and prints its failures: 0 when it passed, 1 when
// a property failed, 2 on a setup error.
func runMode(e *env, name string, run func(*env, options) ([]string, error), o options) int {
	start := time.Now()
	fmt.Printf("\n## %s\n\n", name)
	failures, err := run(e, o)
	if err != nil {
		fmt.Fprintf(os.Stderr, "loadtest: %s: %v\n", name, err)
		return 2
	}
	for _, f := range failures {
		fmt.Printf("FAIL %s: %s\n", name, f)
	}
	if len(failures) > 0 {
		return 1
	}
	fmt.Printf("\n%s: OK (%.1fs)\n", name, time.Since(start).Seconds())
	return 0
}
