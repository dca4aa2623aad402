// Command loadtest drives the demo application (examples/demo/internal/app)
// in-process, over real HTTP on 127.0.0.1, and checks three properties:
//
//   - bench: throughput (requests per second) and p50/p99 latency of
//     GET /api/me with valid access tokens at -conns concurrent keep-alive
//     connections (default 1000, one goroutine per connection, one token per
//     goroutine), beside a bare handler that writes a JSON body of the same
//     size without verifying anything, measured the same way in the same run
//     (the two take turns, -rounds times, so that both see the same machine).
//     Any non-200 answer or transport error fails the run.
//   - soak: the same load while the app rotates its signing key every
//     -rotate-every (default 1s) and every client fetches a new token about
//     every -refetch-every, so tokens of many keys are in use at once. A
//     token rejected while its key is still in the app's key ring fails the
//     run; tokens of keys the app has already dropped (it keeps -max-keys,
//     default 4 so that keys are dropped within a short run; the demo's
//     default is 32) must be rejected with 401 and are counted apart, and
//     such a token accepted fails the run.
//   - redis: the app on a Redis store (a redis-server this program starts
//     in a temporary directory, append-only file fsynced on every write),
//     under load on /api/me with clients that keep logging tokens out. Redis
//     is stopped (SIGTERM, or SIGKILL with -redis-kill) and restarted on the same port and directory.
//     While it is down every answer of /api/me and /api/logout must be 503
//     (fail closed: no 200 for a token whose revocation cannot be checked,
//     no 401 because of the outage, no 500; /api/token needs no store and
//     may answer 200); after the restart answers must return to 200 within
//     -recover-within; every token whose logout answered 200 must stay
//     rejected, before and after the outage, along with its refresh family
//     (no lost revocation); and a logout that answered 503 while Redis was
//     down must not have taken effect.
//
// The redis run judges each request by the window it lies in entirely, on
// this process's monotonic clock: "up" (ended before the signal was sent),
// "down" (started after the Redis process had exited, ended before the
// restart began), "recovered" (started after the last request answered
// 503 after the restart began; the load goes on until a whole -phase has
// passed without a 503). Requests straddling a boundary are "transition":
// they may get the answer of either side (200, or 401 for a revoked token,
// or 503), never 500, never 200 for a revoked token and never 401 for a
// valid one. Recovery is bounded below by go-redis, which after PoolSize
// failed dials stops dialing and probes Redis once a second.
//
// The client and the server share the machine (and this process), so the
// figures are for comparing the app with the bare handler, not absolute.
// The app's access-token verification is not cached (authtoken does not set
// verifier.Config.CacheSize), so every /api/me request checks an Ed25519
// signature and asks the store about revocation; a variant with a new token
// per request would measure the same work and is not run.
//
// Run from the repository root (go.work joins the demo module):
//
//	go run ./examples/demo/loadtest -mode=all
//	go run ./examples/demo/loadtest -mode=bench -duration 20s -warmup 3s
//	go run ./examples/demo/loadtest -mode=soak -soak 30s -max-keys 8
//	go run ./examples/demo/loadtest -mode=redis -phase 10s
//
// The defaults are short, for CI (scripts/load-test.sh runs -mode=all);
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
	conns        int
	duration     time.Duration
	rounds       int
	warmup       time.Duration
	soak         time.Duration
	rotateEvery  time.Duration
	refetchEvery time.Duration
	redisConns   int
	phase        time.Duration
	recoverIn    time.Duration
	logoutEvery  int
	redisServer  string
	redisKill    bool
	maxKeys      int
}

func main() {
	var o options
	mode := flag.String("mode", "all", "bench, soak, redis or all")
	flag.IntVar(&o.conns, "conns", 1000, "bench and soak: concurrent keep-alive connections")
	flag.DurationVar(&o.duration, "duration", 5*time.Second, "bench: measured time of each handler")
	flag.IntVar(&o.rounds, "rounds", 2, "bench: split -duration into this many turns per handler, alternating")
	flag.DurationVar(&o.warmup, "warmup", time.Second, "bench and soak: load before measuring")
	flag.DurationVar(&o.soak, "soak", 5*time.Second, "soak: measured time")
	flag.DurationVar(&o.rotateEvery, "rotate-every", time.Second, "soak: key rotation interval")
	flag.IntVar(&o.maxKeys, "max-keys", 4, "soak: keys the app keeps (app.Config.MaxKeys); small, so that keys are dropped within a short soak")
	flag.DurationVar(&o.refetchEvery, "refetch-every", time.Second, "soak: mean interval between a client's token fetches")
	flag.IntVar(&o.redisConns, "redis-conns", 200, "redis: concurrent connections")
	flag.DurationVar(&o.phase, "phase", 3*time.Second, "redis: length of each phase (up, down, recovered)")
	flag.DurationVar(&o.recoverIn, "recover-within", 10*time.Second, "redis: bound on the time from restart to the first 200")
	flag.IntVar(&o.logoutEvery, "logout-every", 20, "redis: each client logs its token out every this many requests")
	flag.BoolVar(&o.redisKill, "redis-kill", false, "redis: stop Redis with SIGKILL instead of SIGTERM (a crash; appendfsync always must still keep every acknowledged logout)")
	flag.StringVar(&o.redisServer, "redis-server", "redis-server", "redis: the redis-server binary")
	flag.Parse()

	if o.rounds < 1 || o.conns < 1 || o.redisConns < 1 || o.logoutEvery < 2 || o.maxKeys < 1 {
		fmt.Fprintln(os.Stderr, "loadtest: -rounds, -conns, -redis-conns and -max-keys must be positive, -logout-every at least 2")
		os.Exit(2)
	}
	// Client and server share this process: each connection takes two
	// descriptors. Refuse up front rather than report transport errors
	// that would look like the app's.
	if need := uint64(2*max(o.conns, o.redisConns) + 100); fdSoft() != 0 && fdSoft() < need {
		fmt.Fprintf(os.Stderr, "loadtest: the open-file limit %d is below the %d that %d connections need; raise it (ulimit -n) or lower -conns\n", fdSoft(), need, max(o.conns, o.redisConns))
		os.Exit(2)
	}
	var modes []string
	switch *mode {
	case "all":
		modes = []string{"bench", "soak", "redis"}
	case "bench", "soak", "redis":
		modes = []string{*mode}
	default:
		fmt.Fprintf(os.Stderr, "loadtest: unknown -mode %q\n", *mode)
		os.Exit(2)
	}
	fmt.Printf("loadtest: %s; file descriptor limit %s\n", strings.Join(modes, ", "), fdLimit())
	failed := false
	for _, m := range modes {
		var failures []string
		var err error
		start := time.Now()
		fmt.Printf("\n## %s\n\n", m)
		switch m {
		case "bench":
			failures, err = runBench(o)
		case "soak":
			failures, err = runSoak(o)
		case "redis":
			failures, err = runRedis(o)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "loadtest: %s: %v\n", m, err)
			os.Exit(2)
		}
		for _, f := range failures {
			fmt.Printf("FAIL %s: %s\n", m, f)
		}
		if len(failures) > 0 {
			failed = true
		} else {
			fmt.Printf("\n%s: OK (%.1fs)\n", m, time.Since(start).Seconds())
		}
	}
	if failed {
		os.Exit(1)
	}
}
