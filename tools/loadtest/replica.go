package main

import (
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"github.com/pasetokit/pasetokit/tools/loadtest/internal/procs"
)

// runReplica measures the demo's -redis-replica (a local replica of
// revocations and cut-offs fed by Redis's keyspace notifications) on a
// redis-server of its own:
//
//   - throughput of GET /api/me on three demo processes, taking turns
//     (-rounds each, same machine): stores in memory, on Redis, and on
//     Redis with -redis-replica; the replica's rate is reported as a share
//     of the memory store's (aim: 90% or more);
//   - revocation visibility: -replica-logouts times, a token that the
//     replica demo has just answered 200 for (its answer kept) is logged
//     out at the plain Redis demo (same key file, same Redis), and the
//     replica demo is asked again and again until it answers 401. The time
//     from the logout's 200 to the first 401 is recorded (p50, p99, max);
//     an answer other than 200 or 401, or a token still accepted after
//     -replica-within, fails the run. The logouts run one at a time,
//     without other load.
//
// With -replica-redis the demos use the Redis given (a Cluster when it
// names several nodes) instead of a redis-server of the tool's own.
func runReplica(e *env, o options) ([]string, error) {
	redisAddr, redisName := o.replicaRedis, "Redis "+o.replicaRedis
	if redisAddr == "" {
		rs, err := e.startRedis(o)
		if err != nil {
			return nil, err
		}
		defer func() { _ = rs.StopWith(syscall.SIGTERM) }()
		redisAddr, redisName = rs.Addr(), "redis-server "+rs.Addr()+" (notify-keyspace-events Kg$hxe)"
	}
	keyFile := filepath.Join(e.dir, "replica-keys.json")
	if err := procs.WriteKeyFile(keyFile); err != nil {
		return nil, err
	}
	replicaFlags := []string{"-redis-replica"}
	if o.replicaStale != 0 {
		replicaFlags = append(replicaFlags, "-redis-replica-max-stale", o.replicaStale.String())
	}
	cfgs := []struct {
		name string
		cfg  procs.DemoConfig
	}{
		{"demo, memory store", procs.DemoConfig{}},
		{"demo, -redis", procs.DemoConfig{Redis: redisAddr, KeyFile: keyFile}},
		{"demo, -redis -redis-replica", procs.DemoConfig{Redis: redisAddr, KeyFile: keyFile, Extra: replicaFlags}},
	}
	var runs []*running
	defer func() {
		for _, r := range runs {
			_ = r.demo.Stop(5 * time.Second)
		}
	}()
	var rows []*benchRow
	for _, c := range cfgs {
		r, err := e.startDemo(c.name, c.cfg, o.conns, 8)
		if err != nil {
			return nil, err
		}
		r.setup.close()
		runs = append(runs, r)
		rows = append(rows, &benchRow{name: c.name + " GET /api/me", url: r.demo.URL, toks: r.toks, fails: &failureLog{}})
	}
	fmt.Printf("%s; %d connections; %d round(s) of memory, redis, redis+replica, each warm-up %s then measured %s\n\n",
		redisName, o.conns, o.rounds, o.warmup, o.duration/time.Duration(o.rounds))
	for range o.rounds {
		for _, row := range rows {
			row.measure(o)
		}
	}
	fmt.Println("| handler | conns | requests | req/s | p50 | p99 | errors |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|")
	for _, r := range rows {
		fmt.Printf("| %s | %d | %d | %.0f | %s | %s | %d |\n",
			r.name, o.conns, r.res.requests(), r.res.rate(), ms(r.res.p50()), ms(r.res.p99()), r.fails.count())
	}
	if m := rows[0].res.rate(); m > 0 {
		fmt.Printf("\nof the memory store's rate: -redis %.0f%%, -redis -redis-replica %.0f%%\n",
			100*rows[1].res.rate()/m, 100*rows[2].res.rate()/m)
	}
	var failures []string
	for _, row := range rows {
		failures = append(failures, row.fails.list()...)
	}

	lats, f := visibility(runs[1].demo.URL, runs[2].demo.URL, o)
	failures = append(failures, f...)
	if len(lats) > 0 {
		slices.Sort(lats)
		fmt.Printf("\nrevocation visibility, %d logouts at %s, checked at the replica demo: p50 %s, p99 %s, max %s\n",
			len(lats), cfgs[1].name, ms(percentile(lats, 50)), ms(percentile(lats, 99)), ms(lats[len(lats)-1]))
	}
	for _, r := range runs {
		if l := logFailure(r.demo, nil); l != "" {
			failures = append(failures, l)
		}
	}
	return failures, nil
}

// visibility logs o.replicaLogouts tokens out at plain, one at a time, and
// returns, for each, the time from the logout's 200 to replica's first 401.
func visibility(plain, replica string, o options) ([]time.Duration, []string) {
	pc, rc := newClient(plain, 2), newClient(replica, 2)
	defer pc.close()
	defer rc.close()
	fails := &failureLog{}
	var lats []time.Duration
	for range o.replicaLogouts {
		tok, status, err := pc.login()
		if err != nil || status != http.StatusOK {
			fails.add("%s", errStatus("POST /api/token", status, nil, err))
			continue
		}
		ok := true
		for range 2 { // the second answer comes from the replica's copy
			if status, b, err := rc.do("GET", "/api/me", tok.access, ""); err != nil || status != http.StatusOK {
				fails.add("%s", errStatus("replica GET /api/me before logout", status, b, err))
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		if status, b, err := pc.do("POST", "/api/logout", tok.access, ""); err != nil || status != http.StatusOK {
			fails.add("%s", errStatus("POST /api/logout", status, b, err))
			continue
		}
		loggedOut := time.Now()
		for {
			status, b, err := rc.do("GET", "/api/me", tok.access, "")
			if err == nil && status == http.StatusUnauthorized {
				lats = append(lats, time.Since(loggedOut))
				break
			}
			if err != nil || status != http.StatusOK {
				fails.add("%s", errStatus("replica GET /api/me after logout", status, b, err))
				break
			}
			if time.Since(loggedOut) > o.replicaWithin {
				fails.add("a token logged out %s ago still accepted by the replica demo", o.replicaWithin)
				break
			}
		}
	}
	return lats, fails.list()
}
