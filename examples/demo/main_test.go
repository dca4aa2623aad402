package main

// Tests of the demo as a process: the binary built with go build, started
// on 127.0.0.1 with the flags a user passes, talked to over HTTP.
//
//   - TestProcessFleetCluster and TestProcessFleetSentinel start two demo
//     processes on one Redis Cluster (-redis with every node) or one
//     Sentinel set-up (-redis with the Sentinels, -redis-master): a token
//     made by one is accepted by the other, a logout at one is seen by the
//     other, and a refresh token replayed at one after the family moved on
//     at the other is refused. They run when PASETOKIT_REDIS_CLUSTER_ADDRS,
//     or PASETOKIT_REDIS_SENTINEL_ADDRS and PASETOKIT_REDIS_MASTER, are set
//     (scripts/redis-cluster.sh, scripts/redis-sentinel.sh; both wrap the
//     demo's tests in scripts/redis-test.sh), and skip otherwise.
//   - TestProcessRedisHung starts its own redis-server, stops it with
//     SIGSTOP under a demo process, and checks the README's promise: every
//     request that needs the store answers 503 with Retry-After within the
//     store's timeout, and works again after SIGCONT. It skips without
//     redis-server, unless CI=true.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/store/redisstore"
	"github.com/redis/go-redis/v9"
)

// demoBin is the demo built once for the test binary (see buildDemo).
var demoBin struct {
	once sync.Once
	dir  string
	path string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if demoBin.dir != "" {
		os.RemoveAll(demoBin.dir)
	}
	os.Exit(code)
}

// buildDemo builds this package with go build, once per test binary, and
// returns the binary.
func buildDemo(t *testing.T) string {
	t.Helper()
	demoBin.once.Do(func() {
		goBin, err := exec.LookPath("go")
		if err != nil {
			demoBin.err = fmt.Errorf("the go command, to build the demo: %w", err)
			return
		}
		if demoBin.dir, demoBin.err = os.MkdirTemp("", "demo-test-"); demoBin.err != nil {
			return
		}
		demoBin.path = filepath.Join(demoBin.dir, "demo")
		out, err := exec.Command(goBin, "build", "-o", demoBin.path, ".").CombinedOutput()
		if err != nil {
			demoBin.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if demoBin.err != nil {
		t.Fatal(demoBin.err)
	}
	return demoBin.path
}

// needRedisServer returns the redis-server binary; without one the test
// skips, or fails when CI=true.
func needRedisServer(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no redis-server (required when CI=true): %v", err)
		}
		t.Skip("no redis-server")
	}
	return bin
}

// lockedBuffer is a process's output, written by the process's copier and
// read by the test.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// proc is a child process that the test's cleanup ends: SIGCONT (it may
// have been stopped), then SIGTERM, then SIGKILL after ten seconds. Its
// output is shown when the test failed.
type proc struct {
	cmd  *exec.Cmd
	out  lockedBuffer
	done chan struct{}
}

func startProc(t *testing.T, name, bin string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(bin, args...), done: make(chan struct{})}
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	go func() {
		_ = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Signal(syscall.SIGCONT)
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("%s output:\n%s", name, p.out.String())
		}
	})
	return p
}

// signal sends sig to the process.
func (p *proc) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("%v: %v", sig, err)
	}
}

// until polls f until it reports true, for up to 30 seconds; it fails the
// test then, or when the process p (if any) has exited.
func until(t *testing.T, what string, p *proc, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !f() {
		if p != nil {
			select {
			case <-p.done:
				t.Fatalf("%s: the process exited:\n%s", what, p.out.String())
			default:
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after 30s", what)
		}
		time.Sleep(20 * time.Millisecond) // polling another process
	}
}

// freeAddr returns a loopback address that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// redisPort returns a free loopback port for redis-server: one the kernel
// picks, or the first free one of PASETOKIT_REDIS_TEST_PORTS ("FIRST-LAST")
// when set.
func redisPort(t *testing.T) string {
	t.Helper()
	r := os.Getenv("PASETOKIT_REDIS_TEST_PORTS")
	if r == "" {
		_, port, _ := net.SplitHostPort(freeAddr(t))
		return port
	}
	lo, hi, _ := strings.Cut(r, "-")
	first, err1 := strconv.Atoi(lo)
	last, err2 := strconv.Atoi(hi)
	if err1 != nil || err2 != nil {
		t.Fatalf("PASETOKIT_REDIS_TEST_PORTS=%q: want FIRST-LAST", r)
	}
	for p := first; p <= last; p++ {
		if l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p)); err == nil {
			l.Close()
			return strconv.Itoa(p)
		}
	}
	t.Fatalf("no free port in %d-%d for redis-server", first, last)
	return ""
}

// keyFile writes a -key-file for a fleet: a new token key and cookie
// secret.
func keyFile(t *testing.T) string {
	t.Helper()
	sk, err := paseto.GenerateSecretKey(paseto.V4)
	if err != nil {
		t.Fatal(err)
	}
	tk, err := paserk.Encode(sk)
	if err != nil {
		t.Fatal(err)
	}
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	b, err := json.Marshal(map[string]string{"token_key": tk, "cookie_secret": base64.StdEncoding.EncodeToString(secret)})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "keys.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// startDemo starts the demo with args (besides -addr and -metrics-addr)
// and returns its base URL once /healthz answers.
func startDemo(t *testing.T, name string, args ...string) string {
	t.Helper()
	addr := freeAddr(t)
	p := startProc(t, name, buildDemo(t), append([]string{"-addr", addr, "-metrics-addr", ""}, args...)...)
	base := "http://" + addr
	until(t, name+" /healthz", p, func() bool {
		res, err := http.Get(base + "/healthz")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == 200
	})
	return base
}

// client is the tests' HTTP client: no request waits longer than
// 10 seconds, whatever the demo does.
var client = &http.Client{Timeout: 10 * time.Second}

// answer is a demo's answer to one request.
type answer struct {
	status     int
	retryAfter string
	body       map[string]any
	took       time.Duration
}

func (a answer) String() string {
	return fmt.Sprintf("%d (Retry-After %q) %v in %v", a.status, a.retryAfter, a.body, a.took.Round(time.Millisecond))
}

// call sends method url with a bearer token (none when empty) and a JSON
// body (none when empty).
func call(t *testing.T, method, url, token, body string) answer {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	start := time.Now()
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	a := answer{status: res.StatusCode, retryAfter: res.Header.Get("Retry-After")}
	_ = json.NewDecoder(res.Body).Decode(&a.body)
	a.took = time.Since(start)
	return a
}

// pair is an API login's or refresh's tokens.
type pair struct{ access, refresh string }

// tokens checks that a is a 200 with a token pair and returns it.
func tokens(t *testing.T, what string, a answer) pair {
	t.Helper()
	acc, _ := a.body["access_token"].(string)
	ref, _ := a.body["refresh_token"].(string)
	if a.status != 200 || acc == "" || ref == "" {
		t.Fatalf("%s: %v, want 200 and a token pair", what, a)
	}
	return pair{acc, ref}
}

func login(t *testing.T, base string) pair {
	t.Helper()
	return tokens(t, "POST "+base+"/api/token", call(t, "POST", base+"/api/token", "", `{"username":"test","password":"test"}`))
}

// wantMe checks GET /api/me at base with access: 200 for user test, or
// the status want.
func wantMe(t *testing.T, what, base, access string, want int) {
	t.Helper()
	a := call(t, "GET", base+"/api/me", access, "")
	if a.status != want || want == 200 && a.body["user"] != "test" {
		t.Fatalf("%s: GET /api/me: %v, want %d", what, a, want)
	}
}

// clearDemoKeys deletes the demo's keys (its fixed prefix) on every master
// c reaches, now and when the test ends: a fleet of an earlier run on the
// same Redis left key rings wrapped with another cookie secret.
func clearDemoKeys(t *testing.T, c redis.UniversalClient) {
	t.Helper()
	wipe := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		del := func(ctx context.Context, n redis.Cmdable) error {
			iter := n.Scan(ctx, 0, redisPrefix+"*", 1000).Iterator()
			for iter.Next(ctx) {
				if err := n.Del(ctx, iter.Val()).Err(); err != nil {
					return err
				}
			}
			return iter.Err()
		}
		if cc, ok := c.(*redis.ClusterClient); ok {
			return cc.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error { return del(ctx, m) })
		}
		return del(ctx, c)
	}
	if err := wipe(); err != nil {
		t.Fatalf("deleting the demo's keys: %v", err)
	}
	t.Cleanup(func() {
		if err := wipe(); err != nil {
			t.Errorf("deleting the demo's keys: %v", err)
		}
	})
}

// fleet starts two demo processes with the same -key-file and the Redis
// flags redisArgs (c reaches the same Redis, to clear the demo's keys),
// and checks that they share the state of a fleet: tokens, logouts and
// refresh-token rotations made at one are seen by the other.
func fleet(t *testing.T, c redis.UniversalClient, redisArgs ...string) {
	if testing.Short() {
		t.Skip("builds and starts the demo")
	}
	buildDemo(t)
	clearDemoKeys(t, c) // registered first: its cleanup runs after the demos have stopped
	kf := keyFile(t)
	a := startDemo(t, "demo A", append([]string{"-key-file", kf}, redisArgs...)...)
	b := startDemo(t, "demo B", append([]string{"-key-file", kf}, redisArgs...)...)
	// Both processes sign with the fleet's current key, read from Redis.
	kid := func(base string) string {
		ans := call(t, "GET", base+"/api/me", login(t, base).access, "")
		k, _ := ans.body["kid"].(string)
		if ans.status != 200 || k == "" {
			t.Fatalf("GET %s/api/me: %v", base, ans)
		}
		return k
	}
	if ka, kb := kid(a), kid(b); ka != kb {
		t.Fatalf("signing keys %s at A, %s at B: want the fleet's one key", ka, kb)
	}

	t.Run("logout at one, refused at the other", func(t *testing.T) {
		p := login(t, a)
		wantMe(t, "B, A's token", b, p.access, 200)
		if ans := call(t, "POST", a+"/api/logout", p.access, ""); ans.status != 200 {
			t.Fatalf("POST /api/logout at A: %v", ans)
		}
		wantMe(t, "B, A's token after its logout at A", b, p.access, 401)
		if ans := call(t, "POST", b+"/api/refresh", p.refresh, ""); ans.status != 401 {
			t.Fatalf("POST /api/refresh at B with the refresh token logged out at A: %v, want 401", ans)
		}
	})

	t.Run("refresh rotation shared", func(t *testing.T) {
		p1 := login(t, a)
		p2 := tokens(t, "refresh at B", call(t, "POST", b+"/api/refresh", p1.refresh, ""))
		wantMe(t, "A, B's refreshed token", a, p2.access, 200)
		// A retry of the same refresh at A, within the retry window and
		// before the family moved on: the same generation again.
		p2b := tokens(t, "retry of the same refresh at A", call(t, "POST", a+"/api/refresh", p1.refresh, ""))
		// The family moves on at A; p1's refresh token is now reuse
		// at B, which revokes the family at both.
		p3 := tokens(t, "refresh of the successor at A", call(t, "POST", a+"/api/refresh", p2b.refresh, ""))
		wantMe(t, "B, A's refreshed token", b, p3.access, 200)
		if ans := call(t, "POST", b+"/api/refresh", p1.refresh, ""); ans.status != 401 {
			t.Fatalf("replay at B of the refresh token the family moved on from at A: %v, want 401", ans)
		}
		for _, base := range []string{a, b} {
			wantMe(t, "the family's newest token after the replay", base, p3.access, 401)
		}
		if ans := call(t, "POST", a+"/api/refresh", p3.refresh, ""); ans.status != 401 {
			t.Fatalf("refresh at A of the revoked family's newest token: %v, want 401", ans)
		}
	})
}

// TestProcessFleetCluster: two demo processes on one Redis Cluster
// (-redis with every node's address) act as one.
func TestProcessFleetCluster(t *testing.T) {
	v := os.Getenv("PASETOKIT_REDIS_CLUSTER_ADDRS")
	if v == "" {
		t.Skip("PASETOKIT_REDIS_CLUSTER_ADDRS is not set (scripts/redis-cluster.sh)")
	}
	c, err := redisstore.NewClient(redisstore.ClientConfig{Addrs: strings.Split(v, ",")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	if _, ok := c.(*redis.ClusterClient); !ok {
		t.Fatalf("PASETOKIT_REDIS_CLUSTER_ADDRS=%s: not a cluster client (%T); want several addresses", v, c)
	}
	fleet(t, c, "-redis", v)
}

// TestProcessFleetSentinel: two demo processes on one Sentinel set-up
// (-redis with the Sentinels' addresses, -redis-master) act as one.
func TestProcessFleetSentinel(t *testing.T) {
	v, m := os.Getenv("PASETOKIT_REDIS_SENTINEL_ADDRS"), os.Getenv("PASETOKIT_REDIS_MASTER")
	if v == "" || m == "" {
		t.Skip("PASETOKIT_REDIS_SENTINEL_ADDRS and PASETOKIT_REDIS_MASTER are not set (scripts/redis-sentinel.sh)")
	}
	c, err := redisstore.NewClient(redisstore.ClientConfig{Addrs: strings.Split(v, ","), MasterName: m})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	fleet(t, c, "-redis", v, "-redis-master", m)
}

// hungBound is the longest a request that needs a hung Redis may take to
// answer 503: the store's timeout (redisstore.DefaultTimeout, 1s) and a
// margin for a loaded machine, well under go-redis's own 5s default read
// timeout, which a client built without redisstore.NewClient would wait.
const hungBound = 3 * time.Second

// TestProcessRedisHung stops the demo's redis-server with SIGSTOP (a hung
// server: connections open, no answers): GET /api/me with a valid token
// and POST /api/refresh answer 503 with Retry-After within hungBound, and
// so does a login (POST /api/token); and they work again once Redis runs
// (SIGCONT): the refresh token that was answered 503 is not taken as
// reused (had the hung server run its rotation on resuming, the retry
// would fall within authtoken's retry window).
func TestProcessRedisHung(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts the demo and redis-server")
	}
	if redisstore.DefaultTimeout+1500*time.Millisecond > hungBound {
		t.Fatalf("hungBound %v leaves less than 1.5s over redisstore.DefaultTimeout %v", hungBound, redisstore.DefaultTimeout)
	}
	redisBin := needRedisServer(t)
	buildDemo(t)
	port := redisPort(t)
	redisAddr := "127.0.0.1:" + port
	rs := startProc(t, "redis-server", redisBin, "--port", port, "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", t.TempDir())
	until(t, "redis-server up", rs, func() bool {
		c, err := net.Dial("tcp", redisAddr)
		if err != nil {
			return false
		}
		c.Close()
		return true
	})
	demo := startDemo(t, "demo", "-key-file", keyFile(t), "-redis", redisAddr)
	p := login(t, demo)
	wantMe(t, "before SIGSTOP", demo, p.access, 200)
	wantMe(t, "before SIGSTOP, again (verification cache)", demo, p.access, 200)

	rs.signal(t, syscall.SIGSTOP)
	// The test may end while Redis is stopped: resume it before the
	// demo stops (startProc's cleanup resumes and ends it last).
	t.Cleanup(func() { _ = rs.cmd.Process.Signal(syscall.SIGCONT) })
	for _, req := range []struct{ name, method, path, token, body string }{
		{"GET /api/me", "GET", "/api/me", p.access, ""},
		{"POST /api/refresh", "POST", "/api/refresh", p.refresh, ""},
		{"POST /api/token", "POST", "/api/token", "", `{"username":"test","password":"test"}`},
		{"GET /api/me, again", "GET", "/api/me", p.access, ""},
	} {
		ans := call(t, req.method, demo+req.path, req.token, req.body)
		t.Logf("Redis stopped: %s: %v", req.name, ans)
		if ans.status != 503 || ans.retryAfter == "" {
			t.Errorf("Redis stopped: %s: %v, want 503 with Retry-After", req.name, ans)
		}
		if ans.took > hungBound {
			t.Errorf("Redis stopped: %s answered after %v, want within %v", req.name, ans.took, hungBound)
		}
	}
	if t.Failed() {
		return
	}

	rs.signal(t, syscall.SIGCONT)
	resumed := time.Now()
	until(t, "GET /api/me after SIGCONT", nil, func() bool {
		return call(t, "GET", demo+"/api/me", p.access, "").status == 200
	})
	t.Logf("GET /api/me answered 200 %v after SIGCONT", time.Since(resumed).Round(time.Millisecond))
	ans := call(t, "POST", demo+"/api/refresh", p.refresh, "")
	p2 := tokens(t, "POST /api/refresh after SIGCONT (a retry of the one answered 503)", ans)
	wantMe(t, "the refreshed token", demo, p2.access, 200)
	tokens(t, "POST /api/refresh of the successor", call(t, "POST", demo+"/api/refresh", p2.refresh, ""))
}
