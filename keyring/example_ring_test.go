package keyring_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/pasetokit/pasetokit/internal/testclock"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
)

// For most users: one ring of v4.public signing keys in memory, rotated
// weekly, keeping retired keys for the longest token lifetime, with the
// schedule running in the background. Components take it as their
// KeySource.
func ExampleNew() {
	ctx := context.Background()
	// The lifetimes of what the keys make: access tokens (15m) and
	// refresh tokens (30 days). Retired keys are kept that long.
	ring, err := keyring.New(ctx, keyring.Config{
		Lifetimes: []time.Duration{15 * time.Minute, 30 * 24 * time.Hour},
		Leeway:    30 * time.Second,
	})
	if err != nil {
		log.Fatal(err)
	}
	go ring.Run(ctx) // rotates on schedule until ctx is done

	p := ring.Policy()
	fmt.Println("rotate every", p.RotateEvery, "publish ahead", p.PublishAhead, "keep", p.RetainFor, "at most", p.MaxKeys, "keys")
	cur, err := ring.Snapshot().Current(time.Now())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(cur.Info().State, cur.ID()[:7])
	// Output:
	// rotate every 168h0m0s publish ahead 24h0m0s keep 720h0m30s at most 8 keys
	// current k4.pid.
}

// A ring in a file shared by the processes of one machine: its secret
// keys are wrapped with the operator's k4.local key (PASERK
// local-wrap.pie); every process that opens the file uses the same keys
// and they rotate once for all.
func ExampleNewFile() {
	dir, _ := os.MkdirTemp("", "keyring")
	defer os.RemoveAll(dir)
	// In production: paserk.ParseLocal(paseto.V4, os.Getenv("KEYRING_WRAP_KEY")).
	wrap, _ := paseto.GenerateSymmetricKey(paseto.V4)

	file, err := keyring.NewFile(filepath.Join(dir, "signing-keys.json"))
	if err != nil {
		log.Fatal(err)
	}
	cfg := keyring.Config{
		Backend:     file,
		WrappingKey: wrap,
		Lifetimes:   []time.Duration{time.Hour},
	}
	a, err := keyring.New(context.Background(), cfg) // creates the file
	if err != nil {
		log.Fatal(err)
	}
	b, err := keyring.New(context.Background(), cfg) // another process: same keys
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(a.Snapshot().Keys()[0].ID() == b.Snapshot().Keys()[0].ID())

	// Another wrapping key cannot read it, and leaves it untouched.
	cfg.WrappingKey, _ = paseto.GenerateSymmetricKey(paseto.V4)
	_, err = keyring.New(context.Background(), cfg)
	fmt.Println(errors.Is(err, keyring.ErrWrongWrappingKey), errors.Is(err, keyring.ErrCorruptState))
	// Output:
	// true
	// true true
}

// Rotate starts a staged rotation: the new key is published now and signs
// PublishAhead later, so that verifiers following the key set know it
// first.
func ExampleRing_Rotate() {
	clk := testclock.New()
	ring, err := keyring.New(context.Background(), keyring.Config{
		Policy:    keyring.Policy{RotateEvery: 24 * time.Hour, PublishAhead: time.Hour},
		Lifetimes: []time.Duration{15 * time.Minute},
		Now:       clk.Now,
	})
	if err != nil {
		log.Fatal(err)
	}
	next, err := ring.Rotate(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(next.State, "until", next.Activates.Sub(clk.Now()))
	for _, e := range ring.Snapshot().Keys() {
		fmt.Println(e.Info().State)
	}
	clk.Advance(time.Hour)
	cur, _ := ring.Snapshot().Current(clk.Now())
	fmt.Println(cur.ID() == next.ID)
	// Output:
	// next until 1h0m0s
	// next
	// current
	// true
}

// What a component does with a Source on every call: one atomic load, then
// the key that issues, or the key a token's kid names.
func ExampleSource() {
	ring, err := keyring.New(context.Background(), keyring.Config{
		Purpose:   paseto.Local, // session cookies
		Lifetimes: []time.Duration{24 * time.Hour},
	})
	if err != nil {
		log.Fatal(err)
	}
	var src keyring.Source = ring

	now := time.Now()
	snap := src.Snapshot()
	cur, err := snap.Current(now)
	if err != nil {
		log.Fatal(err) // ErrStale: fail closed
	}
	token, _ := paseto.Encrypt(cur.LocalKey(), []byte(`{"sub":"alice"}`), []byte(`{"kid":"`+cur.ID()+`"}`), nil)

	// Later, to open it: the kid picks the key.
	kid := paserk.LocalID(cur.LocalKey())
	if e, ok := src.Snapshot().Lookup(kid, now); ok {
		payload, _, err := paseto.Decrypt(e.LocalKey(), token, nil)
		fmt.Println(string(payload), err)
	}
	// Output: {"sub":"alice"} <nil>
}
