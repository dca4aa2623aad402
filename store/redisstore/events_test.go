package redisstore_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/pasetokit/pasetokit/observe"
	"github.com/pasetokit/pasetokit/store"
	"github.com/pasetokit/pasetokit/store/redisstore"
)

// recorder keeps the events it gets.
type recorder struct {
	mu     sync.Mutex
	events []observe.Event
}

func (r *recorder) Handle(_ context.Context, e observe.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func (r *recorder) take() []observe.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	l := r.events
	r.events = nil
	return l
}

// TestEvents checks that an outage is reported on every failing operation
// and its end once, and that the events name no key.
func TestEvents(t *testing.T) {
	addr := redisAddr(t)
	var down atomic.Bool
	down.Store(true)
	c := redis.NewClient(&redis.Options{
		Addr:                  addr,
		ContextTimeoutEnabled: true,
		MaxRetries:            -1,
		Dialer: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if down.Load() {
				return nil, errors.New("test: redis is down")
			}
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	})
	t.Cleanup(func() { _ = c.Close() })
	rec := &recorder{}
	s := newStore(t, c, redisstore.Config{Prefix: "pasetokit-test:events:", Events: rec})
	ctx := context.Background()
	const key = "secret-token-id"

	for range 2 {
		if _, err := s.Revoked(ctx, key); !errors.Is(err, store.ErrUnavailable) {
			t.Fatalf("Revoked while down: %v, want store.ErrUnavailable", err)
		}
	}
	got := rec.take()
	if len(got) != 2 {
		t.Fatalf("%d events while down, want 2: %+v", len(got), got)
	}
	for _, e := range got {
		if e.Kind != observe.KindStore || e.Component != "redisstore" || e.Reason != observe.ReasonUnavailable || !errors.Is(e.Err, store.ErrUnavailable) {
			t.Errorf("event while down = %+v", e)
		}
		if e.Err != nil && strings.Contains(e.Err.Error(), key) {
			t.Errorf("event names the key: %v", e.Err)
		}
	}

	// A caller that gave up is not an outage.
	gone, cancel := context.WithCancel(ctx)
	cancel()
	s.Revoked(gone, key)
	if got := rec.take(); len(got) != 0 {
		t.Errorf("events for a canceled call: %+v", got)
	}

	down.Store(false)
	for range 2 {
		if err := s.Revoke(ctx, key, time.Now().Add(time.Minute)); err != nil {
			t.Fatalf("Revoke after recovery: %v", err)
		}
	}
	got = rec.take()
	if len(got) != 1 || got[0].Kind != observe.KindStore || got[0].Reason != observe.ReasonRecovered || got[0].Err != nil {
		t.Fatalf("events after recovery = %+v, want one recovered", got)
	}
}
