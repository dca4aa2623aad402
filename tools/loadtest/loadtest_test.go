package main

import (
	"encoding/base64"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	var v []time.Duration
	for i := 1; i <= 100; i++ {
		v = append(v, time.Duration(i))
	}
	for _, tc := range []struct {
		p    float64
		want time.Duration
	}{{50, 50}, {99, 99}, {100, 100}, {0.1, 1}, {99.5, 100}} {
		if got := percentile(v, tc.p); got != tc.want {
			t.Errorf("percentile(1..100, %v) = %v, want %v", tc.p, got, tc.want)
		}
	}
	if got := percentile([]time.Duration{7}, 99); got != 7 {
		t.Errorf("one value: %v", got)
	}
	if got := percentile(nil, 50); got != 0 {
		t.Errorf("no values: %v", got)
	}
	// Nearest rank: p50 of an even count is the lower middle value.
	if got := percentile([]time.Duration{1, 2, 3, 4}, 50); got != 2 {
		t.Errorf("p50 of 1..4 = %v, want 2", got)
	}
}

func TestWindow(t *testing.T) {
	t0 := time.Now()
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	p := phases{stopBegin: at(1000), stopConfirmed: at(1100), restartBegin: at(2000), recoveredAt: at(2500)}
	for _, tc := range []struct {
		start, end int
		want       string
	}{
		{0, 999, winUp},
		{990, 1010, winTransition},  // straddles the stop signal
		{1050, 1200, winTransition}, // started before Redis had exited
		{1101, 1999, winDown},
		{1900, 2001, winTransition}, // straddles the restart
		{2100, 2200, winTransition}, // before the last 503
		{2500, 2600, winTransition}, // the last 503 itself
		{2501, 2600, winRecovered},
	} {
		if got := p.window(rec{start: at(tc.start), end: at(tc.end)}); got != tc.want {
			t.Errorf("request %d..%d ms: window %s, want %s", tc.start, tc.end, got, tc.want)
		}
	}
}

func TestAllowedStatus(t *testing.T) {
	ok, unauth, unavail := http.StatusOK, http.StatusUnauthorized, http.StatusServiceUnavailable
	all := []int{0, ok, unauth, 500, unavail}
	for _, tc := range []struct {
		op   op
		win  string
		want []int
	}{
		{opMe, winUp, []int{ok}},
		{opMe, winRecovered, []int{ok}},
		{opMe, winDown, []int{unavail}},
		{opMe, winTransition, []int{ok, unavail}},
		{opRevokedMe, winUp, []int{unauth}},
		{opRevokedMe, winDown, []int{unavail}},
		{opRevokedMe, winTransition, []int{unauth, unavail}},
		{opRevokedMe, winRecovered, []int{unauth}},
		{opLogout, winUp, []int{ok}},
		{opLogout, winDown, []int{unavail}},
		{opLogin, winDown, []int{ok, unavail}},
		{opLogin, winUp, []int{ok}},
	} {
		for _, status := range all {
			if got, want := allowedStatus(tc.op, tc.win, status), slices.Contains(tc.want, status); got != want {
				t.Errorf("%s in %s, status %d: allowed %v, want %v", opNames[tc.op], tc.win, status, got, want)
			}
		}
	}
}

func TestTokenKID(t *testing.T) {
	// v4.public.<payload>.<footer>, the footer base64url of {"kid":"k4.pid.x"}.
	if kid, err := tokenKID("v4.public.AAAA.eyJraWQiOiJrNC5waWQueCJ9"); err != nil || kid != "k4.pid.x" {
		t.Fatalf("kid %q, %v", kid, err)
	}
	for _, tok := range []string{"v4.public.AAAA", "v4.public.AAAA.!!", "v4.public.AAAA.e30"} {
		if _, err := tokenKID(tok); err == nil {
			t.Errorf("%q: no error", tok)
		}
	}
}

func TestFleetVerdict(t *testing.T) {
	t0 := time.Now()
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	f := fleetFaults{killed: 1, killBegin: at(1000), killRestart: at(1500), redisStop: at(3000), redisStart: at(3500), recoverIn: time.Second}
	for _, tc := range []struct {
		kind       fleetKind
		target     int
		start, end int
		status     int
		want       bool
	}{
		{fkMe, 0, 0, 10, 200, true},
		{fkMe, 0, 0, 10, 401, false},             // a live token refused
		{fkMe, 0, 0, 10, 500, false},             // never
		{fkRevoked, 2, 0, 10, 401, true},         // a logout holds at another process
		{fkRevoked, 2, 0, 10, 200, false},        // a lost revocation
		{fkWebLogin, 0, 0, 10, 303, true},        // the login redirects
		{fkMe, 1, 1100, 1200, 0, true},           // the killed demo, while down
		{fkMe, 0, 1100, 1200, 0, false},          // another demo
		{fkMe, 1, 2000, 2100, 0, false},          // the killed demo, after its restart
		{fkMe, 0, 3100, 3200, 503, true},         // Redis away
		{fkRemembered, 2, 4400, 4450, 503, true}, // recovering
		{fkMe, 0, 4600, 4700, 503, false},        // after the recovery bound
		{fkToken, 0, 3100, 3200, 503, true},      // the ring in Redis: stale once the current key is due to retire
		{fkResource, -1, 3100, 3200, 503, false}, // a resource server without -redis needs no store
		{fkResource, -1, 1100, 1200, 0, false},   // nor the killed demo
		{fkRemembered, 0, 2900, 3001, 503, true}, // straddles the stop
	} {
		if got, why := f.verdict(fleetRec{kind: tc.kind, target: tc.target, start: at(tc.start), end: at(tc.end), status: tc.status}); got != tc.want {
			t.Errorf("%s at %d, %d..%d ms, status %d: %v (%s), want %v", fleetKindNames[tc.kind], tc.target, tc.start, tc.end, tc.status, got, why, tc.want)
		}
	}
}

func TestTokenVerdict(t *testing.T) {
	base := time.Unix(1_000_000, 0)
	at := func(ms int) time.Time { return base.Add(time.Duration(ms) * time.Millisecond) }
	f := &fleet{ring: ringWatch{keys: map[string]*keyFacts{
		"kept":    {},
		"dropped": {drops: at(5000)},
	}}}
	for _, tc := range []struct {
		kid        string
		exp        int
		start, end int
		status     int
		ok         bool
	}{
		{"kept", 10000, 1000, 1100, 200, true},
		{"kept", 10000, 1000, 1100, 401, false},    // live token of a kept key refused
		{"kept", 1000, 5000, 5100, 401, true},      // expired
		{"kept", 1000, 5000, 5100, 200, false},     // expired, accepted
		{"dropped", 20000, 7000, 7100, 200, false}, // dropped key accepted
		{"dropped", 20000, 7000, 7100, 401, true},  // dropped key refused
		{"dropped", 20000, 4900, 5100, 401, true},  // at the drop: either
		{"dropped", 20000, 4900, 5100, 200, true},  // at the drop: either
		{"unknown", 10000, 1000, 1100, 401, false}, // a key never seen is kept
		{"kept", 10000, 1000, 1100, 503, false},    // not decided here
	} {
		r := fleetRec{kind: fkMe, start: at(tc.start), end: at(tc.end), status: tc.status, tok: tokenFacts{kid: tc.kid, exp: at(tc.exp)}, hasTok: true}
		ok, decided, why := f.tokenVerdict(r)
		if tc.status == 503 {
			if decided {
				t.Errorf("%+v: decided %q", tc, why)
			}
			continue
		}
		if ok != tc.ok {
			t.Errorf("%+v: %v (%s), want %v", tc, ok, why, tc.ok)
		}
	}
}

func TestReadToken(t *testing.T) {
	// A demo access token (its signature zeroed: it is read, not verified).
	payload := `{"sub":"test","exp":"2026-12-02T18:57:53Z"}`
	body := base64.RawURLEncoding.EncodeToString(append([]byte(payload), make([]byte, 64)...))
	footer := base64.RawURLEncoding.EncodeToString([]byte(`{"kid":"k4.pid.x"}`))
	tf, ok := readToken("v4.public." + body + "." + footer)
	if !ok || tf.kid != "k4.pid.x" || !tf.exp.Equal(time.Date(2026, 12, 2, 18, 57, 53, 0, time.UTC)) {
		t.Fatalf("%+v %v", tf, ok)
	}
	for _, bad := range []string{"", "v4.public.x", "v4.local." + body + "." + footer, "v4.public." + body + ".!!"} {
		if _, ok := readToken(bad); ok {
			t.Errorf("read %q", bad)
		}
	}
}

func TestFleetVerdictReplica(t *testing.T) {
	t0 := time.Now()
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	replica := fleetFaults{killed: 1, maxStale: 100 * time.Millisecond, visibleWithin: 1100 * time.Millisecond}
	plain := fleetFaults{killed: 1}
	for _, tc := range []struct {
		f      fleetFaults
		start  int // ms after the logout's 200
		status int
		want   bool
	}{
		{replica, 5, 401, true},
		{replica, 5, 200, true},     // a replica's copy, within its bound
		{replica, 99, 200, true},    // still within
		{replica, 500, 200, true},   // past the bound, within the slack: counted apart
		{replica, 1100, 200, false}, // past the slack: a lost revocation
		{replica, 5000, 200, false},
		{plain, 1, 200, false}, // without replicas a logout holds at once
		{plain, 1, 401, true},
	} {
		r := fleetRec{kind: fkRevoked, target: 2, start: at(tc.start), end: at(tc.start + 2), status: tc.status, loggedOut: t0}
		if got, why := tc.f.verdict(r); got != tc.want {
			t.Errorf("maxStale %v: status %d %d ms after the logout: %v (%s), want %v", tc.f.maxStale, tc.status, tc.start, got, why, tc.want)
		}
	}
	// The allowance is for logged-out tokens only: a live token refused,
	// or a 200 for another kind, is judged as before.
	if ok, _ := replica.verdict(fleetRec{kind: fkMe, target: 0, start: at(5), end: at(6), status: 401, loggedOut: t0}); ok {
		t.Error("a live token refused passed")
	}
}

func TestFleetVerdictResourceStore(t *testing.T) {
	t0 := time.Now()
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	with := fleetFaults{killed: 1, killBegin: at(1000), killRestart: at(1500), redisStop: at(3000), redisStart: at(3500), recoverIn: time.Second,
		resourceStore: true, storeOutages: map[int][]time.Time{2: {at(10000)}}}
	without := with
	without.resourceStore = false
	for _, tc := range []struct {
		f      fleetFaults
		target int
		start  int
		status int
		want   bool
	}{
		{with, -1, 3100, 503, true},     // Redis away
		{with, -2, 4400, 503, true},     // recovering
		{with, -1, 6000, 503, false},    // after recovery, no outage logged
		{with, -1, 10500, 503, true},    // a demo logged a store outage then
		{without, -1, 3100, 503, false}, // without -redis: no store to fail
		{without, -1, 10500, 503, false},
		{with, 0, 10500, 503, false}, // a demo's own outage line is needed for a demo
		{with, 2, 10500, 503, true},
		{with, -1, 1100, 0, false}, // resource servers are never killed
	} {
		r := fleetRec{kind: fkResource, target: tc.target, start: at(tc.start), end: at(tc.start + 10), status: tc.status}
		if got, why := tc.f.verdict(r); got != tc.want {
			t.Errorf("resourceStore %v, target %d at %d ms, status %d: %v (%s), want %v", tc.f.resourceStore, tc.target, tc.start, tc.status, got, why, tc.want)
		}
	}
}

func TestJudgeProbes(t *testing.T) {
	t0 := time.Now()
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	ft := fleetFaults{killed: 1, killBegin: at(1000), killRestart: at(1500), redisStop: at(3000), redisStart: at(3500),
		recoverIn: time.Second, maxStale: 100 * time.Millisecond, visibleWithin: 1100 * time.Millisecond, resourceStore: true}
	names := func(i int) string { return fmt.Sprintf("demo %d", i) }
	// visible: a result refused (401) d ms after a logout at ms.
	visible := func(target, from, d int) probeResult {
		return probeResult{target: target, loggedOut: at(from), visible: at(from + d), last200: at(from + d - 3)}
	}
	stopped := func(target, from, status int) probeResult {
		return probeResult{target: target, loggedOut: at(from), stopped: true,
			stop: fleetRec{kind: fkRevoked, target: target, start: at(from + 5), end: at(from + 6), status: status, loggedOut: at(from)}}
	}
	for _, tc := range []struct {
		name        string
		res         []probeResult
		lats, calm  []time.Duration
		beyondStale int
		seenAfter   []time.Duration // checked when set
		excluded    map[string]int
		fails       int
		failText    string // in the first failure
	}{
		{name: "measured", res: []probeResult{visible(0, 100, 7), visible(2, 200, 3), {target: 2, loggedOut: at(300), visible: at(301)}},
			lats: []time.Duration{ms1(1), ms1(3), ms1(7)}, calm: []time.Duration{ms1(1), ms1(3), ms1(7)}},
		{name: "during faults: measured, apart from the calm ones", res: []probeResult{visible(1, 1100, 5), visible(0, 1100, 6), visible(2, 3200, 9), visible(0, 4400, 8), visible(0, 4600, 4)},
			lats: []time.Duration{ms1(4), ms1(5), ms1(6), ms1(8), ms1(9)}, calm: []time.Duration{ms1(4), ms1(6)}},
		{name: "accepted past maxStale, within the slack", res: []probeResult{visible(0, 100, 150)},
			lats: []time.Duration{ms1(150)}, calm: []time.Duration{ms1(150)}, beyondStale: 1},
		{name: "the last 200 bounds the visibility below", res: []probeResult{visible(0, 100, 50), {target: 2, loggedOut: at(300), visible: at(301)}},
			lats: []time.Duration{ms1(1), ms1(50)}, calm: []time.Duration{ms1(1), ms1(50)}, seenAfter: []time.Duration{0, ms1(47)}},
		{name: "accepted past the bound fails", res: []probeResult{{target: 0, loggedOut: at(100), last200: at(1250), late: true}},
			beyondStale: 1, fails: 1, failText: "accepted by demo 0 1.15s after"},
		{name: "accepted past the bound while Redis is away fails too", res: []probeResult{{target: 2, loggedOut: at(2900), last200: at(4050), late: true}},
			beyondStale: 1, fails: 1, failText: "accepted by demo 2"},
		{name: "503 while Redis is away or recovering: excluded", res: []probeResult{stopped(0, 3100, 503), stopped(2, 4400, 503), stopped(-1, 3100, 503)},
			excluded: map[string]int{"503, Redis away": 3}},
		{name: "a resource server measured, not during the kill", res: []probeResult{visible(-1, 1100, 5)},
			lats: []time.Duration{ms1(5)}, calm: []time.Duration{ms1(5)}},
		{name: "503 without a fault fails", res: []probeResult{stopped(0, 100, 503)}, fails: 1, failText: "status 503"},
		{name: "the killed demo down: excluded", res: []probeResult{stopped(1, 1100, 0)},
			excluded: map[string]int{"transport error, demo killed": 1}},
		{name: "a transport error elsewhere fails", res: []probeResult{stopped(0, 1100, 0), stopped(1, 2000, 0)}, fails: 2},
		{name: "a 500 fails, even while Redis is away", res: []probeResult{stopped(0, 3100, 500)}, fails: 1},
		{name: "no answer recorded fails", res: []probeResult{{target: 0, loggedOut: at(100)}}, fails: 1},
	} {
		v := ft.judgeProbes(tc.res, names)
		var atResource []time.Duration
		for _, r := range tc.res {
			if r.target < 0 && !r.visible.IsZero() {
				atResource = append(atResource, r.visible.Sub(r.loggedOut))
			}
		}
		if tc.seenAfter != nil && !slices.Equal(v.seenAfter, tc.seenAfter) {
			t.Errorf("%s: last 200s %v, want %v", tc.name, v.seenAfter, tc.seenAfter)
		}
		if len(v.seenAfter) != len(v.lats) {
			t.Errorf("%s: %d last-200 times for %d measured", tc.name, len(v.seenAfter), len(v.lats))
		}
		if !slices.Equal(v.atResource, atResource) {
			t.Errorf("%s: at resource servers %v, want %v", tc.name, v.atResource, atResource)
		}
		if !slices.Equal(v.lats, tc.lats) || !slices.Equal(v.calm, tc.calm) {
			t.Errorf("%s: lats %v calm %v, want %v and %v", tc.name, v.lats, v.calm, tc.lats, tc.calm)
		}
		if v.beyondStale != tc.beyondStale {
			t.Errorf("%s: beyondStale %d, want %d", tc.name, v.beyondStale, tc.beyondStale)
		}
		if !maps.Equal(v.excluded, tc.excluded) && (len(v.excluded) > 0 || len(tc.excluded) > 0) {
			t.Errorf("%s: excluded %v, want %v", tc.name, v.excluded, tc.excluded)
		}
		if v.fails.count() != tc.fails {
			t.Errorf("%s: %d failures %q, want %d", tc.name, v.fails.count(), v.fails.list(), tc.fails)
		}
		if l := v.fails.list(); tc.failText != "" && (len(l) == 0 || !strings.Contains(l[0], tc.failText)) {
			t.Errorf("%s: failures %q, want one with %q", tc.name, l, tc.failText)
		}
	}
}

func ms1(n int) time.Duration { return time.Duration(n) * time.Millisecond }
