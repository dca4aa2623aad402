package redisstore_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/remember"
	"github.com/pasetokit/pasetokit/store"
	"github.com/pasetokit/pasetokit/store/redisstore"
)

// rememberOn builds a remember.Manager on st with a clock the test moves.
func rememberOn(t testing.TB, st store.RememberStore, now func() time.Time, onTheft func()) *remember.Manager {
	t.Helper()
	m, err := remember.New(remember.Config{
		Secret:      bytes.Repeat([]byte{9}, 32),
		Store:       st,
		Cookie:      remember.Cookie{Insecure: true},
		GraceWindow: 30 * time.Second,
		Now:         now,
		OnTheft: func(_ context.Context, _, _ string) {
			if onTheft != nil {
				onTheft()
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// cookieOf returns the remember cookie a response set, or "".
func cookieOf(m *remember.Manager, rec *httptest.ResponseRecorder) string {
	for _, c := range rec.Result().Cookies() {
		if c.Name == m.Name() && c.MaxAge >= 0 {
			return c.Value
		}
	}
	return ""
}

func login(m *remember.Manager, cookie string) (string, bool, string, error) {
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(&http.Cookie{Name: m.Name(), Value: cookie})
	rec := httptest.NewRecorder()
	user, ok, err := m.Login(rec, r)
	return user, ok, cookieOf(m, rec), err
}

func redisRemember(t testing.TB) *redisstore.Store {
	c := newClient(t, redisAddr(t))
	return newStore(t, c, redisstore.Config{Prefix: testPrefix(t, c)})
}

// The remember-me rotation and theft rules hold on the Redis store.
func TestRememberRotationAndTheftOnRedis(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	var thefts atomic.Int32
	m := rememberOn(t, redisRemember(t), clock, func() { thefts.Add(1) })

	rec := httptest.NewRecorder()
	if err := m.Remember(rec, httptest.NewRequest("POST", "/login", nil), "alice", "test"); err != nil {
		t.Fatal(err)
	}
	c0 := cookieOf(m, rec)
	user, ok, c1, err := login(m, c0)
	if err != nil || !ok || user != "alice" || c1 == "" || c1 == c0 {
		t.Fatalf("first use: %q %v %v rotated=%v", user, ok, err, c1 != c0)
	}
	// Within the grace window the replaced cookie still logs in (a race).
	if _, ok, _, err := login(m, c0); err != nil || !ok || thefts.Load() != 0 {
		t.Fatalf("grace window: %v %v thefts=%d", ok, err, thefts.Load())
	}
	// Past it, the old cookie is theft: the series is revoked, the new
	// cookie dies with it.
	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	if _, ok, _, _ := login(m, c0); ok || thefts.Load() != 1 {
		t.Fatalf("stolen cookie: ok=%v thefts=%d", ok, thefts.Load())
	}
	if _, ok, _, _ := login(m, c1); ok {
		t.Fatal("the series survived a theft")
	}
}

// Many requests racing with one cookie: all log in within the grace
// window, exactly one rotates, nobody is taken for a thief.
func TestRememberConcurrentOnRedis(t *testing.T) {
	var thefts atomic.Int32
	m := rememberOn(t, redisRemember(t), nil, func() { thefts.Add(1) })
	rec := httptest.NewRecorder()
	if err := m.Remember(rec, httptest.NewRequest("POST", "/login", nil), "bob", ""); err != nil {
		t.Fatal(err)
	}
	c0 := cookieOf(m, rec)
	var wg sync.WaitGroup
	var oks, rotations atomic.Int32
	for i := 0; i < 30; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, ok, c, err := login(m, c0)
			if err != nil {
				t.Error(err)
			}
			if ok {
				oks.Add(1)
			}
			if c != "" {
				rotations.Add(1)
			}
		}()
	}
	wg.Wait()
	if oks.Load() != 30 || rotations.Load() != 1 || thefts.Load() != 0 {
		t.Fatalf("logins %d, rotations %d, thefts %d", oks.Load(), rotations.Load(), thefts.Load())
	}
}

// BenchmarkRememberLogin measures a remember-me login (verify the cookie,
// rotate the validator, re-issue the cookie) on memory and on Redis.
func BenchmarkRememberLogin(b *testing.B) {
	mem, _ := store.NewMemoryRemember(store.MemoryConfig{MaxEntries: 1 << 20})
	b.Run("memory", func(b *testing.B) { benchRemember(b, rememberOn(b, mem, nil, nil)) })
	b.Run("redis", func(b *testing.B) { benchRemember(b, rememberOn(b, redisRemember(b), nil, nil)) })
}

func benchRemember(b *testing.B, m *remember.Manager) {
	rec := httptest.NewRecorder()
	if err := m.Remember(rec, httptest.NewRequest("POST", "/login", nil), "alice", ""); err != nil {
		b.Fatal(err)
	}
	c := cookieOf(m, rec)
	b.ReportAllocs()
	start := time.Now()
	n := 0
	for b.Loop() {
		_, ok, next, err := login(m, c)
		if err != nil || !ok || next == "" {
			b.Fatalf("login: %v %v", ok, err)
		}
		c = next
		n++
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "logins/s")
}
