package redisstore_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/store"
	"github.com/pasetokit/pasetokit/store/redisstore"
	"github.com/pasetokit/pasetokit/store/storetest"
	"github.com/redis/go-redis/v9"
)

// needed skips the test when a prerequisite is missing, except in CI
// (CI=true), where a missing prerequisite fails the test instead.
func needed(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s (required when CI=true)", msg)
	}
	t.Skip(msg)
}

// redisAddr returns the address of the shared test server.
func redisAddr(t testing.TB) string {
	t.Helper()
	addr := os.Getenv("PASETOKIT_REDIS_ADDR")
	if addr == "" {
		needed(t, "PASETOKIT_REDIS_ADDR is not set")
	}
	return addr
}

func newClient(t testing.TB, addr string) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{
		Addr:                  addr,
		ContextTimeoutEnabled: true,
		DialTimeout:           time.Second,
	})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// testPrefix returns a fresh key prefix and deletes its keys when t ends.
func testPrefix(t testing.TB, c *redis.Client) string {
	t.Helper()
	var b [8]byte
	_, _ = rand.Read(b[:])
	prefix := "pasetokit-test:" + hex.EncodeToString(b[:]) + ":"
	t.Cleanup(func() {
		ctx := context.Background()
		keys, err := c.Keys(ctx, prefix+"*").Result()
		if err == nil && len(keys) > 0 {
			c.Del(ctx, keys...)
		}
	})
	return prefix
}

func newStore(t testing.TB, c redis.UniversalClient, cfg redisstore.Config) *redisstore.Store {
	t.Helper()
	s, err := redisstore.New(c, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	c := newClient(t, redisAddr(t))
	storetest.Run(t, func(t *testing.T, now func() time.Time) store.Store {
		return newStore(t, c, redisstore.Config{Prefix: testPrefix(t, c), Now: now})
	})
}

func TestNew(t *testing.T) {
	// Nothing listens there: New succeeds and leaves the server checks
	// for the first operation.
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	defer c.Close()
	ring := redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"a": "127.0.0.1:1"}})
	defer ring.Close()
	tests := []struct {
		name      string
		client    redis.UniversalClient
		cfg       redisstore.Config
		wantField string // "" for no error
	}{
		{"zero config", c, redisstore.Config{}, ""},
		{"full config", c, redisstore.Config{Prefix: "app:", Timeout: time.Minute, Now: time.Now, MaxSeriesPerUser: 3,
			NoEvictionCheck: true, WaitReplicas: 1, WaitTimeout: time.Second}, ""},
		{"nil client", nil, redisstore.Config{}, "client"},
		{"negative timeout", c, redisstore.Config{Timeout: -1}, "Timeout"},
		{"negative MaxSeriesPerUser", c, redisstore.Config{MaxSeriesPerUser: -1}, "MaxSeriesPerUser"},
		{"negative WaitReplicas", c, redisstore.Config{WaitReplicas: -1}, "WaitReplicas"},
		{"WaitTimeout not below Timeout", c, redisstore.Config{WaitReplicas: 1, WaitTimeout: time.Second}, "WaitTimeout"},
		{"negative WaitTimeout", c, redisstore.Config{WaitReplicas: 1, WaitTimeout: -1}, "WaitTimeout"},
		{"WaitTimeout without WaitReplicas", c, redisstore.Config{WaitTimeout: time.Hour}, ""},
		{"WaitReplicas with a ring", ring, redisstore.Config{WaitReplicas: 1}, "WaitReplicas"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := redisstore.New(tt.client, tt.cfg)
			if tt.wantField == "" {
				if err != nil || s == nil {
					t.Fatalf("New = %v, %v; want a Store", s, err)
				}
				return
			}
			var ce *redisstore.ConfigError
			if !errors.As(err, &ce) || ce.Field != tt.wantField || !errors.Is(err, redisstore.ErrInvalidConfig) {
				t.Fatalf("New error = %v, want a ConfigError on %s matching ErrInvalidConfig", err, tt.wantField)
			}
			want := "redisstore: invalid configuration: " + tt.wantField + ": "
			if !strings.HasPrefix(err.Error(), want) {
				t.Fatalf("error %q does not start with %q", err, want)
			}
		})
	}
}

// pttl returns the remaining life of a raw key, failing if it has none.
func pttl(t *testing.T, c *redis.Client, key string) time.Duration {
	t.Helper()
	d, err := c.PTTL(context.Background(), key).Result()
	if err != nil {
		t.Fatal(err)
	}
	if d < 0 {
		t.Fatalf("key %q: PTTL %v (missing or without expiry)", key, d)
	}
	return d
}

// near fails unless got is want, less the time a round trip may take.
// The store rounds expiries up to the millisecond, so a TTL read back
// within the same millisecond may exceed want by up to one.
func near(t *testing.T, what string, got, want time.Duration) {
	t.Helper()
	if got > want+time.Millisecond || got < want-2*time.Second {
		t.Fatalf("%s: TTL %v, want about %v", what, got, want)
	}
}

func TestTTL(t *testing.T) {
	ctx := context.Background()
	c := newClient(t, redisAddr(t))
	p := testPrefix(t, c)
	s := newStore(t, c, redisstore.Config{Prefix: p})
	now := time.Now()

	// Revoke sets the TTL to the token's expiry and only ever extends it.
	if err := s.Revoke(ctx, "jti:1", now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	near(t, "Revoke", pttl(t, c, p+"r:jti:1"), time.Hour)
	if err := s.Revoke(ctx, "jti:1", now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	near(t, "Revoke earlier", pttl(t, c, p+"r:jti:1"), time.Hour)
	if err := s.Revoke(ctx, "jti:1", now.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	near(t, "Revoke later", pttl(t, c, p+"r:jti:1"), 2*time.Hour)

	// Consume sets the TTL; a failed Consume leaves it alone.
	if ok, err := s.Consume(ctx, "ott:1", now.Add(10*time.Minute)); err != nil || !ok {
		t.Fatalf("Consume = %v, %v", ok, err)
	}
	near(t, "Consume", pttl(t, c, p+"r:ott:1"), 10*time.Minute)
	if ok, err := s.Consume(ctx, "ott:1", now.Add(time.Hour)); err != nil || ok {
		t.Fatalf("second Consume = %v, %v", ok, err)
	}
	near(t, "second Consume", pttl(t, c, p+"r:ott:1"), 10*time.Minute)
	// Revoking a consumed key extends it.
	if err := s.Revoke(ctx, "ott:1", now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	near(t, "Revoke consumed", pttl(t, c, p+"r:ott:1"), time.Hour)

	// SetCutoff keeps the later expiry and, independently, the later cutoff.
	t1, t2 := now.Add(-time.Hour), now.Add(-time.Minute)
	if err := s.SetCutoff(ctx, "sub:1", t2, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	near(t, "SetCutoff", pttl(t, c, p+"c:sub:1"), time.Minute)
	if err := s.SetCutoff(ctx, "sub:1", t1, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	near(t, "SetCutoff later expiry", pttl(t, c, p+"c:sub:1"), time.Hour)
	got, err := s.Cutoff(ctx, "sub:1")
	if err != nil || got.UnixMilli() != t2.Add(time.Millisecond-1).UnixMilli() {
		t.Fatalf("Cutoff = %v, %v; want %v rounded up to the millisecond", got, err, t2)
	}
	if err := s.SetCutoff(ctx, "sub:1", now, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	near(t, "SetCutoff earlier expiry", pttl(t, c, p+"c:sub:1"), time.Hour)
}

func TestPrefixIsolation(t *testing.T) {
	ctx := context.Background()
	c := newClient(t, redisAddr(t))
	a := newStore(t, c, redisstore.Config{Prefix: testPrefix(t, c)})
	b := newStore(t, c, redisstore.Config{Prefix: testPrefix(t, c)})
	hour := time.Now().Add(time.Hour)
	if err := a.Revoke(ctx, "jti:1", hour); err != nil {
		t.Fatal(err)
	}
	if err := a.SetCutoff(ctx, "sub:1", time.Now(), hour); err != nil {
		t.Fatal(err)
	}
	if ok, err := b.Revoked(ctx, "jti:1"); err != nil || ok {
		t.Fatalf("other prefix: Revoked = %v, %v; want false, nil", ok, err)
	}
	if cut, err := b.Cutoff(ctx, "sub:1"); err != nil || !cut.IsZero() {
		t.Fatalf("other prefix: Cutoff = %v, %v; want zero, nil", cut, err)
	}
	for _, s := range []*redisstore.Store{a, b} {
		if ok, err := s.Consume(ctx, "ott:1", hour); err != nil || !ok {
			t.Fatalf("Consume = %v, %v; want true in each prefix", ok, err)
		}
	}
}

func TestDefaultPrefix(t *testing.T) {
	ctx := context.Background()
	c := newClient(t, redisAddr(t))
	s := newStore(t, c, redisstore.Config{})
	key := "jti:default-prefix-test-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	if err := s.Revoke(ctx, key, time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	defer c.Del(ctx, redisstore.DefaultPrefix+"r:"+key)
	if n, err := c.Exists(ctx, redisstore.DefaultPrefix+"r:"+key).Result(); err != nil || n != 1 {
		t.Fatalf("key %q not found: %v, %v", redisstore.DefaultPrefix+"r:"+key, n, err)
	}
}

func TestMalformedCutoffFailsClosed(t *testing.T) {
	ctx := context.Background()
	c := newClient(t, redisAddr(t))
	p := testPrefix(t, c)
	s := newStore(t, c, redisstore.Config{Prefix: p})
	if err := c.Set(ctx, p+"c:sub:x", "garbage", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Cutoff(ctx, "sub:x"); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("Cutoff(malformed) error = %v, want ErrUnavailable", err)
	}
	// SetCutoff repairs it.
	want := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := s.SetCutoff(ctx, "sub:x", want, time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Cutoff(ctx, "sub:x"); err != nil || !got.Equal(want) {
		t.Fatalf("Cutoff = %v, %v; want %v", got, err, want)
	}
}

// portMu guards portsTaken: the ports freePort handed out in this run.
var (
	portMu     sync.Mutex
	portsTaken = map[int]bool{}
)

// server is a redis-server process owned by one test.
type server struct {
	t    *testing.T
	port string
	args []string // more redis-server arguments
	cmd  *exec.Cmd
}

// freePort returns a free loopback port for a test's own redis-server: the
// first free one of PASETOKIT_REDIS_TEST_PORTS ("FIRST-LAST") when set,
// else one the system picks.
func freePort(t *testing.T) string {
	if r := os.Getenv("PASETOKIT_REDIS_TEST_PORTS"); r != "" {
		lo, hi, _ := strings.Cut(r, "-")
		first, err1 := strconv.Atoi(lo)
		last, err2 := strconv.Atoi(hi)
		if err1 != nil || err2 != nil {
			t.Fatalf("PASETOKIT_REDIS_TEST_PORTS=%q: want FIRST-LAST", r)
		}
		portMu.Lock()
		defer portMu.Unlock()
		for p := first; p <= last; p++ {
			if portsTaken[p] {
				continue
			}
			l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
			if err != nil {
				continue
			}
			l.Close()
			portsTaken[p] = true
			return strconv.Itoa(p)
		}
		t.Fatalf("no free port in PASETOKIT_REDIS_TEST_PORTS=%s", r)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// start runs redis-server and returns once it accepts connections.
func (s *server) start() {
	t := s.t
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		needed(t, "redis-server not found in PATH")
	}
	args := append([]string{"--port", s.port, "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--loglevel", "notice"}, s.args...)
	s.cmd = exec.Command(bin, args...)
	out, err := s.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	cmd := s.cmd
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	// Wait for the log line that says it is ready, then keep draining.
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		signalled := false
		for sc.Scan() {
			if !signalled && strings.Contains(sc.Text(), "Ready to accept connections") {
				ready <- true
				signalled = true
			}
		}
		if !signalled {
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
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + s.port})
	defer c.Close()
	if err := c.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("PING: %v", err)
	}
}

func (s *server) kill() {
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
}

// allMethods calls every method once and returns their errors by name.
func allMethods(s *redisstore.Store) map[string]error {
	ctx := context.Background()
	hour := time.Now().Add(time.Hour)
	errs := make(map[string]error)
	errs["Revoke"] = s.Revoke(ctx, "jti:1", hour)
	_, errs["Revoked"] = s.Revoked(ctx, "jti:1")
	_, errs["Revoked(2 keys)"] = s.Revoked(ctx, "jti:1", "fam:1")
	_, errs["Consume"] = s.Consume(ctx, "ott:1", hour)
	errs["SetCutoff"] = s.SetCutoff(ctx, "sub:1", time.Now(), hour)
	_, errs["Cutoff"] = s.Cutoff(ctx, "sub:1")
	return errs
}

// checkUnavailable checks that every method fails with ErrUnavailable,
// each within the timeout (plus slack for a loaded machine).
func checkUnavailable(t *testing.T, s *redisstore.Store, timeout time.Duration) {
	t.Helper()
	ctx := context.Background()
	hour := time.Now().Add(time.Hour)
	calls := map[string]func() error{
		"Revoke":  func() error { return s.Revoke(ctx, "jti:1", hour) },
		"Revoked": func() error { _, err := s.Revoked(ctx, "jti:1", "fam:1"); return err },
		"Consume": func() error {
			ok, err := s.Consume(ctx, "ott:2", hour)
			if ok {
				t.Error("Consume reported true while Redis is unavailable")
			}
			return err
		},
		"SetCutoff": func() error { return s.SetCutoff(ctx, "sub:1", time.Now(), hour) },
		"Cutoff":    func() error { _, err := s.Cutoff(ctx, "sub:1"); return err },
		"Check": func() error {
			_, err := s.Check(ctx, store.Check{Keys: []string{"{a}jti:1"}, Family: "{a}fam:1", Cutoff: "{a}sub:a"})
			return err
		},
		"CreateFamily": func() error { return s.CreateFamily(ctx, "{a}fams", "{a}fam:2", "0", hour) },
		"RotateFamily": func() error {
			_, err := s.RotateFamily(ctx, "{a}fams", "{a}fam:1", "0", "1", hour, hour)
			return err
		},
		"RevokeFamily": func() error { return s.RevokeFamily(ctx, "{a}fams", "{a}fam:1") },
	}
	for name, call := range calls {
		start := time.Now()
		err := call()
		took := time.Since(start)
		if !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("%s: error %v, want ErrUnavailable", name, err)
		}
		if took > timeout+time.Second {
			t.Errorf("%s took %v, timeout is %v", name, took, timeout)
		}
	}
}

// eventually retries f until it returns nil, for up to 10 seconds.
func eventually(t *testing.T, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still failing after 10s: %v", what, err)
		}
		<-tick.C
	}
}

func TestUnavailableAndRecovery(t *testing.T) {
	srv := &server{t: t, port: freePort(t)}
	srv.start()
	const timeout = 300 * time.Millisecond
	c := newClient(t, "127.0.0.1:"+srv.port)
	s := newStore(t, c, redisstore.Config{Timeout: timeout})
	ctx := context.Background()

	for name, err := range allMethods(s) {
		if err != nil {
			t.Fatalf("%s with Redis up: %v", name, err)
		}
	}

	// A server that accepts connections but does not answer: every
	// method gives up after Timeout.
	t.Run("hung", func(t *testing.T) {
		if err := srv.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
		checkUnavailable(t, s, timeout)
		if err := srv.cmd.Process.Signal(syscall.SIGCONT); err != nil {
			t.Fatal(err)
		}
		eventually(t, "Revoked after SIGCONT", func() error {
			ok, err := s.Revoked(ctx, "jti:1")
			if err == nil && !ok {
				return errors.New("revocation lost")
			}
			return err
		})
	})

	// A server that is gone.
	t.Run("down", func(t *testing.T) {
		srv.kill()
		checkUnavailable(t, s, timeout)
		// A second round, once the client has noticed.
		checkUnavailable(t, s, timeout)
	})

	// The same Store recovers by itself once the server is back (empty:
	// the test server keeps no data).
	t.Run("recovered", func(t *testing.T) {
		srv.start()
		eventually(t, "Revoke after restart", func() error {
			return s.Revoke(ctx, "jti:2", time.Now().Add(time.Hour))
		})
		for name, err := range allMethods(s) {
			if err != nil {
				t.Fatalf("%s after restart: %v", name, err)
			}
		}
		if ok, err := s.Revoked(ctx, "jti:2"); err != nil || !ok {
			t.Fatalf("Revoked after restart = %v, %v; want true, nil", ok, err)
		}
	})
}

func TestCallerContext(t *testing.T) {
	c := newClient(t, redisAddr(t))
	s := newStore(t, c, redisstore.Config{Prefix: testPrefix(t, c)})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.Revoked(ctx, "jti:1")
	if !errors.Is(err, store.ErrUnavailable) || !errors.Is(err, context.Canceled) {
		t.Fatalf("Revoked with a canceled context: error %v, want ErrUnavailable and context.Canceled", err)
	}
}

func benchStore(b *testing.B) *redisstore.Store {
	c := redis.NewClient(&redis.Options{Addr: redisAddr(b), ContextTimeoutEnabled: true})
	b.Cleanup(func() { _ = c.Close() })
	return newStore(b, c, redisstore.Config{Prefix: testPrefix(b, c)})
}

func BenchmarkConsume(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	until := time.Now().Add(time.Minute)
	var n atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.Consume(ctx, "ott:"+strconv.FormatInt(n.Add(1), 36), until); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

func BenchmarkRevoked(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	if err := s.Revoke(ctx, "fam:1", time.Now().Add(time.Minute)); err != nil {
		b.Fatal(err)
	}
	var n atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.Revoked(ctx, "jti:"+strconv.FormatInt(n.Add(1), 36), "fam:2"); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}
