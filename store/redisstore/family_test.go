package redisstore_test

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/authtoken"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/store"
	"github.com/pasetokit/pasetokit/store/redisstore"
	"github.com/redis/go-redis/v9"
)

// rttCounter is a go-redis hook counting round trips: one per command sent
// alone, one per pipeline (per node).
type rttCounter struct{ n atomic.Int64 }

func (h *rttCounter) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *rttCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmd)
	}
}
func (h *rttCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmds)
	}
}

// scriptCalls returns the number of scripts (EVALSHA and EVAL) c's server
// ran, from INFO commandstats. (The commands a script runs are counted
// under their own names; they cost no round trip.)
func scriptCalls(t *testing.T, c *redis.Client) int {
	t.Helper()
	info, err := c.Info(context.Background(), "commandstats").Result()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(info, "\n") {
		name, rest, ok := strings.Cut(strings.TrimSpace(line), ":calls=")
		if !ok || name != "cmdstat_evalsha" && name != "cmdstat_eval" {
			continue
		}
		v, _, _ := strings.Cut(rest, ",")
		k, _ := strconv.Atoi(v)
		n += k
	}
	return n
}

// managerOn returns a Manager keeping its state in st.
func managerOn(t *testing.T, st store.Store, onReuse func(context.Context, string, string)) *authtoken.Manager {
	t.Helper()
	cfg := authtoken.Config{
		Access:  authtoken.KindConfig{Keys: []keyring.Key{localKey(t)}},
		Store:   st,
		OnReuse: onReuse,
	}
	m, err := authtoken.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestRefreshRetryAfterSIGSTOP reproduces the lost answer with a real
// Redis: the server is stopped (SIGSTOP) while a Refresh is on its way, the
// Refresh times out with store.ErrUnavailable, the server resumes (SIGCONT)
// and runs the rotation it had buffered; the client's retry with the same
// refresh token must get a working pair, never a reuse. Before families,
// 1 to 4 of 8 such chains revoked the family.
func TestRefreshRetryAfterSIGSTOP(t *testing.T) {
	srv := &server{t: t, port: freePort(t)}
	srv.start()
	const timeout = 200 * time.Millisecond
	client, err := redisstore.NewClient(redisstore.ClientConfig{Addrs: []string{"127.0.0.1:" + srv.port}, Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })
	st := newStore(t, client, redisstore.Config{Timeout: timeout})
	raw := newClient(t, "127.0.0.1:"+srv.port)
	var reuses atomic.Int64
	m := managerOn(t, st, func(context.Context, string, string) { reuses.Add(1) })
	ctx := context.Background()

	const chains = 8
	applied := 0 // rotations Redis ran after the client gave up
	for i := range chains {
		p, err := m.Login(ctx, "user"+strconv.Itoa(i), nil)
		if err != nil {
			t.Fatal(err)
		}
		// The verification (Check) must reach Redis before it stops, so
		// that the rotation is the command in flight: stop Redis once
		// Check has answered, by hooking the client.
		before := rotatedFamilies(t, raw)
		stopped := make(chan struct{})
		hook := &stopAfterCheck{srv: srv, done: stopped}
		client.AddHook(hook)
		_, err = m.Refresh(ctx, p.Refresh)
		hook.off.Store(true)
		<-stopped
		if !errors.Is(err, store.ErrUnavailable) {
			t.Fatalf("chain %d: Refresh with Redis stopped: %v, want store.ErrUnavailable", i, err)
		}
		if err := srv.cmd.Process.Signal(syscall.SIGCONT); err != nil {
			t.Fatal(err)
		}
		eventually(t, "PING after SIGCONT", func() error { return raw.Ping(ctx).Err() })
		if rotatedFamilies(t, raw) > before {
			applied++
		}
		got, err := m.Refresh(ctx, p.Refresh) // the client's retry
		if err != nil {
			t.Fatalf("chain %d: the retry after SIGCONT: %v", i, err)
		}
		if _, err := m.Verify(ctx, authtoken.TypeAccess, got.Access); err != nil {
			t.Fatalf("chain %d: the retry's access token: %v", i, err)
		}
		if _, err := m.Refresh(ctx, got.Refresh); err != nil {
			t.Fatalf("chain %d: refreshing the retry's token: %v", i, err)
		}
	}
	if reuses.Load() != 0 {
		t.Fatalf("OnReuse called %d times in %d interrupted chains", reuses.Load(), chains)
	}
	t.Logf("%d of %d interrupted rotations ran in Redis after the client gave up; every retry got a working pair", applied, chains)
	if applied == 0 {
		t.Error("no rotation ran after SIGCONT: the test did not reproduce a lost answer")
	}
}

// rotatedFamilies counts the families Redis holds that have been rotated.
func rotatedFamilies(t *testing.T, c *redis.Client) int {
	t.Helper()
	ctx := context.Background()
	keys, err := c.Keys(ctx, redisstore.DefaultPrefix+"f:*").Result()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, k := range keys {
		if v, _ := c.HGet(ctx, k, "c").Result(); v != "0" {
			n++
		}
	}
	return n
}

// stopAfterCheck SIGSTOPs srv right after the first EVALSHA (the Check of
// the verification) has been answered, so that the next command (the
// rotation) is written to a stopped server.
type stopAfterCheck struct {
	srv  *server
	done chan struct{}
	off  atomic.Bool
	once atomic.Bool
}

func (h *stopAfterCheck) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *stopAfterCheck) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		if !h.off.Load() && cmd.Name() == "evalsha" && h.once.CompareAndSwap(false, true) {
			_ = h.srv.cmd.Process.Signal(syscall.SIGSTOP)
			close(h.done)
		}
		return err
	}
}
func (h *stopAfterCheck) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// TestRoundTrips counts the round trips of a verified request (one) and
// of a refresh (two), with a go-redis hook and with INFO commandstats on a
// server of the test's own.
func TestRoundTrips(t *testing.T) {
	srv := &server{t: t, port: freePort(t)}
	srv.start()
	c := newClient(t, "127.0.0.1:"+srv.port)
	var rtt rttCounter
	c.AddHook(&rtt)
	raw := newClient(t, "127.0.0.1:"+srv.port)
	m := managerOn(t, newStore(t, c, redisstore.Config{}), nil)
	ctx := context.Background()
	p, err := m.Login(ctx, "alice", nil)
	if err != nil {
		t.Fatal(err)
	}
	// Load the scripts once (EVALSHA then EVAL on the first use).
	if _, err := m.Verify(ctx, authtoken.TypeAccess, p.Access); err != nil {
		t.Fatal(err)
	}
	if p, err = m.Refresh(ctx, p.Refresh); err != nil {
		t.Fatal(err)
	}
	const n = 100
	for _, tc := range []struct {
		name string
		f    func() error
		want int
	}{
		{"verify", func() error { _, err := m.Verify(ctx, authtoken.TypeAccess, p.Access); return err }, 1},
		{"refresh", func() error { var err error; p, err = m.Refresh(ctx, p.Refresh); return err }, 2},
	} {
		if err := raw.ConfigResetStat(ctx).Err(); err != nil {
			t.Fatal(err)
		}
		rtt.n.Store(0)
		for range n {
			if err := tc.f(); err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
		}
		hook, server := rtt.n.Load(), scriptCalls(t, raw)
		t.Logf("%d × %s: %d round trips (hook), %d scripts (INFO commandstats)", n, tc.name, hook, server)
		if hook != int64(tc.want*n) || server != tc.want*n {
			t.Errorf("%s: %d round trips and %d scripts for %d calls, want %d per call", tc.name, hook, server, n, tc.want)
		}
	}
}

// TestRoundTripsCluster: on Redis Cluster too, a verified request is one
// round trip (every key of a subject in one slot) and a refresh two,
// counted with a hook on the client and, as scripts run, with INFO
// commandstats summed over the masters.
func TestRoundTripsCluster(t *testing.T) {
	addrs := os.Getenv("PASETOKIT_REDIS_CLUSTER_ADDRS")
	if addrs == "" {
		needed(t, "PASETOKIT_REDIS_CLUSTER_ADDRS is not set (scripts/redis-cluster.sh)")
	}
	uc, err := redisstore.NewClient(redisstore.ClientConfig{Addrs: strings.Split(addrs, ",")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = uc.Close() })
	var rtt rttCounter
	uc.AddHook(&rtt)
	m := managerOn(t, newStore(t, uc, redisstore.Config{Prefix: "rtt-" + strconv.FormatInt(time.Now().UnixNano(), 36) + ":"}), nil)
	ctx := context.Background()
	// The masters' script calls, through connections of their own (the
	// hook counts only the store's).
	cc := uc.(*redis.ClusterClient)
	var (
		mu      sync.Mutex
		masters []*redis.Client
	)
	err = cc.ForEachMaster(ctx, func(ctx context.Context, n *redis.Client) error {
		mc := redis.NewClient(&redis.Options{Addr: n.Options().Addr})
		t.Cleanup(func() { _ = mc.Close() })
		mu.Lock()
		masters = append(masters, mc)
		mu.Unlock()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	reset := func() {
		rtt.n.Store(0)
		for _, mc := range masters {
			if err := mc.ConfigResetStat(ctx).Err(); err != nil {
				t.Fatal(err)
			}
		}
	}
	scripts := func() int {
		n := 0
		for _, mc := range masters {
			n += scriptCalls(t, mc)
		}
		return n
	}
	for i := range 20 { // 20 subjects: several slots and shards
		sub := "user" + strconv.Itoa(i)
		p, err := m.Login(ctx, sub, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.LogoutEverywhere(ctx, sub+"-other"); err != nil {
			t.Fatal(err)
		}
		// Warm up: scripts loaded on this shard.
		if _, err := m.Verify(ctx, authtoken.TypeAccess, p.Access); err != nil {
			t.Fatal(err)
		}
		if p, err = m.Refresh(ctx, p.Refresh); err != nil {
			t.Fatal(err)
		}
		reset()
		if _, err := m.Verify(ctx, authtoken.TypeAccess, p.Access); err != nil {
			t.Fatal(err)
		}
		if got, server := rtt.n.Load(), scripts(); got != 1 || server != 1 {
			t.Fatalf("%s: a verification took %d round trips and %d scripts, want 1", sub, got, server)
		}
		reset()
		if _, err := m.Refresh(ctx, p.Refresh); err != nil {
			t.Fatal(err)
		}
		if got, server := rtt.n.Load(), scripts(); got != 2 || server != 2 {
			t.Fatalf("%s: a refresh took %d round trips and %d scripts, want 2", sub, got, server)
		}
	}
}

// TestRefreshEntriesConstant: 10,000 refreshes of one family leave Redis
// with the keys it had after the login (the family and its owner's index).
func TestRefreshEntriesConstant(t *testing.T) {
	srv := &server{t: t, port: freePort(t)}
	srv.start()
	c := newClient(t, "127.0.0.1:"+srv.port)
	m := managerOn(t, newStore(t, c, redisstore.Config{}), nil)
	ctx := context.Background()
	p, err := m.Login(ctx, "alice", nil)
	if err != nil {
		t.Fatal(err)
	}
	after, err := c.DBSize(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10000 {
		if p, err = m.Refresh(ctx, p.Refresh); err != nil {
			t.Fatalf("refresh %d: %v", i, err)
		}
	}
	got, err := c.DBSize(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("keys: %d after the login, %d after 10,000 refreshes", after, got)
	if got != after || after != 2 {
		t.Fatalf("keys: %d after the login, %d after 10,000 refreshes; want 2 and 2", after, got)
	}
}

// TestFamilyBoundRedis: one user logging in 200 times keeps at most
// MaxFamiliesPerUser families in Redis, and another user is not touched.
func TestFamilyBoundRedis(t *testing.T) {
	c := newClient(t, redisAddr(t))
	prefix := testPrefix(t, c)
	m := managerOn(t, newStore(t, c, redisstore.Config{Prefix: prefix, MaxFamiliesPerUser: 4}), nil)
	ctx := context.Background()
	bob, err := m.Login(ctx, "bob", nil)
	if err != nil {
		t.Fatal(err)
	}
	for range 200 {
		p, err := m.Login(ctx, "mallory", nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Refresh(ctx, p.Refresh); err != nil {
			t.Fatal(err)
		}
	}
	keys, err := c.Keys(ctx, prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	// mallory: 4 families and an index; bob: 1 family and an index.
	if len(keys) != 7 {
		t.Fatalf("%d keys after 200 logins of one user, want 7: %q", len(keys), keys)
	}
	if _, err := m.Refresh(ctx, bob.Refresh); err != nil {
		t.Fatalf("bob: %v", err)
	}
}
