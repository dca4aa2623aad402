package httpauth

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/pasetokit/pasetokit/observe"
	"github.com/pasetokit/pasetokit/observe/observetest"
	"github.com/pasetokit/pasetokit/store"
	"github.com/pasetokit/pasetokit/verifier"
)

// Every authenticated request is one event whose reason is the code it is
// answered with, and no event carries the token.
func TestRequestEvents(t *testing.T) {
	rec := &observetest.Recorder{}
	fv := &fakeVerifier{}
	m := mustNew(t, Config{Verifier: fv, Events: rec})
	tests := []struct {
		name     string
		optional bool
		r        *http.Request
		err      error // the fake verifier's error
		reason   string
	}{
		{"valid", false, req("GET", "/", "Authorization: Bearer ok-secret-token"), nil, observe.ReasonOK},
		{"missing", false, req("GET", "/"), nil, "token_missing"},
		{"missing, optional", true, req("GET", "/"), nil, "token_missing"},
		{"ambiguous", false, req("GET", "/", "Authorization: Bearer a", "Authorization: Bearer b"), nil, "token_ambiguous"},
		{"malformed", false, req("GET", "/", "Authorization: Bearer bad-secret-token"), nil, "token_malformed"},
		{"expired", false, req("GET", "/", "Authorization: Bearer bad-secret-token"), verifier.ErrExpired, "token_expired"},
		{"key set down", false, req("GET", "/", "Authorization: Bearer bad-secret-token"), verifier.ErrKeySetUnavailable, "key_set_unavailable"},
		{"store down", false, req("GET", "/", "Authorization: Bearer bad-secret-token"), store.ErrUnavailable, "temporarily_unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fv.err = tt.err
			h := m.Require(echo)
			if tt.optional {
				h = m.Optional(echo)
			}
			h.ServeHTTP(httptest.NewRecorder(), tt.r)
			got := rec.Take()
			if len(got) != 1 || got[0].Kind != observe.KindRequest || got[0].Component != "httpauth" || got[0].Reason != tt.reason || got[0].Err != nil {
				t.Fatalf("events = %+v, want one request/%s", got, tt.reason)
			}
			if leak := observetest.Leaks(got[0], "secret-token"); leak != "" {
				t.Errorf("event holds the token")
			}
		})
	}

	// Authenticate reports as Require does.
	if _, err := m.Authenticate(req("GET", "/")); err == nil {
		t.Fatal("Authenticate without a token succeeded")
	}
	if got := rec.Take(); len(got) != 1 || got[0].Reason != "token_missing" {
		t.Errorf("Authenticate events = %+v", got)
	}
}
