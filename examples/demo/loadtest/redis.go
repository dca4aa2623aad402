package main

import (
	"context"
	"fmt"
	"log"
	"math/rand/v2"
	"net"
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

	"github.com/pasetokit/pasetokit/examples/demo/internal/app"
	"github.com/pasetokit/pasetokit/store/redisstore"
	"github.com/redis/go-redis/v9"
)

// op is the kind of a request of the redis mode.
type op uint8

const (
	opMe        op = iota // GET /api/me with a token never logged out
	opRevokedMe           // GET /api/me with a token whose logout answered 200
	opLogout              // POST /api/logout with a token never logged out
	opLogin               // POST /api/token
	numOps
)

var opNames = [numOps]string{"/api/me (valid)", "/api/me (revoked)", "/api/logout", "/api/token"}

// rec is one request: when it was sent, when its answer was read, and the
// status (0 for a transport error).
type rec struct {
	start, end time.Time
	op         op
	status     int
}

// phases are the instants that delimit the redis mode's windows, read on
// the monotonic clock of this process.
type phases struct {
	stopBegin     time.Time // the stop signal sent to Redis
	stopConfirmed time.Time // the Redis process has exited
	restartBegin  time.Time // the new Redis process is being started
	recoveredAt   time.Time // the start of the last request answered 503 after the restart began (or the restart itself)
}

// Windows of the redis mode. A request is judged by the window it lies in
// entirely; one that straddles a boundary is in "transition".
const (
	winUp         = "up"         // ended before Redis was told to stop
	winDown       = "down"       // started after Redis had exited, ended before the restart began
	winRecovered  = "recovered"  // started after the last 503 that followed the restart
	winTransition = "transition" // anything else
)

var windows = []string{winUp, winDown, winTransition, winRecovered}

func (p phases) window(r rec) string {
	switch {
	case r.end.Before(p.stopBegin):
		return winUp
	case r.start.After(p.stopConfirmed) && r.end.Before(p.restartBegin):
		return winDown
	case r.start.After(p.recoveredAt) && r.start.After(p.restartBegin):
		return winRecovered
	default:
		return winTransition
	}
}

// allowedStatus reports whether status is a correct answer to a request of
// kind o in window win. With Redis up, valid tokens get 200 and revoked
// ones 401; with Redis down, anything that needs the store gets 503 (fail
// closed); across a boundary either is fine, but a revoked token never gets
// 200, a valid one never 401, and nothing gets a 500 or a transport error.
// POST /api/token needs no store: 200 always, 503 tolerated without Redis.
func allowedStatus(o op, win string, status int) bool {
	want := http.StatusOK
	if o == opRevokedMe {
		want = http.StatusUnauthorized
	}
	switch win {
	case winUp, winRecovered:
		return status == want
	case winDown:
		if o == opLogin {
			return status == http.StatusOK || status == http.StatusServiceUnavailable
		}
		return status == http.StatusServiceUnavailable
	default:
		return status == want || status == http.StatusServiceUnavailable
	}
}

// redisProc is a redis-server child process with an append-only file
// fsynced on every write, in dir, on 127.0.0.1:port.
type redisProc struct {
	bin, dir string
	port     int
	cmd      *exec.Cmd
	done     chan error
}

func (r *redisProc) addr() string { return fmt.Sprintf("127.0.0.1:%d", r.port) }

func (r *redisProc) start() error {
	conf := filepath.Join(r.dir, "redis.conf")
	if _, err := os.Stat(conf); err != nil {
		text := fmt.Sprintf("bind 127.0.0.1\nport %d\ndir %s\nappendonly yes\nappendfsync always\nsave \"\"\ndaemonize no\nlogfile %s\n",
			r.port, r.dir, filepath.Join(r.dir, "redis.log"))
		if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
			return err
		}
	}
	r.cmd = exec.Command(r.bin, conf)
	if err := r.cmd.Start(); err != nil {
		return err
	}
	r.done = make(chan error, 1)
	go func(cmd *exec.Cmd, done chan<- error) { done <- cmd.Wait() }(r.cmd, r.done)
	return nil
}

// stop sends sig, SIGTERM (Redis writes and fsyncs what it has, then
// exits) or SIGKILL, and waits for the process to exit.
func (r *redisProc) stop(sig os.Signal) error {
	if r.cmd == nil {
		return nil
	}
	defer func() { r.cmd = nil }()
	if err := r.cmd.Process.Signal(sig); err != nil {
		return err
	}
	select {
	case err := <-r.done:
		if sig == os.Kill {
			return nil // "signal: killed"
		}
		return err
	case <-time.After(10 * time.Second):
		_ = r.cmd.Process.Kill()
		<-r.done
		return fmt.Errorf("redis-server did not exit within 10s of %v; killed", sig)
	}
}

// waitReady waits until Redis answers PING, or the process exits, or the
// timeout passes.
func (r *redisProc) waitReady(c *redis.Client, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return nil
		}
		select {
		case werr := <-r.done:
			r.done <- werr
			log, _ := os.ReadFile(filepath.Join(r.dir, "redis.log"))
			return fmt.Errorf("redis-server exited: %v\n%s", werr, log)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redis-server not ready after %s: %v", timeout, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// logoutDone is a logout and its answer.
type logoutDone struct {
	tok token
	r   rec
}

// runRedis runs the app on a Redis store under load, stops Redis, starts it
// again, and checks the answers of each window and the revocations.
func runRedis(o options) ([]string, error) {
	bin, err := exec.LookPath(o.redisServer)
	if err != nil {
		return nil, fmt.Errorf("%w (install redis-server, or pass -redis-server)", err)
	}
	dir, err := os.MkdirTemp("", "loadtest-redis-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	// go-redis logs every failed dial; count them instead.
	redisLogs := &appLog{}
	redis.SetLogger(redisLogger{redisLogs})
	rp := &redisProc{bin: bin, dir: dir, port: port}
	if err := rp.start(); err != nil {
		return nil, err
	}
	defer func() { _ = rp.stop(syscall.SIGTERM) }()
	admin := redis.NewClient(&redis.Options{Addr: rp.addr(), DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	defer admin.Close()
	if err := rp.waitReady(admin, 10*time.Second); err != nil {
		return nil, err
	}

	// Short timeouts, so that requests fail fast while Redis is away: a
	// refused dial fails at once and is not retried (go-redis would retry
	// it 5 times, 100ms apart), a silent Redis within 200ms to dial and
	// 500ms to answer (not 200ms: a loaded CI machine can stall a
	// goroutine that long with Redis up). After PoolSize failed dials
	// go-redis fails without dialing and probes Redis once a second, which
	// bounds the recovery time from below.
	rc := redis.NewClient(&redis.Options{
		Addr:                  rp.addr(),
		DialTimeout:           200 * time.Millisecond,
		DialerRetries:         1,
		ReadTimeout:           500 * time.Millisecond,
		WriteTimeout:          500 * time.Millisecond,
		ContextTimeoutEnabled: true,
		PoolSize:              64,
		PoolTimeout:           time.Second,
	})
	defer rc.Close()
	st, err := redisstore.New(rc, redisstore.Config{Prefix: "loadtest:", Timeout: time.Second})
	if err != nil {
		return nil, err
	}
	r, err := startApp(app.Config{Store: st, RememberStore: st}, o.redisConns, 32)
	if err != nil {
		return nil, err
	}
	logs, srv, setup, toks := r.logs, r.srv, r.setup, r.toks
	defer srv.close()
	defer setup.close()

	sig, sigName := os.Signal(syscall.SIGTERM), "SIGTERM"
	if o.redisKill {
		sig, sigName = os.Kill, "SIGKILL"
	}
	fmt.Printf("%d connections, a logout every %d requests per client; Redis on %s (appendfsync always), stopped with %s and restarted; phases of %s\n\n",
		o.redisConns, o.logoutEvery, rp.addr(), sigName, o.phase)
	transport := &failureLog{}
	c := newClient(srv.URL, o.redisConns)
	defer c.close()
	// The restart, and the start of the last request answered 503 after
	// it, in nanoseconds since base; the load runs until a whole phase has
	// passed without a 503.
	base := time.Now()
	var restartNs, last503Ns atomic.Int64
	timed := func(kind op, f func() (int, error)) rec {
		r := rec{start: time.Now(), op: kind}
		status, err := f()
		r.end = time.Now()
		r.status = status
		if err != nil {
			transport.add("%s: %v", opNames[kind], err)
		}
		if at := r.start.Sub(base).Nanoseconds(); status == http.StatusServiceUnavailable && restartNs.Load() != 0 && at > restartNs.Load() {
			for l := last503Ns.Load(); at > l && !last503Ns.CompareAndSwap(l, at); l = last503Ns.Load() {
			}
		}
		return r
	}
	me := func(t token) func() (int, error) {
		return func() (int, error) {
			status, _, err := c.do("GET", "/api/me", t.access, "")
			return status, err
		}
	}

	type worker struct {
		recs    []rec
		revoked []token // logout answered 200
		logouts []logoutDone
	}
	workers := make([]worker, o.redisConns)
	var stopLoad atomic.Bool
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			wk := &workers[w]
			wk.recs = make([]rec, 0, 4096)
			tok := toks[w]
			for i := 1; !stopLoad.Load(); i++ {
				switch {
				case i%o.logoutEvery == 0:
					r := timed(opLogout, func() (int, error) {
						status, _, err := c.do("POST", "/api/logout", tok.access, "")
						return status, err
					})
					wk.recs = append(wk.recs, r)
					wk.logouts = append(wk.logouts, logoutDone{tok, r})
					if r.status == http.StatusOK {
						wk.revoked = append(wk.revoked, tok)
						wk.recs = append(wk.recs, timed(opRevokedMe, me(tok)))
					}
					// Whatever the answer, this token is done with.
					for !stopLoad.Load() {
						var nt token
						r := timed(opLogin, func() (int, error) {
							t, status, err := c.login()
							nt = t
							return status, err
						})
						wk.recs = append(wk.recs, r)
						if r.status == http.StatusOK {
							tok = nt
							break
						}
						time.Sleep(10 * time.Millisecond)
					}
				case i%o.logoutEvery == o.logoutEvery/2 && len(wk.revoked) > 0:
					old := wk.revoked[rand.IntN(len(wk.revoked))]
					wk.recs = append(wk.recs, timed(opRevokedMe, me(old)))
				default:
					wk.recs = append(wk.recs, timed(opMe, me(tok)))
				}
			}
		}()
	}

	var ph phases
	var failures []string
	upStart := time.Now()
	time.Sleep(o.phase)
	ph.stopBegin = time.Now()
	if err := rp.stop(sig); err != nil {
		failures = append(failures, fmt.Sprintf("stopping Redis: %v", err))
	}
	ph.stopConfirmed = time.Now()
	time.Sleep(o.phase)

	ph.restartBegin = time.Now()
	restartNs.Store(ph.restartBegin.Sub(base).Nanoseconds())
	if err := rp.start(); err != nil {
		stopLoad.Store(true)
		wg.Wait()
		return nil, fmt.Errorf("restarting Redis: %w", err)
	}
	var ready time.Duration
	readyDone := make(chan error, 1)
	go func() {
		err := rp.waitReady(admin, o.recoverIn)
		ready = time.Since(ph.restartBegin)
		readyDone <- err
	}()
	for {
		time.Sleep(10 * time.Millisecond)
		quiet := time.Since(base.Add(time.Duration(max(restartNs.Load(), last503Ns.Load()))))
		if quiet >= o.phase || time.Since(ph.restartBegin) >= o.recoverIn+o.phase {
			break
		}
	}
	stopLoad.Store(true)
	wg.Wait()
	loadEnd := time.Now()
	if err := <-readyDone; err != nil {
		failures = append(failures, err.Error())
	}
	// Now that every answer is in, the exact recovery: the start of the
	// last request answered 503 that started after the restart began, and
	// the first 200 from /api/me that started after it.
	ph.recoveredAt = ph.restartBegin
	var first200 time.Time
	for _, wk := range workers {
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
	recovery := ph.recoveredAt.Sub(ph.restartBegin)
	if recovery > o.recoverIn {
		failures = append(failures, fmt.Sprintf("answers still 503 %s after the restart (bound %s)", recovery.Round(time.Millisecond), o.recoverIn))
	}
	if first200.IsZero() {
		failures = append(failures, "no 200 from /api/me after the restart")
	}

	// Judge every request by its window.
	counts := map[string]*[numOps]map[int]int{}
	total := map[string]int{}
	bad := map[string]int{}
	wrong := &failureLog{}
	for _, win := range windows {
		counts[win] = &[numOps]map[int]int{}
		for k := range numOps {
			counts[win][k] = map[int]int{}
		}
	}
	var revoked []token
	var notApplied []token // logouts that answered 503 with Redis down
	var logout503 int
	for _, wk := range workers {
		for _, r := range wk.recs {
			win := ph.window(r)
			counts[win][r.op][r.status]++
			total[win]++
			if !allowedStatus(r.op, win, r.status) {
				bad[win]++
				wrong.add("%s in window %s (started %s after the stop, took %s): status %d",
					opNames[r.op], win, r.start.Sub(ph.stopBegin).Round(time.Millisecond), r.end.Sub(r.start).Round(time.Millisecond), r.status)
			}
		}
		revoked = append(revoked, wk.revoked...)
		for _, l := range wk.logouts {
			if l.r.status == http.StatusServiceUnavailable {
				logout503++
				if ph.window(l.r) == winDown {
					notApplied = append(notApplied, l.tok)
				}
			}
		}
	}
	failures = append(failures, wrong.list()...)
	failures = append(failures, transport.list()...)

	// Final checks, Redis up and no load: no revocation was lost, and no
	// logout that answered 503 was applied.
	lost := &failureLog{}
	var lostN atomic.Int64
	check := func(toks []token, f func(token)) {
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
	check(revoked, func(t token) {
		ok := true
		if status, b, err := setup.do("GET", "/api/me", t.access, ""); err != nil || status != http.StatusUnauthorized {
			lost.add("revoked access token: %s", errStatus("GET /api/me", status, b, err))
			ok = false
		}
		if status, b, err := setup.do("POST", "/api/refresh", t.refresh, ""); err != nil || status != http.StatusUnauthorized {
			lost.add("refresh token of a revoked family: %s", errStatus("POST /api/refresh", status, b, err))
			ok = false
		}
		if !ok {
			lostN.Add(1)
		}
	})
	failures = append(failures, lost.list()...)
	applied := &failureLog{}
	check(notApplied, func(t token) {
		if status, b, err := setup.do("GET", "/api/me", t.access, ""); err != nil || status != http.StatusOK {
			applied.add("token whose logout answered 503 with Redis down: %s", errStatus("GET /api/me", status, b, err))
		}
	})
	failures = append(failures, applied.list()...)

	// Report.
	spans := map[string]string{
		winUp:         fmt.Sprintf("%.1fs", ph.stopBegin.Sub(upStart).Seconds()),
		winDown:       fmt.Sprintf("%.1fs", ph.restartBegin.Sub(ph.stopConfirmed).Seconds()),
		winTransition: fmt.Sprintf("%.0fms + %.0fms", msf(ph.stopConfirmed.Sub(ph.stopBegin)), msf(ph.recoveredAt.Sub(ph.restartBegin))),
		winRecovered:  fmt.Sprintf("%.1fs", loadEnd.Sub(ph.recoveredAt).Seconds()),
	}

	fmt.Println("| window | span | requests | " + strings.Join(opNames[:], " | ") + " | wrong answers |")
	fmt.Println("|---|---:|---:|---|---|---|---|---:|")
	for _, win := range windows {
		cells := []string{win, spans[win], fmt.Sprint(total[win])}
		for k := range numOps {
			cells = append(cells, statusCounts(counts[win][k]))
		}
		cells = append(cells, fmt.Sprint(bad[win]))
		fmt.Println("| " + strings.Join(cells, " | ") + " |")
	}
	fmt.Println()
	fmt.Printf("stop: %s to exit %.0fms; restart: Redis answering PING after %.0fms", sigName, msf(ph.stopConfirmed.Sub(ph.stopBegin)), msf(ready))
	if !first200.IsZero() {
		fmt.Printf(", first 200 from /api/me after %.0fms", msf(first200.Sub(ph.restartBegin)))
	}
	fmt.Printf(", last 503 (request start) after %.0fms (bound %s); then %.1fs without a 503\n",
		msf(recovery), o.recoverIn, loadEnd.Sub(ph.recoveredAt).Seconds())
	fmt.Printf("revocations: %d logouts answered 200; after the run %d of their access tokens and refresh families still rejected, %d lost\n",
		len(revoked), len(revoked)-int(lostN.Load()), lostN.Load())
	fmt.Printf("logouts answered 503: %d, of which %d entirely while Redis was down: %d of those tokens still work (not applied), as they must\n",
		logout503, len(notApplied), len(notApplied)-applied.count())
	fmt.Printf("the app logged %d lines (its 503s), go-redis %d (failed dials)\n", logs.n.Load(), redisLogs.n.Load())
	fmt.Println("windows: up = ended before the signal; down = started after Redis exited and ended before the restart; recovered = started after the last 503 that followed the restart; transition = the rest (200 or 401 as with Redis up, or 503)")
	return failures, nil
}

// redisLogger is a go-redis logger that counts lines and prints none.
type redisLogger struct{ l *appLog }

func (r redisLogger) Printf(_ context.Context, format string, args ...any) {
	r.l.n.Add(1)
	if *verbose {
		log.Printf("go-redis: "+format, args...)
	}
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
