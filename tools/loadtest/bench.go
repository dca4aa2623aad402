package main

import (
	"encoding/base64"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/pasetokit/pasetokit/tools/loadtest/internal/procs"
)

// runBench measures GET /api/me on two demo processes, one with its
// default verified-token cache (-verify-cache 10000) and one started with
// -verify-cache 0, and on a bare handler that answers the same bytes
// without verifying anything. The bare handler is served by another
// process, this program started with -serve-bare, so that every server is
// a process of its own beside the load generator. Each demo's clients use
// tokens it issued (the two have keys of their own).
func runBench(e *env, o options) ([]string, error) {
	// One token per connection, from the demo itself.
	r, err := e.startDemo("demo", procs.DemoConfig{}, o.conns, 8)
	if err != nil {
		return nil, err
	}
	defer func() { _ = r.demo.Stop(5 * time.Second) }()
	status, body, err := r.setup.do("GET", "/api/me", r.toks[0].access, "")
	if err != nil || status != http.StatusOK {
		return nil, fmt.Errorf("%s", errStatus("GET /api/me", status, body, err))
	}
	r.setup.close()

	nc, err := e.startDemo("demo -verify-cache 0", procs.DemoConfig{Extra: []string{"-verify-cache", "0"}}, o.conns, 8)
	if err != nil {
		return nil, err
	}
	defer func() { _ = nc.demo.Stop(5 * time.Second) }()
	nc.setup.close()

	bare, bareURL, err := procs.StartServer("bare handler", e.self, "-serve-bare", "127.0.0.1:0", "-bare-body", base64.StdEncoding.EncodeToString(body))
	if err != nil {
		return nil, err
	}
	defer func() { _ = bare.Stop(5 * time.Second) }()

	fmt.Printf("%d connections, %d distinct tokens, /api/me body %d bytes; %d round(s) of bare handler, demo, demo without cache, each warm-up %s then measured %s\n\n",
		o.conns, len(r.toks), len(body), o.rounds, o.warmup, o.duration/time.Duration(o.rounds))
	rows := []*benchRow{
		{name: "bare handler (own process)", url: bareURL, pid: bare.Pid(), toks: r.toks, fails: &failureLog{}},
		{name: "demo GET /api/me", url: r.demo.URL, pid: r.demo.Pid(), toks: r.toks, fails: &failureLog{}},
		{name: "demo -verify-cache 0 GET /api/me", url: nc.demo.URL, pid: nc.demo.Pid(), toks: nc.toks, fails: &failureLog{}},
	}
	// The handlers take turns, so that all see the same machine (other
	// processes may come and go).
	for range o.rounds {
		for _, row := range rows {
			row.measure(o)
		}
	}
	printBench(o, rows)
	var failures []string
	for _, row := range rows {
		failures = append(failures, row.fails.list()...)
	}
	for _, d := range []*procs.Demo{r.demo, nc.demo} {
		if f := logFailure(d, nil); f != "" {
			failures = append(failures, f)
		}
	}
	return failures, nil
}

// benchRow is one handler's measurements over the rounds.
type benchRow struct {
	name, url    string
	toks         []token // one per connection, issued by the server's demo
	res          loadResult
	fails        *failureLog
	opened, peak int64
	pid          int // the server process, whose CPU time is sampled (0: none)
	// CPU time used over the measured windows by the server and by the
	// load generator (this process), unless a sample failed (noCPU).
	serverCPU, genCPU time.Duration
	noCPU             bool
}

// measure runs one round on fresh connections.
func (row *benchRow) measure(o options) {
	c := newClient(row.url, o.conns)
	var srv0, gen0 time.Duration
	var ok0 bool
	var sample func(end bool) // nil: a row without a server process to sample
	if row.pid > 0 {
		sample = func(end bool) {
			srv, ok1 := procCPU(row.pid)
			gen, ok2 := selfCPU()
			if !end {
				srv0, gen0, ok0 = srv, gen, ok1 && ok2
				return
			}
			if !ok0 || !ok1 || !ok2 {
				row.noCPU = true
				return
			}
			row.serverCPU += srv - srv0
			row.genCPU += gen - gen0
		}
	} else {
		row.noCPU = true
	}
	res := loadMarked(o.conns, o.warmup, o.duration/time.Duration(o.rounds), func(w int) {
		status, b, err := c.do("GET", "/api/me", row.toks[w].access, "")
		if err != nil || status != http.StatusOK {
			row.fails.add("%s", errStatus(row.name, status, b, err))
		}
	}, sample)
	c.close()
	row.res = row.res.add(res)
	row.opened = max(row.opened, c.opened.Load())
	row.peak = max(row.peak, c.peak.Load())
}

func printBench(o options, rows []*benchRow) {
	fmt.Println("| handler | conns | requests | req/s | p50 | p99 | errors | server CPU/req | load generator CPU/req |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, r := range rows {
		srv, gen := "-", "-"
		if n := r.res.requests(); !r.noCPU && n > 0 {
			srv, gen = perRequest(r.serverCPU, n), perRequest(r.genCPU, n)
		}
		fmt.Printf("| %s | %d | %d | %.0f | %s | %s | %d | %s | %s |\n",
			r.name, o.conns, r.res.requests(), r.res.rate(), ms(r.res.p50()), ms(r.res.p99()), r.fails.count(), srv, gen)
	}
	fmt.Println()
	for _, r := range rows {
		fmt.Printf("%s: %d connections opened per round, at most %d open at once\n", r.name, r.opened, r.peak)
	}
	if rows[0].res.requests() > 0 {
		fmt.Printf("the demo serves %.0f%% of the bare handler's rate\n", 100*rows[1].res.rate()/rows[0].res.rate())
		fmt.Printf("the demo with -verify-cache 0 serves %.0f%% of the bare handler's rate\n", 100*rows[2].res.rate()/rows[0].res.rate())
	}
	fmt.Println("CPU/req: user+system CPU time over the measured windows (/proc/PID/stat for the server, getrusage for this process), divided by the requests measured; the server's includes its garbage collector and the connections' goroutines, the generator's its own client work.")
	fmt.Println("verification cache: the demo keeps up to 10000 verified access tokens (-verify-cache), so a token seen again skips the Ed25519 check; expiry, revocation and cut-off are still checked on every request. The -verify-cache 0 demo verifies every signature.")
}

// perRequest formats cpu spread over n requests in microseconds.
func perRequest(cpu time.Duration, n int) string {
	return fmt.Sprintf("%.1f µs", float64(cpu)/float64(n)/float64(time.Microsecond))
}

// serveBare is this program started with -serve-bare: a handler that
// answers every request with body, as JSON, verifying nothing.
func serveBare(addr, body64 string) {
	body, err := base64.StdEncoding.DecodeString(body64)
	if err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	log.SetOutput(os.Stderr)
	log.Printf("listening on http://%s", ln.Addr())
	srv := &http.Server{
		ReadHeaderTimeout: 10 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Cache-Control", "no-store")
			_, _ = w.Write(body)
		}),
	}
	log.Fatal(srv.Serve(ln)) // until SIGTERM ends the process
}
