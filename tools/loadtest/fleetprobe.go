package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Revocation visibility in the fleet. Every -fleet-probe-every, a probe
// takes a fresh token at a random demo, shows it twice to each other demo
// and to each resource server (so that a replica holds the token's "not
// revoked" answer: the second answer comes from its copy), logs it out at
// the first demo, and from the logout's 200 on asks each of them every
// probePoll until it refuses the token (401). The time from the logout's
// 200 to the end of the first 401 is the token's visibility at that
// process (as in -mode=replica). The probes run beside the clients,
// through the kill and the Redis restart:
//   - a 200 to a request sent later than visibleWithin (the replicas'
//     -redis-replica-max-stale plus -fleet-visible-slack; zero without
//     replicas) after the logout's 200 fails the run, whatever else
//     happens meanwhile (a replica without Redis must ask Redis, and so
//     answer 503, once its copy is older than its bound);
//   - polling that ends in another answer (a 503 while Redis is away or
//     recovering, or after a demo logged a store outage; a transport error
//     from the killed demo while it is down) is excluded from the figures
//     and counted apart by reason; any other such answer fails;
//   - 200s to requests sent later than maxStale after the logout (but
//     within the slack) are counted, and printed.
// The warm-up requests and the logout are judged with the clients'
// requests; a probe whose token or logout failed is not started, and a
// process whose warm-up failed is not polled (counted apart).

// defaultMaxStale is redisstore.DefaultMaxStale, the demo's default
// -redis-replica-max-stale (this module does not import redisstore).
const defaultMaxStale = 100 * time.Millisecond

// visibilityAim is issue 12's aim for the visibility's p99 in the fleet.
const visibilityAim = 100 * time.Millisecond

// probePoll is the pause between two requests of a probe to one process:
// a few probes a second, each asking the other demos and the resource
// servers every few milliseconds for about as long as visibility takes,
// add little to the fleet's load.
const probePoll = 3 * time.Millisecond

// probeResult is what one probe saw at one demo.
type probeResult struct {
	at, target int       // the demo that logged the token out, the one polled
	loggedOut  time.Time // the logout's 200 was read
	visible    time.Time // the first 401 was read; zero if none came
	last200    time.Time // the latest request answered 200 was sent; zero if none
	// late is set when a request sent later than the bound after the
	// logout was answered 200 (polling stops there).
	late bool
	// stop is the answer that ended polling otherwise (a 503, a transport
	// error with status 0, anything but 200 and 401), when stopped.
	stop    fleetRec
	stopped bool
}

// probeLoop starts a probe every -fleet-probe-every until the run stops.
func (f *fleet) probeLoop() {
	c := newClient("", 8)
	defer c.close()
	t := time.NewTicker(f.o.probeEvery)
	defer t.Stop()
	for !f.stopped.Load() {
		f.probe(c)
		<-t.C
	}
}

func (f *fleet) skipProbe(why string) {
	f.mu.Lock()
	f.probeSkips[why]++
	f.mu.Unlock()
}

// probe runs one probe: a fresh token logged out at a random demo, polled
// at the others.
func (f *fleet) probe(c *client) {
	at := f.demo()
	status, body := f.do(c.hc, fkToken, at, "", "POST", "/api/token", "", nil)
	var p struct {
		Access string `json:"access_token"`
	}
	if status != http.StatusOK || json.Unmarshal(body, &p) != nil || p.Access == "" {
		f.skipProbe("POST /api/token not 200")
		return
	}
	var targets []int
	for i := -len(f.resources); i < len(f.demos); i++ {
		if i == at {
			continue
		}
		kind, base, path := fkMe, "", "/api/me"
		if i < 0 {
			kind, base, path = fkResource, f.resources[-1-i], "/me"
		}
		ok := true
		for range 2 {
			if status, _ := f.do(c.hc, kind, i, base, "GET", path, p.Access, nil); status != http.StatusOK {
				ok = false
				break
			}
		}
		if ok {
			targets = append(targets, i)
		} else {
			f.skipProbe("process not polled: " + fleetKindNames[kind] + " before the logout not 200")
		}
	}
	if len(targets) == 0 {
		return
	}
	if status, _ := f.do(c.hc, fkLogout, at, "", "POST", "/api/logout", p.Access, nil); status != http.StatusOK {
		f.skipProbe("POST /api/logout not 200")
		return
	}
	loggedOut := time.Now()
	f.mu.Lock()
	f.revoked = append(f.revoked, p.Access)
	f.mu.Unlock()
	var wg sync.WaitGroup
	res := make([]probeResult, len(targets))
	for j, i := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[j] = f.poll(c, at, i, p.Access, loggedOut)
		}()
	}
	wg.Wait()
	f.mu.Lock()
	f.probes = append(f.probes, res...)
	f.mu.Unlock()
}

// poll asks target (a demo, or a resource server when negative) about tok
// every probePoll until it refuses it, answers other than 200, or accepts
// it past the bound.
func (f *fleet) poll(c *client, at, target int, tok string, loggedOut time.Time) probeResult {
	res := probeResult{at: at, target: target, loggedOut: loggedOut}
	bound := f.faults.visibleWithin
	var url string
	if target >= 0 {
		url = f.demos[target].URL + "/api/me"
	} else {
		url = f.resources[-1-target] + "/me"
	}
	for {
		start := time.Now()
		status, _, _ := c.do("GET", url, tok, "") // a transport error: status 0
		end := time.Now()
		switch status {
		case http.StatusUnauthorized:
			res.visible = end
			return res
		case http.StatusOK:
			res.last200 = start
			if start.Sub(loggedOut) > bound {
				res.late = true
				return res
			}
		default:
			res.stop = fleetRec{kind: fkRevoked, target: target, start: start, end: end, status: status, loggedOut: loggedOut}
			res.stopped = true
			return res
		}
		time.Sleep(probePoll)
	}
}

// probeFigures is the judged outcome of the probes.
type probeFigures struct {
	lats       []time.Duration // sorted
	calm       []time.Duration // sorted: those not overlapping a fault window
	atResource []time.Duration // sorted: those at a resource server
	// seenAfter holds, per measured probe, when the last request answered
	// 200 was sent (zero when the first answer was 401): the revocation
	// was not yet seen then, so it lies between this and the figure in
	// lats. Sorted.
	seenAfter   []time.Duration
	beyondStale int            // polled processes that answered 200 to a request sent later than maxStale after the logout
	excluded    map[string]int // by reason
	fails       *failureLog
}

// judgeProbes sorts the probes' results into figures, exclusions and
// failures, with names naming the demos.
func (ft fleetFaults) judgeProbes(res []probeResult, names func(int) string) probeFigures {
	v := probeFigures{excluded: map[string]int{}, fails: &failureLog{}}
	for _, r := range res {
		if !r.last200.IsZero() && r.last200.Sub(r.loggedOut) > ft.maxStale {
			v.beyondStale++
		}
		switch {
		case r.late:
			v.fails.add("a token logged out at %s was accepted by %s %s after the logout's 200 (bound %s)",
				names(r.at), names(r.target), r.last200.Sub(r.loggedOut).Round(time.Millisecond), ft.visibleWithin)
		case !r.visible.IsZero():
			v.lats = append(v.lats, r.visible.Sub(r.loggedOut))
			v.seenAfter = append(v.seenAfter, max(0, r.last200.Sub(r.loggedOut)))
			if r.target < 0 {
				v.atResource = append(v.atResource, r.visible.Sub(r.loggedOut))
			}
			if !ft.duringFault(r.target, r.loggedOut, r.visible) {
				v.calm = append(v.calm, r.visible.Sub(r.loggedOut))
			}
		case r.stopped:
			if ok, why := ft.verdict(r.stop); ok {
				v.excluded[why]++
			} else {
				v.fails.add("probe: a token logged out at %s, then at %s: %s", names(r.at), names(r.target), why)
			}
		default:
			v.fails.add("probe at %s: no answer recorded", names(r.target))
		}
	}
	slices.Sort(v.lats)
	slices.Sort(v.calm)
	slices.Sort(v.atResource)
	slices.Sort(v.seenAfter)
	return v
}

// duringFault reports whether from..to overlaps the time demo was killed
// (until it served again), or Redis away or recovering.
func (ft fleetFaults) duringFault(demo int, from, to time.Time) bool {
	overlaps := func(a, b time.Time) bool { return !a.IsZero() && !to.Before(a) && !from.After(b) }
	return (demo == ft.killed && overlaps(ft.killBegin, ft.killRestart)) ||
		overlaps(ft.redisStop, ft.redisStart.Add(ft.recoverIn))
}

// visibilityFigures judges the probes, prints their figures and returns
// their failures.
func (f *fleet) visibilityFigures() []string {
	f.mu.Lock()
	res := slices.Clone(f.probes)
	skips := f.probeSkips
	f.mu.Unlock()
	v := f.faults.judgeProbes(res, f.targetName)
	what := "replicas, -redis-replica-max-stale " + f.faults.maxStale.String()
	if f.faults.maxStale == 0 {
		what = "no replicas: per-request lookups"
	}
	fmt.Printf("revocation visibility (%s): %d measured (a token logged out at one demo, until another demo or a resource server refuses it)", what, len(v.lats))
	var fails []string
	if n := len(v.lats); n > 0 {
		p99 := percentile(v.lats, 99)
		verdict := "met"
		if p99 > visibilityAim {
			verdict = "NOT met"
		}
		fmt.Printf(": p50 %s, p99 %s, max %s (aim p99 ≤ %s: %s); of them %d while no fault was under way",
			ms(percentile(v.lats, 50)), ms(p99), ms(v.lats[n-1]), visibilityAim, verdict, len(v.calm))
		if c := len(v.calm); c > 0 {
			fmt.Printf(" (p50 %s, p99 %s, max %s)", ms(percentile(v.calm, 50)), ms(percentile(v.calm, 99)), ms(v.calm[c-1]))
		}
		fmt.Printf("; the last 200 to a request sent p50 %s, p99 %s, max %s after the logout (%d of %d refused at the first request)",
			ms(percentile(v.seenAfter, 50)), ms(percentile(v.seenAfter, 99)), ms(v.seenAfter[n-1]), countZero(v.seenAfter), n)
		if c := len(v.atResource); c > 0 {
			fmt.Printf("; %d at resource servers (p50 %s, p99 %s, max %s)", c, ms(percentile(v.atResource, 50)), ms(percentile(v.atResource, 99)), ms(v.atResource[c-1]))
		}
	} else {
		fails = append(fails, "no revocation visibility probe measured")
	}
	fmt.Printf("; accepted by a request sent later than %s after the logout: %d", f.faults.maxStale, v.beyondStale)
	if f.faults.visibleWithin > 0 {
		fmt.Printf(" (fails past %s)", f.faults.visibleWithin)
	}
	fmt.Println()
	if len(v.excluded) > 0 {
		fmt.Printf("  excluded: %s\n", countsText(v.excluded))
	}
	if len(skips) > 0 {
		fmt.Printf("  not started: %s\n", countsText(skips))
	}
	return append(fails, v.fails.list()...)
}

// countZero counts the zero durations.
func countZero(d []time.Duration) int {
	n := 0
	for _, x := range d {
		if x == 0 {
			n++
		}
	}
	return n
}

// countsText formats counts by reason as "reason ×n, …", sorted.
func countsText(m map[string]int) string {
	var cells []string
	for why, n := range m {
		cells = append(cells, fmt.Sprintf("%s ×%d", why, n))
	}
	sort.Strings(cells)
	return strings.Join(cells, ", ")
}
