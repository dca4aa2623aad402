package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/store"
	"github.com/pasetokit/pasetokit/store/redisstore"
)

// required skips the test when a prerequisite is missing, except in CI
// (CI=true), where a missing prerequisite fails it.
func required(t *testing.T, msg string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s (required when CI=true)", msg)
	}
	t.Skip(msg)
}

// reuseLog counts the reuse events the application logs.
type reuseLog struct{ n atomic.Int64 }

func (l *reuseLog) logf(format string, args ...any) {
	if strings.HasPrefix(format, "refresh token reuse detected") {
		l.n.Add(1)
	}
}

// start serves a new application with st (nil: in memory) on a 127.0.0.1
// listener and returns its base URL.
func start(t *testing.T, st store.Store, logf func(string, ...any)) string {
	t.Helper()
	h, err := newHandler(options{Store: st, Logf: logf})
	if err != nil {
		t.Fatal(err)
	}
	return serveHandler(t, h)
}

// serveHandler serves h on a 127.0.0.1 listener until t ends and returns
// its base URL.
func serveHandler(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close(); <-done })
	return "http://" + ln.Addr().String()
}

// client is shared by the tests, with room for the concurrent ones.
var client = &http.Client{
	Timeout:   30 * time.Second,
	Transport: &http.Transport{MaxIdleConnsPerHost: 64},
}

// do sends a request and decodes the JSON answer. It is safe to call from
// several goroutines: it reports failures with t.Errorf and returns status 0.
func do(t *testing.T, method, u, token, contentType, body string) (int, map[string]string) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Errorf("%s %s: %v", method, u, err)
		return 0, nil
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := client.Do(req)
	if err != nil {
		t.Errorf("%s %s: %v", method, u, err)
		return 0, nil
	}
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s %s: Content-Type %q, want application/json", method, u, ct)
	}
	var out map[string]string
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Errorf("%s %s: decoding the answer: %v", method, u, err)
		return 0, nil
	}
	return res.StatusCode, out
}

func call(t *testing.T, method, u, token string) (int, map[string]string) {
	t.Helper()
	return do(t, method, u, token, "", "")
}

// want fails the test unless the answer has the status and, when
// detailText is not empty, that detail.
func want(t *testing.T, what string, status int, out map[string]string, wantStatus int, detailText string) {
	t.Helper()
	if status != wantStatus || (detailText != "" && out["detail"] != detailText) {
		t.Fatalf("%s: %d %v; want %d %q", what, status, out, wantStatus, detailText)
	}
}

// login posts the password form and returns the pair.
func login(t *testing.T, base string) (access, refresh string) {
	t.Helper()
	form := url.Values{"grant_type": {"password"}, "username": {"test"}, "password": {"test"}}
	status, out := do(t, "POST", base+"/token", "", "application/x-www-form-urlencoded", form.Encode())
	checkPair(t, "POST /token", status, out)
	return out["access_token"], out["refresh_token"]
}

func checkPair(t *testing.T, what string, status int, out map[string]string) {
	t.Helper()
	if status != http.StatusOK || out["token_type"] != "bearer" ||
		!strings.HasPrefix(out["access_token"], "v4.local.") || !strings.HasPrefix(out["refresh_token"], "v4.local.") {
		t.Fatalf("%s: %d %v; want 200 with a bearer pair", what, status, out)
	}
}

// flow runs the whole life of a session against the application at base.
func flow(t *testing.T, base string, reuses *reuseLog) {
	access, refresh := login(t, base)

	status, out := call(t, "GET", base+"/protected", access)
	if status != http.StatusOK || out["message"] != "Welcome, test" {
		t.Fatalf("GET /protected: %d %v", status, out)
	}
	// Each kind is refused where the other is expected, as a wrong type
	// (the footer names the kind), before its key is even looked at.
	status, out = call(t, "GET", base+"/protected", refresh)
	want(t, "GET /protected with the refresh token", status, out, 401, "Wrong token type")
	status, out = call(t, "POST", base+"/refresh", access)
	want(t, "POST /refresh with the access token", status, out, 401, "Wrong token type")

	// Rotation: a new pair, and the new access token works.
	status, out = call(t, "POST", base+"/refresh", refresh)
	checkPair(t, "POST /refresh", status, out)
	access2, refresh2 := out["access_token"], out["refresh_token"]
	if access2 == access || refresh2 == refresh {
		t.Fatal("POST /refresh returned the old tokens")
	}
	status, out = call(t, "GET", base+"/protected", access2)
	want(t, "GET /protected with the rotated access token", status, out, 200, "")

	// The old refresh token again, at once: a retry of a refresh whose
	// answer the client may have lost, which gets the same generation.
	status, out = call(t, "POST", base+"/refresh", refresh)
	checkPair(t, "POST /refresh retried with the same refresh token", status, out)

	// The client goes on: the family moves on, and the first refresh
	// token is now reuse: the family is revoked.
	status, out = call(t, "POST", base+"/refresh", refresh2)
	checkPair(t, "POST /refresh with the new refresh token", status, out)
	access3, refresh3 := out["access_token"], out["refresh_token"]
	if n := reuses.n.Load(); n != 0 {
		t.Fatalf("%d reuses logged before any reuse", n)
	}
	status, out = call(t, "POST", base+"/refresh", refresh)
	want(t, "POST /refresh with the used refresh token", status, out, 401, "Refresh token already used; please log in again")
	if n := reuses.n.Load(); n != 1 {
		t.Fatalf("%d reuses logged, want 1", n)
	}
	status, out = call(t, "POST", base+"/refresh", refresh3)
	want(t, "POST /refresh with the family's new refresh token", status, out, 401, "Token has been revoked")
	for _, tok := range []string{access, access2, access3} {
		status, out = call(t, "GET", base+"/protected", tok)
		want(t, "GET /protected with an access token of the revoked family", status, out, 401, "Token has been revoked")
	}

	// A new login is a new family, unaffected.
	access, refresh = login(t, base)
	status, out = call(t, "GET", base+"/protected", access)
	want(t, "GET /protected after a new login", status, out, 200, "")

	// Logout revokes the access token and its family's refresh token.
	status, out = call(t, "POST", base+"/logout", access)
	want(t, "POST /logout", status, out, 200, "Logged out")
	status, out = call(t, "GET", base+"/protected", access)
	want(t, "GET /protected after logout", status, out, 401, "Token has been revoked")
	status, out = call(t, "POST", base+"/refresh", refresh)
	want(t, "POST /refresh after logout", status, out, 401, "Token has been revoked")
	status, out = call(t, "POST", base+"/logout", access)
	want(t, "POST /logout twice", status, out, 401, "Token has been revoked")
	if n := reuses.n.Load(); n != 1 {
		t.Fatalf("%d reuses logged, want 1", n)
	}
}

// concurrentRefresh presents one refresh token to /refresh from many
// goroutines at once, within the retry window: one rotates the family and
// the others are retries, so every one gets a pair of the same generation
// and no reuse is logged.
func concurrentRefresh(t *testing.T, base string, reuses *reuseLog) {
	const n = 50
	_, refresh := login(t, base)
	var (
		wg      sync.WaitGroup
		startCh = make(chan struct{})
		mu      sync.Mutex
		byCode  = map[int]int{}
		details = map[string]int{}
	)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-startCh
			status, out := call(t, "POST", base+"/refresh", refresh)
			mu.Lock()
			defer mu.Unlock()
			byCode[status]++
			if status != http.StatusOK {
				details[out["detail"]]++
			}
		}()
	}
	close(startCh)
	wg.Wait()
	if byCode[http.StatusOK] != n {
		t.Fatalf("answers by status %v (details %v); want %d 200", byCode, details, n)
	}
	if reuses.n.Load() != 0 {
		t.Errorf("%d reuses logged", reuses.n.Load())
	}
}

func TestMemoryFlow(t *testing.T) {
	var reuses reuseLog
	flow(t, start(t, nil, reuses.logf), &reuses)
}

func TestMemoryConcurrentRefresh(t *testing.T) {
	var reuses reuseLog
	concurrentRefresh(t, start(t, nil, reuses.logf), &reuses)
}

func TestBadRequests(t *testing.T) {
	base := start(t, nil, nil)
	form := "application/x-www-form-urlencoded"
	for _, c := range []struct {
		name, body string
		status     int
		detail     string
	}{
		{"wrong password", "username=test&password=nope", 401, "Incorrect username or password"},
		{"wrong user", "username=alice&password=test", 401, "Incorrect username or password"},
		{"missing password", "username=test", 422, "Username and password are required"},
		{"other grant type", "grant_type=client_credentials&username=test&password=test", 400, "Unsupported grant type"},
	} {
		status, out := do(t, "POST", base+"/token", "", form, c.body)
		want(t, c.name, status, out, c.status, c.detail)
	}
	for _, path := range []string{"/refresh", "/logout"} {
		status, out := call(t, "POST", base+path, "")
		want(t, "POST "+path+" without a token", status, out, 401, "Not authenticated")
		status, out = call(t, "POST", base+path, "v4.local.garbage")
		want(t, "POST "+path+" with garbage", status, out, 401, "Invalid token")
	}
	status, out := call(t, "GET", base+"/protected", "")
	want(t, "GET /protected without a token", status, out, 401, "Not authenticated")
	status, out = call(t, "GET", base+"/protected", "v4.local.garbage")
	want(t, "GET /protected with garbage", status, out, 401, "Invalid token")

	// Tokens of another instance (other keys) are refused.
	other := start(t, nil, nil)
	access, refresh := login(t, other)
	status, out = call(t, "GET", base+"/protected", access)
	want(t, "GET /protected with a foreign access token", status, out, 401, "Invalid token")
	status, out = call(t, "POST", base+"/refresh", refresh)
	want(t, "POST /refresh with a foreign refresh token", status, out, 401, "Invalid token")
}

// redisEnv returns the address of the shared Redis test server.
func redisEnv(t *testing.T) string {
	t.Helper()
	addr := os.Getenv("PASETOKIT_REDIS_ADDR")
	if addr == "" {
		required(t, "PASETOKIT_REDIS_ADDR is not set")
	}
	return addr
}

// newRedisStore returns a Redis store at addr under a fresh key prefix,
// whose keys are deleted when t ends.
func newRedisStore(t *testing.T, addr string, timeout time.Duration) store.Store {
	t.Helper()
	c, err := newRedisClient(addr, timeout)
	if err != nil {
		t.Fatal(err)
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	prefix := "onetime-refresh-test:" + hex.EncodeToString(b[:]) + ":"
	t.Cleanup(func() {
		ctx := context.Background()
		if keys, err := c.Keys(ctx, prefix+"*").Result(); err == nil && len(keys) > 0 {
			c.Del(ctx, keys...)
		}
		_ = c.Close()
	})
	s, err := redisstore.New(c, redisstore.Config{Prefix: prefix, Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRedisFlow(t *testing.T) {
	addr := redisEnv(t)
	var reuses reuseLog
	flow(t, start(t, newRedisStore(t, addr, 0), reuses.logf), &reuses)
}

func TestRedisConcurrentRefresh(t *testing.T) {
	addr := redisEnv(t)
	var reuses reuseLog
	concurrentRefresh(t, start(t, newRedisStore(t, addr, 0), reuses.logf), &reuses)
}

// TestRedisSharedAcrossInstances: two instances with the same keys and
// the same Redis behave as one: a refresh token consumed on one is reuse
// on the other, and a logout on one is seen by the other.
func TestRedisSharedAcrossInstances(t *testing.T) {
	addr := redisEnv(t)
	st := newRedisStore(t, addr, 0)
	accessKey, err := newLocalKey()
	if err != nil {
		t.Fatal(err)
	}
	refreshKey, err := newLocalKey()
	if err != nil {
		t.Fatal(err)
	}
	var reuses reuseLog
	startShared := func() string {
		h, err := newHandler(options{Store: st, Logf: reuses.logf, AccessKey: accessKey, RefreshKey: refreshKey})
		if err != nil {
			t.Fatal(err)
		}
		return serveHandler(t, h)
	}
	a, b := startShared(), startShared()

	access, refresh := login(t, a)
	status, out := call(t, "GET", b+"/protected", access)
	want(t, "GET /protected on the other instance", status, out, 200, "")
	status, out = call(t, "POST", a+"/refresh", refresh)
	checkPair(t, "POST /refresh", status, out)
	access2, refresh2 := out["access_token"], out["refresh_token"]
	// A retry on the other instance (the client lost the answer) works.
	status, out = call(t, "POST", b+"/refresh", refresh)
	checkPair(t, "POST /refresh retried on the other instance", status, out)
	// The family moves on there; the first token is then reuse here.
	status, out = call(t, "POST", b+"/refresh", refresh2)
	checkPair(t, "POST /refresh with the new token on the other instance", status, out)
	status, out = call(t, "POST", a+"/refresh", refresh)
	want(t, "POST /refresh with the used token after the family moved on", status, out, 401, "Refresh token already used; please log in again")
	status, out = call(t, "GET", a+"/protected", access2)
	want(t, "GET /protected after the reuse", status, out, 401, "Token has been revoked")

	access, _ = login(t, b)
	status, out = call(t, "POST", a+"/logout", access)
	want(t, "POST /logout", status, out, 200, "Logged out")
	status, out = call(t, "GET", b+"/protected", access)
	want(t, "GET /protected on the other instance after logout", status, out, 401, "Token has been revoked")
}

// redisServer is a redis-server process owned by one test.
type redisServer struct {
	t    *testing.T
	bin  string
	port int
	dir  string // kept across restarts: the server runs with appendonly
	cmd  *exec.Cmd
}

// freePort returns a free port of 127.0.0.1: the first free one of
// PASETOKIT_REDIS_TEST_PORTS ("FIRST-LAST") when set, else one the system
// picks.
func freePort(t *testing.T) int {
	t.Helper()
	if r := os.Getenv("PASETOKIT_REDIS_TEST_PORTS"); r != "" {
		lo, hi, _ := strings.Cut(r, "-")
		first, err1 := strconv.Atoi(lo)
		last, err2 := strconv.Atoi(hi)
		if err1 != nil || err2 != nil {
			t.Fatalf("PASETOKIT_REDIS_TEST_PORTS=%q: want FIRST-LAST", r)
		}
		for p := first; p <= last; p++ {
			if ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p))); err == nil {
				_ = ln.Close()
				return p
			}
		}
		t.Fatalf("no free port in PASETOKIT_REDIS_TEST_PORTS=%s", r)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// newRedisServer starts a redis-server on a free port of 127.0.0.1.
func newRedisServer(t *testing.T) *redisServer {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		required(t, "redis-server not found in PATH")
	}
	port := freePort(t)
	s := &redisServer{t: t, bin: bin, port: port, dir: t.TempDir()}
	s.start()
	return s
}

func (s *redisServer) addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// start runs the server and waits until it says it is ready.
func (s *redisServer) start() {
	t := s.t
	t.Helper()
	cmd := exec.Command(s.bin, "--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "yes", "--appendfsync", "always", "--dir", s.dir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s.cmd = cmd
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		found := false
		for sc.Scan() {
			if !found && strings.Contains(sc.Text(), "Ready to accept connections") {
				found = true
				ready <- true
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
		if !found {
			ready <- false
		}
	}()
	select {
	case ok := <-ready:
		if !ok {
			t.Fatal("redis-server exited before it was ready")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("redis-server not ready after 10s")
	}
}

func (s *redisServer) stop() {
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
}

// TestRedisDown: while Redis is down, a valid access token is answered
// with 503, not 401 (its revocation status is unknown, so it is refused,
// but it is not the client's fault); once Redis is back, the same
// application accepts it again by itself.
func TestRedisDown(t *testing.T) {
	srv := newRedisServer(t)
	var reuses reuseLog
	const timeout = 300 * time.Millisecond
	base := start(t, newRedisStore(t, srv.addr(), timeout), reuses.logf)
	access, refresh := login(t, base)
	status, out := call(t, "GET", base+"/protected", access)
	want(t, "GET /protected with Redis up", status, out, 200, "")

	srv.stop()
	for i := range 2 { // the second time, the client has noticed
		began := time.Now()
		status, out = call(t, "GET", base+"/protected", access)
		want(t, fmt.Sprintf("GET /protected with Redis down (%d)", i), status, out, 503, "Service temporarily unavailable")
		if took := time.Since(began); took > timeout+2*time.Second {
			t.Errorf("GET /protected with Redis down took %v", took)
		}
	}
	status, out = call(t, "POST", base+"/refresh", refresh)
	want(t, "POST /refresh with Redis down", status, out, 503, "Service temporarily unavailable")
	status, out = call(t, "POST", base+"/logout", access)
	want(t, "POST /logout with Redis down", status, out, 503, "Service temporarily unavailable")

	srv.start()
	deadline := time.Now().Add(10 * time.Second)
	for {
		status, out = call(t, "GET", base+"/protected", access)
		if status == http.StatusOK {
			break
		}
		if status != http.StatusServiceUnavailable || time.Now().After(deadline) {
			t.Fatalf("GET /protected after the restart: %d %v; want 200 within 10s", status, out)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if out["message"] != "Welcome, test" {
		t.Fatalf("GET /protected after the restart: %v", out)
	}
	// The family was never rotated (the store failed closed), and the
	// restarted Redis kept it (appendonly, as RUNNING.md says), so the
	// refresh token still works.
	status, out = call(t, "POST", base+"/refresh", refresh)
	checkPair(t, "POST /refresh after the restart", status, out)
	if n := reuses.n.Load(); n != 0 {
		t.Fatalf("%d reuses logged, want 0", n)
	}
}
