package main

import (
	"encoding/base64"
	"net/http"
	"slices"
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
		{fkResource, -1, 3100, 3200, 503, false}, // a resource server needs no store
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
