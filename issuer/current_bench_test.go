package issuer

import (
	"context"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paserk"
)

// BenchmarkKeyChoiceStatic and BenchmarkKeyChoiceRing time only what a
// ring adds to Issue: choosing the key and footer that issue at now. The
// rest of Issue is the same code for both, so this difference is the
// whole cost of a ring, without the noise of a signature on a shared
// machine.
func BenchmarkKeyChoiceStatic(b *testing.B) {
	now := time.Now()
	ring := choiceRing(b, now)
	cur, _ := ring.Snapshot().Current(now)
	enc, _ := paserk.Encode(cur.Key())
	i, err := New(Config{Keys: []keyring.Key{{PASERK: enc}}})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if r := i.ring.Load(); r == nil || r.footer == nil {
			b.Fatal("no key")
		}
	}
}

func BenchmarkKeyChoiceRing(b *testing.B) {
	now := time.Now()
	i, err := New(Config{KeySource: choiceRing(b, now)})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if r, err := i.current(now); err != nil || r.footer == nil {
			b.Fatal(err)
		}
	}
}

func choiceRing(b *testing.B, now time.Time) *keyring.Ring {
	ring, err := keyring.New(context.Background(), keyring.Config{Lifetimes: []time.Duration{time.Hour}, Now: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	return ring
}
