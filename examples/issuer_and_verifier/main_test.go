package main

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// start runs the example server on a loopback port and returns its base URL
// and a function that moves its clock.
func start(t *testing.T) (base string, advance func(time.Duration)) {
	t.Helper()
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- serve(ln, config{now: clock}) }()
	t.Cleanup(func() {
		ln.Close()
		<-done
	})
	return "http://" + ln.Addr().String(), func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
}

func client(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 10 * time.Second}
}

func body(t *testing.T, r *http.Response) string {
	t.Helper()
	defer r.Body.Close()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func login(t *testing.T, c *http.Client, base, email, pass string) *http.Response {
	t.Helper()
	r, err := c.PostForm(base+"/login", url.Values{"email": {email}, "password": {pass}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestLoginThenMe(t *testing.T) {
	base, _ := start(t)
	c := client(t)
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	r := login(t, c, base, demoEmail, demoPass)
	body(t, r)
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/protected/me" {
		t.Fatalf("login: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	var cookie *http.Cookie
	for _, ck := range r.Cookies() {
		if ck.Name == cookieName {
			cookie = ck
		}
	}
	if cookie == nil || !cookie.HttpOnly || !strings.HasPrefix(cookie.Value, "v4.public.") {
		t.Fatalf("cookie: %+v", cookie)
	}
	r, err := c.Get(base + "/protected/me")
	if err != nil {
		t.Fatal(err)
	}
	got := body(t, r)
	if r.StatusCode != http.StatusOK || r.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("me: %d %s", r.StatusCode, got)
	}
	var u map[string]string
	if err := json.Unmarshal([]byte(got), &u); err != nil || u["email"] != demoEmail {
		t.Fatalf("me body %q", got)
	}
}

// The redirect after login lands on the protected page, as in the Flask
// example.
func TestLoginFollowsRedirect(t *testing.T) {
	base, _ := start(t)
	r := login(t, client(t), base, demoEmail, demoPass)
	if got := body(t, r); r.StatusCode != http.StatusOK || !strings.Contains(got, demoEmail) {
		t.Fatalf("%d %s", r.StatusCode, got)
	}
}

func TestBadLogin(t *testing.T) {
	base, _ := start(t)
	for _, tc := range [][2]string{{demoEmail, "wrong"}, {"x@y.example", demoPass}, {"", ""}} {
		r := login(t, client(t), base, tc[0], tc[1])
		if got := body(t, r); r.StatusCode != http.StatusUnauthorized || strings.TrimSpace(got) != "Unauthorized" {
			t.Fatalf("%v: %d %q", tc, r.StatusCode, got)
		}
		if len(r.Cookies()) != 0 {
			t.Fatalf("%v: cookie set on a failed login", tc)
		}
	}
}

func TestUnauthorizedDeletesCookie(t *testing.T) {
	base, advance := start(t)
	// A valid token from another server instance: another key, unknown kid.
	other, _ := start(t)
	oc := client(t)
	oc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	foreign := ""
	for _, ck := range login(t, oc, other, demoEmail, demoPass).Cookies() {
		if ck.Name == cookieName {
			foreign = ck.Value
		}
	}
	c := client(t)
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	own := ""
	for _, ck := range login(t, c, base, demoEmail, demoPass).Cookies() {
		if ck.Name == cookieName {
			own = ck.Value
		}
	}
	tampered := own[:20] + "A" + own[21:]
	if tampered == own {
		tampered = own[:20] + "B" + own[21:]
	}
	tests := []struct {
		name   string
		cookie string
		before func()
	}{
		{"missing", "", nil},
		{"garbage", "not-a-token", nil},
		{"tampered", tampered, nil},
		{"other server's key", foreign, nil},
		{"expired", own, func() { advance(2 * time.Hour) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.before != nil {
				tt.before()
			}
			req, _ := http.NewRequest("GET", base+"/protected/me", nil)
			if tt.cookie != "" {
				req.AddCookie(&http.Cookie{Name: cookieName, Value: tt.cookie})
			}
			r, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			got := body(t, r)
			if r.StatusCode != http.StatusUnauthorized || strings.TrimSpace(got) != "Unauthorized" {
				t.Fatalf("%d %q", r.StatusCode, got)
			}
			deleted := false
			for _, ck := range r.Cookies() {
				if ck.Name == cookieName && ck.MaxAge < 0 {
					deleted = true
				}
			}
			if !deleted {
				t.Fatal("cookie not deleted")
			}
		})
	}
}
