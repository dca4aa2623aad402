package redisstore_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/store"
)

// BenchmarkRotateSeries measures RotateSeries, one Lua compare-and-swap
// per operation, with parallel clients (b.SetParallelism / -cpu):
//
//   - own: each goroutine rotates its own series, so every rotation wins;
//   - contended: every goroutine rotates one shared series, alternating
//     between two hashes, so many rotations lose the race (report false).
func BenchmarkRotateSeries(b *testing.B) {
	ctx := context.Background()
	h := [2][]byte{hashOf("a"), hashOf("b")}
	create := func(b *testing.B, s store.RememberStore, sel string) {
		sr := store.Series{Selector: sel, UserID: "bench", ValidatorHash: h[0], Expires: time.Now().Add(time.Hour)}
		if err := s.CreateSeries(ctx, sr); err != nil {
			b.Fatal(err)
		}
	}

	b.Run("own", func(b *testing.B) {
		s := benchStore(b)
		var next atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			sel := "bench-" + strconv.FormatInt(next.Add(1), 36)
			create(b, s, sel)
			grace := time.Now().Add(time.Minute)
			i := 0
			for pb.Next() {
				ok, err := s.RotateSeries(ctx, sel, h[i%2], h[(i+1)%2], grace)
				if err != nil || !ok {
					b.Errorf("RotateSeries = %v, %v", ok, err)
					return
				}
				i++
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
	})

	b.Run("contended", func(b *testing.B) {
		s := benchStore(b)
		create(b, s, "shared")
		var wins atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			grace := time.Now().Add(time.Minute)
			i := 0
			for pb.Next() {
				ok, err := s.RotateSeries(ctx, "shared", h[i%2], h[(i+1)%2], grace)
				if err != nil {
					b.Error(err)
					return
				}
				if ok {
					wins.Add(1)
				}
				i++
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
		b.ReportMetric(float64(wins.Load())/float64(b.N), "wins/op")
	})
}
