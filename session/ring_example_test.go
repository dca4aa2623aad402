package session_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/pasetokit/pasetokit/internal/testclock"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/session"
)

// The package documentation's key ring path, compiled: sessions on a ring
// of v4.local keys survive a rotation.
func Example_keyRing() {
	ctx := context.Background()
	clk := testclock.New() // in production: leave Now nil
	ring, err := keyring.New(ctx, keyring.Config{
		Purpose:   paseto.Local,
		Policy:    keyring.Policy{RotateEvery: 24 * time.Hour, PublishAhead: time.Hour},
		Lifetimes: []time.Duration{session.DefaultLifetime},
		Now:       clk.Now,
	})
	if err != nil {
		log.Fatal(err)
	}
	// In production: go ring.Run(ctx)
	m, err := session.New(session.Config{KeySource: ring, Now: clk.Now})
	if err != nil {
		log.Fatal(err)
	}
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.FromContext(r.Context())
		n, _ := session.Get[int](s, "count")
		s.Set("count", n+1)
		fmt.Println("count", n+1)
	}))
	visit := func(c []*http.Cookie) []*http.Cookie {
		req := httptest.NewRequest("GET", "/", nil)
		for _, c := range c {
			req.AddCookie(c)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if got := rec.Result().Cookies(); len(got) > 0 {
			return got
		}
		return c
	}
	c := visit(nil)
	ring.Rotate(ctx) // a staged rotation: the new key encrypts an hour later
	clk.Advance(ring.Policy().PublishAhead + time.Minute)
	c = visit(c) // opened with the retired key, saved with the new one
	visit(c)
	// Output:
	// count 1
	// count 2
	// count 3
}

// The package documentation's key ring snippet, compiled.
func Example_keyRingSetup() {
	ctx := context.Background()
	ring, err := keyring.New(ctx, keyring.Config{
		Purpose:   paseto.Local,
		Lifetimes: []time.Duration{session.DefaultLifetime},
	})
	if err != nil {
		log.Fatal(err)
	}
	go ring.Run(ctx)
	m, err := session.New(session.Config{KeySource: ring})
	_, _ = m, err
}
