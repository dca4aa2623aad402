package session

import (
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/securecookie"
)

// typicalValues is a typical session: user id, role, CSRF token and flags.
func typicalValues() map[string]any {
	return map[string]any{
		"user_id":   int64(1234567),
		"role":      "admin",
		"csrf":      "q3Zk1nW8pT0xYc5vR2bL9sHfJ4mD7gAe",
		"mfa":       true,
		"dark_mode": false,
		"beta":      true,
	}
}

func BenchmarkCodec(b *testing.B) {
	b.Run("pasetokit", func(b *testing.B) {
		m, clk := testManager(b, Config{})
		vals, err := m.storeAll(typicalValues())
		if err != nil {
			b.Fatal(err)
		}
		p := payload{ID: newID(), Created: clk.Now().Unix(), Seen: clk.Now().Unix(), Values: vals}
		now := clk.Now()
		b.ReportAllocs()
		defer cpuMeter(b)()
		for b.Loop() {
			tok, err := m.encode(&p)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := m.decode(tok, now); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("gorilla-securecookie", func(b *testing.B) {
		sc := securecookie.New(gorillaHash, gorillaBlock)
		vals := map[any]any{}
		for k, v := range typicalValues() {
			vals[k] = v
		}
		b.ReportAllocs()
		defer cpuMeter(b)()
		for b.Loop() {
			enc, err := sc.Encode("session", vals)
			if err != nil {
				b.Fatal(err)
			}
			var dst map[any]any
			if err := sc.Decode("session", enc, &dst); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkMiddleware measures a request that reads and updates a session.
func BenchmarkMiddleware(b *testing.B) {
	m, _ := testManager(b, Config{})
	c := issue(b, m, "user_id", 1234567, "role", "admin")
	h := m.Handler(http.HandlerFunc(counter))
	b.ReportAllocs()
	for b.Loop() {
		serveHandler(h, c)
	}
}

// cpuMeter reports the process CPU time (user and system, all threads) per
// iteration as the extra metric cpu-ns/op, which scripts/bench-session.sh
// reads beside ns/op. Call it before the b.Loop loop and the function it
// returns after it.
func cpuMeter(b *testing.B) (stop func()) {
	cpu := func() time.Duration {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			b.Fatal(err)
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	start := cpu()
	return func() {
		if b.N > 0 {
			b.ReportMetric(float64(cpu()-start)/float64(b.N), "cpu-ns/op")
		}
	}
}
