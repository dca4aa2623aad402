package remember_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/pasetokit/pasetokit/remember"
)

// BenchmarkRememberLogin measures one remember-me login: decrypting the
// token, looking up the series, comparing the validator, rotating it and
// issuing the new cookie.
func BenchmarkRememberLogin(b *testing.B) {
	b.Run("memory", func(b *testing.B) {
		e := newEnv(b, remember.Config{})
		c := e.remember(b, "alice")
		r := httptest.NewRequest("GET", "/", nil)
		b.ReportAllocs()
		for b.Loop() {
			r.Header.Set("Cookie", "remember="+c)
			w := httptest.NewRecorder()
			_, ok, err := e.m.Login(w, r)
			if !ok || err != nil {
				b.Fatal("login failed", err)
			}
			c, _ = readSetCookie(w.Header(), "remember")
		}
	})
	b.Run("memory/grace", func(b *testing.B) {
		// The second request of a race: verify only, no rotation.
		e := newEnv(b, remember.Config{})
		c0 := e.remember(b, "alice")
		e.mustLogin(b, c0, "alice")
		r := httptest.NewRequest("GET", "/", nil)
		r.AddCookie(&http.Cookie{Name: "remember", Value: c0})
		b.ReportAllocs()
		for b.Loop() {
			if _, ok, err := e.m.Login(httptest.NewRecorder(), r); !ok || err != nil {
				b.Fatal("login failed", err)
			}
		}
	})
}
