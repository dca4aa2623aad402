package verifier_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/httpauth"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/observe"
	"github.com/pasetokit/pasetokit/observe/observetest"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/store"
	"github.com/pasetokit/pasetokit/verifier"
)

// The reason of a verification is the code httpauth answers the request
// with, so that both are counted under one name.
func TestReasonIsHTTPAuthCode(t *testing.T) {
	errs := []error{
		verifier.ErrMalformed, verifier.ErrUnsupported, verifier.ErrInvalidSignature, verifier.ErrInvalidMAC,
		verifier.ErrWrongKey, verifier.ErrExpired, verifier.ErrNotYetValid, verifier.ErrIssuedInFuture,
		verifier.ErrInvalidClaims, verifier.ErrUnknownKey, verifier.ErrMissingKeyID, verifier.ErrWrongIssuer,
		verifier.ErrWrongAudience, verifier.ErrMissingExpiration, verifier.ErrTooOld, verifier.ErrRule,
		verifier.ErrKeySetUnavailable, paseto.ErrTokenTooLong, paseto.ErrFooterTooLong, paseto.ErrInvalidFooter,
		paseto.ErrKeyInFooter, paseto.ErrImplicitUnsupported, store.ErrUnavailable,
		context.Canceled, context.DeadlineExceeded, errors.New("anything else"),
		fmt.Errorf("%w: %w", verifier.ErrKeySetUnavailable, context.Canceled),
		&verifier.RuleError{Err: store.ErrUnavailable},
	}
	for _, err := range errs {
		if got, want := verifier.Reason(err), httpauth.Code(err); got != want {
			t.Errorf("reason(%v) = %q, httpauth.Code = %q", err, got, want)
		}
	}
	if got := verifier.Reason(nil); got != observe.ReasonOK {
		t.Errorf("reason(nil) = %q", got)
	}
}

func TestVerifyEvents(t *testing.T) {
	s := newSigner(t, paseto.V4, false)
	other := newSigner(t, paseto.V4, false)
	rec := &observetest.Recorder{}
	clk := newClock()
	v := newVerifier(t, verifier.Config{Keys: []keyring.Key{s.key("")}, Now: clk.Now, Events: rec, CacheSize: 8})
	good := s.token(t, claims(), s.kid, nil)
	expired := s.token(t, claims("exp", ts(t0.Add(-time.Minute))), s.kid, nil)
	forged := other.token(t, claims(), s.kid, nil)
	tests := []struct {
		token, reason string
	}{
		{good, "ok"},
		{good, "ok"}, // a cache hit is reported too
		{expired, "token_expired"},
		{forged, "token_invalid"},
		{"v4.public.garbage", "token_malformed"},
	}
	for _, tt := range tests {
		v.Verify(t.Context(), tt.token, nil)
		got := rec.Take()
		if len(got) != 1 || got[0].Kind != observe.KindVerify || got[0].Component != "verifier" || got[0].Reason != tt.reason || got[0].Err != nil {
			t.Errorf("events = %+v, want one verify/%s without Err", got, tt.reason)
			continue
		}
		if leak := observetest.Leaks(got[0], tt.token, "alice"); leak != "" {
			t.Errorf("event holds %q", leak)
		}
	}
}

// A failing key set is reported on every fetch with the age of the copy
// in use, and its first good fetch after that as a recovery.
func TestKeySetFetchEvents(t *testing.T) {
	a := newSigner(t, paseto.V4, false)
	srv := newKSServer(t, setIssuer, a)
	clk := newClock()
	rec := &observetest.Recorder{}
	v := newVerifier(t, verifier.Config{
		KeySets: []verifier.KeySet{{URL: srv.URL + "/?access_token=s3cret", Issuer: setIssuer, RefreshInterval: time.Hour, MaxStale: 3 * time.Hour}},
		Now:     clk.Now,
		Events:  rec,
	})
	fetches := func() []observe.Event {
		verifier.WaitFetches(v)
		return observetest.Of(rec.Take(), observe.KindKeySetFetch)
	}
	want := func(got []observe.Event, reason string, staleness time.Duration) {
		t.Helper()
		if len(got) != 1 {
			t.Fatalf("%d fetch events, want 1: %+v", len(got), got)
		}
		e := got[0]
		if e.Component != "verifier" || e.Reason != reason || e.Staleness != staleness || e.MaxStale != 3*time.Hour {
			t.Errorf("event = %+v, want %s with staleness %v", e, reason, staleness)
		}
		if (e.Err != nil) != (reason == observe.ReasonFailed) {
			t.Errorf("Err = %v for reason %s", e.Err, reason)
		}
		if leak := observetest.Leaks(e, "s3cret"); leak != "" {
			t.Errorf("event holds the URL's query")
		}
	}
	tok := a.token(t, claims("exp", ts(t0.Add(24*time.Hour))), a.kid, nil)
	if err := v.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	want(fetches(), observe.ReasonOK, 0)

	srv.set(func() { srv.status = http.StatusInternalServerError })
	clk.Advance(2 * time.Hour)
	v.Verify(t.Context(), tok, nil) // stale: a background fetch
	want(fetches(), observe.ReasonFailed, 2*time.Hour)

	srv.set(func() { srv.status = http.StatusOK })
	clk.Advance(2 * time.Minute)
	v.Verify(t.Context(), tok, nil)
	want(fetches(), observe.ReasonRecovered, 0)

	v.Refresh(t.Context())
	want(fetches(), observe.ReasonOK, 0)
}

// A failed fetch never shows the key-set URL's query or user information,
// nor those of a redirect target: not in the error, not in events, not in
// the log lines of the default handler. net/http's *url.Error prints the
// full URL; the verifier redacts it.
func TestKeySetFetchErrorRedacted(t *testing.T) {
	redir := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Refused by the default client's redirect policy (plain http to
		// another host), after which net/http reports the target URL.
		http.Redirect(w, r, "http://bob:hunter2@keys.invalid/set?api_key=REDIRSECRET", http.StatusFound)
	}))
	defer redir.Close()
	secrets := []string{"SECRET123", "hunter2", "alice", "bob", "REDIRSECRET", "api_key"}
	for _, url := range []string{
		"https://alice:hunter2@127.0.0.1:1/keys?api_key=SECRET123", // dial error
		redir.URL + "/keys?api_key=SECRET123",                      // refused redirect
	} {
		rec := &observetest.Recorder{}
		var logs bytes.Buffer
		logger, err := observe.NewLogger(observe.LoggerConfig{Logger: slog.New(slog.NewTextHandler(&logs, nil)), NoRateLimit: true})
		if err != nil {
			t.Fatal(err)
		}
		v := newVerifier(t, verifier.Config{Events: observe.Multi(rec, logger), KeySets: []verifier.KeySet{{URL: url, Issuer: setIssuer}}})
		err = v.Refresh(t.Context())
		if err == nil {
			t.Fatalf("%s: Refresh succeeded", url)
		}
		for _, s := range secrets {
			if strings.Contains(err.Error(), s) {
				t.Errorf("error leaks %q: %v", s, err)
			}
			if strings.Contains(logs.String(), s) {
				t.Errorf("log leaks %q: %s", s, logs.String())
			}
		}
		events := rec.Take()
		if len(events) == 0 {
			t.Fatalf("%s: no events", url)
		}
		for _, e := range events {
			if s := observetest.Leaks(e, secrets...); s != "" {
				t.Errorf("event leaks %q: %+v", s, e)
			}
		}
		if logs.Len() == 0 {
			t.Errorf("%s: nothing logged", url)
		}
	}
}
