package main

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/pasetokit/pasetokit/tools/loadtest/internal/procs"
)

// runRedis runs a demo process on a Redis server under load, stops Redis,
// starts it again, and checks the answers of each window and the
// revocations.
func runRedis(e *env, o options) ([]string, error) {
	rs, err := e.startRedis(o)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rs.Stop(10 * time.Second) }()
	r, err := e.startDemo("demo", procs.DemoConfig{Redis: rs.Addr()}, o.redisConns, 32)
	if err != nil {
		return nil, err
	}
	defer func() { _ = r.demo.Stop(5 * time.Second) }()
	defer r.setup.close()

	sig, sigName := syscall.SIGTERM, "SIGTERM"
	if o.redisKill {
		sig, sigName = syscall.SIGKILL, "SIGKILL"
	}
	fmt.Printf("%d connections, a logout every %d requests per client; Redis on %s (appendfsync always), stopped with %s and restarted; phases of %s\n\n",
		o.redisConns, o.logoutEvery, rs.Addr(), sigName, o.phase)

	l := newRedisLoad(r.demo.URL, o)
	defer l.c.close()
	l.start(r.toks)
	ph, ready, failures, err := outage(rs, sig, l, o)
	if err != nil {
		return nil, err
	}
	loadEnd := time.Now()

	recovery, first200 := l.recovery(&ph)
	if recovery > o.recoverIn {
		failures = append(failures, fmt.Sprintf("answers still 503 %s after the restart (bound %s)", recovery.Round(time.Millisecond), o.recoverIn))
	}
	if first200.IsZero() {
		failures = append(failures, "no 200 from /api/me after the restart")
	}
	j := l.judge(ph)
	failures = append(failures, j.wrong.list()...)
	failures = append(failures, l.transport.list()...)
	lost, applied := finalChecks(r.setup, j)
	failures = append(failures, lost.list()...)
	failures = append(failures, applied.list()...)

	fmt.Println(j.table(ph, l.upStart, loadEnd))
	fmt.Printf("stop: %s to exit %.0fms; restart: Redis answering PING after %.0fms", sigName, msf(ph.stopConfirmed.Sub(ph.stopBegin)), msf(ready))
	if !first200.IsZero() {
		fmt.Printf(", first 200 from /api/me after %.0fms", msf(first200.Sub(ph.restartBegin)))
	}
	fmt.Printf(", last 503 (request start) after %.0fms (bound %s); then %.1fs without a 503\n",
		msf(recovery), o.recoverIn, loadEnd.Sub(ph.recoveredAt).Seconds())
	fmt.Printf("revocations: %d logouts answered 200; after the run %d of their access tokens and refresh families still rejected, %d lost\n",
		len(j.revoked), len(j.revoked)-lost.count(), lost.count())
	fmt.Printf("logouts answered 503: %d, of which %d entirely while Redis was down: %d of those tokens still work (not applied), as they must\n",
		j.logout503, len(j.notApplied), len(j.notApplied)-applied.count())
	fmt.Printf("the demo logged %d lines while serving (its 503s)\n", len(r.demo.LogLines(nil)))
	fmt.Println("windows: up = ended before the signal; down = started after Redis exited and ended before the restart; recovered = started after the last 503 that followed the restart; transition = the rest (200 or 401 as with Redis up, or 503)")
	return failures, nil
}

// startRedis starts a redis-server in a directory of its own.
func (e *env) startRedis(o options) (*procs.Redis, error) {
	bin, err := exec.LookPath(o.redisServer)
	if err != nil {
		return nil, fmt.Errorf("%w (install redis-server, or pass -redis-server)", err)
	}
	dir, err := os.MkdirTemp(e.dir, "redis-")
	if err != nil {
		return nil, err
	}
	return procs.StartRedis(bin, filepath.Clean(dir))
}

// outage lets the load run for a phase, stops Redis with sig, waits a
// phase, starts it again and lets the load run until a whole phase has
// passed without a 503 (or the recovery bound and a phase have passed).
// It stops the load and returns the phases, how long Redis took to answer
// PING after the restart, and failures.
func outage(rs *procs.Redis, sig syscall.Signal, l *redisLoad, o options) (phases, time.Duration, []string, error) {
	var ph phases
	var failures []string
	time.Sleep(o.phase)
	ph.stopBegin = time.Now()
	if err := rs.StopWith(sig); err != nil {
		failures = append(failures, fmt.Sprintf("stopping Redis: %v", err))
	}
	ph.stopConfirmed = time.Now()
	time.Sleep(o.phase)

	ph.restartBegin = time.Now()
	l.restartNs.Store(ph.restartBegin.Sub(l.base).Nanoseconds())
	if err := rs.Start(); err != nil {
		l.stop()
		return ph, 0, nil, fmt.Errorf("restarting Redis: %w", err)
	}
	var ready time.Duration
	readyDone := make(chan error, 1)
	go func() {
		err := rs.WaitReady(o.recoverIn)
		ready = time.Since(ph.restartBegin)
		readyDone <- err
	}()
	for {
		time.Sleep(10 * time.Millisecond)
		quiet := time.Since(l.base.Add(time.Duration(max(l.restartNs.Load(), l.last503Ns.Load()))))
		if quiet >= o.phase || time.Since(ph.restartBegin) >= o.recoverIn+o.phase {
			break
		}
	}
	l.stop()
	if err := <-readyDone; err != nil {
		failures = append(failures, err.Error())
	}
	return ph, ready, failures, nil
}

// redisLoad is the load of the redis mode: each client asks /api/me with
// its token, logs it out every -logout-every requests (then logs in
// again), and now and then shows a token it logged out.
type redisLoad struct {
	o         options
	c         *client
	transport *failureLog
	workers   []redisWorker
	stopped   atomic.Bool
	wg        sync.WaitGroup

	// The restart, and the start of the last request answered 503 after
	// it, in nanoseconds since base.
	base, upStart        time.Time
	restartNs, last503Ns atomic.Int64
}

type redisWorker struct {
	recs    []rec
	revoked []token // logout answered 200
	logouts []logoutDone
}

// logoutDone is a logout and its answer.
type logoutDone struct {
	tok token
	r   rec
}

func newRedisLoad(url string, o options) *redisLoad {
	return &redisLoad{o: o, c: newClient(url, o.redisConns), transport: &failureLog{}, workers: make([]redisWorker, o.redisConns)}
}

func (l *redisLoad) start(toks []token) {
	l.base = time.Now()
	l.upStart = l.base
	for w := range l.workers {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			l.work(&l.workers[w], toks[w])
		}()
	}
}

func (l *redisLoad) stop() {
	l.stopped.Store(true)
	l.wg.Wait()
}

// work is one client's loop.
func (l *redisLoad) work(wk *redisWorker, tok token) {
	wk.recs = make([]rec, 0, 4096)
	every := l.o.logoutEvery
	for i := 1; !l.stopped.Load(); i++ {
		switch {
		case i%every == 0:
			tok = l.logoutAndLogin(wk, tok)
		case i%every == every/2 && len(wk.revoked) > 0:
			old := wk.revoked[rand.IntN(len(wk.revoked))]
			wk.recs = append(wk.recs, l.timed(opRevokedMe, l.me(old)))
		default:
			wk.recs = append(wk.recs, l.timed(opMe, l.me(tok)))
		}
	}
}

// logoutAndLogin logs tok out, shows it once more if the logout answered
// 200, and logs in again until it gets a new token (or the load stops).
func (l *redisLoad) logoutAndLogin(wk *redisWorker, tok token) token {
	r := l.timed(opLogout, func() (int, error) {
		status, _, err := l.c.do("POST", "/api/logout", tok.access, "")
		return status, err
	})
	wk.recs = append(wk.recs, r)
	wk.logouts = append(wk.logouts, logoutDone{tok, r})
	if r.status == http.StatusOK {
		wk.revoked = append(wk.revoked, tok)
		wk.recs = append(wk.recs, l.timed(opRevokedMe, l.me(tok)))
	}
	// Whatever the answer, this token is done with.
	for !l.stopped.Load() {
		var nt token
		r := l.timed(opLogin, func() (int, error) {
			t, status, err := l.c.login()
			nt = t
			return status, err
		})
		wk.recs = append(wk.recs, r)
		if r.status == http.StatusOK {
			return nt
		}
		time.Sleep(10 * time.Millisecond)
	}
	return tok
}

func (l *redisLoad) me(t token) func() (int, error) {
	return func() (int, error) {
		status, _, err := l.c.do("GET", "/api/me", t.access, "")
		return status, err
	}
}

// timed runs one request and records it; a 503 to a request that started
// after the restart moves the end of the recovery.
func (l *redisLoad) timed(kind op, f func() (int, error)) rec {
	r := rec{start: time.Now(), op: kind}
	status, err := f()
	r.end = time.Now()
	r.status = status
	if err != nil {
		l.transport.add("%s: %v", opNames[kind], err)
	}
	if at := r.start.Sub(l.base).Nanoseconds(); status == http.StatusServiceUnavailable && l.restartNs.Load() != 0 && at > l.restartNs.Load() {
		for last := l.last503Ns.Load(); at > last && !l.last503Ns.CompareAndSwap(last, at); last = l.last503Ns.Load() {
		}
	}
	return r
}

// recovery sets ph.recoveredAt, now that every answer is in: the start of
// the last request answered 503 that started after the restart began. It
// returns the recovery time and the end of the first 200 from /api/me that
// started after the restart.
func (l *redisLoad) recovery(ph *phases) (time.Duration, time.Time) {
	ph.recoveredAt = ph.restartBegin
	var first200 time.Time
	for _, wk := range l.workers {
		for _, r := range wk.recs {
			if !r.start.After(ph.restartBegin) {
				continue
			}
			if r.status == http.StatusServiceUnavailable && r.start.After(ph.recoveredAt) {
				ph.recoveredAt = r.start
			}
			if r.op == opMe && r.status == http.StatusOK && (first200.IsZero() || r.end.Before(first200)) {
				first200 = r.end
			}
		}
	}
	return ph.recoveredAt.Sub(ph.restartBegin), first200
}

// judgement is every request judged by its window.
type judgement struct {
	counts     map[string]*[numOps]map[int]int
	total, bad map[string]int
	wrong      *failureLog
	revoked    []token // logouts that answered 200
	notApplied []token // logouts that answered 503 with Redis down
	logout503  int
}

func (l *redisLoad) judge(ph phases) *judgement {
	j := &judgement{counts: map[string]*[numOps]map[int]int{}, total: map[string]int{}, bad: map[string]int{}, wrong: &failureLog{}}
	for _, win := range windows {
		j.counts[win] = &[numOps]map[int]int{}
		for k := range numOps {
			j.counts[win][k] = map[int]int{}
		}
	}
	for _, wk := range l.workers {
		for _, r := range wk.recs {
			win := ph.window(r)
			j.counts[win][r.op][r.status]++
			j.total[win]++
			if !allowedStatus(r.op, win, r.status) {
				j.bad[win]++
				j.wrong.add("%s in window %s (started %s after the stop, took %s): status %d",
					opNames[r.op], win, r.start.Sub(ph.stopBegin).Round(time.Millisecond), r.end.Sub(r.start).Round(time.Millisecond), r.status)
			}
		}
		j.revoked = append(j.revoked, wk.revoked...)
		for _, lo := range wk.logouts {
			if lo.r.status == http.StatusServiceUnavailable {
				j.logout503++
				if ph.window(lo.r) == winDown {
					j.notApplied = append(j.notApplied, lo.tok)
				}
			}
		}
	}
	return j
}

// finalChecks, with Redis up and no load: no revocation was lost (lost),
// and no logout that answered 503 was applied (applied).
func finalChecks(c *client, j *judgement) (lost, applied *failureLog) {
	lost, applied = &failureLog{}, &failureLog{}
	parallel(j.revoked, func(t token) {
		var why []string
		if status, b, err := c.do("GET", "/api/me", t.access, ""); err != nil || status != http.StatusUnauthorized {
			why = append(why, "revoked access token: "+errStatus("GET /api/me", status, b, err))
		}
		if status, b, err := c.do("POST", "/api/refresh", t.refresh, ""); err != nil || status != http.StatusUnauthorized {
			why = append(why, "refresh token of a revoked family: "+errStatus("POST /api/refresh", status, b, err))
		}
		if len(why) > 0 {
			lost.add("%s", strings.Join(why, "; "))
		}
	})
	parallel(j.notApplied, func(t token) {
		if status, b, err := c.do("GET", "/api/me", t.access, ""); err != nil || status != http.StatusOK {
			applied.add("token whose logout answered 503 with Redis down: %s", errStatus("GET /api/me", status, b, err))
		}
	})
	return lost, applied
}

// parallel calls f for every token, 16 at a time.
func parallel(toks []token, f func(token)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1) - 1; i < int64(len(toks)); i = next.Add(1) - 1 {
				f(toks[i])
			}
		}()
	}
	wg.Wait()
}

// table is the report of the windows, as Markdown.
func (j *judgement) table(ph phases, upStart, loadEnd time.Time) string {
	spans := map[string]string{
		winUp:         fmt.Sprintf("%.1fs", ph.stopBegin.Sub(upStart).Seconds()),
		winDown:       fmt.Sprintf("%.1fs", ph.restartBegin.Sub(ph.stopConfirmed).Seconds()),
		winTransition: fmt.Sprintf("%.0fms + %.0fms", msf(ph.stopConfirmed.Sub(ph.stopBegin)), msf(ph.recoveredAt.Sub(ph.restartBegin))),
		winRecovered:  fmt.Sprintf("%.1fs", loadEnd.Sub(ph.recoveredAt).Seconds()),
	}
	var b strings.Builder
	b.WriteString("| window | span | requests | " + strings.Join(opNames[:], " | ") + " | wrong answers |\n")
	b.WriteString("|---|---:|---:|---|---|---|---|---:|\n")
	for _, win := range windows {
		cells := []string{win, spans[win], fmt.Sprint(j.total[win])}
		for k := range numOps {
			cells = append(cells, statusCounts(j.counts[win][k]))
		}
		cells = append(cells, fmt.Sprint(j.bad[win]))
		b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	return b.String()
}

func msf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// statusCounts formats status counts as "200×n 503×m", by status.
func statusCounts(m map[int]int) string {
	if len(m) == 0 {
		return "-"
	}
	var codes []int
	for c := range m {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	var parts []string
	for _, c := range codes {
		name := fmt.Sprint(c)
		if c == 0 {
			name = "error"
		}
		parts = append(parts, fmt.Sprintf("%s×%d", name, m[c]))
	}
	return strings.Join(parts, " ")
}
