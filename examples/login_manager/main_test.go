package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

type app struct {
	base   string
	u      *url.URL
	thefts atomic.Int32
}

func start(t *testing.T) *app {
	t.Helper()
	a := &app{}
	h, err := newHandler(config{onTheft: func(context.Context, string, string) { a.thefts.Add(1) }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h) // 127.0.0.1
	t.Cleanup(srv.Close)
	a.base = srv.URL
	a.u, _ = url.Parse(srv.URL)
	return a
}

func newClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 10 * time.Second}
}

func (a *app) cookie(c *http.Client, name string) string {
	for _, ck := range c.Jar.Cookies(a.u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// dropSession removes the session cookie, as when the browser restarts
// or the session expires.
func (a *app) dropSession(c *http.Client) {
	c.Jar.SetCookies(a.u, []*http.Cookie{{Name: "session", Path: "/", MaxAge: -1}})
}

func (a *app) setRemember(c *http.Client, v string) {
	c.Jar.SetCookies(a.u, []*http.Cookie{{Name: "remember", Value: v, Path: "/"}})
}

// getMe returns the /me answer, or nil for 401.
func (a *app) getMe(t *testing.T, c *http.Client) *me {
	t.Helper()
	r, err := c.Get(a.base + "/me")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	if r.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("/me content type %q", r.Header.Get("Content-Type"))
	}
	switch r.StatusCode {
	case http.StatusUnauthorized:
		var d map[string]string
		if err := json.NewDecoder(r.Body).Decode(&d); err != nil || d["detail"] != "Not authenticated" {
			t.Fatalf("/me 401 body %v, %v", d, err)
		}
		return nil
	case http.StatusOK:
		var m me
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			t.Fatal(err)
		}
		return &m
	}
	t.Fatalf("/me: status %d", r.StatusCode)
	return nil
}

func (a *app) post(t *testing.T, c *http.Client, path string, form url.Values) int {
	t.Helper()
	r, err := c.PostForm(a.base+path, form)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, r.Body)
	r.Body.Close()
	return r.StatusCode
}

func (a *app) login(t *testing.T, c *http.Client, remember bool) {
	t.Helper()
	form := url.Values{"username": {"test"}, "password": {"test"}}
	if remember {
		form.Set("remember", "on")
	}
	if code := a.post(t, c, "/login", form); code != http.StatusOK { // after the redirect to /
		t.Fatalf("login: %d", code)
	}
}

func wantMe(t *testing.T, got *me, fresh bool) {
	t.Helper()
	if got == nil || got.User != "test" || got.Fresh != fresh {
		t.Fatalf("/me = %+v; want user test, fresh %v", got, fresh)
	}
}

func TestRememberMe(t *testing.T) {
	a := start(t)
	c := newClient()
	if a.getMe(t, c) != nil {
		t.Fatal("logged in before login")
	}
	a.login(t, c, true)
	wantMe(t, a.getMe(t, c), true)
	r0 := a.cookie(c, "remember")
	if r0 == "" {
		t.Fatal("no remember cookie")
	}

	a.dropSession(c)
	wantMe(t, a.getMe(t, c), false) // back in by the cookie, not fresh
	if r1 := a.cookie(c, "remember"); r1 == "" || r1 == r0 {
		t.Fatal("the remember cookie was not rotated")
	}
	wantMe(t, a.getMe(t, c), false) // the new session carries on

	// A password login makes it fresh again.
	a.login(t, c, false)
	wantMe(t, a.getMe(t, c), true)
}

func TestLoginWithoutRemember(t *testing.T) {
	a := start(t)
	c := newClient()
	a.login(t, c, false)
	wantMe(t, a.getMe(t, c), true)
	if a.cookie(c, "remember") != "" {
		t.Fatal("remember cookie without remember=on")
	}
	a.dropSession(c)
	if a.getMe(t, c) != nil {
		t.Fatal("still logged in without session or remember cookie")
	}
	if code := a.post(t, c, "/login", url.Values{"username": {"test"}, "password": {"wrong"}}); code != http.StatusUnauthorized {
		t.Fatalf("bad password: %d", code)
	}
	resp, err := c.Get(a.base + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `name="remember"`) {
		t.Fatal("the login form has no remember-me box")
	}
}

func TestLogout(t *testing.T) {
	a := start(t)
	c := newClient()
	a.login(t, c, true)
	saved := a.cookie(c, "remember")
	if code := a.post(t, c, "/logout", nil); code != http.StatusOK {
		t.Fatalf("logout: %d", code)
	}
	if a.cookie(c, "remember") != "" || a.cookie(c, "session") != "" {
		t.Fatal("logout left cookies")
	}
	if a.getMe(t, c) != nil {
		t.Fatal("logged in after logout")
	}
	// A copy of the remember cookie made before logout is dead.
	c2 := newClient()
	a.setRemember(c2, saved)
	if a.getMe(t, c2) != nil {
		t.Fatal("a remember cookie works after logout")
	}
}

func TestLogoutEverywhere(t *testing.T) {
	a := start(t)
	laptop, phone := newClient(), newClient()
	a.login(t, laptop, true)
	a.login(t, phone, true)
	if code := a.post(t, laptop, "/logout-everywhere", nil); code != http.StatusOK {
		t.Fatalf("logout-everywhere: %d", code)
	}
	if a.getMe(t, laptop) != nil {
		t.Fatal("laptop still logged in")
	}
	// The phone's session lives on until it ends (sessions are stateless);
	// its remember-me cookie does not.
	a.dropSession(phone)
	if a.getMe(t, phone) != nil {
		t.Fatal("the phone's remember cookie survived logout-everywhere")
	}
	if code := a.post(t, newClient(), "/logout-everywhere", nil); code != http.StatusUnauthorized {
		t.Fatalf("logout-everywhere without login: %d", code)
	}
}

func TestTheftTwoRotationsOld(t *testing.T) {
	a := start(t)
	victim := newClient()
	a.login(t, victim, true)
	stolen := a.cookie(victim, "remember")

	// The victim uses the cookie twice (two browser restarts).
	for range 2 {
		a.dropSession(victim)
		wantMe(t, a.getMe(t, victim), false)
	}
	// The thief replays the copy, now two rotations old.
	thief := newClient()
	a.setRemember(thief, stolen)
	if a.getMe(t, thief) != nil {
		t.Fatal("the thief logged in")
	}
	if a.thefts.Load() != 1 {
		t.Fatalf("%d thefts reported, want 1", a.thefts.Load())
	}
	if a.cookie(thief, "remember") != "" {
		t.Fatal("the stolen cookie was not deleted")
	}
	// The series is revoked: the victim must log in with the password.
	a.dropSession(victim)
	if a.getMe(t, victim) != nil {
		t.Fatal("the victim's remember cookie survived the theft")
	}
}

func TestGarbageCookie(t *testing.T) {
	a := start(t)
	c := newClient()
	a.setRemember(c, "v4.local.garbage")
	if a.getMe(t, c) != nil {
		t.Fatal("garbage logged in")
	}
	if a.cookie(c, "remember") != "" {
		t.Fatal("the garbage cookie was not deleted")
	}
}
