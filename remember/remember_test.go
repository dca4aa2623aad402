package remember_test

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/internal/testkeys"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/observe"
	"github.com/pasetokit/pasetokit/observe/observetest"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/remember"
	"github.com/pasetokit/pasetokit/session"
	"github.com/pasetokit/pasetokit/store"
)

func TestConfig(t *testing.T) {
	k1, _ := paseto.GenerateSymmetricKey(paseto.V4)
	k3, _ := paseto.GenerateSymmetricKey(paseto.V3)
	p1 := testkeys.Ring(t, k1)[0].PASERK
	tests := []struct {
		name  string
		cfg   remember.Config
		field string // the ConfigError's Field
	}{
		{"no key", remember.Config{}, "Keys"},
		{"both", remember.Config{Secret: secret, Keys: testkeys.Ring(t, k1)}, "Secret"},
		{"short secret", remember.Config{Secret: []byte("short")}, "Secret"},
		{"empty key", remember.Config{Keys: []keyring.Key{{}}}, "Keys[0]"},
		{"v3 key", remember.Config{Keys: testkeys.Ring(t, k1, k3)}, "Keys[1]"},
		{"issuer bound", remember.Config{Keys: []keyring.Key{{PASERK: p1, Issuer: "a"}}}, "Keys[0].Issuer"},
		{"duplicate key", remember.Config{Keys: testkeys.Ring(t, k1, k1)}, "Keys[1]"},
		{"duplicate by id", remember.Config{Keys: []keyring.Key{{PASERK: p1}, {PASERK: p1 + " "}}}, "Keys[1]"},
		{"bad name", remember.Config{Secret: secret, Cookie: remember.Cookie{Name: "a b"}}, "Cookie.Name"},
		{"bad name 2", remember.Config{Secret: secret, Cookie: remember.Cookie{Name: "a;b"}}, "Cookie.Name"},
		{"short lifetime", remember.Config{Secret: secret, Lifetime: time.Second}, "Lifetime"},
		{"negative lifetime", remember.Config{Secret: secret, Lifetime: -time.Hour}, "Lifetime"},
		{"long lifetime", remember.Config{Secret: secret, Lifetime: 401 * 24 * time.Hour}, "Lifetime"},
		{"long grace", remember.Config{Secret: secret, GraceWindow: time.Hour}, "GraceWindow"},
		{"negative grace", remember.Config{Secret: secret, GraceWindow: -1}, "GraceWindow"},
		{"grace off and set", remember.Config{Secret: secret, NoGraceWindow: true, GraceWindow: time.Second}, "GraceWindow"},
		{"bad path", remember.Config{Secret: secret, Cookie: remember.Cookie{Path: "/a;b"}}, "Cookie.Path"},
		{"bad domain", remember.Config{Secret: secret, Cookie: remember.Cookie{Domain: "a b"}}, "Cookie.Domain"},
		{"SameSite none insecure", remember.Config{Secret: secret, Cookie: remember.Cookie{Insecure: true, SameSite: http.SameSiteNoneMode}}, "Cookie.SameSite"},
		{"bad SameSite", remember.Config{Secret: secret, Cookie: remember.Cookie{SameSite: 17}}, "Cookie.SameSite"},
		{"Partitioned insecure", remember.Config{Secret: secret, Cookie: remember.Cookie{Insecure: true, Partitioned: true}}, "Cookie.Partitioned"},
		{"__Host- insecure", remember.Config{Secret: secret, Cookie: remember.Cookie{Name: "__Host-r", Insecure: true}}, "Cookie.Name"},
		{"__Host- path", remember.Config{Secret: secret, Cookie: remember.Cookie{Name: "__Host-r", Path: "/x"}}, "Cookie.Name"},
		{"__Secure- insecure", remember.Config{Secret: secret, Cookie: remember.Cookie{Name: "__Secure-r", Insecure: true}}, "Cookie.Name"},
		{"__Host- domain", remember.Config{Secret: secret, Cookie: remember.Cookie{Name: "__Host-r", Domain: "example.com"}}, "Cookie.Name"},
		// Browsers match the prefixes in any letter case.
		{"__HOST- insecure", remember.Config{Secret: secret, Cookie: remember.Cookie{Name: "__HOST-r", Insecure: true}}, "Cookie.Name"},
		{"__host- path", remember.Config{Secret: secret, Cookie: remember.Cookie{Name: "__host-r", Path: "/x"}}, "Cookie.Name"},
		{"__SECURE- insecure", remember.Config{Secret: secret, Cookie: remember.Cookie{Name: "__SECURE-r", Insecure: true}}, "Cookie.Name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := remember.New(tt.cfg)
			ce, ok := errors.AsType[*remember.ConfigError](err)
			if !ok || ce.Field != tt.field || !errors.Is(err, remember.ErrInvalidConfig) || !errors.Is(err, ce.Err) {
				t.Fatalf("New = %v; want a *ConfigError for %s matching ErrInvalidConfig", err, tt.field)
			}
			if want := "remember: invalid configuration: " + tt.field + ": "; !strings.HasPrefix(err.Error(), want) {
				t.Fatalf("error %q does not start with %q", err, want)
			}
			if strings.Contains(err.Error(), p1[len("k4.local."):]) || strings.Contains(err.Error(), string(secret)) {
				t.Fatalf("error %q holds key material", err)
			}
		})
	}
	for _, cfg := range []remember.Config{
		{Secret: secret},
		{Keys: testkeys.Ring(t, k1)},
		{Secret: secret, Cookie: remember.Cookie{Name: "__Host-remember"}, NoGraceWindow: true},
		{Secret: secret, Cookie: remember.Cookie{SameSite: http.SameSiteNoneMode, Partitioned: true}},
	} {
		if _, err := remember.New(cfg); err != nil {
			t.Errorf("New(%+v): %v", cfg.Cookie, err)
		}
	}
}

func TestDefaultCookie(t *testing.T) {
	m, err := remember.New(remember.Config{Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	if err := m.Remember(w, request("remember", ""), "alice", ""); err != nil {
		t.Fatal(err)
	}
	cs := w.Result().Cookies()
	if len(cs) != 1 {
		t.Fatalf("%d cookies set", len(cs))
	}
	c := cs[0]
	if c.Name != "remember" || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" {
		t.Fatalf("cookie attributes %s", c)
	}
	if want := int(remember.DefaultLifetime / time.Second); c.MaxAge < want-5 || c.MaxAge > want {
		t.Fatalf("MaxAge = %d, want about %d", c.MaxAge, want)
	}
	if !strings.HasPrefix(c.Value, "v4.local.") || len(c.String()) > 600 {
		t.Fatalf("cookie value %q", c.Value)
	}
	if got := w.Header().Get("Cache-Control"); got == "" {
		t.Fatal("no Cache-Control on a response setting the cookie")
	}
	if err := m.Remember(httptest.NewRecorder(), request("remember", ""), "", ""); !errors.Is(err, remember.ErrNoUser) {
		t.Fatalf("Remember(empty user) = %v; want ErrNoUser", err)
	}
}

func TestRotationFlow(t *testing.T) {
	e := newEnv(t, remember.Config{})
	c := e.remember(t, "alice")
	seen := map[string]bool{c: true}
	for i := range 5 {
		e.clk.Advance(time.Hour)
		c = e.mustLogin(t, c, "alice")
		if seen[c] {
			t.Fatalf("step %d: a cookie was issued twice", i)
		}
		seen[c] = true
		if e.store.Len() != 1 {
			t.Fatalf("step %d: %d series, want 1 (rotation keeps the series)", i, e.store.Len())
		}
	}
	if th, bad := e.ev.counts(); th != 0 || bad != 0 {
		t.Fatalf("%d thefts, %d bad cookies in a normal flow", th, bad)
	}
}

func TestRotationKeepsExpiry(t *testing.T) {
	e := newEnv(t, remember.Config{Lifetime: 48 * time.Hour})
	c := e.remember(t, "alice")
	e.clk.Advance(47 * time.Hour)
	c = e.mustLogin(t, c, "alice")
	e.clk.Advance(time.Hour)
	if r := e.login(c); r.ok || r.err != nil || !r.cleared {
		t.Fatalf("Login after the lifetime = %+v; want rejected and cleared", r)
	}
	if !errors.Is(e.ev.lastBad(), remember.ErrExpired) {
		t.Fatalf("OnBadCookie got %v; want ErrExpired", e.ev.lastBad())
	}
}

func TestTheft(t *testing.T) {
	e := newEnv(t, remember.Config{})
	c0 := e.remember(t, "alice")
	c1 := e.mustLogin(t, c0, "alice") // the legitimate user rotates
	e.clk.Advance(remember.DefaultGraceWindow + time.Second)

	// The thief replays the copy of c0 after the grace window.
	r := e.login(c0)
	if r.ok || r.err != nil || r.user != "" || !r.cleared {
		t.Fatalf("Login(stolen) = %+v; want no login, cookie cleared", r)
	}
	if len(e.ev.thefts) != 1 || !strings.HasPrefix(e.ev.thefts[0], "alice/") {
		t.Fatalf("OnTheft calls %q; want one for alice", e.ev.thefts)
	}
	if e.store.Len() != 0 {
		t.Fatal("the series survived a theft")
	}
	// The legitimate cookie is revoked too.
	r = e.login(c1)
	if r.ok || r.err != nil || !r.cleared || !errors.Is(e.ev.lastBad(), remember.ErrRevoked) {
		t.Fatalf("Login(legit after theft) = %+v, bad %v; want rejected as revoked", r, e.ev.lastBad())
	}
}

func TestGraceWindow(t *testing.T) {
	t.Run("race within the window", func(t *testing.T) {
		e := newEnv(t, remember.Config{})
		c0 := e.remember(t, "alice")
		c1 := e.mustLogin(t, c0, "alice")
		e.clk.Advance(remember.DefaultGraceWindow - time.Second)
		// The second request of the race: logged in, cookie left alone.
		r := e.login(c0)
		if !r.ok || r.err != nil || r.user != "alice" || r.set != "" || r.cleared {
			t.Fatalf("Login(previous, in window) = %+v; want login without cookie change", r)
		}
		if th, _ := e.ev.counts(); th != 0 {
			t.Fatal("a race within the window was taken for theft")
		}
		// The winner's cookie keeps working and rotates.
		e.mustLogin(t, c1, "alice")
	})
	t.Run("two rotations old", func(t *testing.T) {
		e := newEnv(t, remember.Config{})
		c0 := e.remember(t, "alice")
		c1 := e.mustLogin(t, c0, "alice")
		c2 := e.mustLogin(t, c1, "alice")
		r := e.login(c0) // still within the window of both rotations
		if r.ok || !r.cleared {
			t.Fatalf("Login(two rotations old) = %+v; want theft", r)
		}
		if th, _ := e.ev.counts(); th != 1 {
			t.Fatal("OnTheft not called")
		}
		if r := e.login(c2); r.ok {
			t.Fatal("the series survived")
		}
	})
	t.Run("window disabled", func(t *testing.T) {
		e := newEnv(t, remember.Config{NoGraceWindow: true})
		c0 := e.remember(t, "alice")
		e.mustLogin(t, c0, "alice")
		if r := e.login(c0); r.ok {
			t.Fatal("previous validator accepted with the window disabled")
		}
		if th, _ := e.ev.counts(); th != 1 {
			t.Fatal("OnTheft not called")
		}
	})
	t.Run("window ends exactly", func(t *testing.T) {
		e := newEnv(t, remember.Config{GraceWindow: 10 * time.Second})
		c0 := e.remember(t, "alice")
		e.mustLogin(t, c0, "alice")
		e.clk.Advance(10 * time.Second)
		if r := e.login(c0); r.ok {
			t.Fatal("previous validator accepted at the end of the window")
		}
	})
}

func TestExpiry(t *testing.T) {
	t.Run("token expiry", func(t *testing.T) {
		e := newEnv(t, remember.Config{Lifetime: time.Hour})
		c := e.remember(t, "alice")
		e.clk.Advance(time.Hour) // the client ignores Max-Age and replays
		r := e.login(c)
		if r.ok || r.err != nil || !r.cleared || !errors.Is(e.ev.lastBad(), remember.ErrExpired) {
			t.Fatalf("Login(expired) = %+v, bad %v", r, e.ev.lastBad())
		}
	})
	t.Run("series expiry on the server", func(t *testing.T) {
		// A store whose series expires before the token: the server's
		// record decides.
		e := newEnv(t, remember.Config{Lifetime: time.Hour})
		short := &shortStore{RememberStore: e.store, cut: 10 * time.Minute}
		m, err := remember.New(remember.Config{Secret: secret, Lifetime: time.Hour, Store: short, Now: e.clk.Now, OnBadCookie: e.ev.onBad})
		if err != nil {
			t.Fatal(err)
		}
		e.m = m
		c := e.remember(t, "alice")
		e.clk.Advance(50 * time.Minute)
		r := e.login(c)
		if r.ok || r.err != nil || !r.cleared || !errors.Is(e.ev.lastBad(), remember.ErrExpired) {
			t.Fatalf("Login(series expired) = %+v, bad %v", r, e.ev.lastBad())
		}
		if e.store.Len() != 0 {
			t.Fatal("the expired series was not deleted")
		}
	})
}

// shortStore reports every series as expiring cut earlier than stored.
type shortStore struct {
	store.RememberStore
	cut time.Duration
}

func (s *shortStore) GetSeries(ctx context.Context, sel string) (store.Series, error) {
	x, err := s.RememberStore.GetSeries(ctx, sel)
	x.Expires = x.Expires.Add(-s.cut)
	return x, err
}

func TestForget(t *testing.T) {
	e := newEnv(t, remember.Config{})
	a1, a2, b1 := e.remember(t, "alice"), e.remember(t, "alice"), e.remember(t, "bob")

	w := httptest.NewRecorder()
	if err := e.m.Forget(w, request("remember", a1)); err != nil {
		t.Fatal(err)
	}
	if _, cleared := readSetCookie(w.Header(), "remember"); !cleared {
		t.Fatal("Forget did not clear the cookie")
	}
	if r := e.login(a1); r.ok {
		t.Fatal("a forgotten cookie logs in")
	}
	a2 = e.mustLogin(t, a2, "alice") // the other device is unaffected

	if err := e.m.ForgetUser(context.Background(), "alice"); err != nil {
		t.Fatal(err)
	}
	if r := e.login(a2); r.ok {
		t.Fatal("ForgetUser left a series of the user")
	}
	e.mustLogin(t, b1, "bob")

	// Forget without a cookie, or with garbage, does nothing harmful.
	for _, v := range []string{"", "garbage"} {
		if err := e.m.Forget(httptest.NewRecorder(), request("remember", v)); err != nil {
			t.Fatalf("Forget(%q): %v", v, err)
		}
	}
}

func TestRememberReplacesDeviceSeries(t *testing.T) {
	e := newEnv(t, remember.Config{})
	c := e.remember(t, "alice")
	w := httptest.NewRecorder()
	if err := e.m.Remember(w, request("remember", c), "alice", strings.Repeat("é", 300)); err != nil {
		t.Fatal(err)
	}
	if e.store.Len() != 1 {
		t.Fatalf("%d series after remembering the same device twice, want 1", e.store.Len())
	}
	if r := e.login(c); r.ok {
		t.Fatal("the replaced cookie still logs in")
	}
}

// otherTokens returns tokens that are valid for something else.
func otherTokens(t *testing.T, e *env) map[string]string {
	t.Helper()
	out := map[string]string{}

	// A session cookie made from the same secret.
	sm, err := session.New(session.Config{Secret: secret, Now: e.clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	sm.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		session.FromContext(r.Context()).Set(remember.UserKey, "alice")
	})).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	sc, _ := readSetCookie(w.Header(), "session")
	if sc == "" {
		t.Fatal("no session cookie")
	}
	out["session cookie"] = sc

	// A session token under some key, in a cookie of our name: its footer
	// is a session key reference, not a {"kid":…} footer, so it is
	// malformed to remember (and under our own key, the implicit
	// assertions would differ).
	rk, _ := paseto.GenerateSymmetricKey(paseto.V4)
	sm2, _ := session.New(session.Config{Keys: testkeys.Ring(t, rk), Cookie: session.Cookie{Name: "remember"}, Now: e.clk.Now})
	w = httptest.NewRecorder()
	sm2.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		session.FromContext(r.Context()).Set("x", 1)
	})).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	out["session token, same key and name"], _ = readSetCookie(w.Header(), "remember")

	// A remember-me cookie of another name under the same secret.
	other, _ := remember.New(remember.Config{Secret: secret, Cookie: remember.Cookie{Name: "other"}, Store: e.store, Now: e.clk.Now})
	w = httptest.NewRecorder()
	other.Remember(w, request("other", ""), "alice", "")
	out["another cookie name"], _ = readSetCookie(w.Header(), "other")

	// A remember-me cookie under another secret.
	foreign, _ := remember.New(remember.Config{Secret: []byte(strings.Repeat("x", 32)), Store: e.store, Now: e.clk.Now})
	w = httptest.NewRecorder()
	foreign.Remember(w, request("remember", ""), "alice", "")
	out["unknown key"], _ = readSetCookie(w.Header(), "remember")

	// A valid token whose series is in another store.
	s2, _ := store.NewMemoryRemember(store.MemoryConfig{Now: e.clk.Now})
	elsewhere, _ := remember.New(remember.Config{Secret: secret, Store: s2, Now: e.clk.Now})
	w = httptest.NewRecorder()
	elsewhere.Remember(w, request("remember", ""), "alice", "")
	out["unknown selector"], _ = readSetCookie(w.Header(), "remember")
	return out
}

func TestBadCookies(t *testing.T) {
	e := newEnv(t, remember.Config{})
	good := e.remember(t, "alice")
	parts := strings.Split(good, ".")
	body, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		t.Fatal(err)
	}
	body[40] ^= 1
	tamper := parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(body) + "." + parts[3]
	other := otherTokens(t, e)
	tests := []struct {
		name  string
		value string
		want  error
	}{
		{"garbage", "garbage", remember.ErrMalformed},
		{"header only", "v4.local.", remember.ErrMalformed},
		{"bad base64", "v4.local.!!!!", remember.ErrMalformed},
		{"v2 header", "v2.local." + good[len("v4.local."):], remember.ErrMalformed},
		{"public header", "v4.public." + good[len("v4.local."):], remember.ErrMalformed},
		{"no footer", good[:strings.LastIndexByte(good, '.')], remember.ErrMalformed},
		{"huge", "v4.local." + strings.Repeat("A", 5000), remember.ErrMalformed},
		{"tampered", string(tamper), remember.ErrTampered},
		{"session cookie", other["session cookie"], remember.ErrMalformed},
		{"session token, same key and name", other["session token, same key and name"], remember.ErrMalformed},
		{"another cookie name", other["another cookie name"], remember.ErrTampered},
		{"unknown key", other["unknown key"], remember.ErrUnknownKey},
		{"unknown selector", other["unknown selector"], remember.ErrRevoked},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.login(tt.value)
			if r.ok || r.err != nil || r.user != "" {
				t.Fatalf("Login = %+v; want no login, no error", r)
			}
			if !r.cleared {
				t.Fatal("the bad cookie was not deleted")
			}
			if got := e.ev.lastBad(); !errors.Is(got, tt.want) {
				t.Fatalf("OnBadCookie got %v; want %v", got, tt.want)
			}
			// Through the middleware: never a 500, nobody logged in.
			h := e.sessions(t).Handler(e.m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if u, ok := remember.UserFrom(r.Context()); ok {
					t.Errorf("user %q logged in by a bad cookie", u)
				}
			})))
			w := httptest.NewRecorder()
			h.ServeHTTP(w, request("remember", tt.value))
			if w.Code != http.StatusOK {
				t.Fatalf("status %d", w.Code)
			}
		})
	}
	// An empty cookie is deleted too.
	r := request("remember", "")
	r.Header.Set("Cookie", "remember=")
	w := httptest.NewRecorder()
	if _, ok, err := e.m.Login(w, r); ok || err != nil {
		t.Fatal("empty cookie accepted")
	}
	if _, cleared := readSetCookie(w.Header(), "remember"); !cleared {
		t.Fatal("empty cookie not deleted")
	}
	// The theft check never fired, and the good cookie still works.
	if th, _ := e.ev.counts(); th != 0 {
		t.Fatal("a bad cookie was taken for theft")
	}
	e.mustLogin(t, good, "alice")
}

// flaky is a store that can be switched off.
type flaky struct {
	store.RememberStore
	down atomic.Bool
}

func (f *flaky) GetSeries(ctx context.Context, sel string) (store.Series, error) {
	if f.down.Load() {
		return store.Series{}, errDown
	}
	return f.RememberStore.GetSeries(ctx, sel)
}

func (f *flaky) RotateSeries(ctx context.Context, sel string, o, n []byte, g time.Time) (bool, error) {
	if f.down.Load() {
		return false, errDown
	}
	return f.RememberStore.RotateSeries(ctx, sel, o, n, g)
}

func TestStoreUnavailable(t *testing.T) {
	e := newEnv(t, remember.Config{})
	f := &flaky{RememberStore: e.store}
	m, err := remember.New(remember.Config{Secret: secret, Store: f, Now: e.clk.Now, OnBadCookie: e.ev.onBad})
	if err != nil {
		t.Fatal(err)
	}
	e.m = m
	c := e.remember(t, "alice")
	f.down.Store(true)
	r := e.login(c)
	if r.ok || r.user != "" || !errors.Is(r.err, store.ErrUnavailable) {
		t.Fatalf("Login with the store down = %+v; want no login and ErrUnavailable", r)
	}
	if r.cleared || r.set != "" {
		t.Fatal("the cookie was touched while the store was down")
	}
	if strings.Contains(r.err.Error(), c) {
		t.Fatal("the error holds the cookie")
	}
	// Through the middleware: OnError, then one event, no login, no 500.
	var reported atomic.Int32
	rec := &observetest.Recorder{}
	m2, _ := remember.New(remember.Config{Secret: secret, Store: f, Now: e.clk.Now, Events: rec,
		OnError: func(_ *http.Request, err error) {
			if errors.Is(err, store.ErrUnavailable) {
				reported.Add(1)
			}
		}})
	w := httptest.NewRecorder()
	e.sessions(t).Handler(m2.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := remember.UserFrom(r.Context()); ok {
			t.Error("logged in with the store down")
		}
	}))).ServeHTTP(w, request("remember", c))
	if w.Code != http.StatusOK || reported.Load() != 1 {
		t.Fatalf("status %d, %d errors reported", w.Code, reported.Load())
	}
	if ev := rec.Take(); len(ev) != 1 || ev[0].Kind != observe.KindRememberLogin || ev[0].Reason != observe.ReasonUnavailable {
		t.Fatalf("events = %+v, want one remember_login/unavailable", ev)
	} else if leak := observetest.Leaks(ev[0], "alice", c); leak != "" {
		t.Errorf("event holds %q", leak)
	}
	// Back up: the cookie still works.
	f.down.Store(false)
	e.mustLogin(t, c, "alice")

	// A store that is always down.
	d, _ := remember.New(remember.Config{Secret: secret, Store: downStore{}})
	if err := d.Remember(httptest.NewRecorder(), request("remember", ""), "alice", ""); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("Remember = %v; want ErrUnavailable", err)
	}
	if err := d.ForgetUser(context.Background(), "alice"); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("ForgetUser = %v; want ErrUnavailable", err)
	}
	w = httptest.NewRecorder()
	if err := d.Forget(w, request("remember", c)); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("Forget = %v; want ErrUnavailable", err)
	}
	if _, cleared := readSetCookie(w.Header(), "remember"); !cleared {
		t.Fatal("Forget kept the cookie when the store was down")
	}
}

func TestConcurrentLogins(t *testing.T) {
	e := newEnv(t, remember.Config{})
	c := e.remember(t, "alice")
	const n = 50
	var (
		wg        sync.WaitGroup
		start     = make(chan struct{})
		logins    atomic.Int32
		rotations atomic.Int32
	)
	for range n {
		wg.Go(func() {
			<-start
			r := e.login(c)
			if r.err != nil {
				t.Errorf("Login: %v", r.err)
			}
			if r.ok {
				logins.Add(1)
			}
			if r.set != "" {
				rotations.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	if logins.Load() != n || rotations.Load() != 1 {
		t.Fatalf("%d logins, %d rotations; want %d and exactly 1", logins.Load(), rotations.Load(), n)
	}
	if th, bad := e.ev.counts(); th != 0 || bad != 0 {
		t.Fatalf("%d thefts, %d bad cookies in a race", th, bad)
	}
}

// TestConcurrentChaos mixes logins with stale cookies, forgets and new
// series under -race; it checks that nothing panics and that each series
// rotates at most once per validator.
func TestConcurrentChaos(t *testing.T) {
	e := newEnv(t, remember.Config{})
	cookies := []string{e.remember(t, "a"), e.remember(t, "b")}
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			c := cookies[g%2]
			for i := range 30 {
				r := e.login(c)
				if r.err != nil {
					t.Errorf("Login: %v", r.err)
					return
				}
				if r.set != "" {
					c = r.set
				}
				if i%11 == 10 {
					_ = e.m.Forget(httptest.NewRecorder(), request("remember", c))
				}
				e.clk.Advance(time.Second)
			}
		})
	}
	wg.Wait()
}

func TestKeyRotation(t *testing.T) {
	k1, _ := paseto.GenerateSymmetricKey(paseto.V4)
	k2, _ := paseto.GenerateSymmetricKey(paseto.V4)
	e := newEnv(t, remember.Config{Keys: testkeys.Ring(t, k1)})
	c := e.remember(t, "alice")

	// Deploy k2 first, keep k1 to read the cookies it made.
	m2, err := remember.New(remember.Config{Keys: testkeys.Ring(t, k2, k1), Store: e.store, Now: e.clk.Now, OnBadCookie: e.ev.onBad})
	if err != nil {
		t.Fatal(err)
	}
	e.m = m2
	c = e.mustLogin(t, c, "alice") // re-issued under k2

	// Once k1 is dropped, the new cookie still works.
	m3, _ := remember.New(remember.Config{Keys: testkeys.Ring(t, k2), Store: e.store, Now: e.clk.Now, OnBadCookie: e.ev.onBad})
	e.m = m3
	e.mustLogin(t, c, "alice")

	// A session token made under our key and cookie name does not open:
	// its footer is a session key reference, not a remember-me key id
	// (and the implicit assertions differ).
	sm, _ := session.New(session.Config{Keys: testkeys.Ring(t, k2), Cookie: session.Cookie{Name: "remember"}, Now: e.clk.Now})
	w := httptest.NewRecorder()
	sm.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		session.FromContext(r.Context()).Set("s", "alice")
	})).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	st, _ := readSetCookie(w.Header(), "remember")
	r := e.login(st)
	if r.ok || !r.cleared || !errors.Is(e.ev.lastBad(), remember.ErrMalformed) {
		t.Fatalf("a session token opened as a remember-me cookie: %+v", r)
	}
}
