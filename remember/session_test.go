package remember_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/pasetokit/pasetokit/remember"
	"github.com/pasetokit/pasetokit/session"
	"github.com/pasetokit/pasetokit/store"
)

func (e *env) sessions(t testing.TB) *session.Manager {
	t.Helper()
	sm, err := session.New(session.Config{Secret: secret, Now: e.clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return sm
}

// browser is a minimal cookie jar over httptest, keyed by cookie name.
type browser map[string]string

func (b browser) do(h http.Handler, path string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("POST", path, nil)
	for k, v := range b {
		r.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	for _, c := range w.Result().Cookies() {
		if c.MaxAge < 0 {
			delete(b, c.Name)
		} else {
			b[c.Name] = c.Value
		}
	}
	return w
}

func TestSessionIntegration(t *testing.T) {
	e := newEnv(t, remember.Config{})
	type seen struct {
		user  string
		fresh bool
	}
	var last seen
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		if err := remember.SetUser(r.Context(), "alice", true); err != nil {
			t.Error(err)
		}
		if err := e.m.Remember(w, r, "alice", r.UserAgent()); err != nil {
			t.Error(err)
		}
	})
	mux.HandleFunc("/me", func(w http.ResponseWriter, r *http.Request) {
		last.user, _ = remember.UserFrom(r.Context())
		last.fresh = remember.Fresh(r.Context())
	})
	h := e.sessions(t).Handler(e.m.Handler(mux))

	b := browser{}
	b.do(h, "/login")
	b.do(h, "/me")
	if last.user != "alice" || !last.fresh {
		t.Fatalf("after a password login: %+v; want alice, fresh", last)
	}
	rc := b["remember"]

	// The session ends (browser restart); the remember cookie logs the
	// user back in, not fresh, and is rotated.
	delete(b, "session")
	b.do(h, "/me")
	if last.user != "alice" || last.fresh {
		t.Fatalf("after a remember-me login: %+v; want alice, not fresh", last)
	}
	if b["remember"] == rc || b["remember"] == "" || b["session"] == "" {
		t.Fatal("the remember cookie was not rotated, or no session was issued")
	}
	// The next request uses the session: no new rotation.
	rc = b["remember"]
	b.do(h, "/me")
	if last.user != "alice" || last.fresh || b["remember"] != rc {
		t.Fatalf("second request: %+v", last)
	}
}

func TestSessionRenewed(t *testing.T) {
	e := newEnv(t, remember.Config{})
	rc := e.remember(t, "alice")
	var sids []string
	var users []string
	var fresh []bool
	mux := http.NewServeMux()
	mux.HandleFunc("/anon", func(w http.ResponseWriter, r *http.Request) {
		session.FromContext(r.Context()).Set("cart", 3)
	})
	mux.HandleFunc("/me", func(w http.ResponseWriter, r *http.Request) {
		s := session.FromContext(r.Context())
		u, _ := remember.UserFrom(r.Context())
		users = append(users, u)
		fresh = append(fresh, remember.Fresh(r.Context()))
		sids = append(sids, s.ID())
	})
	sm := e.sessions(t)
	plain := sm.Handler(mux) // no remember middleware: sees the raw session
	h := sm.Handler(e.m.Handler(mux))

	b := browser{}
	b.do(plain, "/anon")
	b.do(plain, "/me") // the anonymous session id
	b["remember"] = rc
	b.do(h, "/me") // logged in by the cookie
	b.do(h, "/me") // the session now has the user; no second Login
	if len(sids) != 3 || sids[0] == "" || sids[1] == sids[0] || sids[2] != sids[1] {
		t.Fatalf("session ids %q: want renewed at the remember-me login only", sids)
	}
	if users[0] != "" || users[1] != "alice" || users[2] != "alice" || fresh[1] || fresh[2] {
		t.Fatalf("users %q fresh %v", users, fresh)
	}

	// A fresh password login upgrades the session.
	mux.HandleFunc("/reauth", func(w http.ResponseWriter, r *http.Request) {
		if err := remember.SetUser(r.Context(), "alice", true); err != nil {
			t.Error(err)
		}
	})
	b.do(h, "/reauth")
	b.do(h, "/me")
	if !fresh[len(fresh)-1] {
		t.Fatal("SetUser(fresh) did not mark the session fresh")
	}
	if err := remember.SetUser(context.Background(), "alice", true); err == nil {
		t.Fatal("SetUser outside the session middleware succeeded")
	}
	if err := remember.SetUser(context.Background(), "", true); err != remember.ErrNoUser {
		t.Fatalf("SetUser(empty) = %v", err)
	}
	if u, ok := remember.UserFrom(context.Background()); ok || u != "" || remember.Fresh(context.Background()) {
		t.Fatal("a user outside the session middleware")
	}
}

// TestHandlerErrorHandler: with the store down, Handler without an
// ErrorHandler serves the request logged out; with one, it hands the
// request to it (the error matching store.ErrUnavailable) and does not call
// the next handler.
func TestHandlerErrorHandler(t *testing.T) {
	e := newEnv(t, remember.Config{})
	f := &flaky{RememberStore: e.store}
	var handled error
	var logged int
	for _, withHandler := range []bool{false, true} {
		cfg := remember.Config{Secret: secret, Store: f, Now: e.clk.Now,
			OnError: func(*http.Request, error) { logged++ }}
		if withHandler {
			cfg.ErrorHandler = func(w http.ResponseWriter, _ *http.Request, err error) {
				handled = err
				w.WriteHeader(http.StatusServiceUnavailable)
			}
		}
		m, err := remember.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		e.m = m
		f.down.Store(false)
		rc := e.remember(t, "alice")
		f.down.Store(true)

		nextCalled, user := false, ""
		h := e.sessions(t).Handler(m.Handler(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
			nextCalled = true
			user, _ = remember.UserFrom(r.Context())
		})))
		w := browser{"remember": rc}.do(h, "/me")
		switch {
		case !withHandler && (!nextCalled || user != "" || w.Code != http.StatusOK):
			t.Fatalf("without ErrorHandler: next %v, user %q, status %d; want the request served logged out", nextCalled, user, w.Code)
		case withHandler && (nextCalled || w.Code != http.StatusServiceUnavailable || !errors.Is(handled, store.ErrUnavailable)):
			t.Fatalf("with ErrorHandler: next %v, status %d, error %v; want ErrorHandler to answer", nextCalled, w.Code, handled)
		}
	}
	if logged != 2 {
		t.Fatalf("OnError called %d times; want once per request", logged)
	}
}
