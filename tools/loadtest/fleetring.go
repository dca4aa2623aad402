package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// The fleet's key ring: the demos rotate their access-token signing key
// every -fleet-rotate-every (fleet-wide, through Redis), publish each key
// 3/4 of a period before it signs, and keep a retired key for the access
// tokens' lifetime (two periods) plus half a period. The run watches the
// ring through each demo's GET /api/keyring and judges every presented
// token by its key and its exp:
//   - a token valid during the whole request whose key had not been dropped
//     by its end must be accepted, by every demo and every resource server;
//   - a token expired, or whose key had been dropped, before the request
//     started must be refused;
//   - at the edges either answer is right.
// Keys are activated on the schedule: with one rotation per period
// fleet-wide, two activations are never less than a period apart (a
// doubled rotation would be), and their number over the run is at most
// the run's length over the period, plus one.

// ringWatch collects what the demos report of the access ring.
type ringWatch struct {
	mu   sync.Mutex
	keys map[string]*keyFacts
	gens map[int]uint64 // the last generation each demo reported
}

// keyFacts is what the demos reported of one key.
type keyFacts struct {
	activates time.Time // planned or done
	drops     time.Time // zero while no demo reported it retired
	published time.Time
}

// tokenFacts are the kid and exp of an access token, read from its footer
// and payload without verifying it.
type tokenFacts struct {
	kid string
	exp time.Time
}

func readToken(tok string) (tokenFacts, bool) {
	parts := strings.Split(tok, ".")
	if len(parts) != 4 || parts[0] != "v4" || parts[1] != "public" {
		return tokenFacts{}, false
	}
	body, err1 := base64.RawURLEncoding.DecodeString(parts[2])
	footer, err2 := base64.RawURLEncoding.DecodeString(parts[3])
	if err1 != nil || err2 != nil || len(body) < 64 {
		return tokenFacts{}, false
	}
	var c struct {
		Exp time.Time `json:"exp"`
	}
	var ft struct {
		Kid string `json:"kid"`
	}
	if json.Unmarshal(body[:len(body)-64], &c) != nil || json.Unmarshal(footer, &ft) != nil || ft.Kid == "" {
		return tokenFacts{}, false
	}
	return tokenFacts{kid: ft.Kid, exp: c.Exp}, true
}

// watch polls every demo's /api/keyring every period until stop is closed.
func (f *fleet) watch(period time.Duration, stop <-chan struct{}) {
	c := &http.Client{Timeout: time.Second}
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		for i, d := range f.demos {
			f.pollRing(c, i, d.URL)
		}
		select {
		case <-stop:
			return
		case <-t.C:
		}
	}
}

func (f *fleet) pollRing(c *http.Client, i int, base string) {
	resp, err := c.Get(base + "/api/keyring")
	if err != nil {
		return
	}
	body, err := readAll(resp)
	if err != nil || resp.StatusCode != http.StatusOK {
		return
	}
	var doc struct {
		Rings []struct {
			Name       string `json:"name"`
			Generation uint64 `json:"generation"`
			Keys       []struct {
				ID        string     `json:"id"`
				State     string     `json:"state"`
				Published time.Time  `json:"published"`
				Activates time.Time  `json:"activates"`
				Drops     *time.Time `json:"drops"`
			} `json:"keys"`
		} `json:"rings"`
	}
	if json.Unmarshal(body, &doc) != nil {
		return
	}
	w := &f.ring
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, r := range doc.Rings {
		if r.Name != "access" {
			continue
		}
		w.gens[i] = r.Generation
		for _, k := range r.Keys {
			kf := w.keys[k.ID]
			if kf == nil {
				kf = &keyFacts{published: k.Published}
				w.keys[k.ID] = kf
			}
			kf.activates = k.Activates
			if k.Drops != nil && k.Drops.After(kf.drops) {
				kf.drops = *k.Drops
			}
		}
	}
}

// tokenVerdict judges a presented token's 200 or 401; ok is false with
// why when the answer is wrong, and decided is false for other answers.
func (f *fleet) tokenVerdict(r fleetRec) (ok, decided bool, why string) {
	if r.status != http.StatusOK && r.status != http.StatusUnauthorized {
		return false, false, ""
	}
	f.ring.mu.Lock()
	kf := f.ring.keys[r.tok.kid]
	var drops time.Time
	if kf != nil {
		drops = kf.drops
	}
	f.ring.mu.Unlock()
	const slack = time.Second // exp has whole seconds; clocks of one machine
	dropped := !drops.IsZero() && drops.Before(r.start.Add(-slack))
	expired := r.tok.exp.Before(r.start.Add(-slack))
	kept := drops.IsZero() || r.end.Before(drops)
	live := r.end.Add(slack).Before(r.tok.exp) && kept
	switch {
	case r.status == http.StatusOK && dropped:
		return false, true, "200 for a token of a dropped key"
	case r.status == http.StatusOK && expired:
		return false, true, "200 for an expired token"
	case r.status == http.StatusUnauthorized && live && r.target == -1 && f.followedDown(r):
		// Resource server 0 follows demo 1's key set: while demo 1 is
		// down it cannot learn a key published meanwhile.
		return true, true, "401, key published while the demo it follows was down"
	case r.status == http.StatusUnauthorized && live && r.target < 0 && f.redisRecovering(r):
		// A resource server follows one demo's key set; a demo whose
		// ring could not sync with Redis publishes a set without the
		// keys the fleet made meanwhile (the demo itself answers 503).
		return true, true, "401, key published while its demo's ring was out of sync (Redis away)"
	case r.status == http.StatusUnauthorized && live:
		return false, true, "401 for a live token of a kept key"
	case r.status == http.StatusOK:
		return true, true, "200"
	case dropped:
		return true, true, "401, key dropped"
	case expired:
		return true, true, "401, expired"
	}
	return true, true, "401 at the edge of exp or drop"
}

// followedDown reports whether r overlaps the time demo 1, whose key set
// resource server 0 follows, was down, and the key set refetch after it.
func (f *fleet) followedDown(r fleetRec) bool {
	from, to := f.faults.killBegin, f.faults.killRestart.Add(f.o.fleetRotate/2)
	return !from.IsZero() && !r.end.Before(from) && !r.start.After(to)
}

// redisRecovering reports whether r overlaps the Redis outage and the
// recovery after it.
func (f *fleet) redisRecovering(r fleetRec) bool {
	from, to := f.faults.redisStop, f.faults.redisStart.Add(f.faults.recoverIn)
	return !from.IsZero() && !r.end.Before(from) && !r.start.After(to)
}

// rotationFigures checks the activations seen during the run against the
// schedule and prints them.
func (f *fleet) rotationFigures(from, to time.Time, every time.Duration) []string {
	f.ring.mu.Lock()
	var acts []time.Time
	dropped := 0
	for _, k := range f.ring.keys {
		if !k.activates.Before(from) && !k.activates.After(to) {
			acts = append(acts, k.activates)
		}
		if !k.drops.IsZero() && k.drops.Before(to) {
			dropped++
		}
	}
	keys := len(f.ring.keys)
	f.ring.mu.Unlock()
	sort.Slice(acts, func(i, j int) bool { return acts[i].Before(acts[j]) })
	var minGap, maxGap time.Duration
	for i := 1; i < len(acts); i++ {
		g := acts[i].Sub(acts[i-1])
		if i == 1 || g < minGap {
			minGap = g
		}
		maxGap = max(maxGap, g)
	}
	span := to.Sub(from)
	most := int(span/every) + 1
	fmt.Printf("rotations: %d activations in %s at -rotate-every %s (at most %d on the schedule); gaps between activations %s to %s; %d keys seen, %d dropped during the run\n",
		len(acts), span.Round(time.Millisecond), every, most, minGap.Round(time.Millisecond), maxGap.Round(time.Millisecond), keys, dropped)
	var fails []string
	if len(acts) > most {
		fails = append(fails, fmt.Sprintf("%d activations in %s, more than the schedule's %d", len(acts), span.Round(time.Millisecond), most))
	}
	if len(acts) > 1 && minGap < every-every/20 {
		fails = append(fails, fmt.Sprintf("two activations %s apart, under -rotate-every %s: a doubled rotation", minGap, every))
	}
	if len(acts) < 2 {
		fails = append(fails, "fewer than two rotations during the run")
	}
	return fails
}
