package issuer_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/issuer"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/serializer"
)

// benchClaims is a typical access-token payload.
func benchClaims() AppClaims {
	return AppClaims{
		Claims: paseto.Claims{Subject: "user-1234567890", Audience: paseto.Audience{"https://api.example.com"}},
		Role:   "editor",
		Scopes: []string{"articles:read", "articles:write"},
	}
}

// BenchmarkIssue issues v4.public tokens with the default claims (iss, iat,
// exp, jti) and footer (kid).
func BenchmarkIssue(b *testing.B) {
	for _, ser := range []serializer.Serializer{serializer.JSON, serializer.CBOR} {
		b.Run(ser.Name(), func(b *testing.B) {
			iss := newIssuer(b, issuer.Config{Issuer: "https://auth.example.com", Serializer: ser, Now: time.Now})
			claims := benchClaims()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := iss.Issue(&claims); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkBareSign is the baseline: the same claims, filled in by hand,
// with json.Marshal and paseto.Sign, with the same footer.
func BenchmarkBareSign(b *testing.B) {
	sk := keys.secret[paseto.V4]
	footer := []byte(`{"kid":"` + paserk.PublicID(sk.Public()) + `"}`)
	claims := benchClaims()
	b.ReportAllocs()
	for b.Loop() {
		c := claims
		now := time.Now().UTC().Truncate(time.Second)
		var id [16]byte
		rand.Read(id[:])
		c.Issuer = "https://auth.example.com"
		c.IssuedAt = paseto.NewTime(now)
		c.Expiration = paseto.NewTime(now.Add(time.Hour))
		c.TokenID = base64.RawURLEncoding.EncodeToString(id[:])
		payload, err := json.Marshal(&c)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := paseto.Sign(sk, payload, footer, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIssueOverhead isolates the issuer's work from the signature: a
// v4.local token, whose encryption is far cheaper than an Ed25519
// signature, against the bare equivalent.
func BenchmarkIssueOverhead(b *testing.B) {
	lk := keys.local[paseto.V4]
	b.Run("issuer", func(b *testing.B) {
		iss := newIssuer(b, issuer.Config{Keys: []keyring.Key{pk(b, lk)}, Issuer: "https://auth.example.com", Now: time.Now})
		claims := benchClaims()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := iss.Issue(&claims); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("bare", func(b *testing.B) {
		footer := []byte(`{"kid":"` + paserk.LocalID(lk) + `"}`)
		claims := benchClaims()
		b.ReportAllocs()
		for b.Loop() {
			c := claims
			now := time.Now().UTC().Truncate(time.Second)
			var id [16]byte
			rand.Read(id[:])
			c.Issuer = "https://auth.example.com"
			c.IssuedAt = paseto.NewTime(now)
			c.Expiration = paseto.NewTime(now.Add(time.Hour))
			c.TokenID = base64.RawURLEncoding.EncodeToString(id[:])
			payload, err := json.Marshal(&c)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := paseto.Encrypt(lk, payload, footer, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkIssueStatic and BenchmarkIssueRing issue the same token with
// the current key of a ring, configured as a static key and as the ring
// itself (KeySource): a ring must cost nothing measurable. Run both in one
// go:
//
//	go test -run='^$' -bench='Ring|Static' -benchmem -count=5 ./issuer/
func BenchmarkIssueStatic(b *testing.B) {
	for _, p := range []paseto.Purpose{paseto.Public, paseto.Local} {
		b.Run("v4."+p.String(), func(b *testing.B) {
			_, key := benchRing(b, p)
			benchIssue(b, issuer.Config{Keys: []keyring.Key{key}})
		})
	}
}

func BenchmarkIssueRing(b *testing.B) {
	for _, p := range []paseto.Purpose{paseto.Public, paseto.Local} {
		b.Run("v4."+p.String(), func(b *testing.B) {
			ring, _ := benchRing(b, p)
			benchIssue(b, issuer.Config{KeySource: ring})
		})
	}
}

// benchRing returns a ring of purpose p and its current key as a
// configured key.
func benchRing(b *testing.B, p paseto.Purpose) (*keyring.Ring, keyring.Key) {
	ring, err := keyring.New(context.Background(), keyring.Config{Purpose: p, Lifetimes: []time.Duration{time.Hour}})
	if err != nil {
		b.Fatal(err)
	}
	cur, err := ring.Snapshot().Current(time.Now())
	if err != nil {
		b.Fatal(err)
	}
	return ring, pk(b, cur.Key())
}

func benchIssue(b *testing.B, cfg issuer.Config) {
	cfg.Issuer, cfg.Now = "https://auth.example.com", time.Now
	iss, err := issuer.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	claims := benchClaims()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := iss.Issue(&claims); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRingVsStatic issues with a static key and with a ring holding
// the same key, in alternation, in one loop, and reports the time of each
// and their ratio: on a shared machine, whose load changes between two
// benchmarks run one after the other, it is the fair comparison.
func BenchmarkRingVsStatic(b *testing.B) {
	for _, p := range []paseto.Purpose{paseto.Public, paseto.Local} {
		b.Run("v4."+p.String(), func(b *testing.B) {
			ring, key := benchRing(b, p)
			static, err := issuer.New(issuer.Config{Keys: []keyring.Key{key}, Issuer: "https://auth.example.com", Now: time.Now})
			if err != nil {
				b.Fatal(err)
			}
			ringed, err := issuer.New(issuer.Config{KeySource: ring, Issuer: "https://auth.example.com", Now: time.Now})
			if err != nil {
				b.Fatal(err)
			}
			claims := benchClaims()
			issue := func(iss *issuer.Issuer) time.Duration {
				t := time.Now()
				if _, err := iss.Issue(&claims); err != nil {
					b.Fatal(err)
				}
				return time.Since(t)
			}
			var ta, tr time.Duration
			n := 0
			b.ReportAllocs()
			for b.Loop() {
				if n%2 == 0 {
					ta += issue(static)
					tr += issue(ringed)
				} else {
					tr += issue(ringed)
					ta += issue(static)
				}
				n++
			}
			b.ReportMetric(float64(ta.Nanoseconds())/float64(n), "static-ns/op")
			b.ReportMetric(float64(tr.Nanoseconds())/float64(n), "ring-ns/op")
			b.ReportMetric(float64(tr)/float64(ta), "ring/static")
		})
	}
}
