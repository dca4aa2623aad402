package remember_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/remember"
	"github.com/pasetokit/pasetokit/store"
)

// hookRemember runs onGet (once) after a GetSeries has read the series: a
// "log out everywhere" that lands while a remember-me login is checking
// the series.
type hookRemember struct {
	store.RememberStore
	onGet func()
	once  sync.Once
}

func (h *hookRemember) GetSeries(ctx context.Context, selector string) (store.Series, error) {
	s, err := h.RememberStore.GetSeries(ctx, selector)
	if h.onGet != nil {
		h.once.Do(h.onGet)
	}
	return s, err
}

// TestLoginTimeBeforeSeriesCheck: a remember-me login that races "log out
// everywhere" (the cut-off is recorded after the series was read, and the
// login finishes later still) is dated before the series check, so the
// application's cut-off check (login time at or before the cut-off) ends
// the session. Dating it when the handler runs would outlive the cut-off.
func TestLoginTimeBeforeSeriesCheck(t *testing.T) {
	e := newEnv(t, remember.Config{})
	hs := &hookRemember{RememberStore: e.store}
	m, err := remember.New(remember.Config{Secret: secret, Store: hs, Now: e.clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	e.m = m
	var cut time.Time
	var got time.Time
	var gotOK bool
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		if err := remember.SetUser(r.Context(), "alice", true); err != nil {
			t.Error(err)
		}
		if err := m.Remember(w, r, "alice", ""); err != nil {
			t.Error(err)
		}
	})
	mux.HandleFunc("/me", func(w http.ResponseWriter, r *http.Request) {
		got, gotOK = remember.LoginTimeFrom(r.Context())
	})
	h := e.sessions(t).Handler(m.Handler(mux))
	b := browser{}
	b.do(h, "/login")
	delete(b, "session") // a new browser session: the cookie logs in

	e.clk.Advance(time.Hour)
	hs.onGet = func() {
		e.clk.Advance(500 * time.Millisecond)
		cut = e.clk.Now() // log out everywhere, recorded now
		e.clk.Advance(2 * time.Second)
	}
	b.do(h, "/me")
	if !gotOK {
		t.Fatal("LoginTimeFrom after a remember-me login: no time")
	}
	if got.After(cut) {
		t.Fatalf("login time %v is after the cut-off %v recorded during the login: the session would outlive it", got, cut)
	}
}

// TestLoginTimeFromPasswordLogin: SetUserAt records the time given; a
// request without a user has none.
func TestLoginTimeFromPasswordLogin(t *testing.T) {
	e := newEnv(t, remember.Config{})
	at := time.Date(2030, 1, 2, 3, 4, 5, 6, time.UTC)
	var got time.Time
	var ok bool
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		if _, has := remember.LoginTimeFrom(r.Context()); has {
			t.Error("LoginTimeFrom before any login reports a time")
		}
		if err := remember.SetUserAt(r.Context(), "alice", true, at); err != nil {
			t.Error(err)
		}
	})
	mux.HandleFunc("/me", func(w http.ResponseWriter, r *http.Request) {
		got, ok = remember.LoginTimeFrom(r.Context())
	})
	h := e.sessions(t).Handler(e.m.Handler(mux))
	b := browser{}
	b.do(h, "/login")
	b.do(h, "/me")
	if !ok || !got.Equal(at) {
		t.Fatalf("LoginTimeFrom = %v, %v; want %v", got, ok, at)
	}
}
