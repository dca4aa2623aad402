package keyring

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
)

func TestFirstKey(t *testing.T) {
	ctx := context.Background()
	sk, _ := paseto.GenerateSecretKey(paseto.V4)
	lk, _ := paseto.GenerateSymmetricKey(paseto.V4)
	v3, _ := paseto.GenerateSecretKey(paseto.V3)
	lifetimes := []time.Duration{time.Hour}
	for _, tc := range []struct {
		name    string
		purpose paseto.Purpose
		key     paseto.Key
		id      string
	}{
		{"public", paseto.Public, sk, paserk.PublicID(sk.Public())},
		{"local", paseto.Local, lk, paserk.LocalID(lk)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := NewMemory()
			r, err := New(ctx, Config{Purpose: tc.purpose, FirstKey: tc.key, Lifetimes: lifetimes, Backend: b})
			if err != nil {
				t.Fatal(err)
			}
			cur, err := r.Snapshot().Current(time.Now())
			if err != nil || cur.ID() != tc.id {
				t.Fatalf("current %v, %v; want the first key", cur, err)
			}
			// A second ring on the same backend reads the state: its own
			// FirstKey is unused.
			other, _ := paseto.GenerateSymmetricKey(paseto.V4)
			var first paseto.Key = other
			if tc.purpose == paseto.Public {
				first, _ = paseto.GenerateSecretKey(paseto.V4)
			}
			r2, err := New(ctx, Config{Purpose: tc.purpose, FirstKey: first, Lifetimes: lifetimes, Backend: b})
			if err != nil {
				t.Fatal(err)
			}
			if cur2, _ := r2.Snapshot().Current(time.Now()); cur2.ID() != tc.id {
				t.Errorf("second ring's current key %s, want the stored %s", cur2.ID(), tc.id)
			}
		})
	}
	for _, tc := range []struct {
		name    string
		purpose paseto.Purpose
		key     paseto.Key
	}{
		{"local key for a public ring", paseto.Public, lk},
		{"secret key for a local ring", paseto.Local, sk},
		{"other version", paseto.Public, v3},
	} {
		_, err := New(ctx, Config{Purpose: tc.purpose, FirstKey: tc.key, Lifetimes: lifetimes})
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Field != "FirstKey" {
			t.Errorf("%s: %v, want a ConfigError on FirstKey", tc.name, err)
		}
	}
}
