package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pasetokit/pasetokit/tools/loadtest/internal/procs"
)

// The fleet mode: three demo processes sharing one -key-file and one Redis
// act as one issuer; two resource servers (examples/resource_server, when
// it builds) verify the access tokens by following the key sets of two of
// them. Clients take tokens and cookies from random demo processes and
// present them to random demo processes and resource servers, and log
// tokens out at one process and check them at another. One demo process is
// SIGKILLed and started again, then Redis is stopped and started again,
// during the run.
//
// The demos share their key rings in Redis and rotate the access-token key
// every -fleet-rotate-every (fleetring.go). The run checks: no live token
// of a kept key, and no cookie, made by one process is refused (401) by
// another or by a resource server; no token expired or of a dropped key is
// accepted; the rotations follow the schedule (none doubled); a logout at
// one process holds at every process; a 503 comes only while Redis is away
// (and until -recover-within after its restart), a transport error only
// from the killed process while it is down, and never a 500.
//
// The demos and the resource servers read revocations and cut-offs from
// a local replica (-redis-replica, unless -fleet-replica=false; a resource
// server then answers 503 while Redis is away), which may answer from a
// copy up to -redis-replica-max-stale old: a logged-out token shown to
// another demo may pass within that bound of the logout's 200 (counted
// apart; past -fleet-visible-slack more it fails). How soon a revocation is
// seen is measured by probes (fleetprobe.go).

// fleetKind is the kind of a fleet request.
type fleetKind uint8

const (
	fkToken       fleetKind = iota // POST /api/token at a demo
	fkMe                           // GET /api/me at a demo, a live token
	fkResource                     // GET /me at a resource server, a live token
	fkRevoked                      // GET /api/me at a demo, a token logged out at another
	fkLogout                       // POST /api/logout at a demo
	fkWebLogin                     // POST /login (remember me) at a demo
	fkWhoami                       // GET /whoami at a demo, session cookie
	fkRemembered                   // GET /whoami at a demo, remember-me cookie only
	fkOldMe                        // GET /api/me at a demo, a token kept for several periods
	fkOldResource                  // GET /me at a resource server, a token kept for several periods
	numFleetKinds
)

var fleetKindNames = [numFleetKinds]string{"POST /api/token", "GET /api/me", "resource GET /me", "GET /api/me (logged out)", "POST /api/logout", "POST /login", "GET /whoami (session)", "GET /whoami (remembered)", "GET /api/me (old token)", "resource GET /me (old token)"}

// fleetRec is one request: its target (a demo index, or -1 for a resource
// server), its kind, its time span and its answer (0 for a transport error).
type fleetRec struct {
	kind       fleetKind
	target     int
	start, end time.Time
	status     int
	tok        tokenFacts // the presented access token's, when hasTok
	hasTok     bool
	loggedOut  time.Time // fkRevoked: when the token's logout answered 200
}

// fleetFaults are the instants of the faults.
type fleetFaults struct {
	killed                 int // the demo index that is killed
	killBegin, killRestart time.Time
	redisStop, redisStart  time.Time
	recoverIn              time.Duration
	// maxStale is the demos' -redis-replica-max-stale and visibleWithin
	// the bound after which a logged-out token accepted fails the run
	// (maxStale plus -fleet-visible-slack); both zero without replicas,
	// where a logout holds at once at every demo.
	maxStale, visibleWithin time.Duration
	// resourceStore is set when the resource servers read revocations
	// from Redis too (they answer 503 without it).
	resourceStore bool
	// storeOutages holds, per demo, the instants (to the second, as the
	// demo logs them) at which it logged the start of a store outage of
	// its own: its store timed out or failed outside the planned Redis
	// stop (a stall of Redis on a loaded machine).
	storeOutages map[int][]time.Time
}

// outageStart is the demo's log line for the start of a store outage.
var outageStart = regexp.MustCompile(`^(\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}) store outage: `)

// storeOutageNear reports whether demo logged the start of a store outage
// within two seconds of t (its log has whole seconds). For a resource
// server (demo < 0), which logs none, whether any demo did: Redis stalled
// for every process.
func (f fleetFaults) storeOutageNear(demo int, t time.Time) bool {
	for i, ats := range f.storeOutages {
		if i != demo && demo >= 0 {
			continue
		}
		for _, at := range ats {
			if d := t.Sub(at); d > -2*time.Second && d < 3*time.Second {
				return true
			}
		}
	}
	return false
}

// verdict says whether an answer is right for its request: the expected
// status, a 503 overlapping the Redis outage (plus recovery) from a demo
// for what needs the store, or a transport error from the killed demo
// while it was down.
func (f fleetFaults) verdict(r fleetRec) (ok bool, why string) {
	want := http.StatusOK
	switch r.kind {
	case fkRevoked:
		want = http.StatusUnauthorized
	case fkWebLogin:
		want = http.StatusSeeOther
	}
	overlaps := func(from, to time.Time) bool { return !r.end.Before(from) && !r.start.After(to) }
	switch {
	case r.status == want:
		return true, "expected"
	case r.kind == fkRevoked && r.status == http.StatusOK && r.start.Before(r.loggedOut.Add(f.maxStale)):
		// A replica may answer from a copy up to maxStale old.
		return true, "200 within -redis-replica-max-stale of the logout"
	case r.kind == fkRevoked && r.status == http.StatusOK && r.start.Before(r.loggedOut.Add(f.visibleWithin)):
		// Later than the replica's bound, within the run's slack:
		// counted apart, and by the visibility probes too.
		return true, "200 past -redis-replica-max-stale, within -fleet-visible-slack"
	case r.status == http.StatusServiceUnavailable && (r.target >= 0 || f.resourceStore) &&
		overlaps(f.redisStop, f.redisStart.Add(f.recoverIn)):
		// Also POST /api/token: a demo that cannot reach the ring in
		// Redis signs until its current key is due to retire, then
		// fails closed.
		return true, "503, Redis away"
	case r.status == http.StatusServiceUnavailable && r.target >= 0 && f.storeOutageNear(r.target, r.start):
		// The demo's store timed out (its own outage line says so):
		// failing closed is the right answer, whatever the cause.
		return true, "503, store timed out (the demo logged the outage)"
	case r.status == http.StatusServiceUnavailable && r.target < 0 && f.resourceStore && f.storeOutageNear(r.target, r.start):
		return true, "503, store timed out (a demo logged an outage)"
	case r.status == 0 && r.target == f.killed && overlaps(f.killBegin, f.killRestart):
		return true, "transport error, demo killed"
	}
	return false, fmt.Sprintf("status %d", r.status)
}

// alarm matches the demo's log lines that no client of the fleet run should
// cause.
var alarm = regexp.MustCompile(`theft detected|refresh token reused|panic`)

type fleet struct {
	o             options
	demos         []*procs.Demo
	resources     []string // URLs of the resource servers
	resourceProcs []*procs.Process
	faults        fleetFaults
	stopped       atomic.Bool
	ring          ringWatch

	mu         sync.Mutex
	recs       []fleetRec
	revoked    []string // access tokens whose logout answered 200
	probes     []probeResult
	probeSkips map[string]int // probes not started (or targets not polled), by reason
}

func runFleet(e *env, o options) ([]string, error) {
	rs, err := e.startRedis(o)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rs.Stop(10 * time.Second) }()
	keyFile := filepath.Join(e.dir, "fleet-keys.json")
	if err := procs.WriteKeyFile(keyFile); err != nil {
		return nil, err
	}
	f := &fleet{o: o, faults: fleetFaults{killed: 1, recoverIn: o.recoverIn},
		ring:       ringWatch{keys: map[string]*keyFacts{}, gens: map[int]uint64{}},
		probeSkips: map[string]int{}}
	every := o.fleetRotate
	ringFlags := []string{"-publish-ahead", (every * 3 / 4).String(), "-access-lifetime", (2 * every).String(), "-key-grace", (every / 2).String()}
	demoFlags := ringFlags
	if o.fleetReplica {
		// Every demo reads revocations from a replica: the fleet is the
		// deployment a replica is for, and each fault then hits one (the
		// killed demo starts a new one; the Redis restart breaks every
		// subscription). Per-request lookups under an outage stay
		// covered by -mode=redis, and by -fleet-replica=false.
		f.faults.maxStale = cmp.Or(o.replicaStale, defaultMaxStale)
		f.faults.visibleWithin = f.faults.maxStale + o.visibleSlack
		demoFlags = append(slices.Clip(ringFlags), "-redis-replica", "-redis-replica-max-stale", f.faults.maxStale.String())
	}
	for i := range 3 {
		d, err := procs.StartDemo(fmt.Sprintf("demo %d", i), procs.DemoConfig{Bin: e.demoBin, KeyFile: keyFile, Redis: rs.Addr(), RotateEvery: every, Extra: demoFlags})
		if err != nil {
			return nil, err
		}
		defer func() { _ = d.Stop(5 * time.Second) }()
		f.demos = append(f.demos, d)
	}
	note, err := f.startResourceServers(e, rs.Addr())
	defer func() {
		for _, p := range f.resourceProcs {
			_ = p.Stop(5 * time.Second)
		}
	}()
	if err != nil {
		return nil, err
	}
	fmt.Printf("3 demo processes (one -key-file, Redis %s, key rings in Redis: -rotate-every %s %s), %s; %d API clients, %d of them also web clients (remember me), for %s; demo 1 SIGKILLed and restarted at 1/4, Redis stopped and restarted at 1/2\n",
		rs.Addr(), every, strings.Join(demoFlags, " "), note, o.fleetConns, min(webClients, o.fleetConns), o.fleet)
	fmt.Printf("revocation visibility probes: every %s a fresh token logged out at a random demo, the other demos and the resource servers polled every %s until they refuse it\n\n", o.probeEvery, probePoll)

	stopWatch := make(chan struct{})
	watched := make(chan struct{})
	go func() { f.watch(every/8, stopWatch); close(watched) }()
	runStart := time.Now()
	var wg sync.WaitGroup
	for i := range o.fleetConns {
		wg.Add(1)
		go func() { defer wg.Done(); f.client(i < webClients) }()
	}
	wg.Add(1)
	go func() { defer wg.Done(); f.probeLoop() }()
	failures := f.inject(rs)
	f.stopped.Store(true)
	wg.Wait()
	runEnd := time.Now()
	close(stopWatch)
	<-watched
	failures = append(failures, f.judge()...)
	failures = append(failures, f.rotationFigures(runStart, runEnd, every)...)
	failures = append(failures, f.visibilityFigures()...)
	failures = append(failures, f.checkRevoked()...)
	for _, d := range f.demos {
		// The outage makes the demos log (503s, failed dials); a theft
		// or a reused refresh token would be a false alarm of the fleet.
		for _, l := range d.LogLines(nil) {
			if alarm.MatchString(l) {
				failures = append(failures, fmt.Sprintf("%s: %s", d.Name, l))
			}
		}
	}
	return failures, nil
}

// startResourceServers starts two resource servers, following the key sets
// of demos 1 (the one killed) and 2, when examples/resource_server builds.
// They read revocations from the demos' Redis, through replicas as the
// demos do.
func (f *fleet) startResourceServers(e *env, redisAddr string) (string, error) {
	bin := f.o.resourceBin
	if bin == "" {
		var err error
		if bin, err = procs.GoBuild(context.Background(), "github.com/pasetokit/pasetokit/examples/resource_server", e.dir); err != nil {
			first, _, _ := strings.Cut(err.Error(), "\n")
			return "no resource servers (" + first + ")", nil
		}
	}
	storeFlags := []string{"-redis", redisAddr}
	what := "reading revocations from Redis"
	if f.o.fleetReplica {
		storeFlags = append(storeFlags, "-redis-replica", "-redis-replica-max-stale", f.faults.maxStale.String())
		what = "reading revocations from replicas"
	}
	for _, i := range []int{1, 2} {
		port, err := procs.FreePort()
		if err != nil {
			return "", err
		}
		u := fmt.Sprintf("http://127.0.0.1:%d", port)
		// The key set is refetched well within -publish-ahead, so that
		// the next key is known before it signs.
		p, err := procs.StartHTTP(fmt.Sprintf("resource server %d", len(f.resources)), bin, u+"/",
			append([]string{"-addr", u[len("http://"):], "-keys-url", f.demos[i].URL + "/.well-known/paseto-keys",
				"-min-refresh", (f.o.fleetRotate / 8).String(), "-refresh", (f.o.fleetRotate / 4).String()}, storeFlags...)...)
		if err != nil {
			return "", err
		}
		f.resourceProcs = append(f.resourceProcs, p)
		f.resources = append(f.resources, u)
	}
	f.faults.resourceStore = true
	return "2 resource servers following the key sets of demos 1 and 2, " + what, nil
}

// inject runs the faults on the schedule and returns their failures.
func (f *fleet) inject(rs *procs.Redis) []string {
	var failures []string
	quarter := f.o.fleet / 4
	time.Sleep(quarter)
	d := f.demos[f.faults.killed]
	f.mu.Lock()
	f.faults.killBegin = time.Now()
	f.mu.Unlock()
	if err := d.Kill(); err != nil {
		failures = append(failures, err.Error())
	}
	time.Sleep(quarter / 4)
	if err := d.Start(); err != nil {
		failures = append(failures, fmt.Sprintf("restarting %s: %v", d.Name, err))
	}
	f.mu.Lock()
	f.faults.killRestart = time.Now()
	f.mu.Unlock()

	time.Sleep(quarter - quarter/4)
	f.mu.Lock()
	f.faults.redisStop = time.Now()
	f.mu.Unlock()
	if err := rs.Stop(10 * time.Second); err != nil {
		failures = append(failures, fmt.Sprintf("stopping Redis: %v", err))
	}
	time.Sleep(quarter / 4)
	f.mu.Lock()
	f.faults.redisStart = time.Now()
	f.mu.Unlock()
	if err := rs.Start(); err != nil {
		return append(failures, fmt.Sprintf("restarting Redis: %v", err))
	}
	if err := rs.WaitReady(f.o.recoverIn); err != nil {
		failures = append(failures, err.Error())
	}
	time.Sleep(2*quarter - quarter/4)
	return failures
}

// webClients is how many clients also log in on the web part, with
// "remember me". The demo has one user, and a store keeps at most
// store.DefaultMaxSeriesPerUser (32) remember-me series per user, evicting
// the oldest: more clients, and the series they leave behind when they
// start again after a fault, would evict each other's.
const webClients = 8

// client is one client's loop: an API step, and with web a web step, in
// turn.
func (f *fleet) client(web bool) {
	api := newClient("", 4)
	defer api.close()
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var tok, old string
	var oldSince time.Time
	webIn := false
	for i := 0; !f.stopped.Load(); i++ {
		if old == "" || time.Since(oldSince) > 6*f.o.fleetRotate {
			// A token kept for six periods (never logged out): presented
			// past its exp and past its key's drop.
			old, oldSince = f.apiLogin(api), time.Now()
		} else if i%3 == 0 && old != "" {
			f.presentOld(api, old)
		}
		if tok == "" || i%10 == 0 {
			tok = f.apiLogin(api)
		} else if i%7 == 0 {
			f.logoutAndCheck(api, tok)
			tok = ""
		} else {
			f.present(api, tok)
		}
		switch {
		case !web:
		case !webIn:
			webIn = f.webLogin(browser)
		case !f.whoami(browser, i%5 == 0):
			// A lost or refused answer may have left a stale cookie: log
			// out (deleting the series) and start again rather than
			// present it (remember-me would take a replayed cookie for
			// theft).
			req, _ := http.NewRequest("POST", f.demos[f.demo()].URL+"/logout", nil)
			if resp, err := browser.Do(req); err == nil {
				_, _ = readAll(resp)
			}
			jar, _ = cookiejar.New(nil)
			browser.Jar, webIn = jar, false
		}
	}
}

func (f *fleet) demo() int { return rand.IntN(len(f.demos)) }

// do sends one request to target (a demo index, or -1 with base set) and
// records it.
func (f *fleet) do(c *http.Client, kind fleetKind, target int, base, method, path, bearer string, form url.Values) (int, []byte) {
	return f.send(c, fleetRec{kind: kind, target: target}, base, method, path, bearer, form)
}

// send is do with the record's other fields set by the caller.
func (f *fleet) send(c *http.Client, r fleetRec, base, method, path, bearer string, form url.Values) (int, []byte) {
	kind, target := r.kind, r.target
	if target >= 0 {
		base = f.demos[target].URL
	}
	var req *http.Request
	if form != nil {
		req, _ = http.NewRequest(method, base+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else if kind == fkToken {
		req, _ = http.NewRequest(method, base+path, strings.NewReader(`{"username":"test","password":"test"}`))
	} else {
		req, _ = http.NewRequest(method, base+path, nil)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	r.start = time.Now()
	switch kind {
	case fkMe, fkResource, fkOldMe, fkOldResource:
		r.tok, r.hasTok = readToken(bearer)
	}
	var body []byte
	resp, err := c.Do(req)
	if err == nil {
		body, err = readAll(resp)
		if err == nil {
			r.status = resp.StatusCode
		}
	}
	r.end = time.Now()
	f.mu.Lock()
	f.recs = append(f.recs, r)
	f.mu.Unlock()
	return r.status, body
}

func (f *fleet) apiLogin(c *client) string {
	status, body := f.do(c.hc, fkToken, f.demo(), "", "POST", "/api/token", "", nil)
	if status != http.StatusOK {
		return ""
	}
	var p struct {
		Access string `json:"access_token"`
	}
	_ = json.Unmarshal(body, &p)
	return p.Access
}

// present shows tok to a random demo and a random resource server.
func (f *fleet) present(c *client, tok string) {
	f.do(c.hc, fkMe, f.demo(), "", "GET", "/api/me", tok, nil)
	if len(f.resources) > 0 {
		i := rand.IntN(len(f.resources))
		f.do(c.hc, fkResource, -1-i, f.resources[i], "GET", "/me", tok, nil)
	}
}

// presentOld shows a kept token to a random demo or resource server.
func (f *fleet) presentOld(c *client, tok string) {
	if len(f.resources) > 0 && rand.IntN(2) == 0 {
		i := rand.IntN(len(f.resources))
		f.do(c.hc, fkOldResource, -1-i, f.resources[i], "GET", "/me", tok, nil)
		return
	}
	f.do(c.hc, fkOldMe, f.demo(), "", "GET", "/api/me", tok, nil)
}

// logoutAndCheck logs tok out at one demo and shows it to another.
func (f *fleet) logoutAndCheck(c *client, tok string) {
	at := f.demo()
	if status, _ := f.do(c.hc, fkLogout, at, "", "POST", "/api/logout", tok, nil); status != http.StatusOK {
		return
	}
	loggedOut := time.Now()
	f.mu.Lock()
	f.revoked = append(f.revoked, tok)
	f.mu.Unlock()
	f.send(c.hc, fleetRec{kind: fkRevoked, target: (at + 1 + rand.IntN(len(f.demos)-1)) % len(f.demos), loggedOut: loggedOut}, "", "GET", "/api/me", tok, nil)
}

func (f *fleet) webLogin(c *http.Client) bool {
	status, _ := f.do(c, fkWebLogin, f.demo(), "", "POST", "/login", "", url.Values{"username": {"test"}, "password": {"test"}, "remember": {"on"}})
	return status == http.StatusSeeOther
}

// whoami asks a random demo who the cookies are for; with dropSession, the
// session cookie is dropped first, so the remember-me cookie logs in.
func (f *fleet) whoami(c *http.Client, dropSession bool) bool {
	kind := fkWhoami
	target := f.demo()
	if dropSession {
		kind = fkRemembered
		u, _ := url.Parse(f.demos[target].URL)
		c.Jar.SetCookies(u, []*http.Cookie{{Name: "session", Value: "x", Path: "/", MaxAge: -1}})
	}
	status, body := f.do(c, kind, target, "", "GET", "/whoami", "", nil)
	return status == http.StatusOK && strings.Contains(string(body), `"user":"test"`)
}

// judge checks every answer and prints the table.
func (f *fleet) judge() []string {
	wrong := map[string]*failureLog{} // by kind and reason: the first few of each
	counts := [numFleetKinds]map[string]int{}
	for k := range counts {
		counts[k] = map[string]int{}
	}
	f.faults.storeOutages = map[int][]time.Time{}
	for i, d := range f.demos {
		for _, l := range d.Lines() {
			if m := outageStart.FindStringSubmatch(l); m != nil {
				if at, err := time.ParseInLocation("2006/01/02 15:04:05", m[1], time.Local); err == nil {
					f.faults.storeOutages[i] = append(f.faults.storeOutages[i], at)
				}
			}
		}
	}
	var last503 time.Time
	for _, r := range f.recs {
		ok, decided, why := false, false, ""
		if r.hasTok {
			ok, decided, why = f.tokenVerdict(r)
		}
		if !decided {
			ok, why = f.faults.verdict(r)
		}
		counts[r.kind][why]++
		if !ok && wrong[fleetKindNames[r.kind]+why] == nil {
			wrong[fleetKindNames[r.kind]+why] = &failureLog{}
		}
		if !ok {
			wrong[fleetKindNames[r.kind]+why].add("%s at %s (started %s into the run): %s", fleetKindNames[r.kind], f.targetName(r.target), r.start.Sub(f.recs[0].start).Round(time.Millisecond), why)
		}
		if r.status == http.StatusServiceUnavailable && r.start.After(last503) {
			last503 = r.start
		}
	}
	fmt.Println("| request | answers |")
	fmt.Println("|---|---|")
	for k := range numFleetKinds {
		var cells []string
		for why, n := range counts[k] {
			cells = append(cells, fmt.Sprintf("%s ×%d", why, n))
		}
		sort.Strings(cells)
		fmt.Printf("| %s | %s |\n", fleetKindNames[k], strings.Join(cells, ", "))
	}
	fmt.Println()
	fmt.Printf("demo 1 killed for %.0fms (down until it served again); Redis away for %.0fms", msf(f.faults.killRestart.Sub(f.faults.killBegin)), msf(f.faults.redisStart.Sub(f.faults.redisStop)))
	if !last503.IsZero() {
		fmt.Printf(", the last 503 started %.0fms after Redis was started again", msf(last503.Sub(f.faults.redisStart)))
	}
	fmt.Println()
	for _, d := range f.demos {
		for _, l := range d.LogLines(nil) {
			if outageLine.MatchString(l) {
				fmt.Printf("%s: %s\n", d.Name, l)
			}
		}
	}
	var out []string
	for _, w := range wrong {
		out = append(out, w.list()...)
	}
	return out
}

// outageLine matches the demo's outage log lines, printed with the figures.
var outageLine = regexp.MustCompile(`store outage`)

func (f *fleet) targetName(i int) string {
	if i < 0 {
		return fmt.Sprintf("resource server %d", -1-i)
	}
	return f.demos[i].Name
}

// checkRevoked shows every logged-out token to every demo once the run is
// over: each must be refused (no revocation lost, at any process, across
// the kill and the Redis restart).
func (f *fleet) checkRevoked() []string {
	lost := &failureLog{}
	c := newClient("", 16)
	defer c.close()
	toks := make([]token, len(f.revoked))
	for i, t := range f.revoked {
		toks[i] = token{access: t}
	}
	parallel(toks, func(t token) {
		for _, d := range f.demos {
			req, _ := http.NewRequest("GET", d.URL+"/api/me", nil)
			req.Header.Set("Authorization", "Bearer "+t.access)
			resp, err := c.hc.Do(req)
			if err != nil {
				lost.add("logged-out token at %s: %v", d.Name, err)
				continue
			}
			_, _ = readAll(resp)
			if resp.StatusCode != http.StatusUnauthorized {
				lost.add("logged-out token at %s: status %d", d.Name, resp.StatusCode)
			}
		}
	})
	fmt.Printf("logouts answered 200: %d; after the run refused by every demo process: %d\n", len(toks), len(toks)-lost.count())
	return lost.list()
}
