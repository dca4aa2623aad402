package authtoken_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/authtoken"
	"github.com/pasetokit/pasetokit/httpauth"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/verifier"
)

// verifyingKey returns the key a plain verifier is given for k: the public
// half of a secret key (what a key set publishes), a local key itself.
func verifyingKey(t testing.TB, k keyring.Key) keyring.Key {
	t.Helper()
	loaded, err := k.Parse()
	if err != nil {
		t.Fatal(err)
	}
	if sk, ok := loaded.(*paseto.SecretKey); ok {
		s, err := paserk.Encode(sk.Public())
		if err != nil {
			t.Fatal(err)
		}
		return keyring.Key{PASERK: s}
	}
	return k
}

// A resource server that follows the access keys with a plain verifier,
// knowing nothing of authtoken, must never accept a refresh token or a
// custom-kind token as an access token, even when those kinds fall back
// to the access key.
func TestKindsBoundForPlainVerifiers(t *testing.T) {
	tests := []struct {
		name    string
		v       paseto.Version
		p       paseto.Purpose
		refresh bool // refresh has the access key explicitly, not by fallback
	}{
		{"v4 public, fallback", paseto.V4, paseto.Public, false},
		{"v4 public, same key given", paseto.V4, paseto.Public, true},
		{"v3 public, fallback", paseto.V3, paseto.Public, false},
		{"v4 local, fallback", paseto.V4, paseto.Local, false},
		{"v3 local, fallback", paseto.V3, paseto.Local, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := genKey(t, tt.v, tt.p)
			e := newEnv(t, func(c *authtoken.Config) {
				c.Access.Keys = []keyring.Key{k}
				c.Refresh = authtoken.KindConfig{NoExpiration: true} // no exp: nothing else to refuse it for
				if tt.refresh {
					c.Refresh.Keys = []keyring.Key{k}
				}
				c.Custom = map[string]authtoken.KindConfig{"reset": {}}
			})
			p, err := e.m.Login(ctx, "alice", nil)
			if err != nil {
				t.Fatal(err)
			}
			reset, err := e.m.CreateToken(ctx, "reset", "alice", nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, cfg := range []verifier.Config{
				{Keys: []keyring.Key{verifyingKey(t, k)}, Now: e.clock.Now, AllowMissingExpiration: true},
				{Keys: []keyring.Key{verifyingKey(t, k)}, Now: e.clock.Now, AllowMissingExpiration: true, RequireKeyID: true},
			} {
				plain, err := verifier.New(cfg)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := plain.Verify(ctx, p.Access, nil); err != nil {
					t.Fatalf("access token refused by a plain verifier: %v", err)
				}
				for name, tok := range map[string]string{"refresh": p.Refresh, "reset": reset} {
					if _, err := plain.Verify(ctx, tok, nil); err == nil {
						t.Errorf("a plain verifier accepts a %s token as an access token", name)
					}
				}
				// The same through httpauth.
				mw, err := httpauth.New(httpauth.Config{Verifier: plain})
				if err != nil {
					t.Fatal(err)
				}
				h := mw.Require(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
				w := httptest.NewRecorder()
				r := httptest.NewRequest("GET", "/", nil)
				r.Header.Set("Authorization", "Bearer "+p.Refresh)
				h.ServeHTTP(w, r)
				if w.Code != http.StatusUnauthorized {
					t.Errorf("httpauth over a plain verifier answers a refresh token with %d", w.Code)
				}
			}
			// authtoken itself still tells the kinds apart, by type.
			if _, err := e.m.Access().Verify(ctx, p.Refresh, nil); !errors.Is(err, authtoken.ErrWrongType) {
				t.Errorf("Access(refresh token): %v, want ErrWrongType", err)
			}
			if _, err := e.m.RefreshTokens().Verify(ctx, p.Refresh, nil); err != nil {
				t.Errorf("RefreshToken(refresh token): %v", err)
			}
		})
	}
}

// v2 tokens cannot carry an implicit assertion: a v2 kind other than
// access must have keys of its own.
func TestV2KindsNeedTheirOwnKeys(t *testing.T) {
	k := genKey(t, paseto.V2, paseto.Public)
	other := genKey(t, paseto.V2, paseto.Public)
	tests := []struct {
		name  string
		edit  func(*authtoken.Config)
		field string // "" when New must succeed
	}{
		{"refresh fallback", func(c *authtoken.Config) {}, "Access.Keys"},
		{"refresh shares", func(c *authtoken.Config) { c.Refresh.Keys = []keyring.Key{other, k} }, "Refresh.Keys"},
		{"custom fallback", func(c *authtoken.Config) {
			c.Refresh.Keys = []keyring.Key{other}
			c.Custom = map[string]authtoken.KindConfig{"reset": {}}
		}, "Access.Keys"},
		{"own keys", func(c *authtoken.Config) { c.Refresh.Keys = []keyring.Key{other} }, ""},
		{"sharing allowed", func(c *authtoken.Config) { c.AllowSharedV2Keys = true }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := authtoken.Config{Access: authtoken.KindConfig{Keys: []keyring.Key{k}}}
			tt.edit(&cfg)
			_, err := authtoken.New(cfg)
			var ce *authtoken.ConfigError
			switch {
			case tt.field == "" && err != nil:
				t.Fatalf("New: %v", err)
			case tt.field != "" && (!errors.As(err, &ce) || ce.Field != tt.field):
				t.Fatalf("New: %v, want a ConfigError for %s", err, tt.field)
			}
		})
	}
}

// The type is checked before anything that could mask it: a refresh token
// without exp, expired, or revoked, sent to an access route, is
// ErrWrongType, not "no expiration", "expired" or "revoked".
func TestTypeCheckedFirst(t *testing.T) {
	k := genKey(t, paseto.V4, paseto.Public)
	e := newEnv(t, func(c *authtoken.Config) {
		c.Access.Keys = []keyring.Key{k}
		c.Refresh = authtoken.KindConfig{NoExpiration: true}
		c.Custom = map[string]authtoken.KindConfig{"reset": {Lifetime: time.Minute}}
	})
	p, _ := e.m.Login(ctx, "alice", nil)
	reset, _ := e.m.CreateToken(ctx, "reset", "alice", nil)
	if err := e.m.RevokeToken(ctx, p.Refresh); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Hour) // the access and reset tokens have expired
	e.store.down.Store(true)   // and the store cannot answer
	tests := []struct {
		name string
		v    httpauth.TokenVerifier
		tok  string
	}{
		{"refresh without exp, revoked, to access", e.m.Access(), p.Refresh},
		{"refresh to fresh access", e.m.FreshAccess(), p.Refresh},
		{"expired reset to access", e.m.Access(), reset},
		{"expired access to refresh", e.m.RefreshTokens(), p.Access},
		{"expired access to reset", e.m.Kind("reset"), p.Access},
		{"expired reset to refresh", e.m.RefreshTokens(), reset},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.v.Verify(ctx, tt.tok, nil)
			if !errors.Is(err, authtoken.ErrWrongType) || httpauth.Code(err) != httpauth.CodeWrongType {
				t.Fatalf("%v (code %s), want ErrWrongType", err, httpauth.Code(err))
			}
		})
	}
}

// authtoken's verifiers require a kid: a token without one is not tried
// against every key.
func TestKeyIDRequired(t *testing.T) {
	k := genKey(t, paseto.V4, paseto.Public)
	e := newEnv(t, func(c *authtoken.Config) { c.Access.Keys = []keyring.Key{k} })
	loaded, err := k.Parse()
	if err != nil {
		t.Fatal(err)
	}
	sk := loaded.(*paseto.SecretKey)
	now := e.clock.Now().UTC()
	payload := []byte(`{"sub":"alice","type":"access","fresh":true,"jti":"abcdefghijklmnopqrstuv","iat":"` +
		now.Format(time.RFC3339) + `","exp":"` + now.Add(time.Minute).Format(time.RFC3339) + `"}`)
	withKID := []byte(`{"kid":"` + paserk.PublicID(sk.Public()) + `"}`)
	tests := []struct {
		name   string
		footer []byte
		want   error
	}{
		{"with kid", withKID, nil},
		{"no footer", nil, verifier.ErrMissingKeyID},
		{"footer without kid", []byte(`{"x":1}`), verifier.ErrMissingKeyID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := paseto.Sign(sk, payload, tt.footer, nil)
			if err != nil {
				t.Fatal(err)
			}
			_, err = e.m.Access().Verify(ctx, tok, nil)
			if (tt.want == nil) != (err == nil) || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Fatalf("%v, want %v", err, tt.want)
			}
		})
	}
}

// A login right after LogoutEverywhere, in the same second, works; a
// token issued before the cutoff instant, even in the same second, does
// not.
func TestCutoffSubSecond(t *testing.T) {
	tests := []struct {
		name      string
		issue     time.Duration // offset of the token from t0
		cutoff    time.Duration // offset of LogoutEverywhere from t0
		wantValid bool
	}{
		{"before, same second", 100 * time.Millisecond, 400 * time.Millisecond, false},
		{"just before", 399 * time.Millisecond, 400 * time.Millisecond, false},
		{"same instant", 400 * time.Millisecond, 400 * time.Millisecond, false},
		{"same millisecond", 400*time.Millisecond + 900*time.Microsecond, 400 * time.Millisecond, false},
		{"next millisecond", 401 * time.Millisecond, 400 * time.Millisecond, true},
		{"after, same second", 900 * time.Millisecond, 400 * time.Millisecond, true},
		{"before, previous second", -300 * time.Millisecond, 200 * time.Millisecond, false},
		{"after, next second", 1100 * time.Millisecond, 900 * time.Millisecond, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil)
			issue := func() authtoken.Pair {
				e.clock.Set(t0.Add(tt.issue))
				p, err := e.m.Login(ctx, "alice", nil)
				if err != nil {
					t.Fatal(err)
				}
				return p
			}
			logout := func() {
				e.clock.Set(t0.Add(tt.cutoff))
				if err := e.m.LogoutEverywhere(ctx, "alice"); err != nil {
					t.Fatal(err)
				}
			}
			var p authtoken.Pair
			if tt.issue <= tt.cutoff {
				p = issue()
				logout()
			} else {
				logout()
				p = issue()
			}
			e.clock.Set(t0.Add(2 * time.Second)) // verify later, past both
			for kind, tok := range map[string]string{"access": p.Access, "refresh": p.Refresh} {
				_, err := e.m.Verify(ctx, kind, tok)
				if tt.wantValid && err != nil {
					t.Errorf("%s: %v, want valid", kind, err)
				}
				if !tt.wantValid && !errors.Is(err, authtoken.ErrRevoked) {
					t.Errorf("%s: %v, want ErrRevoked", kind, err)
				}
			}
		})
	}
}

// Logout, RevokeToken and Refresh take the token from the request context
// when given none.
func TestRawTokenFromContext(t *testing.T) {
	e := newEnv(t, nil)
	mux := http.NewServeMux()
	route := func(path string, v httpauth.TokenVerifier, h func(r *http.Request) error) {
		mw, err := httpauth.New(httpauth.Config{Verifier: v, Sources: []httpauth.Source{httpauth.HeaderSource{}, httpauth.CookieSource{Name: "t"}}})
		if err != nil {
			t.Fatal(err)
		}
		mux.Handle(path, mw.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := h(r); err != nil {
				w.WriteHeader(http.StatusTeapot)
				w.Write([]byte(err.Error()))
			}
		})))
	}
	var rotated authtoken.Pair
	route("/logout", e.m.Access(), func(r *http.Request) error { return e.m.Logout(r.Context(), "") })
	route("/revoke", e.m.Kind("reset"), func(r *http.Request) error { return e.m.RevokeToken(r.Context(), "") })
	route("/refresh", e.m.RefreshTokens(), func(r *http.Request) (err error) {
		rotated, err = e.m.Refresh(r.Context(), "")
		return err
	})
	do := func(path, header, cookie string) int {
		w := httptest.NewRecorder()
		r := httptest.NewRequest("POST", path, nil)
		if header != "" {
			r.Header.Set("Authorization", "Bearer "+header)
		}
		if cookie != "" {
			r.AddCookie(&http.Cookie{Name: "t", Value: cookie})
		}
		mux.ServeHTTP(w, r)
		if w.Code == http.StatusTeapot {
			t.Errorf("%s: %s", path, w.Body)
		}
		return w.Code
	}
	p, _ := e.m.Login(ctx, "alice", nil)
	if code := do("/refresh", "", p.Refresh); code != 200 { // from the cookie source
		t.Fatalf("refresh: %d", code)
	}
	if _, err := e.m.Verify(ctx, "access", rotated.Access); err != nil {
		t.Fatalf("rotated access token: %v", err)
	}
	e.clock.Advance(authtoken.DefaultRetryWindow + time.Second) // past the retry window
	if _, err := e.m.Refresh(ctx, p.Refresh); !errors.Is(err, authtoken.ErrRefreshReused) {
		t.Fatalf("the refresh token the route used: %v, want ErrRefreshReused", err)
	}

	q, _ := e.m.Login(ctx, "bob", nil)
	if code := do("/logout", q.Access, ""); code != 200 {
		t.Fatalf("logout: %d", code)
	}
	for kind, tok := range map[string]string{"access": q.Access, "refresh": q.Refresh} {
		if _, err := e.m.Verify(ctx, kind, tok); !errors.Is(err, authtoken.ErrRevoked) {
			t.Errorf("after logout, %s: %v", kind, err)
		}
	}
	reset, _ := e.m.CreateToken(ctx, "reset", "carol", nil)
	if code := do("/revoke", reset, ""); code != 200 {
		t.Fatalf("revoke: %d", code)
	}
	if _, err := e.m.Verify(ctx, "reset", reset); !errors.Is(err, authtoken.ErrRevoked) {
		t.Errorf("after revoke: %v", err)
	}

	// Outside a request: no token is ErrMissingToken (token_missing).
	for name, f := range map[string]func() error{
		"logout":  func() error { return e.m.Logout(ctx, "") },
		"revoke":  func() error { return e.m.RevokeToken(ctx, "") },
		"refresh": func() error { _, err := e.m.Refresh(ctx, ""); return err },
	} {
		if err := f(); !errors.Is(err, authtoken.ErrMissingToken) || httpauth.Code(err) != httpauth.CodeMissing {
			t.Errorf("%s: %v", name, err)
		}
	}
	// A token given explicitly wins over the context's.
	r, _ := e.m.Login(ctx, "dave", nil)
	c := httpauth.NewContextWithRaw(context.Background(), &verifier.Token{}, "v4.public.garbage")
	if err := e.m.Logout(c, r.Access); err != nil {
		t.Errorf("explicit token: %v", err)
	}
}

// The reasons keep their own codes through httpauth.
func TestErrorCodes(t *testing.T) {
	tests := []struct {
		err    error
		code   string
		status int
	}{
		{authtoken.ErrRevoked, httpauth.CodeRevoked, 401},
		{authtoken.ErrRefreshReused, httpauth.CodeRefreshReused, 401},
		{authtoken.ErrWrongType, httpauth.CodeWrongType, 401},
		{authtoken.ErrNotFresh, httpauth.CodeNotFresh, 403},
		{&verifier.RuleError{Err: authtoken.ErrRevoked}, httpauth.CodeRevoked, 401},
		{authtoken.ErrMissingToken, httpauth.CodeMissing, 401},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			if got := httpauth.Code(tt.err); got != tt.code {
				t.Errorf("Code = %s, want %s", got, tt.code)
			}
			if tt.err != authtoken.ErrMissingToken && !errors.Is(tt.err, verifier.ErrRule) {
				t.Errorf("%v does not match verifier.ErrRule", tt.err)
			}
			mw, _ := httpauth.New(httpauth.Config{Verifier: errVerifier{tt.err}})
			w := httptest.NewRecorder()
			r := httptest.NewRequest("GET", "/", nil)
			r.Header.Set("Authorization", "Bearer v4.public.x")
			mw.Require(http.NotFoundHandler()).ServeHTTP(w, r)
			if w.Code != tt.status {
				t.Errorf("status %d, want %d", w.Code, tt.status)
			}
		})
	}
}

type errVerifier struct{ err error }

func (e errVerifier) Verify(context.Context, string, []byte) (*verifier.Token, error) {
	return nil, e.err
}
