package main

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pasetokit/pasetokit/examples/demo/internal/app"
)

// runSoak loads GET /api/me while the app rotates its signing key and the
// clients keep fetching new tokens. A rejection is allowed only when the
// token's key has left the app's key ring (checked after the answer), and
// a token whose key had left the ring before the request was sent must be
// rejected (checked against a snapshot of the ring taken after each
// rotation: rings only lose keys, so a stale snapshot can only hold more).
func runSoak(o options) ([]string, error) {
	r, err := startApp(app.Config{MaxKeys: o.maxKeys}, o.conns, 8)
	if err != nil {
		return nil, err
	}
	logs, a, srv, toks := r.logs, r.app, r.srv, r.toks
	defer srv.close()
	r.setup.close()

	fails := &failureLog{}
	var rotations, allowed, disallowed, acceptedDropped, logins atomic.Int64
	var ring atomic.Pointer[map[string]bool]
	snapshot := func() {
		m := map[string]bool{}
		for _, k := range a.KeyIDs() {
			m[k] = true
		}
		ring.Store(&m)
	}
	snapshot()
	stop := make(chan struct{})
	var rotWG sync.WaitGroup
	rotWG.Add(1)
	go func() {
		defer rotWG.Done()
		t := time.NewTicker(o.rotateEvery)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				if _, err := a.Rotate(); err != nil {
					fails.add("rotate: %v", err)
				} else {
					snapshot()
					rotations.Add(1)
				}
			}
		}
	}()

	// Per client: its token, when to fetch the next one, and the kids of
	// the tokens the app accepted. One client in ten keeps its first token
	// for the whole run: once -max-keys rotations have passed its key is
	// dropped, and its rejections are the allowed kind (and a 200 a
	// failure).
	next := make([]time.Time, o.conns)
	kids := make([]map[string]bool, o.conns)
	now := time.Now()
	for w := range o.conns {
		next[w] = now.Add(jitter(o.refetchEvery))
		kids[w] = map[string]bool{}
	}
	keep := func(w int) bool { return w%10 == 9 }
	c := newClient(srv.URL, o.conns)
	res := load(o.conns, o.warmup, o.soak, func(w int) {
		if !keep(w) && time.Now().After(next[w]) {
			t, status, err := c.login()
			if err != nil || status != http.StatusOK {
				fails.add("%s", errStatus("POST /api/token", status, nil, err))
				return
			}
			toks[w] = t
			next[w] = time.Now().Add(jitter(o.refetchEvery))
			logins.Add(1)
			return
		}
		t := toks[w]
		inRing := (*ring.Load())[t.kid]
		status, body, err := c.do("GET", "/api/me", t.access, "")
		switch {
		case err != nil:
			fails.add("GET /api/me: %v", err)
		case status == http.StatusOK && !inRing:
			acceptedDropped.Add(1)
			fails.add("token of %s accepted although its key had left the ring before the request", t.kid)
		case status == http.StatusOK:
			kids[w][t.kid] = true
		case slices.Contains(a.KeyIDs(), t.kid):
			disallowed.Add(1)
			fails.add("token of %s, still in the key ring, rejected: %s", t.kid, errStatus("GET /api/me", status, body, nil))
		case status != http.StatusUnauthorized:
			fails.add("token of the dropped key %s: %s", t.kid, errStatus("GET /api/me", status, body, nil))
		default:
			allowed.Add(1) // its key was dropped
		}
	})
	close(stop)
	rotWG.Wait()
	c.close()

	distinct := map[string]bool{}
	for _, m := range kids {
		for k := range m {
			distinct[k] = true
		}
	}
	fmt.Printf("%d connections, rotation every %s, the app keeps %d keys, a new token per client about every %s (one client in ten keeps its first); warm-up %s, measured %s\n\n",
		o.conns, o.rotateEvery, o.maxKeys, o.refetchEvery, o.warmup, o.soak)
	fmt.Println("| rotations | requests | req/s | p50 | p99 | token fetches | keys of accepted tokens | keys in ring | rejected, key dropped (allowed) | rejected, key in ring (failures) | accepted, key dropped (failures) |")
	fmt.Println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	fmt.Printf("| %d | %d | %.0f | %s | %s | %d | %d | %d | %d | %d | %d |\n",
		rotations.Load(), res.requests(), res.rate(), ms(res.p50()), ms(res.p99()), logins.Load(),
		len(distinct), len(a.KeyIDs()), allowed.Load(), disallowed.Load(), acceptedDropped.Load())
	fmt.Println("\n(requests and latencies include the token fetches)")
	failures := fails.list()
	if rotations.Load() == 0 {
		failures = append(failures, "no rotation happened")
	}
	if f := logs.failure(); f != "" {
		failures = append(failures, f)
	}
	return failures, nil
}

// jitter returns a duration uniformly spread over [d/2, 3d/2).
func jitter(d time.Duration) time.Duration {
	return d/2 + rand.N(d)
}
