package main

import (
	"fmt"
	"net/http"
	"time"

	"github.com/pasetokit/pasetokit/examples/demo/internal/app"
)

// runBench measures GET /api/me on the app and on a bare handler that
// answers the same bytes without verifying anything.
func runBench(o options) ([]string, error) {
	// One token per connection, from the app itself.
	r, err := startApp(app.Config{}, o.conns, 8)
	if err != nil {
		return nil, err
	}
	logs, appSrv, setup, toks := r.logs, r.srv, r.setup, r.toks
	defer appSrv.close()
	status, body, err := setup.do("GET", "/api/me", toks[0].access, "")
	if err != nil || status != http.StatusOK {
		return nil, fmt.Errorf("%s", errStatus("GET /api/me", status, body, err))
	}
	setup.close()
	appSrv.waitIdle()

	bare := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write(body)
	})
	bareSrv, err := serve(bare)
	if err != nil {
		return nil, err
	}
	defer bareSrv.close()

	fmt.Printf("%d connections, %d distinct tokens, /api/me body %d bytes; %d round(s) of bare handler then app, each warm-up %s then measured %s\n\n",
		o.conns, len(toks), len(body), o.rounds, o.warmup, o.duration/time.Duration(o.rounds))

	// The handlers take turns, so that both see the same machine (other
	// processes may come and go).
	type row struct {
		name         string
		srv          *server
		res          loadResult
		fails        *failureLog
		opened, peak int64
	}
	rows := []*row{
		{name: "bare handler", srv: bareSrv, fails: &failureLog{}},
		{name: "app GET /api/me", srv: appSrv, fails: &failureLog{}},
	}
	for range o.rounds {
		for _, r := range rows {
			c := newClient(r.srv.URL, o.conns)
			opened0 := r.srv.opened.Load()
			r.srv.peak.Store(r.srv.active.Load())
			res := load(o.conns, o.warmup, o.duration/time.Duration(o.rounds), func(w int) {
				status, b, err := c.do("GET", "/api/me", toks[w].access, "")
				if err != nil || status != http.StatusOK {
					r.fails.add("%s", errStatus(r.name, status, b, err))
				}
			})
			c.close()
			r.srv.waitIdle()
			r.res = r.res.add(res)
			r.opened = max(r.opened, r.srv.opened.Load()-opened0)
			r.peak = max(r.peak, r.srv.peak.Load())
		}
	}
	var failures []string
	for _, r := range rows {
		failures = append(failures, r.fails.list()...)
	}

	fmt.Println("| handler | conns | requests | req/s | p50 | p99 | errors |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|")
	for _, r := range rows {
		fmt.Printf("| %s | %d | %d | %.0f | %s | %s | %d |\n",
			r.name, o.conns, r.res.requests(), r.res.rate(), ms(r.res.p50()), ms(r.res.p99()), r.fails.count())
	}
	fmt.Println()
	for _, r := range rows {
		fmt.Printf("%s: %d connections opened per round, at most %d open at once\n", r.name, r.opened, r.peak)
	}
	if rows[0].res.requests() > 0 {
		fmt.Printf("the app serves %.0f%% of the bare handler's rate\n", 100*rows[1].res.rate()/rows[0].res.rate())
	}
	fmt.Println("verification cache: not in play (authtoken does not set verifier.Config.CacheSize), so every request verifies the signature and checks revocation")
	if f := logs.failure(); f != "" {
		failures = append(failures, f)
	}
	return failures, nil
}
