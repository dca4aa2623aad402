package redisstore_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/store"
	"github.com/pasetokit/pasetokit/store/redisstore"
	"github.com/redis/go-redis/v9"
)

// scriptCounter counts the scripts a client sends (the Checks that reach
// Redis), not the replica's heartbeats.
type scriptCounter struct{ n atomic.Int64 }

func (h *scriptCounter) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *scriptCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if n := cmd.Name(); n == "evalsha" || n == "eval" {
			h.n.Add(1)
		}
		return next(ctx, cmd)
	}
}
func (h *scriptCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// replicaEnv is a server of the test's own with keyspace notifications, a
// Replica of one Store, and another Store (another machine) that writes.
type replicaEnv struct {
	srv     *server
	rep     *redisstore.Replica
	writer  *redisstore.Store
	scripts *scriptCounter
}

const maxStale = 100 * time.Millisecond

func newReplicaEnv(t *testing.T) *replicaEnv {
	return newReplicaEnvWith(t, redisstore.ReplicaConfig{MaxStale: maxStale}, 300*time.Millisecond)
}

// newReplicaEnvWith is newReplicaEnv with a Replica configured by cfg on a
// Store whose Timeout is timeout.
func newReplicaEnvWith(t *testing.T, cfg redisstore.ReplicaConfig, timeout time.Duration) *replicaEnv {
	srv := &server{t: t, port: freePort(t), args: []string{"--notify-keyspace-events", "Kg$hxe"}}
	srv.start()
	c, err := redisstore.NewClient(redisstore.ClientConfig{Addrs: []string{"127.0.0.1:" + srv.port}, Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	sc := &scriptCounter{}
	c.AddHook(sc)
	s := newStore(t, c, redisstore.Config{Timeout: timeout})
	rep, err := s.NewReplica(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rep.Close() })
	w := newStore(t, newClient(t, "127.0.0.1:"+srv.port), redisstore.Config{})
	return &replicaEnv{srv: srv, rep: rep, writer: w, scripts: sc}
}

// TestReplicaRevocationWithinBound: a Check answered locally costs no
// round trip, and a revocation made by another machine is seen by every
// Check that starts MaxStale after it at the latest. It reports how late
// after the revocation a Check still missed it (0: the first Check after
// it saw it), at the median and the 99th percentile.
func TestReplicaRevocationWithinBound(t *testing.T) {
	e := newReplicaEnv(t)
	ctx := context.Background()
	hour := time.Now().Add(time.Hour)
	const n = 200
	var delays []time.Duration
	var hits, misses int64
	for i := range n {
		q := store.Check{Keys: []string{"{g}jti:" + strconv.Itoa(i)}, Cutoff: "{g}sub:g"}
		// Fill the replica (the first Check may miss while the first
		// heartbeat is on its way), then read it again.
		for range 3 {
			st, err := e.rep.Check(ctx, q)
			if err != nil || st.Revoked {
				t.Fatalf("Check before the revocation: %+v, %v", st, err)
			}
		}
		before := e.scripts.n.Load()
		if _, err := e.rep.Check(ctx, q); err != nil {
			t.Fatal(err)
		}
		if e.scripts.n.Load() == before {
			hits++
		} else {
			misses++
		}
		if err := e.writer.Revoke(ctx, "{g}jti:"+strconv.Itoa(i), hour); err != nil {
			t.Fatal(err)
		}
		revokedAt := time.Now()
		var stale time.Duration // the latest start of a Check that missed it
		for {
			began := time.Now()
			st, err := e.rep.Check(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if st.Revoked {
				delays = append(delays, stale)
				break
			}
			stale = began.Sub(revokedAt)
			if began.Sub(revokedAt) > maxStale {
				t.Fatalf("revocation %d: a Check begun %v after it answered not revoked (MaxStale %v)", i, began.Sub(revokedAt), maxStale)
			}
			time.Sleep(time.Millisecond) // polling, to measure the delay
		}
	}
	slices.Sort(delays)
	t.Logf("%d revocations: the latest Check still missing one began %v after it at the median, %v at p99, %v at most (MaxStale %v); warm Checks answered locally: %d of %d",
		n, delays[n/2], delays[n*99/100], delays[n-1], maxStale, hits, hits+misses)
	// A miss is the fallback working (a heartbeat late on a loaded
	// machine), not a stale answer; but some must be local.
	if hits == 0 {
		t.Errorf("none of %d warm Checks answered without a round trip", n)
	}
}

// TestReplicaFeedLost: when the notifications stop (the subscription is
// killed, or Redis hangs), the replica answers nothing older than
// MaxStale: a revocation made while its feed was down is seen, and with
// Redis stopped every Check begun MaxStale after the stop fails with
// store.ErrUnavailable.
func TestReplicaFeedLost(t *testing.T) {
	e := newReplicaEnv(t)
	ctx := context.Background()
	raw := newClient(t, "127.0.0.1:"+e.srv.port)
	q := store.Check{Keys: []string{"{g}jti:lost"}}
	for range 3 {
		if _, err := e.rep.Check(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	// The subscription is killed; a revocation lands while it is down.
	if err := raw.Do(ctx, "CLIENT", "KILL", "TYPE", "pubsub").Err(); err != nil {
		t.Fatal(err)
	}
	if err := e.writer.Revoke(ctx, "{g}jti:lost", time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	seenWithin(t, "a revocation while the feed was killed", time.Now(), func() (bool, error) {
		st, err := e.rep.Check(ctx, q)
		return st.Revoked, err
	})

	// Redis hangs: kept answers run out after MaxStale, then 503.
	q2 := store.Check{Keys: []string{"{g}jti:hang"}}
	for range 3 {
		if _, err := e.rep.Check(ctx, q2); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.srv.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = e.srv.cmd.Process.Signal(syscall.SIGCONT) }()
	stopped := time.Now()
	for {
		began := time.Now()
		_, err := e.rep.Check(ctx, q2)
		if errors.Is(err, store.ErrUnavailable) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if began.Sub(stopped) > maxStale {
			t.Fatalf("a Check begun %v after Redis stopped answered from the replica", began.Sub(stopped))
		}
		time.Sleep(time.Millisecond)
	}
}

// seenWithin calls seen (one Check of rep) every millisecond until it
// reports the change what names, made at since; a Check begun more than
// maxStale after since that misses it fails t.
func seenWithin(t *testing.T, what string, since time.Time, seen func() (bool, error)) {
	t.Helper()
	for {
		began := time.Now()
		ok, err := seen()
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			return
		}
		if began.Sub(since) > maxStale {
			t.Fatalf("%s: a Check begun %v after it missed it (MaxStale %v)", what, began.Sub(since), maxStale)
		}
		time.Sleep(time.Millisecond) // polling
	}
}

// TestReplicaRefused: no replica on Redis Cluster-like clients, nor on a
// server without keyspace notifications.
func TestReplicaRefused(t *testing.T) {
	srv := &server{t: t, port: freePort(t)}
	srv.start()
	s := newStore(t, newClient(t, "127.0.0.1:"+srv.port), redisstore.Config{})
	if _, err := s.NewReplica(context.Background(), redisstore.ReplicaConfig{}); !errors.Is(err, redisstore.ErrInvalidConfig) {
		t.Fatalf("NewReplica without keyspace notifications: %v, want ErrInvalidConfig", err)
	}
	if _, err := s.NewReplica(context.Background(), redisstore.ReplicaConfig{MaxStale: time.Millisecond}); !errors.Is(err, redisstore.ErrInvalidConfig) {
		t.Fatalf("NewReplica with MaxStale 1ms: %v, want ErrInvalidConfig", err)
	}
}

// testClock is the real clock moved forward by jumps: freshness measured
// by it runs out at once.
type testClock struct{ off atomic.Int64 }

func (c *testClock) now() time.Time          { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *testClock) advance(d time.Duration) { c.off.Add(int64(d)) }

// warm fills the replica with q's answer and makes sure it is kept: a
// Check answered without a script.
func (e *replicaEnv) warm(t *testing.T, q store.Check) {
	t.Helper()
	for range 100 {
		before := e.scripts.n.Load()
		if _, err := e.rep.Check(context.Background(), q); err != nil {
			t.Fatal(err)
		}
		if e.scripts.n.Load() == before {
			return
		}
		time.Sleep(time.Millisecond) // the first heartbeat is on its way
	}
	t.Fatal("the replica never answered q locally")
}

// TestReplicaWaitsForHeartbeat: a Check whose kept answer has outlived
// the latest heartbeat waits for the next one (published by the Check
// when none is on its way) and answers from the copy without a round
// trip; a revocation committed MaxStale before such a Check, whose
// notification is still on its way, is seen.
func TestReplicaWaitsForHeartbeat(t *testing.T) {
	const bound = 2 * time.Second // long: the test's clock jumps, the real wait is never reached
	clock := &testClock{}
	var gate atomic.Pointer[chan struct{}]
	waiting := make(chan struct{}, 16)
	e := newReplicaEnvWith(t, redisstore.WithReplicaHooks(redisstore.ReplicaConfig{MaxStale: bound}, redisstore.ReplicaHooks{
		Now: clock.now,
		OnMessage: func(any) bool {
			if g := gate.Load(); g != nil {
				<-*g
			}
			return true
		},
		OnWait: func() { waiting <- struct{}{} },
	}), 10*time.Second)
	ctx := context.Background()
	q := store.Check{Keys: []string{"{w}jti:1"}, Cutoff: "{w}sub:w"}
	e.warm(t, q)

	// The kept answer outlives the latest heartbeat: the Check waits, and
	// answers locally.
	clock.advance(bound)
	before := e.scripts.n.Load()
	st, err := e.rep.Check(ctx, q)
	if err != nil || st.Revoked {
		t.Fatalf("Check after the jump: %+v, %v", st, err)
	}
	if n := e.scripts.n.Load() - before; n != 0 {
		t.Fatalf("a Check that could wait for a heartbeat sent %d script(s)", n)
	}
	select {
	case <-waiting:
	default:
		t.Fatal("the Check after the jump did not wait for a heartbeat")
	}

	// The receiver holds every message: a revocation's notification is
	// not applied. MaxStale later a Check waits; the held messages are let
	// through; it sees the revocation.
	e.warm(t, q)
	release := make(chan struct{})
	gate.Store(&release)
	if err := e.writer.Revoke(ctx, "{w}jti:1", time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	clock.advance(bound + time.Millisecond)
	done := make(chan store.Status, 1)
	go func() {
		st, err := e.rep.Check(ctx, q)
		if err != nil {
			t.Error(err)
		}
		done <- st
	}()
	<-waiting
	gate.Store(nil)
	close(release)
	if st := <-done; !st.Revoked {
		t.Fatal("a Check begun MaxStale after a revocation missed it")
	}
}

// TestReplicaHeartbeatsLost: when the replica's own heartbeats stop
// coming back (other replicas' heartbeats on the same channel do not
// count), a kept answer is not used once MaxStale has passed: the Check
// waits at most MaxStale and asks Redis; once no heartbeat has come back
// for the Store's Timeout, it asks Redis without waiting.
func TestReplicaHeartbeatsLost(t *testing.T) {
	clock := &testClock{}
	var drop atomic.Bool
	var waits atomic.Int64
	const timeout = time.Second
	e := newReplicaEnvWith(t, redisstore.WithReplicaHooks(redisstore.ReplicaConfig{MaxStale: maxStale}, redisstore.ReplicaHooks{
		Now: clock.now,
		OnMessage: func(m any) bool {
			// Its own heartbeats are "<tag>:<n>"; the foreign ones below
			// are bare numbers.
			msg, ok := m.(*redis.Message)
			return !(ok && drop.Load() && strings.HasSuffix(msg.Channel, "replica-heartbeat") && strings.Contains(msg.Payload, ":"))
		},
		OnWait: func() { waits.Add(1) },
	}), timeout)
	ctx := context.Background()
	raw := newClient(t, "127.0.0.1:"+e.srv.port)
	q := store.Check{Keys: []string{"{l}jti:1"}}
	e.warm(t, q)
	drop.Store(true)
	clock.advance(maxStale)
	for i := range 3 {
		// Foreign heartbeats with the numbers this replica's own carry.
		p := raw.Pipeline()
		for n := range 1000 {
			p.Publish(ctx, redisstore.DefaultPrefix+"replica-heartbeat", strconv.Itoa(n))
		}
		if _, err := p.Exec(ctx); err != nil {
			t.Fatal(err)
		}
		before := e.scripts.n.Load()
		if _, err := e.rep.Check(ctx, q); err != nil {
			t.Fatal(err)
		}
		if e.scripts.n.Load() == before {
			t.Fatalf("Check %d answered from a copy whose latest heartbeat is MaxStale old", i)
		}
	}
	if waits.Load() == 0 {
		t.Fatal("no Check waited for a heartbeat")
	}
	clock.advance(timeout)
	w := waits.Load()
	before := e.scripts.n.Load()
	if _, err := e.rep.Check(ctx, q); err != nil {
		t.Fatal(err)
	}
	if e.scripts.n.Load() == before {
		t.Fatal("a Check answered from a copy without heartbeats")
	}
	if waits.Load() != w {
		t.Fatal("a Check waited for a heartbeat although none came back for the Store's Timeout")
	}
}

// BenchmarkReplicaCheck measures a Check answered from the replica's copy
// (the server at PASETOKIT_REDIS_ADDR must send keyspace notifications),
// next to the Store's own Check (a round trip), from parallel goroutines.
func BenchmarkReplicaCheck(b *testing.B) {
	addr := os.Getenv("PASETOKIT_REDIS_ADDR")
	if addr == "" {
		b.Skip("PASETOKIT_REDIS_ADDR is not set")
	}
	c := newClient(b, addr)
	s := newStore(b, c, redisstore.Config{Prefix: testPrefix(b, c)})
	rep, err := s.NewReplica(context.Background(), redisstore.ReplicaConfig{})
	if err != nil {
		b.Skip(err)
	}
	b.Cleanup(func() { _ = rep.Close() })
	q := store.Check{Keys: []string{"{b}jti:0123456789abcdef0123456789abcdef", "{b}fam:0123456789abcdef"}, Cutoff: "{b}sub:alice"}
	for _, bc := range []struct {
		name string
		st   store.Store
	}{{"replica", rep}, {"store", s}} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := bc.st.Check(ctx, q); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
