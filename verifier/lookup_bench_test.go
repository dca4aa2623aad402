package verifier

import (
	"context"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
)

// BenchmarkKeyLookupStatic and BenchmarkKeyLookupRing time only what a
// ring adds to Verify: finding the key a kid names, and checking that a
// cached token's key still verifies. The rest of Verify is the same code
// for both, so this difference is the whole cost of a ring, without the
// noise of a signature check on a shared machine.
func BenchmarkKeyLookupStatic(b *testing.B) {
	ring, kid, now := lookupRing(b)
	e, _ := ring.Snapshot().Lookup(kid, now)
	enc, _ := paserk.Encode(e.PublicKey())
	v, err := New(Config{Keys: []keyring.Key{{PASERK: enc}}})
	if err != nil {
		b.Fatal(err)
	}
	benchLookup(b, v, kid, now)
}

func BenchmarkKeyLookupRing(b *testing.B) {
	ring, kid, now := lookupRing(b)
	v, err := New(Config{KeySource: ring})
	if err != nil {
		b.Fatal(err)
	}
	benchLookup(b, v, kid, now)
}

func lookupRing(b *testing.B) (*keyring.Ring, string, time.Time) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	ring, err := keyring.New(context.Background(), keyring.Config{Lifetimes: []time.Duration{time.Hour}, Now: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	cur, _ := ring.Snapshot().Current(now)
	return ring, cur.ID(), now
}

func benchLookup(b *testing.B, v *Verifier, kid string, now time.Time) {
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		e, err := v.lookup(ctx, kid, paseto.V4, paseto.Public, now)
		if err != nil || !v.stillValid(e, now) {
			b.Fatal(err)
		}
	}
}
