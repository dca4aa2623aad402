package verifier_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/keyset"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/verifier"
)

// ksServer serves a key set document on 127.0.0.1 and counts requests.
type ksServer struct {
	*httptest.Server
	hits atomic.Int64

	mu           sync.Mutex
	doc          []byte
	status       int
	cacheControl string
	chunked      bool
	gate         chan struct{} // when set, requests wait for it to close
	arrived      chan struct{} // when set, gets a value per request
}

func newKSServer(t testing.TB, issuer string, keys ...*signer) *ksServer {
	t.Helper()
	s := &ksServer{status: http.StatusOK}
	s.setKeys(t, issuer, keys...)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		s.mu.Lock()
		doc, status, cc, chunked, gate, arrived := s.doc, s.status, s.cacheControl, s.chunked, s.gate, s.arrived
		s.mu.Unlock()
		if arrived != nil {
			arrived <- struct{}{}
		}
		if gate != nil {
			<-gate
		}
		if cc != "" {
			w.Header().Set("Cache-Control", cc)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		if !chunked {
			w.Write(doc)
			return
		}
		for len(doc) > 0 {
			n := min(len(doc), 512)
			w.Write(doc[:n])
			w.(http.Flusher).Flush()
			doc = doc[n:]
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *ksServer) setKeys(t testing.TB, issuer string, keys ...*signer) {
	t.Helper()
	pubs := make([]*paseto.PublicKey, len(keys))
	for i, k := range keys {
		pubs[i] = k.sk.Public()
	}
	doc, err := keyset.Marshal(issuer, pubs)
	if err != nil {
		t.Fatal(err)
	}
	s.set(func() { s.doc = doc })
}

func (s *ksServer) set(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f()
}

const setIssuer = "https://issuer.example"

func TestKeySetServesKeys(t *testing.T) {
	a := newSigner(t, paseto.V4, false)
	b := newSigner(t, paseto.V3, false)
	srv := newKSServer(t, setIssuer, a, b)
	clk := newClock()
	v := newVerifier(t, verifier.Config{KeySets: []verifier.KeySet{{URL: srv.URL, Issuer: setIssuer}}, Now: clk.Now})
	if srv.hits.Load() != 0 {
		t.Fatal("New fetched the key set")
	}
	for _, s := range []*signer{a, b} {
		tok, err := v.Verify(t.Context(), s.token(t, claims(), s.kid, nil), nil)
		wantErr(t, err)
		if tok.KeyIssuer != setIssuer {
			t.Fatalf("KeyIssuer %q", tok.KeyIssuer)
		}
	}
	// Without a kid, key-set keys are never tried (a kid-less token could
	// otherwise cost a signature check per published key); the key is
	// bound to the issuer.
	_, err := v.Verify(t.Context(), a.token(t, claims(), "", nil), nil)
	wantErr(t, err, verifier.ErrUnknownKey)
	_, err = v.Verify(t.Context(), a.token(t, claims("iss", "https://evil.example"), a.kid, nil), nil)
	wantErr(t, err, verifier.ErrWrongIssuer)
	if n := srv.hits.Load(); n != 1 {
		t.Fatalf("%d fetches, want 1", n)
	}
}

// Without KeySet.Issuer, keys are bound to the document's issuer.
func TestKeySetDocumentIssuer(t *testing.T) {
	a := newSigner(t, paseto.V4, false)
	srv := newKSServer(t, "https://doc.example", a)
	v := newVerifier(t, verifier.Config{KeySets: []verifier.KeySet{{AllowDocumentIssuer: true, URL: srv.URL}}, Now: newClock().Now})
	_, err := v.Verify(t.Context(), a.token(t, claims(), a.kid, nil), nil)
	wantErr(t, err, verifier.ErrWrongIssuer)
	tok, err := v.Verify(t.Context(), a.token(t, claims("iss", "https://doc.example"), a.kid, nil), nil)
	wantErr(t, err)
	if tok.KeyIssuer != "https://doc.example" {
		t.Fatalf("KeyIssuer %q", tok.KeyIssuer)
	}
	// A document naming no issuer: the keys are unbound.
	srv2 := newKSServer(t, "", a)
	v2 := newVerifier(t, verifier.Config{KeySets: []verifier.KeySet{{AllowDocumentIssuer: true, URL: srv2.URL}}, Now: newClock().Now})
	_, err = v2.Verify(t.Context(), a.token(t, claims("iss", "whoever"), a.kid, nil), nil)
	wantErr(t, err)
}

func TestKeySetIssuerMismatch(t *testing.T) {
	a := newSigner(t, paseto.V4, false)
	srv := newKSServer(t, "https://other.example", a)
	v := newVerifier(t, verifier.Config{KeySets: []verifier.KeySet{{URL: srv.URL, Issuer: setIssuer}}, Now: newClock().Now})
	_, err := v.Verify(t.Context(), a.token(t, claims(), a.kid, nil), nil)
	wantErr(t, err, verifier.ErrKeySetUnavailable, verifier.ErrKeySetIssuer)
	err = v.Refresh(t.Context())
	wantErr(t, err, verifier.ErrKeySetIssuer)
	var kse *verifier.KeySetError
	if !errors.As(err, &kse) || kse.URL != srv.URL {
		t.Fatalf("%v is not a KeySetError for %s", err, srv.URL)
	}
}

func TestKeySetCacheControl(t *testing.T) {
	a := newSigner(t, paseto.V4, false)
	tests := []struct {
		cacheControl string
		lifetime     time.Duration
	}{
		{"", time.Hour},
		{"max-age=120", 120 * time.Second},
		{"public, max-age=600, must-revalidate", 10 * time.Minute},
		{"max-age=10", time.Minute},    // clamped to MinRefreshInterval
		{"max-age=1000000", time.Hour}, // clamped to RefreshInterval
		{"no-store", time.Minute},
		{"max-age=600, no-cache", time.Minute},
		{"max-age=junk", time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.cacheControl, func(t *testing.T) {
			srv := newKSServer(t, setIssuer, a)
			srv.set(func() { srv.cacheControl = tt.cacheControl })
			clk := newClock()
			v := newVerifier(t, verifier.Config{KeySets: []verifier.KeySet{{AllowDocumentIssuer: true, URL: srv.URL}}, Now: clk.Now})
			tok := a.token(t, claims("exp", ts(t0.Add(48*time.Hour))), a.kid, nil)
			verify := func(at time.Duration, wantHits int64) {
				t.Helper()
				clk.Set(t0.Add(at))
				_, err := v.Verify(t.Context(), tok, nil)
				wantErr(t, err)
				verifier.WaitFetches(v)
				if n := srv.hits.Load(); n != wantHits {
					t.Fatalf("at +%v: %d fetches, want %d", at, n, wantHits)
				}
			}
			verify(0, 1)
			verify(tt.lifetime-time.Nanosecond, 1)
			verify(tt.lifetime, 2) // refreshed in the background
			verify(tt.lifetime+time.Second, 2)
			verify(2*tt.lifetime, 3)
		})
	}
}

func TestLifetime(t *testing.T) {
	lo, hi := time.Minute, time.Hour
	for cc, want := range map[string]time.Duration{
		"":                             hi,
		"max-age=300":                  5 * time.Minute,
		"MAX-AGE=300":                  5 * time.Minute,
		`max-age="300"`:                5 * time.Minute,
		"max-age=-1":                   hi,
		"max-age=0":                    lo,
		"max-age=99999999999999999999": hi,
		"no-store, max-age=300":        lo,
		"max-age=300, max-age=30":      5 * time.Minute,
		"private":                      hi,
	} {
		h := http.Header{}
		if cc != "" {
			h.Set("Cache-Control", cc)
		}
		if got := verifier.Lifetime(h, lo, hi); got != want {
			t.Errorf("%q: %v, want %v", cc, got, want)
		}
	}
}

// When refreshes fail, the copy in hand stays in use.
func TestKeySetStale(t *testing.T) {
	a := newSigner(t, paseto.V4, false)
	for _, failure := range []string{"status", "garbage", "huge", "huge chunked", "down"} {
		t.Run(failure, func(t *testing.T) {
			srv := newKSServer(t, setIssuer, a)
			clk := newClock()
			v := newVerifier(t, verifier.Config{
				KeySets: []verifier.KeySet{{AllowDocumentIssuer: true, URL: srv.URL, MaxResponseSize: 4096}},
				Now:     clk.Now,
			})
			tok := a.token(t, claims("exp", ts(t0.Add(48*time.Hour))), a.kid, nil)
			_, err := v.Verify(t.Context(), tok, nil)
			wantErr(t, err)

			var want []error
			switch failure {
			case "status":
				srv.set(func() { srv.status = http.StatusInternalServerError })
			case "garbage":
				srv.set(func() { srv.doc = []byte(`{"keys":[{"kid":"k4.pid.x","key":"k4.public.x"}]}`) })
				want = append(want, keyset.ErrInvalidKey)
			case "huge", "huge chunked":
				srv.set(func() {
					srv.doc = append(bytes.Repeat([]byte(" "), 5000), srv.doc...)
					srv.chunked = failure == "huge chunked"
				})
				want = append(want, keyset.ErrTooLarge)
			case "down":
				srv.Close()
			}
			clk.Advance(2 * time.Hour)
			_, err = v.Verify(t.Context(), tok, nil) // starts a refresh, uses the copy
			wantErr(t, err)
			verifier.WaitFetches(v)
			_, err = v.Verify(t.Context(), tok, nil)
			wantErr(t, err)
			err = v.Refresh(t.Context())
			if err == nil {
				t.Fatal("Refresh succeeded")
			}
			if len(want) > 0 {
				wantErr(t, err, want...)
			}
			var kse *verifier.KeySetError
			if !errors.As(err, &kse) {
				t.Fatalf("%v is not a KeySetError", err)
			}
			_, err = v.Verify(t.Context(), tok, nil)
			wantErr(t, err)
		})
	}
}

// A key set that never answered: tokens that need it fail with
// ErrKeySetUnavailable, and it is retried at most once per
// MinRefreshInterval.
func TestKeySetDown(t *testing.T) {
	a := newSigner(t, paseto.V4, false)
	static := newSigner(t, paseto.V4, false)
	for _, failure := range []string{"status", "huge", "refused"} {
		t.Run(failure, func(t *testing.T) {
			srv := newKSServer(t, setIssuer, a)
			switch failure {
			case "status":
				srv.set(func() { srv.status = http.StatusNotFound })
			case "huge":
				srv.set(func() { srv.doc = append(srv.doc, bytes.Repeat([]byte(" "), keyset.MaxSize)...) })
			case "refused":
				srv.Close()
			}
			clk := newClock()
			v := newVerifier(t, verifier.Config{
				Keys:    []keyring.Key{static.key("")},
				KeySets: []verifier.KeySet{{AllowDocumentIssuer: true, URL: srv.URL}},
				Now:     clk.Now,
			})
			withKid := a.token(t, claims(), a.kid, nil)
			noKid := a.token(t, claims(), "", nil)
			// A kid-less token only meets the static key.
			if _, err := v.Verify(t.Context(), noKid, nil); !errors.Is(err, verifier.ErrInvalidSignature) {
				t.Fatalf("kid-less token: %v", err)
			}
			for _, tok := range []string{withKid, withKid} {
				_, err := v.Verify(t.Context(), tok, nil)
				wantErr(t, err, verifier.ErrKeySetUnavailable)
				var kse *verifier.KeySetError
				if !errors.As(err, &kse) {
					t.Fatalf("%v does not wrap a KeySetError", err)
				}
			}
			if failure != "refused" && srv.hits.Load() != 1 {
				t.Fatalf("%d fetches, want 1", srv.hits.Load())
			}
			// Configured keys work meanwhile, without waiting.
			_, err := v.Verify(t.Context(), static.token(t, claims(), static.kid, nil), nil)
			wantErr(t, err)
			_, err = v.Verify(t.Context(), static.token(t, claims(), "", nil), nil)
			wantErr(t, err)

			if failure == "refused" {
				return
			}
			// The server recovers: used after MinRefreshInterval.
			srv.setKeys(t, setIssuer, a)
			srv.set(func() { srv.status = http.StatusOK })
			clk.Advance(time.Minute - time.Nanosecond)
			_, err = v.Verify(t.Context(), withKid, nil)
			wantErr(t, err, verifier.ErrKeySetUnavailable)
			clk.Advance(time.Nanosecond)
			_, err = v.Verify(t.Context(), withKid, nil)
			wantErr(t, err)
			if srv.hits.Load() != 2 {
				t.Fatalf("%d fetches, want 2", srv.hits.Load())
			}
		})
	}
}

// An unknown kid refreshes the set once per MinRefreshInterval, however
// many requests carry it.
func TestKeySetUnknownKidRefresh(t *testing.T) {
	a := newSigner(t, paseto.V4, false)
	b := newSigner(t, paseto.V4, false)
	c := newSigner(t, paseto.V4, false)
	srv := newKSServer(t, setIssuer, a)
	clk := newClock()
	v := newVerifier(t, verifier.Config{KeySets: []verifier.KeySet{{AllowDocumentIssuer: true, URL: srv.URL}}, Now: clk.Now})
	wantErr(t, v.Refresh(t.Context()))
	if srv.hits.Load() != 1 {
		t.Fatal("Refresh did not fetch")
	}
	clk.Advance(time.Minute) // the last fetch is MinRefreshInterval ago

	concurrently := func(tok string, want ...error) {
		t.Helper()
		gate, arrived := make(chan struct{}), make(chan struct{}, 100)
		srv.set(func() { srv.gate, srv.arrived = gate, arrived })
		var wg sync.WaitGroup
		errs := make([]error, 50)
		for i := range errs {
			wg.Go(func() { _, errs[i] = v.Verify(context.Background(), tok, nil) })
		}
		<-arrived // one fetch is in flight; the others join it or come after
		close(gate)
		wg.Wait()
		srv.set(func() { srv.gate, srv.arrived = nil, nil })
		for _, err := range errs {
			wantErr(t, err, want...)
		}
	}

	// b is published: the first request with its kid fetches, the others
	// wait for that fetch or find b afterwards.
	srv.setKeys(t, setIssuer, a, b)
	concurrently(b.token(t, claims(), b.kid, nil))
	if n := srv.hits.Load(); n != 2 {
		t.Fatalf("%d fetches, want 2", n)
	}

	// c is not published: once MinRefreshInterval has passed, one fetch.
	clk.Advance(time.Minute)
	tc := c.token(t, claims(), c.kid, nil)
	concurrently(tc, verifier.ErrUnknownKey)
	if n := srv.hits.Load(); n != 3 {
		t.Fatalf("%d fetches, want 3", n)
	}
	// Within MinRefreshInterval: no fetch, an immediate ErrUnknownKey.
	clk.Advance(time.Minute - time.Nanosecond)
	for range 10 {
		_, err := v.Verify(t.Context(), tc, nil)
		wantErr(t, err, verifier.ErrUnknownKey)
	}
	if n := srv.hits.Load(); n != 3 {
		t.Fatalf("%d fetches, want 3", n)
	}
	// c published, MinRefreshInterval passed: found.
	srv.setKeys(t, setIssuer, a, c)
	clk.Advance(time.Nanosecond)
	_, err := v.Verify(t.Context(), tc, nil)
	wantErr(t, err)
	if n := srv.hits.Load(); n != 4 {
		t.Fatalf("%d fetches, want 4", n)
	}
	// b was removed from the set.
	_, err = v.Verify(t.Context(), b.token(t, claims(), b.kid, nil), nil)
	wantErr(t, err, verifier.ErrUnknownKey)

	// Kids that no key set can hold never cause a fetch.
	local := newSigner(t, paseto.V4, true)
	v3 := newSigner(t, paseto.V3, false)
	clk.Advance(time.Hour)
	for _, tok := range []string{
		local.token(t, claims(), local.kid, nil), // a lid
		a.token(t, claims(), v3.kid, nil),        // a k3 pid on a v4 token
		a.token(t, claims(), "my-key-1", nil),    // not a PASERK id
	} {
		_, err := v.Verify(t.Context(), tok, nil)
		wantErr(t, err, verifier.ErrUnknownKey)
	}
	verifier.WaitFetches(v)
	if n := srv.hits.Load(); n != 4 {
		t.Fatalf("%d fetches, want 4", n)
	}
}

// Requests with known kids never wait for a fetch; a request waiting for
// one gives up when its context ends.
func TestKeySetNoWaitForKnownKids(t *testing.T) {
	a := newSigner(t, paseto.V4, false)
	b := newSigner(t, paseto.V4, false)
	srv := newKSServer(t, setIssuer, a)
	clk := newClock()
	v := newVerifier(t, verifier.Config{KeySets: []verifier.KeySet{{AllowDocumentIssuer: true, URL: srv.URL}}, Now: clk.Now})
	ta := a.token(t, claims("exp", ts(t0.Add(48*time.Hour))), a.kid, nil)
	_, err := v.Verify(t.Context(), ta, nil)
	wantErr(t, err)

	gate, arrived := make(chan struct{}), make(chan struct{}, 10)
	srv.set(func() { srv.gate, srv.arrived = gate, arrived })
	clk.Advance(2 * time.Hour)
	_, err = v.Verify(t.Context(), ta, nil) // starts a background refresh
	wantErr(t, err)
	<-arrived // the refresh is now blocked in the server
	for range 10 {
		_, err = v.Verify(t.Context(), ta, nil)
		wantErr(t, err)
	}
	// An unknown kid joins the fetch in flight, bounded by its context.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = v.Verify(ctx, b.token(t, claims(), b.kid, nil), nil)
	wantErr(t, err, context.Canceled)
	if errors.Is(err, verifier.ErrKeySetUnavailable) {
		t.Fatal("a cancelled wait reported as an unavailable key set")
	}
	// Refresh too.
	wantErr(t, v.Refresh(ctx), context.Canceled)

	close(gate)
	verifier.WaitFetches(v)
	if n := srv.hits.Load(); n != 2 {
		t.Fatalf("%d fetches, want 2", n)
	}
}

// A key removed from the set invalidates cached tokens once the refresh
// has been seen.
func TestKeySetRemovalInvalidatesCache(t *testing.T) {
	a := newSigner(t, paseto.V4, false)
	b := newSigner(t, paseto.V4, false)
	srv := newKSServer(t, setIssuer, a, b)
	clk := newClock()
	v := newVerifier(t, verifier.Config{KeySets: []verifier.KeySet{{AllowDocumentIssuer: true, URL: srv.URL}}, Now: clk.Now, CacheSize: 10})
	ta := a.token(t, claims("exp", ts(t0.Add(48*time.Hour))), a.kid, nil)
	tb := b.token(t, claims("exp", ts(t0.Add(48*time.Hour))), b.kid, nil)
	for range 2 {
		for _, tok := range []string{ta, tb} {
			_, err := v.Verify(t.Context(), tok, nil)
			wantErr(t, err)
		}
	}
	opens := verifier.Opens(v)
	if opens != 2 {
		t.Fatalf("%d checks, want 2", opens)
	}
	srv.setKeys(t, setIssuer, b)
	clk.Advance(2 * time.Hour)
	_, err := v.Verify(t.Context(), ta, nil) // stale: refresh in the background
	wantErr(t, err)
	verifier.WaitFetches(v)
	_, err = v.Verify(t.Context(), ta, nil)
	wantErr(t, err, verifier.ErrUnknownKey)
	_, err = v.Verify(t.Context(), tb, nil) // b's entry survived the refresh
	wantErr(t, err)
	if verifier.Opens(v) != opens {
		t.Fatalf("b re-verified")
	}
}

// A configured key wins over the same key in a key set, and a set listed
// earlier over a later one.
func TestKeySetConflicts(t *testing.T) {
	a := newSigner(t, paseto.V4, false)
	srv1 := newKSServer(t, "https://one.example", a)
	srv2 := newKSServer(t, "https://two.example", a)
	tok := func(iss string) string { return a.token(t, claims("iss", iss), a.kid, nil) }

	v := newVerifier(t, verifier.Config{
		Keys:    []keyring.Key{a.key("https://static.example")},
		KeySets: []verifier.KeySet{{AllowDocumentIssuer: true, URL: srv1.URL}, {AllowDocumentIssuer: true, URL: srv2.URL}},
		Now:     newClock().Now,
	})
	wantErr(t, v.Refresh(t.Context()))
	got, err := v.Verify(t.Context(), tok("https://static.example"), nil)
	wantErr(t, err)
	if got.KeyIssuer != "https://static.example" {
		t.Fatalf("KeyIssuer %q", got.KeyIssuer)
	}
	_, err = v.Verify(t.Context(), tok("https://one.example"), nil)
	wantErr(t, err, verifier.ErrWrongIssuer)

	// Without the static key: the first set.
	wantErr(t, v.SetKeys(nil))
	got, err = v.Verify(t.Context(), tok("https://one.example"), nil)
	wantErr(t, err)
	if got.KeyIssuer != "https://one.example" {
		t.Fatalf("KeyIssuer %q", got.KeyIssuer)
	}
	_, err = v.Verify(t.Context(), tok("https://two.example"), nil)
	wantErr(t, err, verifier.ErrWrongIssuer)
}

// The default client refuses redirects to plain http on other hosts
// (before connecting to them).
func TestKeySetRedirect(t *testing.T) {
	a := newSigner(t, paseto.V4, false)
	srv := newKSServer(t, setIssuer, a)
	redir := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/bad":
			http.Redirect(w, r, "http://keys.invalid/set", http.StatusFound)
		default:
			http.Redirect(w, r, srv.URL, http.StatusFound)
		}
	}))
	defer redir.Close()
	v := newVerifier(t, verifier.Config{KeySets: []verifier.KeySet{{AllowDocumentIssuer: true, URL: redir.URL + "/good"}}, Now: newClock().Now})
	wantErr(t, v.Refresh(t.Context()))
	v = newVerifier(t, verifier.Config{KeySets: []verifier.KeySet{{AllowDocumentIssuer: true, URL: redir.URL + "/bad"}}, Now: newClock().Now})
	err := v.Refresh(t.Context())
	if err == nil || !strings.Contains(err.Error(), "redirect refused") {
		t.Fatalf("Refresh: %v", err)
	}
}

// Several key sets and SetKeys rotate concurrently with verification:
// run with -race.
func TestKeySetConcurrent(t *testing.T) {
	a := newSigner(t, paseto.V4, false)
	b := newSigner(t, paseto.V4, false)
	srv := newKSServer(t, setIssuer, a)
	srv.set(func() { srv.cacheControl = "no-store" })
	clk := newClock()
	v := newVerifier(t, verifier.Config{KeySets: []verifier.KeySet{{AllowDocumentIssuer: true, URL: srv.URL}}, Now: clk.Now, CacheSize: 8})
	ta := a.token(t, claims("exp", ts(t0.Add(1000*time.Hour))), a.kid, nil)
	tb := b.token(t, claims("exp", ts(t0.Add(1000*time.Hour))), b.kid, nil)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := v.Verify(context.Background(), ta, nil); err != nil {
					t.Error(err)
					return
				}
				v.Verify(context.Background(), tb, nil)
			}
		})
	}
	for i := range 50 {
		clk.Advance(time.Minute)
		if i%2 == 0 {
			srv.setKeys(t, setIssuer, a, b)
		} else {
			srv.setKeys(t, setIssuer, a)
		}
		v.SetKeys([]keyring.Key{b.key("")})
		v.Refresh(context.Background())
		v.SetKeys(nil)
	}
	close(stop)
	wg.Wait()
	verifier.WaitFetches(v)
}
