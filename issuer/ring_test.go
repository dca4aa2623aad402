package issuer_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/internal/testclock"
	"github.com/pasetokit/pasetokit/issuer"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/keyset"
	"github.com/pasetokit/pasetokit/paseto"
)

// newRing returns a ring rotating daily, publishing an hour ahead, keeping
// retired keys for an hour (the tokens' lifetime), on clk.
func newRing(t testing.TB, clk *testclock.Clock, purpose paseto.Purpose) *keyring.Ring {
	t.Helper()
	r, err := keyring.New(context.Background(), keyring.Config{
		Purpose:   purpose,
		Policy:    keyring.Policy{RotateEvery: 24 * time.Hour, PublishAhead: time.Hour},
		Lifetimes: []time.Duration{time.Hour},
		Now:       clk.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func kidOf(t testing.TB, token string) string {
	t.Helper()
	var p paseto.Parser
	u, err := p.Unverified(token)
	if err != nil {
		t.Fatal(err)
	}
	kid, err := paseto.FooterKeyID(u.UnverifiedFooter)
	if err != nil {
		t.Fatal(err)
	}
	return kid
}

func TestRingIssueFollowsRotation(t *testing.T) {
	for _, p := range []paseto.Purpose{paseto.Public, paseto.Local} {
		t.Run(p.String(), func(t *testing.T) {
			clk := testclock.New()
			ring := newRing(t, clk, p)
			iss, err := issuer.New(issuer.Config{KeySource: ring, Lifetime: time.Hour, Now: clk.Now})
			if err != nil {
				t.Fatal(err)
			}
			cur, _ := ring.Snapshot().Current(clk.Now())
			tok, err := iss.Issue(map[string]any{"sub": "a"})
			if err != nil {
				t.Fatal(err)
			}
			if kidOf(t, tok) != cur.ID() || iss.KeyID() != cur.ID() {
				t.Fatalf("kid %s, want the current key %s", kidOf(t, tok), cur.ID())
			}
			open(t, cur.VerifyKey(), tok, nil)

			next, err := ring.Rotate(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if tok, _ = iss.Issue(map[string]any{"sub": "a"}); kidOf(t, tok) != cur.ID() {
				t.Fatal("a next key issued before its time")
			}
			// The switch happens at the planned time, without a tick.
			clk.Advance(time.Hour)
			tok, err = iss.Issue(map[string]any{"sub": "a"})
			if err != nil {
				t.Fatal(err)
			}
			if kidOf(t, tok) != next.ID || iss.KeyID() != next.ID {
				t.Fatalf("kid after the switch %s, want %s", kidOf(t, tok), next.ID)
			}
			e, ok := ring.Snapshot().Lookup(next.ID, clk.Now())
			if !ok {
				t.Fatal("next key not found")
			}
			open(t, e.VerifyKey(), tok, nil)
			// IssuedAt picks the key current at that time.
			tok, _ = iss.IssueWith(map[string]any{}, issuer.IssueOptions{IssuedAt: clk.Now().Add(-2 * time.Hour)})
			if kidOf(t, tok) != cur.ID() {
				t.Fatal("IssuedAt before the switch did not use the then current key")
			}
		})
	}
}

func TestRingStaleFailsClosed(t *testing.T) {
	clk := testclock.New()
	ring := newRing(t, clk, paseto.Public)
	iss, err := issuer.New(issuer.Config{KeySource: ring, Lifetime: time.Hour, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	// Never ticked: the copy goes one step (the current key until its
	// retirement), then no key may issue.
	clk.Advance(25 * time.Hour)
	tok, err := iss.Issue(map[string]any{"sub": "a"})
	if tok != "" || !errors.Is(err, issuer.ErrKeyUnavailable) || !errors.Is(err, keyring.ErrStale) {
		t.Fatalf("Issue on a stale ring = %q, %v", tok, err)
	}
	if iss.KeyID() != "" {
		t.Fatal("KeyID of a stale ring")
	}
	// A tick brings it back.
	if err := ring.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := iss.Issue(map[string]any{"sub": "a"}); err != nil {
		t.Fatal(err)
	}
}

func TestRingConfigErrors(t *testing.T) {
	clk := testclock.New()
	ring := newRing(t, clk, paseto.Public)
	for _, tc := range []struct {
		name  string
		cfg   issuer.Config
		field string
		is    error
	}{
		{"lifetime not covered", issuer.Config{KeySource: ring, Lifetime: 2 * time.Hour}, "Lifetime", keyring.ErrLifetimeNotCovered},
		{"default lifetime is covered", issuer.Config{KeySource: ring}, "", nil},
		{"no expiration", issuer.Config{KeySource: ring, NoExpiration: true}, "NoExpiration", nil},
		{"no key id", issuer.Config{KeySource: ring, NoKeyID: true}, "NoKeyID", nil},
		{"keys and source", issuer.Config{KeySource: ring, Keys: []keyring.Key{pk(t, keys.secret[paseto.V4])}}, "KeySource", nil},
		{"max-age over the ring's", issuer.Config{KeySource: ring, KeySetMaxAge: 6 * time.Minute}, "KeySetMaxAge", nil},
		{"max-age under the ring's", issuer.Config{KeySource: ring, KeySetMaxAge: 4 * time.Minute}, "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := issuer.New(tc.cfg)
			if tc.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var ce *issuer.ConfigError
			if !errors.As(err, &ce) || ce.Field != tc.field || !errors.Is(err, issuer.ErrInvalidConfig) {
				t.Fatalf("err = %v, want a ConfigError for %s", err, tc.field)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Fatalf("err = %v, want %v", err, tc.is)
			}
		})
	}
	iss, err := issuer.New(issuer.Config{KeySource: ring, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := iss.SetKeys([]keyring.Key{pk(t, keys.secret[paseto.V4])}); !errors.Is(err, issuer.ErrInvalidConfig) {
		t.Fatalf("SetKeys with a KeySource: %v", err)
	}
	if _, err := iss.IssueWith(map[string]any{}, issuer.IssueOptions{Lifetime: 3 * time.Hour}); !errors.Is(err, issuer.ErrInvalidOptions) || !errors.Is(err, keyring.ErrLifetimeNotCovered) {
		t.Fatalf("per-call Lifetime longer than the ring keeps keys: %v", err)
	}
	if _, err := iss.IssueWith(map[string]any{}, issuer.IssueOptions{NoExpiration: true}); !errors.Is(err, issuer.ErrInvalidOptions) {
		t.Fatalf("per-call NoExpiration with a ring: %v", err)
	}
	if _, err := iss.IssueWith(map[string]any{}, issuer.IssueOptions{Lifetime: 30 * time.Minute}); err != nil {
		t.Fatal(err)
	}
}

func TestRingKeySetHandler(t *testing.T) {
	clk := testclock.New()
	ring := newRing(t, clk, paseto.Public)
	iss, err := issuer.New(issuer.Config{KeySource: ring, Issuer: "https://a.example", Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	get := func(etag string) (*httptest.ResponseRecorder, *keyset.Set) {
		req := httptest.NewRequest(http.MethodGet, "/keys", nil)
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		w := httptest.NewRecorder()
		iss.KeySetHandler().ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			return w, nil
		}
		set, err := keyset.Parse(w.Body.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		return w, set
	}
	w, set := get("")
	// Half of PublishAhead (1h), at most five minutes.
	if cc := w.Header().Get("Cache-Control"); cc != "public, max-age=300" {
		t.Fatalf("Cache-Control %q", cc)
	}
	cur, _ := ring.Snapshot().Current(clk.Now())
	if len(set.Keys) != 1 || set.Keys[0].KeyID != cur.ID() || set.Issuer != "https://a.example" {
		t.Fatalf("key set %+v", set)
	}
	etag := w.Header().Get("ETag")
	if w, _ := get(etag); w.Code != http.StatusNotModified {
		t.Fatalf("If-None-Match: %d", w.Code)
	}

	// A next key is published at once, before it signs.
	next, err := ring.Rotate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	w, set = get(etag)
	if w.Code != http.StatusOK || len(set.Keys) != 2 || set.Keys[1].KeyID != next.ID {
		t.Fatalf("after Rotate: %d %+v", w.Code, set)
	}
	if tok, _ := iss.Issue(map[string]any{}); kidOf(t, tok) == next.ID {
		t.Fatal("the next key signs already")
	}
	if got := iss.PublicKeys(); len(got) != 2 {
		t.Fatalf("PublicKeys: %d keys", len(got))
	}

	// A ring with a short PublishAhead: no-cache.
	short, err := keyring.New(context.Background(), keyring.Config{
		Policy:    keyring.Policy{RotateEvery: 2 * time.Second},
		Lifetimes: []time.Duration{time.Second},
		Now:       clk.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	iss2, err := issuer.New(issuer.Config{KeySource: short, Lifetime: time.Second, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	w = httptest.NewRecorder()
	iss2.KeySetHandler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/keys", nil))
	if cc := w.Header().Get("Cache-Control"); cc != "no-cache" {
		t.Fatalf("Cache-Control with PublishAhead 1s: %q", cc)
	}
}
