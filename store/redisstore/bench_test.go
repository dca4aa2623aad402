package redisstore_test

import (
	"context"
	"os"
	"testing"

	"github.com/pasetokit/pasetokit/store"
	"github.com/pasetokit/pasetokit/store/redisstore"
	"github.com/redis/go-redis/v9"
)

// BenchmarkRefreshRotation measures one-time refresh rotation with
// authtoken: one Login, then every iteration rotates the family with the
// previous refresh token and gets a new pair (verify with one Check,
// RotateFamily, two tokens issued: two store round trips).
// The memory store runs next to the Redis one for comparison; the Redis
// sub-benchmark is skipped when PASETOKIT_REDIS_ADDR is not set.
func BenchmarkRefreshRotation(b *testing.B) {
	b.Run("memory", func(b *testing.B) {
		// A rotation adds no entry: the family is updated in place.
		st, err := store.NewMemory(store.MemoryConfig{})
		if err != nil {
			b.Fatal(err)
		}
		benchRotation(b, st)
	})
	b.Run("redis", func(b *testing.B) {
		addr := os.Getenv("PASETOKIT_REDIS_ADDR")
		if addr == "" {
			b.Skip("PASETOKIT_REDIS_ADDR is not set")
		}
		c := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true})
		b.Cleanup(func() { _ = c.Close() })
		benchRotation(b, newStore(b, c, redisstore.Config{Prefix: testPrefix(b, c)}))
	})
}

func benchRotation(b *testing.B, st store.Store) {
	m := newManager(b, st, nil)
	ctx := context.Background()
	pair, err := m.Login(ctx, "alice", nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if pair, err = m.Refresh(ctx, pair.Refresh); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "ops/s")
}
