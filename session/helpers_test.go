package session

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/pasetokit/pasetokit/internal/testclock"
	"github.com/pasetokit/pasetokit/internal/testkeys"
	"github.com/pasetokit/pasetokit/observe"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
)

func genKey(t testing.TB) *paseto.SymmetricKey {
	t.Helper()
	k, err := paseto.GenerateSymmetricKey(paseto.V4)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// publicPASERK returns the PASERK of a v4 public key: a key of the wrong
// kind for a session.
func publicPASERK(t testing.TB) string {
	t.Helper()
	sk, err := paseto.GenerateSecretKey(paseto.V4)
	if err != nil {
		t.Fatal(err)
	}
	p, err := paserk.Encode(sk.Public())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// testManager returns a manager with a fresh key and a test clock unless
// cfg sets them.
func testManager(t testing.TB, cfg Config) (*Manager, *testclock.Clock) {
	t.Helper()
	clk := testclock.New()
	if cfg.Keys == nil && cfg.Secret == nil && cfg.KeySource == nil {
		cfg.Keys = testkeys.Ring(t, genKey(t))
	}
	if cfg.Now == nil {
		cfg.Now = clk.Now
	}
	if cfg.OnError == nil {
		cfg.OnError = func(r *http.Request, err error) { t.Errorf("unexpected OnError: %v", err) }
	}
	if cfg.Events == nil {
		cfg.Events = observe.Discard
	}
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m, clk
}

// serve runs h under m for one GET request carrying cookies.
func serve(m *Manager, h http.HandlerFunc, cookies ...*http.Cookie) *http.Response {
	return serveHandler(m.Handler(h), cookies)
}

func serveHandler(h http.Handler, cookies []*http.Cookie) *http.Response {
	req := httptest.NewRequest("GET", "/", nil)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

// live returns the cookies of resp that are set (not deleted).
func live(resp *http.Response) []*http.Cookie {
	var out []*http.Cookie
	for _, c := range resp.Cookies() {
		if c.MaxAge >= 0 && c.Value != "" {
			out = append(out, &http.Cookie{Name: c.Name, Value: c.Value})
		}
	}
	return out
}

// deleted returns the names of the cookies resp deletes.
func deleted(resp *http.Response) []string {
	var out []string
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 {
			out = append(out, c.Name)
		}
	}
	return out
}

func setHandler(kv ...any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s := FromContext(r.Context())
		for i := 0; i+1 < len(kv); i += 2 {
			if err := s.Set(kv[i].(string), kv[i+1]); err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
		}
	}
}

func noop(http.ResponseWriter, *http.Request) {}

// issue returns the cookie(s) of a session holding kv.
func issue(t testing.TB, m *Manager, kv ...any) []*http.Cookie {
	t.Helper()
	resp := serve(m, setHandler(kv...))
	c := live(resp)
	if len(c) == 0 {
		t.Fatalf("no cookie issued (status %d)", resp.StatusCode)
	}
	return c
}

func flip(s string, i int) string {
	b := []byte(s)
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}
