package redisstore_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
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
	srv := &server{t: t, port: freePort(t), args: []string{"--notify-keyspace-events", "Kg$hxe"}}
	srv.start()
	const timeout = 300 * time.Millisecond
	c, err := redisstore.NewClient(redisstore.ClientConfig{Addrs: []string{"127.0.0.1:" + srv.port}, Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	sc := &scriptCounter{}
	c.AddHook(sc)
	s := newStore(t, c, redisstore.Config{Timeout: timeout})
	rep, err := s.NewReplica(context.Background(), redisstore.ReplicaConfig{MaxStale: maxStale})
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
	killed := time.Now()
	for {
		began := time.Now()
		st, err := e.rep.Check(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if st.Revoked {
			break
		}
		if began.Sub(killed) > maxStale {
			t.Fatalf("a Check begun %v after the feed was killed missed a revocation", began.Sub(killed))
		}
		time.Sleep(time.Millisecond)
	}

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
