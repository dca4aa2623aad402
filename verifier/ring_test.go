package verifier_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/internal/testclock"
	"github.com/pasetokit/pasetokit/issuer"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/verifier"
)

// newRing returns a ring on clk rotating daily, publishing an hour ahead
// and keeping retired keys for an hour.
func newRing(t testing.TB, clk *testclock.Clock, p paseto.Purpose) *keyring.Ring {
	t.Helper()
	r, err := keyring.New(context.Background(), keyring.Config{
		Purpose:   p,
		Policy:    keyring.Policy{RotateEvery: 24 * time.Hour, PublishAhead: time.Hour},
		Lifetimes: []time.Duration{time.Hour},
		Now:       clk.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// entrySigner makes tokens with a ring key.
func entrySigner(t testing.TB, ring *keyring.Ring, id string, at time.Time) *signer {
	t.Helper()
	e, ok := ring.Snapshot().Lookup(id, at)
	if !ok {
		t.Fatalf("key %s not in the ring", id)
	}
	return &signer{sk: e.SecretKey(), lk: e.LocalKey(), kid: e.ID(), ver: paseto.V4, local: e.LocalKey() != nil}
}

// TestRingLifecycle verifies tokens of next, current and retired keys and
// rejects those of dropped keys, also from the cache, without a tick.
func TestRingLifecycle(t *testing.T) {
	for _, p := range []paseto.Purpose{paseto.Public, paseto.Local} {
		for _, cache := range []int{0, 16} {
			t.Run(p.String()+map[bool]string{true: "/cached", false: ""}[cache > 0], func(t *testing.T) {
				clk := testclock.New()
				ring := newRing(t, clk, p)
				v := newVerifier(t, verifier.Config{KeySource: ring, Now: clk.Now, CacheSize: cache})
				ctx := context.Background()
				// Tokens valid for days: only the key's state decides.
				c := claims("exp", ts(t0.Add(72*time.Hour)))

				first, _ := ring.Snapshot().Current(clk.Now())
				old := entrySigner(t, ring, first.ID(), clk.Now()).token(t, c, first.ID(), nil)
				_, err := v.Verify(ctx, old, nil)
				wantErr(t, err)

				next, err := ring.Rotate(ctx)
				if err != nil {
					t.Fatal(err)
				}
				nextTok := entrySigner(t, ring, next.ID, clk.Now()).token(t, c, next.ID, nil)
				_, err = v.Verify(ctx, nextTok, nil) // next: verifies already
				wantErr(t, err)

				clk.Advance(time.Hour)
				if err := ring.Tick(ctx); err != nil {
					t.Fatal(err)
				}
				if e, _ := ring.Snapshot().Lookup(first.ID(), clk.Now()); e.Info().State != keyring.Retired {
					t.Fatalf("first key is %v", e.Info().State)
				}
				_, err = v.Verify(ctx, old, nil) // retired: verifies
				wantErr(t, err)
				_, err = v.Verify(ctx, nextTok, nil) // current
				wantErr(t, err)

				// Past the retired key's drop time, without a tick: the
				// snapshot no longer finds it, and the cache does not
				// vouch for it either.
				e, _ := ring.Snapshot().Lookup(first.ID(), clk.Now())
				clk.Set(e.Info().Drops)
				_, err = v.Verify(ctx, old, nil)
				wantErr(t, err, verifier.ErrUnknownKey)
				if err := ring.Tick(ctx); err != nil {
					t.Fatal(err)
				}
				_, err = v.Verify(ctx, old, nil)
				wantErr(t, err, verifier.ErrUnknownKey)
				_, err = v.Verify(ctx, nextTok, nil)
				wantErr(t, err)

				// A kid is required for ring keys.
				noKid := entrySigner(t, ring, next.ID, clk.Now()).token(t, c, "", nil)
				_, err = v.Verify(ctx, noKid, nil)
				wantErr(t, err, verifier.ErrMissingKeyID, verifier.ErrUnknownKey)
			})
		}
	}
}

// A cached token of a dropped key is verified again, and refused, rather
// than served from the cache.
func TestRingCacheRechecksKey(t *testing.T) {
	clk := testclock.New()
	ring := newRing(t, clk, paseto.Public)
	v := newVerifier(t, verifier.Config{KeySource: ring, Now: clk.Now, CacheSize: 16})
	ctx := context.Background()
	cur, _ := ring.Snapshot().Current(clk.Now())
	tok := entrySigner(t, ring, cur.ID(), clk.Now()).token(t, claims("exp", ts(t0.Add(72*time.Hour))), cur.ID(), nil)
	for range 2 {
		if _, err := v.Verify(ctx, tok, nil); err != nil {
			t.Fatal(err)
		}
	}
	if verifier.Opens(v) != 1 || verifier.CacheLen(v) != 1 {
		t.Fatalf("opens %d, cached %d: the second call should be a cache hit", verifier.Opens(v), verifier.CacheLen(v))
	}
	// A rotation (new generation) keeps cached tokens of kept keys.
	if _, err := ring.Rotate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(ctx, tok, nil); err != nil || verifier.Opens(v) != 1 {
		t.Fatalf("after Rotate: %v, opens %d", err, verifier.Opens(v))
	}
	// Dropped: refused, and gone from the cache.
	clk.Advance(26 * time.Hour)
	if err := ring.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	_, err := v.Verify(ctx, tok, nil)
	wantErr(t, err, verifier.ErrUnknownKey)
	if verifier.CacheLen(v) != 0 {
		t.Fatal("a token of a dropped key stayed cached")
	}
}

func TestRingConfig(t *testing.T) {
	clk := testclock.New()
	ring := newRing(t, clk, paseto.Public)
	s := newSigner(t, paseto.V4, false)
	_, err := verifier.New(verifier.Config{KeySource: ring, Keys: []keyring.Key{s.key("")}})
	wantErr(t, err, verifier.ErrInvalidConfig)
	v := newVerifier(t, verifier.Config{KeySource: ring})
	wantErr(t, v.SetKeys([]keyring.Key{s.key("")}), verifier.ErrInvalidConfig)
	// A ring and a key set together: the ring's keys, then the set's.
	_, err = verifier.New(verifier.Config{KeySource: ring, KeySets: []verifier.KeySet{{URL: "https://issuer.example/keys", Issuer: "https://issuer.example"}}})
	wantErr(t, err)
}

func TestCheckKeySet(t *testing.T) {
	clk := testclock.New()
	daily := newRing(t, clk, paseto.Public) // PublishAhead 1h, max-age 5m
	fast, err := keyring.New(context.Background(), keyring.Config{
		Policy:    keyring.Policy{RotateEvery: 20 * time.Second, PublishAhead: 10 * time.Second},
		Lifetimes: []time.Duration{time.Second},
		Now:       clk.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	url := "https://issuer.example/keys"
	for _, tc := range []struct {
		name string
		ks   verifier.KeySet
		src  keyring.Source
		ok   bool
	}{
		{"defaults, daily ring", verifier.KeySet{URL: url, Issuer: "https://issuer.example"}, daily, true},
		{"refresh 2h but max-age 5m", verifier.KeySet{URL: url, Issuer: "https://issuer.example", RefreshInterval: 2 * time.Hour}, daily, true},
		{"min refresh over PublishAhead", verifier.KeySet{URL: url, Issuer: "https://issuer.example", MinRefreshInterval: 2 * time.Hour, RefreshInterval: 2 * time.Hour}, daily, false},
		{"defaults, PublishAhead 10s", verifier.KeySet{URL: url, Issuer: "https://issuer.example"}, fast, false},
		{"min refresh 5s, PublishAhead 10s", verifier.KeySet{URL: url, Issuer: "https://issuer.example", MinRefreshInterval: 5 * time.Second}, fast, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := verifier.CheckKeySet(tc.ks, tc.src)
			if tc.ok {
				wantErr(t, err)
			} else {
				wantErr(t, err, verifier.ErrInvalidConfig, keyring.ErrRefreshTooSlow)
			}
		})
	}
}

// handlerTransport serves requests with a handler, in process, and
// reports each one.
type handlerTransport struct {
	h       http.Handler
	fetched chan struct{}
	down    *atomic.Bool // answer 503
}

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	w := httptest.NewRecorder()
	if t.down.Load() {
		w.WriteHeader(http.StatusServiceUnavailable)
	} else {
		t.h.ServeHTTP(w, r)
	}
	t.fetched <- struct{}{}
	resp := w.Result()
	resp.Request = r
	return resp, nil
}

// A verifier following the key set of an issuer on a ring refreshes at the
// published max-age, and so knows the next key before it signs.
func TestRingKeySetRefreshAtMaxAge(t *testing.T) {
	clk := testclock.New()
	ring := newRing(t, clk, paseto.Public) // max-age 5m
	iss, err := issuer.New(issuer.Config{KeySource: ring, Issuer: "https://issuer.example", Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	tr := handlerTransport{h: iss.KeySetHandler(), fetched: make(chan struct{}, 16), down: new(atomic.Bool)}
	ks := verifier.KeySet{URL: "https://issuer.example/keys", Issuer: "https://issuer.example", Client: &http.Client{Transport: tr}}
	wantErr(t, verifier.CheckKeySet(ks, ring))
	v := newVerifier(t, verifier.Config{KeySets: []verifier.KeySet{ks}, Now: clk.Now})
	ctx := context.Background()
	fetches := func() int {
		n := 0
		for {
			select {
			case <-tr.fetched:
				n++
			default:
				return n
			}
		}
	}

	tok, err := iss.Issue(map[string]any{"sub": "a"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.Verify(ctx, tok, nil)
	wantErr(t, err)
	if n := fetches(); n != 1 {
		t.Fatalf("%d fetches for the first token", n)
	}
	next, err := ring.Rotate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(5*time.Minute - time.Second)
	_, err = v.Verify(ctx, tok, nil)
	wantErr(t, err)
	verifier.WaitFetches(v)
	if n := fetches(); n != 0 {
		t.Fatalf("refetched before max-age: %d", n)
	}
	clk.Advance(2 * time.Second)
	_, err = v.Verify(ctx, tok, nil) // starts the refresh in the background
	wantErr(t, err)
	verifier.WaitFetches(v)
	if n := fetches(); n != 1 {
		t.Fatalf("%d fetches after max-age, want 1", n)
	}
	// The next key is known before it signs: its tokens verify even when
	// the key set cannot be fetched any more.
	tr.down.Store(true)
	clk.Advance(time.Hour)
	tok2, err := iss.Issue(map[string]any{"sub": "a"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(ctx, tok2, nil); err != nil {
		t.Fatal(err)
	}
	if kid := iss.KeyID(); kid != next.ID {
		t.Fatalf("issuing with %s, want the next key %s", kid, next.ID)
	}
}
