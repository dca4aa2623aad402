package authtoken_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/authtoken"
	"github.com/pasetokit/pasetokit/httpauth"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/keyset"
	"github.com/pasetokit/pasetokit/observe"
	"github.com/pasetokit/pasetokit/observe/observetest"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/store"
	"github.com/pasetokit/pasetokit/verifier"
)

const authIssuer = "https://auth.example"

// resourceEnv is an issuing Manager and a resource server's Verifier that
// shares its store and follows its access keys through a key set.
func resourceEnv(t *testing.T) (*env, *authtoken.Verifier) {
	e, rv, _ := resourceEnvEvents(t)
	return e, rv
}

// resourceEnvEvents is resourceEnv with the Verifier's events recorded.
func resourceEnvEvents(t *testing.T) (*env, *authtoken.Verifier, *observetest.Recorder) {
	t.Helper()
	access := genKey(t, paseto.V4, paseto.Public)
	e := newEnv(t, func(c *authtoken.Config) {
		c.Access.Keys = []keyring.Key{access}
		c.Refresh = authtoken.KindConfig{} // falls back to the access key
		c.Issuer = authIssuer
	})
	loaded, _ := access.Parse()
	doc, err := keyset.Marshal(authIssuer, []*paseto.PublicKey{loaded.(*paseto.SecretKey).Public()})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(doc) }))
	t.Cleanup(srv.Close)
	rec := &observetest.Recorder{}
	rv, err := authtoken.NewVerifier(authtoken.VerifierConfig{
		KeySets: []verifier.KeySet{{URL: srv.URL, Issuer: authIssuer}},
		Issuers: []string{authIssuer},
		Store:   e.store,
		Now:     e.clock.Now,
		Events:  rec,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := rv.FetchKeySets(ctx); err != nil {
		t.Fatal(err)
	}
	return e, rv, rec
}

// The Verifier reports its key set fetches and verifications.
func TestVerifierEvents(t *testing.T) {
	e, rv, rec := resourceEnvEvents(t)
	p, _ := e.m.Login(ctx, "alice", nil)
	if _, err := rv.Verify(ctx, p.Access, nil); err != nil {
		t.Fatal(err)
	}
	got := rec.Take()
	if len(observetest.Of(got, observe.KindKeySetFetch)) == 0 || len(observetest.Of(got, observe.KindVerify)) == 0 {
		t.Fatalf("events %+v: want a key set fetch and a verification", got)
	}
}

func TestVerifierResourceServer(t *testing.T) {
	e, rv := resourceEnv(t)
	p, _ := e.m.Login(ctx, "alice", nil)
	refreshed, err := e.m.Refresh(ctx, p.Refresh)
	if err != nil {
		t.Fatal(err)
	}
	reset, _ := e.m.CreateToken(ctx, "reset", "alice", nil)
	loggedOut, _ := e.m.Login(ctx, "bob", nil)
	if err := e.m.Logout(ctx, loggedOut.Access); err != nil {
		t.Fatal(err)
	}
	everywhere, _ := e.m.Login(ctx, "carol", nil)
	if err := e.m.LogoutEverywhere(ctx, "carol"); err != nil {
		t.Fatal(err)
	}
	reused, _ := e.m.Login(ctx, "dave", nil)
	e.m.Refresh(ctx, reused.Refresh)
	e.clock.Advance(authtoken.DefaultRetryWindow + time.Second) // past the retry window
	e.m.Refresh(ctx, reused.Refresh)                            // reuse: the family is revoked

	tests := []struct {
		name  string
		v     httpauth.TokenVerifier
		tok   string
		want  error
		code  string
		fresh bool
	}{
		{"access", rv, p.Access, nil, "", false},
		{"access through Access", rv.Access(), p.Access, nil, "", false},
		{"refreshed access", rv, refreshed.Access, nil, "", false},
		{"fresh", rv.FreshAccess(), p.Access, nil, "", false},
		{"not fresh", rv.FreshAccess(), refreshed.Access, authtoken.ErrNotFresh, httpauth.CodeNotFresh, false},
		{"refresh token", rv, refreshed.Refresh, authtoken.ErrWrongType, httpauth.CodeWrongType, false},
		{"custom token", rv, reset, authtoken.ErrWrongType, httpauth.CodeWrongType, false},
		{"logged out", rv, loggedOut.Access, authtoken.ErrRevoked, httpauth.CodeRevoked, false},
		{"logged out everywhere", rv, everywhere.Access, authtoken.ErrRevoked, httpauth.CodeRevoked, false},
		{"family revoked on reuse", rv, reused.Access, authtoken.ErrRevoked, httpauth.CodeRevoked, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.v.Verify(ctx, tt.tok, nil)
			if (tt.want == nil) != (err == nil) || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Fatalf("%v, want %v", err, tt.want)
			}
			if tt.want != nil && httpauth.Code(err) != tt.code {
				t.Fatalf("code %s, want %s", httpauth.Code(err), tt.code)
			}
		})
	}

	// Through httpauth, with the store down: 503 with Retry-After.
	mw, err := httpauth.New(httpauth.Config{Verifier: rv})
	if err != nil {
		t.Fatal(err)
	}
	h := mw.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sub, _ := authtoken.SubjectFrom(r.Context())
		w.Write([]byte(sub))
	}))
	serve := func(tok string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		h.ServeHTTP(w, r)
		return w
	}
	if w := serve(p.Access); w.Code != 200 || w.Body.String() != "alice" {
		t.Fatalf("access: %d %s", w.Code, w.Body)
	}
	if w := serve(refreshed.Refresh); w.Code != 401 || !strings.Contains(w.Body.String(), httpauth.CodeWrongType) {
		t.Fatalf("refresh token: %d %s", w.Code, w.Body)
	}
	e.store.down.Store(true)
	if w := serve(p.Access); w.Code != 503 || w.Header().Get("Retry-After") == "" {
		t.Fatalf("store down: %d %q", w.Code, w.Header().Get("Retry-After"))
	}
	if _, err := rv.Verify(ctx, p.Access, nil); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("store down: %v", err)
	}
}

func TestVerifierConfigErrors(t *testing.T) {
	pub := verifyingKey(t, genKey(t, paseto.V4, paseto.Public))
	mem, _ := store.NewMemory(store.MemoryConfig{})
	tests := []struct {
		name  string
		cfg   authtoken.VerifierConfig
		field string
	}{
		{"no store", authtoken.VerifierConfig{Keys: []keyring.Key{pub}}, "Store"},
		{"no keys", authtoken.VerifierConfig{Store: mem}, "Keys"},
		{"secret key", authtoken.VerifierConfig{Store: mem, Keys: []keyring.Key{genKey(t, paseto.V4, paseto.Public)}}, "Keys[0]"},
		{"key set without issuer", authtoken.VerifierConfig{Store: mem, KeySets: []verifier.KeySet{{URL: "https://auth.example/keys"}}}, "KeySets[0].Issuer"},
		{"negative leeway", authtoken.VerifierConfig{Store: mem, Keys: []keyring.Key{pub}, Leeway: -1}, "Leeway"},
		{"nil rule", authtoken.VerifierConfig{Store: mem, Keys: []keyring.Key{pub}, Rules: []verifier.Rule{nil}}, "Rules[0]"},
		{"empty issuer", authtoken.VerifierConfig{Store: mem, Keys: []keyring.Key{pub}, Issuers: []string{""}}, "Issuers[0]"},
		{"keys and source", authtoken.VerifierConfig{Store: mem, Keys: []keyring.Key{pub}, KeySource: ringV(t, newClock(), paseto.V4, paseto.Public, 3600e9)}, "KeySource"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := authtoken.NewVerifier(tt.cfg)
			var ce *authtoken.ConfigError
			if v != nil || !errors.As(err, &ce) || ce.Field != tt.field || !errors.Is(err, authtoken.ErrInvalidConfig) {
				t.Fatalf("%v, want a ConfigError for %s", err, tt.field)
			}
		})
	}
	var nilV *authtoken.Verifier
	if _, err := nilV.Verify(ctx, "v4.public.x", nil); err == nil {
		t.Fatal("nil Verifier")
	}
}
