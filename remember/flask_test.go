package remember_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/internal/flasktest"
	"github.com/pasetokit/pasetokit/internal/testclock"
	"github.com/pasetokit/pasetokit/remember"
	"github.com/pasetokit/pasetokit/session"
	"github.com/pasetokit/pasetokit/store"
)

// flaskKey is app.secret_key of Flask-PASETO-Extended's README
// (dajiaji/flask-paseto-extended README.md, PasetoLoginManager), which
// PasetoLoginManager uses when REMEMBER_COOKIE_PASETO_KEY is unset.
var flaskKey = []byte("super secret string")

// flaskUntil ends the migration two weeks after testclock.T0.
var flaskUntil = testclock.T0.Add(14 * 24 * time.Hour)

// flaskRemember is the cookie PasetoLoginManager._set_cookie writes
// (flask_paseto_extended/login_manager.py, utils.py encode_cookie):
// pyseto.encode(Key.new(4, "local", key), str(user_id)), named
// Flask-Login's "remember_token".
func flaskRemember(key []byte, user string) *http.Request {
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(&http.Cookie{Name: remember.DefaultFlaskCookieName, Value: flasktest.RememberCookie(key, user)})
	return r
}

func TestFlaskRememberOnce(t *testing.T) {
	e := newEnv(t, remember.Config{FlaskUntil: flaskUntil, FlaskSecret: flaskKey})
	r := flaskRemember(flaskKey, "42")
	w := httptest.NewRecorder()
	user, ok, err := e.m.Login(w, r)
	if err != nil || !ok || user != "42" {
		t.Fatalf("Login = %q %v %v", user, ok, err)
	}
	ours, _ := readSetCookie(w.Header(), e.m.Name())
	if _, cleared := readSetCookie(w.Header(), remember.DefaultFlaskCookieName); ours == "" || !cleared {
		t.Fatalf("want our cookie set and the Flask cookie deleted: %v", w.Header()["Set-Cookie"])
	}
	// Our cookie is a real series: it logs in and rotates.
	e.mustLogin(t, ours, "42")

	// The same Flask cookie again (a copy) is refused.
	w = httptest.NewRecorder()
	r2 := httptest.NewRequest("GET", "/", nil)
	r2.AddCookie(r.Cookies()[0])
	if user, ok, err := e.m.Login(w, r2); ok || err != nil || user != "" {
		t.Fatalf("replay: %q %v %v", user, ok, err)
	}
	if !errors.Is(e.ev.lastBad(), remember.ErrRevoked) {
		t.Fatalf("replay reported as %v", e.ev.lastBad())
	}
	if _, cleared := readSetCookie(w.Header(), remember.DefaultFlaskCookieName); !cleared {
		t.Fatal("replayed Flask cookie not deleted")
	}
}

func TestFlaskRememberRejects(t *testing.T) {
	e := newEnv(t, remember.Config{FlaskUntil: flaskUntil, FlaskSecret: flaskKey, FlaskCookieName: "remember_token"})
	for name, c := range map[string]struct {
		r    *http.Request
		want error
	}{
		"other key":   {flaskRemember([]byte("another key"), "42"), remember.ErrTampered},
		"empty user":  {flaskRemember(flaskKey, ""), remember.ErrMalformed},
		"control":     {flaskRemember(flaskKey, "4\x002"), remember.ErrMalformed},
		"not a token": {func() *http.Request { return request(remember.DefaultFlaskCookieName, "abc") }(), remember.ErrMalformed},
	} {
		w := httptest.NewRecorder()
		if _, ok, err := e.m.Login(w, c.r); ok || err != nil {
			t.Errorf("%s: %v %v", name, ok, err)
		}
		if !errors.Is(e.ev.lastBad(), c.want) {
			t.Errorf("%s: %v", name, e.ev.lastBad())
		}
		if _, cleared := readSetCookie(w.Header(), remember.DefaultFlaskCookieName); !cleared {
			t.Errorf("%s: not deleted", name)
		}
	}
	// A store outage fails closed and keeps the cookie.
	d := newEnv(t, remember.Config{FlaskUntil: flaskUntil, FlaskSecret: flaskKey, Store: downStore{}})
	w := httptest.NewRecorder()
	if _, ok, err := d.m.Login(w, flaskRemember(flaskKey, "42")); ok || !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("store down: %v %v", ok, err)
	}
	if len(w.Header()["Set-Cookie"]) != 0 {
		t.Fatal("cookie touched while the store is down")
	}
	// Without FlaskSecret the cookie is ignored.
	p := newEnv(t, remember.Config{})
	if _, ok, _ := p.m.Login(httptest.NewRecorder(), flaskRemember(flaskKey, "42")); ok {
		t.Fatal("Flask cookie accepted without FlaskSecret")
	}
}

func TestFlaskRememberConfig(t *testing.T) {
	for name, cfg := range map[string]remember.Config{
		"empty secret":      {Secret: secret, FlaskSecret: []byte{}},
		"long secret":       {Secret: secret, FlaskSecret: make([]byte, 65)},
		"name without key":  {Secret: secret, FlaskCookieName: "remember_token"},
		"bad name":          {Secret: secret, FlaskSecret: flaskKey, FlaskUntil: flaskUntil, FlaskCookieName: "a b"},
		"same name as ours": {Secret: secret, FlaskSecret: flaskKey, FlaskUntil: flaskUntil, FlaskCookieName: "remember"},
		"no FlaskUntil":     {Secret: secret, FlaskSecret: flaskKey},
		"until without key": {Secret: secret, FlaskUntil: flaskUntil},
	} {
		if _, err := remember.New(cfg); !errors.Is(err, remember.ErrInvalidConfig) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestFlaskRememberHandler: through the session and remember middleware,
// the Flask cookie logs the user in (not fresh) and leaves only our
// cookies.
func TestFlaskRememberHandler(t *testing.T) {
	e := newEnv(t, remember.Config{FlaskUntil: flaskUntil, FlaskSecret: flaskKey, Cookie: remember.Cookie{Insecure: true}})
	sm, err := session.New(session.Config{Secret: secret, Cookie: session.Cookie{Insecure: true}, Now: e.clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	var user string
	var fresh bool
	h := sm.Handler(e.m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, _ = remember.UserFrom(r.Context())
		fresh = remember.Fresh(r.Context())
	})))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, flaskRemember(flaskKey, "alice"))
	if user != "alice" || fresh {
		t.Fatalf("user %q fresh %v", user, fresh)
	}
	live := map[string]bool{}
	for _, c := range w.Result().Cookies() {
		live[c.Name] = c.MaxAge >= 0
	}
	if !live["session"] || !live["remember"] || live[remember.DefaultFlaskCookieName] {
		t.Fatalf("cookies %v", w.Header()["Set-Cookie"])
	}
}

// TestFlaskRememberNoRevival: ending the series a Flask cookie became
// (Forget, ForgetUser, theft detection, its expiry) does not let a copy of
// that Flask cookie log in again before FlaskUntil; from FlaskUntil on no
// Flask cookie logs in at all. A valid config without FlaskUntil is refused.
func TestFlaskRememberNoRevival(t *testing.T) {
	replay := func(t *testing.T, e *env, stolen *http.Cookie, want error) {
		t.Helper()
		r := httptest.NewRequest("GET", "/", nil)
		r.AddCookie(stolen)
		if user, ok, err := e.m.Login(httptest.NewRecorder(), r); ok || err != nil {
			t.Fatalf("stolen Flask cookie logged in as %q (%v)", user, err)
		}
		if !errors.Is(e.ev.lastBad(), want) {
			t.Fatalf("replay reported as %v, want %v", e.ev.lastBad(), want)
		}
	}
	convert := func(t *testing.T, e *env, user string) (stolen *http.Cookie, ours string, r *http.Request) {
		t.Helper()
		r = flaskRemember(flaskKey, user)
		w := httptest.NewRecorder()
		if got, ok, err := e.m.Login(w, r); !ok || err != nil || got != user {
			t.Fatalf("Login = %q %v %v", got, ok, err)
		}
		ours, _ = readSetCookie(w.Header(), e.m.Name())
		return r.Cookies()[0], ours, r
	}
	for name, end := range map[string]func(t *testing.T, e *env, ours string){
		"ForgetUser": func(t *testing.T, e *env, _ string) {
			if err := e.m.ForgetUser(t.Context(), "42"); err != nil {
				t.Fatal(err)
			}
		},
		"Forget": func(t *testing.T, e *env, ours string) {
			if err := e.m.Forget(httptest.NewRecorder(), request(e.m.Name(), ours)); err != nil {
				t.Fatal(err)
			}
		},
		"theft": func(t *testing.T, e *env, ours string) {
			e.mustLogin(t, ours, "42") // rotates: ours is now an old validator
			e.clk.Advance(time.Hour)   // past the grace window
			if _, ok, _ := e.m.Login(httptest.NewRecorder(), request(e.m.Name(), ours)); ok {
				t.Fatal("old validator accepted")
			}
			if thefts, _ := e.ev.counts(); thefts == 0 {
				t.Fatal("no theft detected")
			}
		},
		"series expired": func(t *testing.T, e *env, _ string) {
			e.clk.Advance(7 * 24 * time.Hour) // Lifetime is 5 days
		},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, remember.Config{FlaskUntil: flaskUntil, FlaskSecret: flaskKey, Lifetime: 5 * 24 * time.Hour})
			stolen, ours, _ := convert(t, e, "42")
			end(t, e, ours)
			replay(t, e, stolen, remember.ErrRevoked)
		})
	}
	t.Run("after FlaskUntil", func(t *testing.T) {
		e := newEnv(t, remember.Config{FlaskUntil: flaskUntil, FlaskSecret: flaskKey})
		e.clk.Advance(flaskUntil.Sub(e.clk.Now()))
		replay(t, e, flaskRemember(flaskKey, "7").Cookies()[0], remember.ErrExpired)
	})
	t.Run("others unaffected", func(t *testing.T) {
		// A mark belongs to no user: ForgetUser of the user, and the
		// user's per-user bound, leave other Flask cookies working once.
		e := newEnv(t, remember.Config{FlaskUntil: flaskUntil, FlaskSecret: flaskKey})
		convert(t, e, "42")
		e.m.ForgetUser(t.Context(), "42")
		convert(t, e, "43")
	})
}
