package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func newClient(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 10 * time.Second}
}

func start(t *testing.T) string {
	h, err := newHandler(nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h) // 127.0.0.1
	t.Cleanup(srv.Close)
	return srv.URL
}

func getState(t *testing.T, c *http.Client, base string) state {
	t.Helper()
	r, err := c.Get(base + "/state")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	if r.StatusCode != 200 || r.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("/state: %d", r.StatusCode)
	}
	var st state
	if err := json.NewDecoder(r.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

func post(t *testing.T, c *http.Client, u string, form url.Values) *http.Response {
	t.Helper()
	r, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, r.Body)
	r.Body.Close()
	return r
}

func TestCounterLoginLogout(t *testing.T) {
	base := start(t)
	c := newClient(t)
	for want := 1; want <= 3; want++ {
		if st := getState(t, c, base); st.Count != want || st.User != "" || len(st.Flashes) != 0 {
			t.Fatalf("visit %d: %+v", want, st)
		}
	}
	u, _ := url.Parse(base)
	before := c.Jar.Cookies(u)[0].Value
	if r := post(t, c, base+"/login", url.Values{"username": {"test"}, "password": {"test"}}); r.StatusCode != 200 {
		t.Fatalf("login: %d", r.StatusCode)
	}
	st := getState(t, c, base)
	// The redirect to / counted a visit too.
	if st.Count != 5 || st.User != "test" || len(st.Flashes) != 0 {
		t.Fatalf("after login (flash shown on /): %+v", st)
	}
	if after := c.Jar.Cookies(u)[0].Value; after == before {
		t.Fatal("login did not re-issue the cookie")
	}
	if r := post(t, c, base+"/logout", nil); r.StatusCode != 200 {
		t.Fatalf("logout: %d", r.StatusCode)
	}
	if st := getState(t, c, base); st.User != "" || st.Count != 2 {
		t.Fatalf("after logout: %+v", st)
	}
}

// The flash added at login is shown once, on the next page that reads it.
func TestFlashConsumed(t *testing.T) {
	base := start(t)
	c := newClient(t)
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	r := post(t, c, base+"/login", url.Values{"username": {"test"}, "password": {"test"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", r.StatusCode)
	}
	if st := getState(t, c, base); len(st.Flashes) != 1 || st.Flashes[0] != "welcome" || st.User != "test" || st.Count != 1 {
		t.Fatalf("first state: %+v", st)
	}
	if st := getState(t, c, base); len(st.Flashes) != 0 || st.Count != 2 {
		t.Fatalf("second state: %+v", st)
	}
}

func TestBadLoginAndBadCookie(t *testing.T) {
	base := start(t)
	c := newClient(t)
	if r := post(t, c, base+"/login", url.Values{"username": {"test"}, "password": {"nope"}}); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("bad login: %d", r.StatusCode)
	}
	// A forged cookie gives a fresh session, never an error.
	req, _ := http.NewRequest("GET", base+"/state", nil)
	req.AddCookie(&http.Cookie{Name: "session", Value: "v4.local.forged"})
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if r.StatusCode != 200 || !strings.Contains(string(body), `"count":1`) {
		t.Fatalf("forged cookie: %d %s", r.StatusCode, body)
	}
}

func TestHTMLPage(t *testing.T) {
	base := start(t)
	r, err := newClient(t).Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if r.StatusCode != 200 || !strings.Contains(string(body), "Visits: 1") || r.Header.Get("Vary") != "Cookie" {
		t.Fatalf("%d %q %q", r.StatusCode, r.Header.Get("Vary"), body)
	}
}
