package session_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/pasetokit/pasetokit/session"
)

// A visit counter: the session lives in an encrypted cookie.
func Example() {
	secret := []byte(strings.Repeat("example secret! ", 3)) // use 32+ random bytes
	m, err := session.New(session.Config{Secret: secret})
	if err != nil {
		panic(err)
	}
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.FromContext(r.Context())
		n, _ := session.Get[int](s, "visits")
		if err := s.Set("visits", n+1); err != nil {
			http.Error(w, "session error", http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(w, "visit %d", n+1)
	}))

	var cookies []*http.Cookie
	for range 3 {
		req := httptest.NewRequest("GET", "https://example.com/", nil)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		body, _ := io.ReadAll(rec.Body)
		fmt.Println(string(body))
		cookies = rec.Result().Cookies()
	}
	c := cookies[0]
	fmt.Println(c.Name, c.HttpOnly, c.Secure, c.SameSite == http.SameSiteLaxMode, strings.HasPrefix(c.Value, "v4.local."))
	// Output:
	// visit 1
	// visit 2
	// visit 3
	// session true true true true
}

// Bad cookies never fail a request: they give a new session, are deleted,
// and are reported to OnBadCookie with a classified error.
func ExampleConfig_onBadCookie() {
	m, _ := session.New(session.Config{
		Secret: []byte(strings.Repeat("example secret! ", 3)),
		OnBadCookie: func(r *http.Request, err error) {
			fmt.Println("tampered:", errors.Is(err, session.ErrTampered), "malformed:", errors.Is(err, session.ErrMalformed))
		},
	})
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println("new session:", session.FromContext(r.Context()).IsNew())
	}))
	req := httptest.NewRequest("GET", "/", nil)
	req.AddCookie(&http.Cookie{Name: "session", Value: "not-a-token"})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Result().Cookies()[0].MaxAge)
	// Output:
	// tampered: false malformed: true
	// new session: true
	// 200 -1
}

// Save returns a size error synchronously; the old cookie is kept.
func ExampleSession_Save() {
	m, _ := session.New(session.Config{Secret: []byte(strings.Repeat("example secret! ", 3))})
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.FromContext(r.Context())
		s.Set("blob", strings.Repeat("x", 5000))
		var se *session.SizeError
		if err := s.Save(); errors.As(err, &se) {
			fmt.Println("too large:", errors.Is(err, session.ErrTooLarge), se.Limit)
			s.Delete("blob")
		}
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	fmt.Println(len(rec.Result().Cookies()))
	// Output:
	// too large: true 4096
	// 1
}
