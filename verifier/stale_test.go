package verifier_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/verifier"
)

// A key set that cannot be fetched for longer than MaxStale stops vouching
// for its keys, and vouches again once a fetch succeeds.
func TestKeySetMaxStale(t *testing.T) {
	a := newSigner(t, paseto.V4, false)
	srv := newKSServer(t, setIssuer, a)
	clk := newClock()
	v := newVerifier(t, verifier.Config{
		KeySets: []verifier.KeySet{{URL: srv.URL, Issuer: setIssuer, RefreshInterval: time.Hour, MaxStale: 3 * time.Hour}},
		Now:     clk.Now,
	})
	tok := a.token(t, claims("exp", t0.Add(24*time.Hour).Format(time.RFC3339)), a.kid, nil)
	if _, err := v.Verify(t.Context(), tok, nil); err != nil {
		t.Fatal(err)
	}
	srv.set(func() { srv.status = http.StatusInternalServerError })
	clk.Advance(2 * time.Hour) // stale, within MaxStale: the copy in hand is used
	if _, err := v.Verify(t.Context(), tok, nil); err != nil {
		t.Fatalf("within MaxStale: %v", err)
	}
	verifier.WaitFetches(v)
	clk.Advance(2 * time.Hour) // 4h since the last good fetch
	if _, err := v.Verify(t.Context(), tok, nil); !errors.Is(err, verifier.ErrKeySetUnavailable) {
		t.Fatalf("past MaxStale: %v", err)
	}
	verifier.WaitFetches(v)
	srv.set(func() { srv.status = http.StatusOK })
	clk.Advance(2 * time.Minute) // past MinRefreshInterval: the next use refetches
	v.Verify(t.Context(), tok, nil)
	verifier.WaitFetches(v)
	if _, err := v.Verify(t.Context(), tok, nil); err != nil {
		t.Fatalf("after a good fetch: %v", err)
	}
}

func TestKeySetMaxStaleConfig(t *testing.T) {
	_, err := verifier.New(verifier.Config{KeySets: []verifier.KeySet{{AllowDocumentIssuer: true, URL: "https://keys.example/set", RefreshInterval: time.Hour, MaxStale: time.Minute}}})
	if !errors.Is(err, verifier.ErrInvalidConfig) {
		t.Fatalf("MaxStale < RefreshInterval: %v", err)
	}
}

// An https key set may not be bounced to plain http, even on loopback:
// that would let the key-set host reach services on the verifier's machine.
func TestKeySetRedirectPolicy(t *testing.T) {
	req := func(u string) *http.Request { r, _ := http.NewRequest("GET", u, nil); return r }
	tests := []struct {
		from, to string
		ok       bool
	}{
		{"https://keys.example/set", "https://other.example/set", true},
		{"https://keys.example/set", "http://127.0.0.1:9/admin", false},
		{"https://keys.example/set", "http://localhost/admin", false},
		{"https://keys.example/set", "http://keys.example/set", false},
		{"http://127.0.0.1:8080/set", "http://127.0.0.1:9090/set", true},
		{"http://127.0.0.1:8080/set", "http://10.0.0.1/set", false},
	}
	for _, tt := range tests {
		if err := verifier.CheckRedirect(tt.from, req(tt.to)); (err == nil) != tt.ok {
			t.Errorf("%s -> %s: %v", tt.from, tt.to, err)
		}
	}

	// A caller's own client follows redirects by its own rules; the final
	// URL is still checked before the document is used.
	plain := newKSServer(t, setIssuer, newSigner(t, paseto.V4, false))
	tlsSrv := httptest.NewTLSServer(http.RedirectHandler(plain.URL, http.StatusFound))
	defer tlsSrv.Close()
	v := newVerifier(t, verifier.Config{KeySets: []verifier.KeySet{{AllowDocumentIssuer: true, URL: tlsSrv.URL, Client: tlsSrv.Client()}}})
	var kse *verifier.KeySetError
	if err := v.Refresh(t.Context()); !errors.As(err, &kse) {
		t.Fatalf("redirected to http: %v", err)
	}
}

// Key-set URLs in errors hide passwords and query strings.
func TestKeySetURLRedacted(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	v := newVerifier(t, verifier.Config{KeySets: []verifier.KeySet{{AllowDocumentIssuer: true, URL: "http://user:hunter2@" + srv.Listener.Addr().String() + "/keys?token=s3cret"}}})
	err := v.Refresh(t.Context())
	if err == nil || strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("error: %v", err)
	}
}
