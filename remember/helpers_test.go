package remember_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/internal/testclock"
	"github.com/pasetokit/pasetokit/remember"
	"github.com/pasetokit/pasetokit/store"
)

var secret = []byte("0123456789abcdef0123456789abcdef-test-secret")

// theft records OnTheft calls.
type events struct {
	mu     sync.Mutex
	thefts []string // userID/selector
	bad    []error
}

func (e *events) onTheft(_ context.Context, userID, selector string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.thefts = append(e.thefts, userID+"/"+selector)
}

func (e *events) onBad(_ *http.Request, err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if ce, ok := err.(*remember.CookieError); !ok || ce.Name == "" || ce.Kind == nil {
		err = fmt.Errorf("OnBadCookie got %T %v, want a *remember.CookieError with Name and Kind", err, err)
	}
	e.bad = append(e.bad, err)
}

func (e *events) counts() (thefts, bad int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.thefts), len(e.bad)
}

func (e *events) lastBad() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.bad) == 0 {
		return nil
	}
	return e.bad[len(e.bad)-1]
}

// env is a Manager with a test clock, a memory store and recorded events.
type env struct {
	m     *remember.Manager
	clk   *testclock.Clock
	store *store.MemoryRemember
	ev    *events
}

func newEnv(t testing.TB, cfg remember.Config) *env {
	t.Helper()
	e := &env{clk: testclock.New(), ev: &events{}}
	if cfg.Store == nil {
		s, err := store.NewMemoryRemember(store.MemoryConfig{Now: e.clk.Now})
		if err != nil {
			t.Fatal(err)
		}
		e.store = s
		cfg.Store = s
	}
	if cfg.Keys == nil && cfg.Secret == nil && cfg.KeySource == nil {
		cfg.Secret = secret
	}
	if cfg.Now == nil {
		cfg.Now = e.clk.Now
	}
	cfg.OnTheft = e.ev.onTheft
	cfg.OnBadCookie = e.ev.onBad
	m, err := remember.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.m = m
	return e
}

// result is what one call did to the response.
type result struct {
	user    string
	ok      bool
	err     error
	set     string // new cookie value, if one was set
	cleared bool   // the cookie was deleted
}

func request(name, value string) *http.Request {
	r := httptest.NewRequest("GET", "/", nil)
	if value != "" {
		r.AddCookie(&http.Cookie{Name: name, Value: value})
	}
	return r
}

func readSetCookie(h http.Header, name string) (set string, cleared bool) {
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if c.Name != name {
			continue
		}
		if c.MaxAge < 0 {
			return "", true
		}
		set = c.Value
	}
	return set, false
}

// login calls Login with cookie value v.
func (e *env) login(v string) result {
	w := httptest.NewRecorder()
	u, ok, err := e.m.Login(w, request(e.m.Name(), v))
	set, cleared := readSetCookie(w.Header(), e.m.Name())
	return result{user: u, ok: ok, err: err, set: set, cleared: cleared}
}

// remember issues a first cookie for user.
func (e *env) remember(t testing.TB, user string) string {
	t.Helper()
	w := httptest.NewRecorder()
	if err := e.m.Remember(w, request(e.m.Name(), ""), user, "test device"); err != nil {
		t.Fatalf("Remember: %v", err)
	}
	v, _ := readSetCookie(w.Header(), e.m.Name())
	if v == "" {
		t.Fatal("Remember set no cookie")
	}
	return v
}

// mustLogin logs in with v and returns the rotated cookie.
func (e *env) mustLogin(t testing.TB, v, user string) string {
	t.Helper()
	r := e.login(v)
	if !r.ok || r.err != nil || r.user != user {
		t.Fatalf("Login = %q, %v, %v; want %q, true, nil", r.user, r.ok, r.err, user)
	}
	if r.set == "" || r.set == v {
		t.Fatalf("Login did not rotate the cookie")
	}
	return r.set
}

// downStore is a RememberStore that cannot be reached.
type downStore struct{}

var errDown = errors.Join(store.ErrUnavailable, errors.New("connection refused"))

func (downStore) CreateSeries(context.Context, store.Series) error { return errDown }
func (downStore) GetSeries(context.Context, string) (store.Series, error) {
	return store.Series{}, errDown
}
func (downStore) RotateSeries(context.Context, string, []byte, []byte, time.Time) (bool, error) {
	return false, errDown
}
func (downStore) DeleteSeries(context.Context, string) error { return errDown }
func (downStore) DeleteUser(context.Context, string) error   { return errDown }
