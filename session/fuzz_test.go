package session

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/internal/testclock"
	"github.com/pasetokit/pasetokit/internal/testkeys"
	"github.com/pasetokit/pasetokit/paseto"
)

func FuzzDecodeCookie(f *testing.F) {
	k, _ := paseto.NewSymmetricKey(paseto.V4, []byte(strings.Repeat("k", 32)))
	clk := testclock.New()
	m, err := New(Config{Keys: testkeys.Ring(f, k), Now: clk.Now, AllowSplitCookies: true, MaxCookieParts: 3,
		OnError: func(*http.Request, error) {}})
	if err != nil {
		f.Fatal(err)
	}
	good := issue(f, m, "user", "alice", "n", 1)[0].Value
	f.Add(good, "")
	f.Add(good[:len(good)/2], good[len(good)/2:])
	f.Add("v4.local.", "")
	f.Add("v4.local.AAAA.eyJraWQiOiJrNC5saWQuIn0", "")                // a footer of earlier versions
	f.Add(good[:strings.LastIndexByte(good, '.')]+".QUFBQUFBQUE", "") // an unknown key reference
	f.Add("MTcwMDAwMDAwMHxhYmN8ZGVm", "x")
	f.Fuzz(func(t *testing.T, v1, v2 string) {
		if p, err := m.decode(v1, clk.Now()); (p == nil) == (err == nil) {
			t.Fatalf("decode: payload %v and error %v", p, err)
		}
		req, _ := http.NewRequest("GET", "/", nil)
		req.Header.Set("Cookie", "session="+v1+"; session.1="+v2)
		var bad error
		mm := *m
		mm.onBad = func(_ *http.Request, err error) { bad = err }
		rec := &nopWriter{h: http.Header{}}
		mm.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s := FromContext(r.Context())
			if s == nil {
				t.Fatal("no session")
			}
			if bad != nil && !s.IsNew() {
				t.Fatal("bad cookie but old session")
			}
			s.Keys()
		})).ServeHTTP(rec, req)
		if rec.code != 0 && rec.code != 200 {
			t.Fatalf("status %d", rec.code)
		}
		_ = time.Second
	})
}

type nopWriter struct {
	h    http.Header
	code int
}

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *nopWriter) WriteHeader(code int)        { w.code = code }
