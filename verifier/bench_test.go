package verifier_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/internal/testclock"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/verifier"
)

// BenchmarkVerify verifies one v4.public token with a kid: with 1 and 1000
// configured keys (the cost must not grow with the number of keys).
func BenchmarkVerify(b *testing.B) {
	signers := make([]*signer, 1000)
	keys := make([]keyring.Key, len(signers))
	for i := range signers {
		signers[i] = newSigner(b, paseto.V4, false)
		keys[i] = signers[i].key("https://issuer.example")
	}
	now := newClock().Now
	run := func(b *testing.B, cfg verifier.Config, s *signer) {
		v := newVerifier(b, cfg)
		tok := s.token(b, claims("aud", "api"), s.kid, nil)
		ctx := context.Background()
		if _, err := v.Verify(ctx, tok, nil); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := v.Verify(ctx, tok, nil); err != nil {
				b.Fatal(err)
			}
		}
	}
	for _, n := range []int{1, 1000} {
		b.Run(fmt.Sprintf("keys=%d", n), func(b *testing.B) {
			run(b, verifier.Config{Keys: keys[:n], Audiences: []string{"api"}, Now: now}, signers[n-1])
		})
	}
}

// BenchmarkVerifyCached is BenchmarkVerify with the verified-token cache:
// every call after the first is a hit, which still checks the time claims
// and audience and returns a copy of the cached token.
func BenchmarkVerifyCached(b *testing.B) {
	signers := make([]*signer, 1000)
	keys := make([]keyring.Key, len(signers))
	for i := range signers {
		signers[i] = newSigner(b, paseto.V4, false)
		keys[i] = signers[i].key("https://issuer.example")
	}
	now := newClock().Now
	for _, n := range []int{1, 1000} {
		b.Run(fmt.Sprintf("keys=%d", n), func(b *testing.B) {
			v := newVerifier(b, verifier.Config{Keys: keys[:n], Audiences: []string{"api"}, Now: now, CacheSize: 1024})
			tok := signers[n-1].token(b, claims("aud", "api"), signers[n-1].kid, nil)
			ctx := context.Background()
			if _, err := v.Verify(ctx, tok, nil); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.Verify(ctx, tok, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkKeySelection isolates what BenchmarkVerify's signature check
// drowns: parsing, the footer's kid and the key lookup, with 1 and 1000
// keys. The kid names a v4.local key on a v4.public token, so Verify stops
// with ErrWrongKey before any cryptography.
func BenchmarkKeySelection(b *testing.B) {
	signers := make([]*signer, 1000)
	keys := make([]keyring.Key, len(signers))
	for i := range signers {
		signers[i] = newSigner(b, paseto.V4, true)
		keys[i] = signers[i].key("")
	}
	pub := newSigner(b, paseto.V4, false)
	for _, n := range []int{1, 1000} {
		b.Run(fmt.Sprintf("keys=%d", n), func(b *testing.B) {
			v := newVerifier(b, verifier.Config{Keys: keys[:n], Now: newClock().Now})
			tok := pub.token(b, claims(), signers[n-1].kid, nil)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.Verify(ctx, tok, nil); !errors.Is(err, verifier.ErrWrongKey) {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkVerifyStatic and BenchmarkVerifyRing verify the same token,
// made with the current key of a ring, with that key configured as a
// static key and with the ring (KeySource), without and with the
// verified-token cache: a ring must cost nothing measurable. Run both in
// one go:
//
//	go test -run='^$' -bench='Ring|Static' -benchmem -count=5 ./verifier/
func BenchmarkVerifyStatic(b *testing.B) {
	benchVerifyKinds(b, func(b *testing.B, p paseto.Purpose, cache int) {
		_, s, clk := benchRing(b, p)
		benchVerify(b, verifier.Config{Keys: []keyring.Key{staticKey(b, s)}, CacheSize: cache, Now: clk.Now}, s)
	})
}

func BenchmarkVerifyRing(b *testing.B) {
	benchVerifyKinds(b, func(b *testing.B, p paseto.Purpose, cache int) {
		ring, s, clk := benchRing(b, p)
		benchVerify(b, verifier.Config{KeySource: ring, CacheSize: cache, Now: clk.Now}, s)
	})
}

// benchRing returns a ring of purpose p, a signer with its current key,
// and the ring's clock.
func benchRing(b *testing.B, p paseto.Purpose) (*keyring.Ring, *signer, *testclock.Clock) {
	clk := newClock()
	ring, err := keyring.New(context.Background(), keyring.Config{Purpose: p, Lifetimes: []time.Duration{time.Hour}, Now: clk.Now})
	if err != nil {
		b.Fatal(err)
	}
	cur, _ := ring.Snapshot().Current(clk.Now())
	return ring, &signer{sk: cur.SecretKey(), lk: cur.LocalKey(), kid: cur.ID(), ver: paseto.V4, local: p == paseto.Local}, clk
}

// staticKey is the configured key that verifies s's tokens.
func staticKey(b *testing.B, s *signer) keyring.Key {
	var k paseto.Key = s.lk
	if !s.local {
		k = s.sk.Public()
	}
	enc, err := paserk.Encode(k)
	if err != nil {
		b.Fatal(err)
	}
	return keyring.Key{PASERK: enc}
}

func benchVerifyKinds(b *testing.B, run func(b *testing.B, p paseto.Purpose, cache int)) {
	for _, p := range []paseto.Purpose{paseto.Public, paseto.Local} {
		for _, cache := range []int{0, 1024} {
			name := "v4." + p.String()
			if cache > 0 {
				name += "/cached"
			}
			b.Run(name, func(b *testing.B) { run(b, p, cache) })
		}
	}
}

func benchVerify(b *testing.B, cfg verifier.Config, s *signer) {
	cfg.Audiences = []string{"api"}
	v := newVerifier(b, cfg)
	tok := s.token(b, claims("aud", "api"), s.kid, nil)
	ctx := context.Background()
	if _, err := v.Verify(ctx, tok, nil); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(ctx, tok, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRingVsStatic verifies one token with a static key and with a
// ring holding the same key, in alternation, in one loop, and reports the
// time of each and their ratio: on a shared machine, whose load changes
// between two benchmarks run one after the other, it is the fair
// comparison.
func BenchmarkRingVsStatic(b *testing.B) {
	benchVerifyKinds(b, func(b *testing.B, p paseto.Purpose, cache int) {
		ring, s, clk := benchRing(b, p)
		tok := s.token(b, claims("aud", "api"), s.kid, nil)
		ctx := context.Background()
		mk := func(cfg verifier.Config) func() time.Duration {
			cfg.Audiences, cfg.Now, cfg.CacheSize = []string{"api"}, clk.Now, cache
			v := newVerifier(b, cfg)
			return func() time.Duration {
				t := time.Now()
				if _, err := v.Verify(ctx, tok, nil); err != nil {
					b.Fatal(err)
				}
				return time.Since(t)
			}
		}
		static := mk(verifier.Config{Keys: []keyring.Key{staticKey(b, s)}})
		ringed := mk(verifier.Config{KeySource: ring})
		var ta, tr time.Duration
		n := 0
		b.ReportAllocs()
		for b.Loop() {
			if n%2 == 0 {
				ta += static()
				tr += ringed()
			} else {
				tr += ringed()
				ta += static()
			}
			n++
		}
		b.ReportMetric(float64(ta.Nanoseconds())/float64(n), "static-ns/op")
		b.ReportMetric(float64(tr.Nanoseconds())/float64(n), "ring-ns/op")
		b.ReportMetric(float64(tr)/float64(ta), "ring/static")
	})
}
