package verifier_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/verifier"
)

func TestCacheHitSkipsCrypto(t *testing.T) {
	for _, local := range []bool{false, true} {
		s := newSigner(t, paseto.V4, local)
		v := newVerifier(t, verifier.Config{Keys: []keyring.Key{s.key("")}, Now: newClock().Now, CacheSize: 10})
		for _, kid := range []string{s.kid, ""} {
			tok := s.token(t, claims(), kid, []byte("bound"))
			before := verifier.Opens(v)
			first, err := v.Verify(t.Context(), tok, []byte("bound"))
			wantErr(t, err)
			second, err := v.Verify(t.Context(), tok, []byte("bound"))
			wantErr(t, err)
			if got := verifier.Opens(v) - before; got != 1 {
				t.Fatalf("%d checks for two verifications, want 1", got)
			}
			if first == second {
				t.Fatal("cache hit returned the cached token itself")
			}
			// Another implicit assertion is another cache key, and fails.
			_, err = v.Verify(t.Context(), tok, []byte("bound!"))
			if local {
				wantErr(t, err, verifier.ErrInvalidMAC)
			} else {
				wantErr(t, err, verifier.ErrInvalidSignature)
			}
			_, err = v.Verify(t.Context(), tok, nil)
			if err == nil {
				t.Fatal("verified without the implicit assertion")
			}
		}
	}
}

// Tokens larger than the hashing buffer are cached by their whole text.
func TestCacheLargeTokens(t *testing.T) {
	s := newSigner(t, paseto.V4, false)
	v := newVerifier(t, verifier.Config{Keys: []keyring.Key{s.key("")}, Now: newClock().Now, CacheSize: 10})
	big := strings.Repeat("x", 4000)
	t1 := s.token(t, claims("pad", big+"1"), s.kid, []byte("i"))
	t2 := s.token(t, claims("pad", big+"2"), s.kid, []byte("i"))
	for range 2 {
		for _, tok := range []string{t1, t2} {
			_, err := v.Verify(t.Context(), tok, []byte("i"))
			wantErr(t, err)
		}
	}
	if verifier.Opens(v) != 2 || verifier.CacheLen(v) != 2 {
		t.Fatalf("%d checks, %d entries", verifier.Opens(v), verifier.CacheLen(v))
	}
	_, err := v.Verify(t.Context(), t1, []byte("j"))
	wantErr(t, err, verifier.ErrInvalidSignature)
}

// Time claims, issuer and audience are checked on every hit with the
// current clock.
func TestCacheRechecksTime(t *testing.T) {
	s := newSigner(t, paseto.V4, false)
	clk := newClock()
	v := newVerifier(t, verifier.Config{
		Keys: []keyring.Key{s.key("")}, Now: clk.Now, CacheSize: 10,
		Leeway: 10 * time.Second, MaxAge: 2 * time.Hour,
	})
	tok := s.token(t, claims("exp", ts(t0.Add(time.Hour)), "nbf", ts(t0.Add(-time.Minute))), s.kid, nil)
	_, err := v.Verify(t.Context(), tok, nil)
	wantErr(t, err)
	if verifier.CacheLen(v) != 1 {
		t.Fatal("not cached")
	}
	opens := verifier.Opens(v)

	// Back before nbf: rejected from the cache, and kept.
	clk.Set(t0.Add(-time.Minute - 11*time.Second))
	_, err = v.Verify(t.Context(), tok, nil)
	wantErr(t, err, verifier.ErrNotYetValid)
	if verifier.CacheLen(v) != 1 {
		t.Fatal("entry dropped")
	}

	// Last instant within exp + leeway.
	clk.Set(t0.Add(time.Hour + 10*time.Second - time.Nanosecond))
	_, err = v.Verify(t.Context(), tok, nil)
	wantErr(t, err)

	// At exp + leeway: expired, and dropped.
	clk.Set(t0.Add(time.Hour + 10*time.Second))
	_, err = v.Verify(t.Context(), tok, nil)
	wantErr(t, err, verifier.ErrExpired)
	if verifier.CacheLen(v) != 0 {
		t.Fatal("expired entry kept")
	}
	if verifier.Opens(v) != opens {
		t.Fatal("cache hits ran crypto")
	}
	_, err = v.Verify(t.Context(), tok, nil)
	wantErr(t, err, verifier.ErrExpired)
}

func TestCacheMaxAge(t *testing.T) {
	s := newSigner(t, paseto.V4, false)
	clk := newClock()
	v := newVerifier(t, verifier.Config{Keys: []keyring.Key{s.key("")}, Now: clk.Now, CacheSize: 10, MaxAge: 10 * time.Minute})
	tok := s.token(t, claims("iat", ts(t0)), s.kid, nil)
	_, err := v.Verify(t.Context(), tok, nil)
	wantErr(t, err)
	clk.Advance(10 * time.Minute)
	_, err = v.Verify(t.Context(), tok, nil)
	wantErr(t, err, verifier.ErrTooOld)
	if verifier.CacheLen(v) != 0 {
		t.Fatal("too old entry kept")
	}
}

// Removing a key, or rebinding it to another issuer, invalidates the
// tokens it verified; keeping it keeps them.
func TestCacheRotation(t *testing.T) {
	a := newSigner(t, paseto.V4, false)
	b := newSigner(t, paseto.V4, false)
	v := newVerifier(t, verifier.Config{Keys: []keyring.Key{a.key("https://issuer.example")}, Now: newClock().Now, CacheSize: 10})
	ta := a.token(t, claims(), a.kid, nil)
	taNoKid := a.token(t, claims(), "", nil)
	verify := func(tok string, wantOpens uint64, want ...error) {
		t.Helper()
		before := verifier.Opens(v)
		_, err := v.Verify(t.Context(), tok, nil)
		wantErr(t, err, want...)
		if got := verifier.Opens(v) - before; got != wantOpens {
			t.Fatalf("%d signature checks, want %d", got, wantOpens)
		}
	}
	verify(ta, 1)
	verify(taNoKid, 1)
	verify(ta, 0)
	verify(taNoKid, 0)

	// Adding a key keeps a's entries.
	wantErr(t, v.SetKeys([]keyring.Key{b.key(""), a.key("https://issuer.example")}))
	verify(ta, 0)
	verify(taNoKid, 0)

	// Removing a: its cached tokens are rejected.
	wantErr(t, v.SetKeys([]keyring.Key{b.key("")}))
	verify(ta, 0, verifier.ErrUnknownKey)
	verify(taNoKid, 1, verifier.ErrInvalidSignature) // tried with b
	if verifier.CacheLen(v) != 0 {
		t.Fatal("entries of a removed key kept")
	}

	// Back again: verified from scratch, then cached again.
	wantErr(t, v.SetKeys([]keyring.Key{a.key("https://issuer.example")}))
	verify(ta, 1)
	verify(ta, 0)

	// Rebound to another issuer: verified from scratch, and rejected.
	wantErr(t, v.SetKeys([]keyring.Key{a.key("https://other.example")}))
	verify(ta, 1, verifier.ErrWrongIssuer)
}

// The cache holds at most CacheSize entries and evicts the least recently
// used.
func TestCacheBounded(t *testing.T) {
	s := newSigner(t, paseto.V4, false)
	v := newVerifier(t, verifier.Config{Keys: []keyring.Key{s.key("")}, Now: newClock().Now, CacheSize: 3})
	toks := make([]string, 10)
	for i := range toks {
		toks[i] = s.token(t, claims("jti", fmt.Sprint(i)), s.kid, nil)
	}
	verify := func(i int, wantOpens uint64) {
		t.Helper()
		before := verifier.Opens(v)
		_, err := v.Verify(t.Context(), toks[i], nil)
		wantErr(t, err)
		if got := verifier.Opens(v) - before; got != wantOpens {
			t.Fatalf("token %d: %d checks, want %d", i, got, wantOpens)
		}
	}
	for i := range toks {
		verify(i, 1)
		if n := verifier.CacheLen(v); n > 3 {
			t.Fatalf("%d entries", n)
		}
	}
	verify(9, 0)
	verify(7, 0) // 7 is now the most recent, 8 the least
	verify(0, 1) // evicts 8
	verify(7, 0)
	verify(9, 0)
	verify(8, 1)
	if n := verifier.CacheLen(v); n != 3 {
		t.Fatalf("%d entries", n)
	}

	// Failed verifications are not cached.
	bad := s.token(t, claims("exp", ts(t0)), s.kid, nil)
	for range 2 {
		before := verifier.Opens(v)
		_, err := v.Verify(t.Context(), bad, nil)
		wantErr(t, err, verifier.ErrExpired)
		if verifier.Opens(v) == before {
			t.Fatal("failed token served from the cache")
		}
	}
}

// A caller, or a rule, that changes the token it got changes nothing for
// the next caller of the same cached token.
func TestCacheHitsShareNothing(t *testing.T) {
	s := newSigner(t, paseto.V4, false)
	mutate := func(tok *verifier.Token) {
		tok.Payload[0] = 'X'
		if len(tok.Footer) > 0 {
			tok.Footer[0] = 'X'
		}
		tok.Claims.Audience[0] = "evil"
		tok.Claims.Subject = "evil"
	}
	// The rule checks the token it is given, then changes it.
	mutating := func(_ context.Context, tok *verifier.Token) error {
		if tok.Claims.Subject != "alice" || tok.Claims.Audience[0] != "api" || tok.Payload[0] != '{' {
			return fmt.Errorf("a change by an earlier rule leaked")
		}
		mutate(tok)
		return nil
	}
	for _, aud := range [][]string{{"api"}, {"api", "b", "c"}} {
		tok := s.token(t, claims("aud", aud, "sub", "alice"), s.kid, nil)
		v := newVerifier(t, verifier.Config{Keys: []keyring.Key{s.key("")}, Now: newClock().Now, CacheSize: 10, Rules: []verifier.Rule{mutating}})
		for range 3 {
			got, err := v.Verify(t.Context(), tok, nil)
			wantErr(t, err)
			if got.Claims.Subject != "evil" {
				t.Fatal("the rule's change did not reach its own caller")
			}
		}
		// Without the rule: what one caller changes, the next caller never
		// sees.
		v = newVerifier(t, verifier.Config{Keys: []keyring.Key{s.key("")}, Now: newClock().Now, CacheSize: 10})
		first, err := v.Verify(t.Context(), tok, nil)
		wantErr(t, err)
		want := string(first.Payload)
		mutate(first)
		for range 2 {
			again, err := v.Verify(t.Context(), tok, nil)
			wantErr(t, err)
			if string(again.Payload) != want || again.Claims.Subject != "alice" || again.Claims.Audience[0] != "api" || len(again.Claims.Audience) != len(aud) {
				t.Fatalf("a change by an earlier caller leaked: %q %q %v", again.Payload, again.Claims.Subject, again.Claims.Audience)
			}
			mutate(again)
		}
		if verifier.Opens(v) != 1 {
			t.Fatalf("%d checks, want 1 (cache hits)", verifier.Opens(v))
		}
	}
}
