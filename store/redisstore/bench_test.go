package redisstore_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

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

// BenchmarkCreateFamily measures a login's store write, CreateFamily,
// with a go-redis hook counting round trips:
//
//   - under: every creation is for a new owner, under the bound (one
//     script, one round trip);
//   - over: one owner at the bound of 32, so that every creation also
//     evicts the family that expires soonest (a second script, with the
//     owner's other families declared in KEYS).
//
// Run with -count to interleave the two.
func BenchmarkCreateFamily(b *testing.B) {
	addr := os.Getenv("PASETOKIT_REDIS_ADDR")
	if addr == "" {
		b.Skip("PASETOKIT_REDIS_ADDR is not set")
	}
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		owner func(i int) string
	}{
		{"under", func(i int) string { return "{o" + strconv.Itoa(i) + "}o" }},
		{"over", func(int) string { return "{o}o" }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			c := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true})
			b.Cleanup(func() { _ = c.Close() })
			st := newStore(b, c, redisstore.Config{Prefix: testPrefix(b, c)})
			until := time.Now().Add(time.Hour)
			for i := range st.MaxFamiliesPerUser() + 1 { // at the bound; scripts loaded
				owner := tc.owner(-1 - i)
				fam := owner[:strings.IndexByte(owner, '}')+1] + "warm" + strconv.Itoa(i)
				if err := st.CreateFamily(ctx, owner, fam, "t", until); err != nil {
					b.Fatal(err)
				}
			}
			var rtt rttCounter
			c.AddHook(&rtt)
			i := 0
			for b.Loop() {
				owner := tc.owner(i)
				fam := owner[:strings.IndexByte(owner, '}')+1] + "f" + strconv.Itoa(i)
				if err := st.CreateFamily(ctx, owner, fam, "t", until.Add(time.Duration(i)*time.Millisecond)); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(float64(rtt.n.Load())/float64(i), "roundtrips/op")
			b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "ops/s")
		})
	}
}
