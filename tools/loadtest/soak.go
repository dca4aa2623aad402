package main

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pasetokit/pasetokit/tools/loadtest/internal/procs"
)

// runSoak loads GET /api/me on a demo process while this program rotates
// its signing key (POST /admin/rotate every -rotate-every) and the clients
// keep fetching new tokens. A rejection is allowed only when the token's
// key has left the demo's key set, and a token whose key had left it before
// the request was sent must be rejected.
func runSoak(e *env, o options) ([]string, error) {
	// The ring stages a rotation: the key POST /admin/rotate publishes
	// signs -publish-ahead later, and a request while one is under way
	// starts no other. Retired keys stay for the access tokens' lifetime
	// (the fleet mode, with short lifetimes, sees them dropped).
	r, err := e.startDemo("demo", procs.DemoConfig{MaxKeys: soakMaxKeys(o), Extra: []string{"-publish-ahead", "1s"}}, o.conns, 8)
	if err != nil {
		return nil, err
	}
	defer func() { _ = r.demo.Stop(5 * time.Second) }()
	r.setup.close()

	s := &soak{o: o, fails: &failureLog{}, admin: newClient(r.demo.URL, 2)}
	defer s.admin.close()
	if err := s.snapshot(); err != nil {
		return nil, err
	}
	stop := s.rotateEvery(o.rotateEvery)
	c := newClient(r.demo.URL, o.conns)
	clients := s.newClients(r.toks)
	res := load(o.conns, o.warmup, o.soak, func(w int) { s.step(c, &clients[w]) })
	stop()
	c.close()

	s.report(res, clients)
	failures := s.fails.list()
	if s.rotations.Load() == 0 {
		failures = append(failures, "no rotation happened")
	}
	if f := logFailure(r.demo, rotationLine); f != "" {
		failures = append(failures, f)
	}
	return failures, nil
}

// maxSoakRotations bounds the rotations of one soak (see main).
const maxSoakRotations = 24

// soakMaxKeys is the demo's -max-keys for a soak: -max-keys when set,
// else room for every rotation of the run. Retired keys stay for the
// access tokens' lifetime (15 minutes), so a rotation every second fills
// the demo's default (room for 16 manual rotations) in a soak longer than
// about 15 s, and each rotation after that answers 503.
func soakMaxKeys(o options) int {
	if o.maxKeys > 0 {
		return o.maxKeys
	}
	return min(int((o.warmup+o.soak)/o.rotateEvery)+8, 1000) // keyring.MaxKeysLimit
}

// soak is the state of one soak run.
type soak struct {
	o     options
	fails *failureLog
	admin *client // rotates and reads the key set

	// ring is the key set as published after the last rotation, and
	// dropped the keys that were in a set read earlier and have left it
	// since (copied on write). A rotation holds ringMu while it rotates
	// and reads the new set, so a reader holding it for reading sees the
	// set as it is now. Keys leave the set only at rotations, so a key in
	// dropped before a request was sent had been dropped by then.
	ringMu  sync.RWMutex
	ring    atomic.Pointer[map[string]bool]
	dropped atomic.Pointer[map[string]bool]

	rotations, logins                    atomic.Int64
	allowed, disallowed, acceptedDropped atomic.Int64
}

// soakClient is one connection's client: its token, when it fetches the
// next one, and the kids of the tokens the demo accepted.
type soakClient struct {
	tok  token
	keep bool // keeps its first token for the whole run
	next time.Time
	kids map[string]bool
}

func (s *soak) snapshot() error {
	kids, err := s.admin.keySet()
	if err != nil {
		return err
	}
	dropped := map[string]bool{}
	if d := s.dropped.Load(); d != nil {
		maps.Copy(dropped, *d)
	}
	if old := s.ring.Load(); old != nil {
		for kid := range *old {
			if !kids[kid] {
				dropped[kid] = true
			}
		}
	}
	s.dropped.Store(&dropped)
	s.ring.Store(&kids)
	return nil
}

// inRingNow reports whether kid is in the demo's key set at this moment.
func (s *soak) inRingNow(kid string) bool {
	s.ringMu.RLock()
	defer s.ringMu.RUnlock()
	return (*s.ring.Load())[kid]
}

// rotateEvery rotates every d until the returned stop is called.
func (s *soak) rotateEvery(d time.Duration) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				s.ringMu.Lock()
				err := s.admin.rotate()
				if err == nil {
					err = s.snapshot()
				}
				s.ringMu.Unlock()
				if err != nil {
					s.fails.add("rotate: %v", err)
				} else {
					s.rotations.Add(1)
				}
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// newClients: one client in ten keeps its first token for the whole run:
// once -max-keys rotations have passed its key is dropped, and its
// rejections are the allowed kind (and a 200 a failure).
func (s *soak) newClients(toks []token) []soakClient {
	cs := make([]soakClient, len(toks))
	now := time.Now()
	for w := range cs {
		cs[w] = soakClient{tok: toks[w], keep: w%10 == 9, next: now.Add(jitter(s.o.refetchEvery)), kids: map[string]bool{}}
	}
	return cs
}

// step is one request of one client: a new token when it is time, else
// GET /api/me with its token, judged against the key set.
func (s *soak) step(c *client, sc *soakClient) {
	if !sc.keep && time.Now().After(sc.next) {
		t, status, err := c.login()
		if err != nil || status != http.StatusOK {
			s.fails.add("%s", errStatus("POST /api/token", status, nil, err))
			return
		}
		sc.tok, sc.next = t, time.Now().Add(jitter(s.o.refetchEvery))
		s.logins.Add(1)
		return
	}
	t := sc.tok
	droppedBefore := (*s.dropped.Load())[t.kid]
	status, body, err := c.do("GET", "/api/me", t.access, "")
	switch {
	case err != nil:
		s.fails.add("GET /api/me: %v", err)
	case status == http.StatusOK && droppedBefore:
		s.acceptedDropped.Add(1)
		s.fails.add("token of %s accepted although its key had left the key set before the request", t.kid)
	case status == http.StatusOK:
		sc.kids[t.kid] = true
	case s.inRingNow(t.kid):
		s.disallowed.Add(1)
		s.fails.add("token of %s, still in the key set, rejected: %s", t.kid, errStatus("GET /api/me", status, body, nil))
	case status != http.StatusUnauthorized:
		s.fails.add("token of the dropped key %s: %s", t.kid, errStatus("GET /api/me", status, body, nil))
	default:
		s.allowed.Add(1) // its key was dropped
	}
}

func (s *soak) report(res loadResult, clients []soakClient) {
	distinct := map[string]bool{}
	for _, c := range clients {
		for k := range c.kids {
			distinct[k] = true
		}
	}
	o := s.o
	fmt.Printf("%d connections, rotation (POST /admin/rotate) every %s, the demo keeps %d keys (-max-keys), a new token per client about every %s (one client in ten keeps its first); warm-up %s, measured %s\n\n",
		o.conns, o.rotateEvery, soakMaxKeys(o), o.refetchEvery, o.warmup, o.soak)
	fmt.Println("| rotations | requests | req/s | p50 | p99 | token fetches | keys of accepted tokens | keys in set | rejected, key dropped (allowed) | rejected, key in set (failures) | accepted, key dropped (failures) |")
	fmt.Println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	fmt.Printf("| %d | %d | %.0f | %s | %s | %d | %d | %d | %d | %d | %d |\n",
		s.rotations.Load(), res.requests(), res.rate(), ms(res.p50()), ms(res.p99()), s.logins.Load(),
		len(distinct), len(*s.ring.Load()), s.allowed.Load(), s.disallowed.Load(), s.acceptedDropped.Load())
	fmt.Println("\n(requests and latencies include the token fetches)")
}

// jitter returns a duration uniformly spread over [d/2, 3d/2).
func jitter(d time.Duration) time.Duration {
	return d/2 + rand.N(d)
}
