package session

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/sessions"

	"github.com/pasetokit/pasetokit/session"
)

// The session a request arrives with: a typical logged-in user (the values
// of the session package's BenchmarkCodec).
var initial = []struct {
	key string
	val any
}{
	{"user_id", int64(1234567)},
	{"role", "admin"},
	{"csrf", "q3Zk1nW8pT0xYc5vR2bL9sHfJ4mD7gAe"},
	{"mfa", true},
	{"dark_mode", false},
	{"beta", true},
}

// The four values every request writes.
const (
	lastSeen = int64(1764633600)
	lastPath = "/account/settings"
	visits   = 42
	theme    = "dark"
)

const cookieName = "session"

// pasetokitHandler is the handler as a pasetokit user writes it: under
// Manager.Handler, which loads the session before and saves it after.
func pasetokitHandler(m *session.Manager) http.Handler {
	return m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.FromContext(r.Context())
		uid, ok := session.Get[int64](s, "user_id")
		if !ok || uid != 1234567 {
			http.Error(w, "no user", http.StatusUnauthorized)
			return
		}
		for _, err := range []error{
			s.Set("last_seen", lastSeen),
			s.Set("last_path", lastPath),
			s.Set("visits", visits),
			s.Set("theme", theme),
		} {
			if err != nil {
				http.Error(w, "session error", http.StatusInternalServerError)
				return
			}
		}
	}))
}

// gorillaHandler is the same handler as a gorilla/sessions user writes it.
func gorillaHandler(store *sessions.CookieStore) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := store.Get(r, cookieName)
		if err != nil {
			http.Error(w, "bad session", http.StatusBadRequest)
			return
		}
		uid, ok := s.Values["user_id"].(int64)
		if !ok || uid != 1234567 {
			http.Error(w, "no user", http.StatusUnauthorized)
			return
		}
		s.Values["last_seen"] = lastSeen
		s.Values["last_path"] = lastPath
		s.Values["visits"] = visits
		s.Values["theme"] = theme
		if err := s.Save(r, w); err != nil {
			http.Error(w, "session error", http.StatusInternalServerError)
		}
	})
}

func randomBytes(tb testing.TB, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		tb.Fatal(err)
	}
	return b
}

// side is one implementation: its handler and a request carrying its
// cookie for the initial session.
type side struct {
	name string
	h    http.Handler
	req  *http.Request
	// values returns the values of the session in a cookie of this side,
	// as a later request sees them (only for the test).
	values func(tb testing.TB, cookie string) map[string]any
}

// sides builds both implementations with the same cookie attributes:
// Secure, HttpOnly, SameSite=Lax, Path "/", persistent for 24 hours.
func sides(tb testing.TB) []side {
	m, err := session.New(session.Config{Secret: randomBytes(tb, 32), Lifetime: 24 * time.Hour})
	if err != nil {
		tb.Fatal(err)
	}
	// gorilla/sessions with an encryption key (AES-256-CTR) beside the
	// HMAC-SHA256 key, as v4.local encrypts.
	store := sessions.NewCookieStore(randomBytes(tb, 32), randomBytes(tb, 32))
	store.Options = &sessions.Options{Path: "/", MaxAge: 86400, Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode}
	store.MaxAge(86400)
	// gorilla/sessions as its README sets it up: an HMAC-SHA256 key only,
	// so the values are signed but readable by the client.
	signed := sessions.NewCookieStore(randomBytes(tb, 32))
	signed.Options = store.Options
	signed.MaxAge(86400)

	// The initial cookies, issued by each side itself.
	pInit := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.FromContext(r.Context())
		for _, kv := range initial {
			if err := s.Set(kv.key, kv.val); err != nil {
				tb.Fatal(err)
			}
		}
	}))
	gInit := func(store *sessions.CookieStore) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			s, _ := store.New(r, cookieName)
			for _, kv := range initial {
				s.Values[kv.key] = kv.val
			}
			if err := s.Save(r, w); err != nil {
				tb.Fatal(err)
			}
		}
	}
	pValues := func(tb testing.TB, cookie string) map[string]any {
		out := map[string]any{}
		h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s := session.FromContext(r.Context())
			for _, k := range s.Keys() {
				out[k], _ = s.Get(k)
			}
		}))
		h.ServeHTTP(httptest.NewRecorder(), withCookie(cookie))
		return out
	}
	gValues := func(store *sessions.CookieStore) func(tb testing.TB, cookie string) map[string]any {
		return func(tb testing.TB, cookie string) map[string]any {
			out := map[string]any{}
			s, err := store.Get(withCookie(cookie), cookieName)
			if err != nil {
				tb.Fatal(err)
			}
			for k, v := range s.Values {
				out[k.(string)] = v
			}
			return out
		}
	}
	return []side{
		{"pasetokit", pasetokitHandler(m), requestWith(tb, pInit), pValues},
		{"gorilla-sessions", gorillaHandler(store), requestWith(tb, gInit(store)), gValues(store)},
		{"gorilla-sessions-hmac", gorillaHandler(signed), requestWith(tb, gInit(signed)), gValues(signed)},
	}
}

// requestWith runs h once and returns a GET request carrying the cookie
// it set.
func requestWith(tb testing.TB, h http.Handler) *http.Request {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	cs := rec.Result().Cookies()
	if len(cs) != 1 || cs[0].Name != cookieName {
		tb.Fatalf("initial cookies: %v", cs)
	}
	return withCookie(cs[0].Value)
}

// withCookie returns a GET request carrying the session cookie value.
func withCookie(value string) *http.Request {
	req := httptest.NewRequest("GET", "/account", nil)
	req.AddCookie(&http.Cookie{Name: cookieName, Value: value})
	return req
}

// writer is a minimal http.ResponseWriter, reset before every request.
type writer struct {
	h    http.Header
	code int
	body bytes.Buffer
}

func (w *writer) Header() http.Header { return w.h }
func (w *writer) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.body.Write(b)
}
func (w *writer) WriteHeader(code int) { w.code = code }

func (w *writer) reset() {
	clear(w.h)
	w.code = 0
	w.body.Reset()
}

// serve runs one request of s into w. Each request is a shallow copy of
// the prepared one (gorilla/sessions stores its registry in the request).
func (s *side) serve(w *writer) {
	w.reset()
	r := new(http.Request)
	*r = *s.req
	s.h.ServeHTTP(w, r)
}

// TestSessionRequest checks that both sides do the whole work: the value is
// read (a missing one answers 401), and the response carries one cookie
// that the next request can read, holding the four new values.
func TestSessionRequest(t *testing.T) {
	for _, s := range sides(t) {
		t.Run(s.name, func(t *testing.T) {
			w := &writer{h: http.Header{}}
			s.serve(w)
			if w.code != 0 && w.code != http.StatusOK {
				t.Fatalf("status %d: %s", w.code, w.body.String())
			}
			resp := http.Response{Header: w.h}
			cs := resp.Cookies()
			if len(cs) != 1 || cs[0].Name != cookieName || !cs[0].Secure || !cs[0].HttpOnly || cs[0].MaxAge <= 0 {
				t.Fatalf("Set-Cookie: %q", w.h["Set-Cookie"])
			}
			t.Logf("Set-Cookie is %d bytes", len(w.h.Get("Set-Cookie")))
			// A later request reads every value, old and new, from the
			// written cookie.
			got := s.values(t, cs[0].Value)
			want := map[string]string{"user_id": "1234567", "role": "admin", "csrf": "q3Zk1nW8pT0xYc5vR2bL9sHfJ4mD7gAe",
				"mfa": "true", "dark_mode": "false", "beta": "true",
				"last_seen": "1764633600", "last_path": lastPath, "visits": "42", "theme": theme}
			if len(got) != len(want) {
				t.Fatalf("session holds %d values, want %d: %v", len(got), len(want), got)
			}
			for k, v := range want {
				if fmt.Sprint(got[k]) != v {
					t.Errorf("%s = %v, want %s", k, got[k], v)
				}
			}
			if !strings.Contains(w.h.Get("Set-Cookie"), "SameSite=Lax") {
				t.Errorf("Set-Cookie without SameSite=Lax: %q", w.h.Get("Set-Cookie"))
			}
		})
	}
}

// BenchmarkSessionRequest is one request that reads the session cookie, a
// value, writes four values and writes the cookie, with each library.
// scripts/bench-session.sh runs its sub-benchmarks in interleaved rounds.
func BenchmarkSessionRequest(b *testing.B) {
	for _, s := range sides(b) {
		b.Run(s.name, func(b *testing.B) {
			w := &writer{h: http.Header{}}
			s.serve(w) // warm up; a failure shows below
			if w.code != 0 && w.code != http.StatusOK {
				b.Fatalf("status %d", w.code)
			}
			b.ReportAllocs()
			stop := cpuMeter(b)
			for b.Loop() {
				s.serve(w)
			}
			stop()
			if w.code != 0 && w.code != http.StatusOK || len(w.h["Set-Cookie"]) != 1 {
				b.Fatalf("status %d, Set-Cookie %q", w.code, w.h["Set-Cookie"])
			}
		})
	}
}
