package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/store"
	"github.com/pasetokit/pasetokit/store/redisstore"
	"github.com/redis/go-redis/v9"
)

// start serves a new App. With PASETOKIT_REDIS_ADDR set (scripts/redis-test.sh
// runs this package once without and once with it) its stores are on that
// Redis server, under a prefix of their own.
func start(t *testing.T) (string, *App) {
	t.Helper()
	return startOn(t, time.Now)
}

// testClock is a clock tests move by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// startClock serves a new App on a test clock (see start). With Redis its
// key rings are there too, wrapped, under the same prefix.
func startClock(t *testing.T) (string, *App, *testClock) {
	t.Helper()
	clk := &testClock{t: time.Now().Round(time.Second)}
	base, a := startOn(t, clk.Now)
	return base, a, clk
}

// tickRings brings every ring up to date, as App.Run does every second.
func tickRings(t *testing.T, a *App) {
	t.Helper()
	for _, r := range a.rings.all() {
		if err := r.ring.Tick(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

// startOn serves a new App on the clock now.
func startOn(t *testing.T, now func() time.Time) (string, *App) {
	t.Helper()
	return startWith(t, func(c *Config) { c.Now = now })
}

// redisTestStore returns a client of the Redis server at addr and a store
// on it with the demo's bounds, under a prefix of the test's own.
func redisTestStore(t *testing.T, addr string) (*redis.Client, *redisstore.Store, string) {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: time.Second})
	t.Cleanup(func() { _ = c.Close() })
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	prefix := fmt.Sprintf("demo-test:%x:", b)
	s, err := redisstore.New(c, redisstore.Config{Prefix: prefix, MaxFamiliesPerUser: MaxFamiliesPerUser, MaxSeriesPerUser: MaxSeriesPerUser})
	if err != nil {
		t.Fatal(err)
	}
	return c, s, prefix
}

// startWith serves a new App whose Config edit changes (Logf and, with
// Redis, the stores and rings are set first).
func startWith(t *testing.T, edit func(*Config)) (string, *App) {
	t.Helper()
	cfg := Config{Logf: t.Logf}
	if addr := os.Getenv("PASETOKIT_REDIS_ADDR"); addr != "" {
		c, s, prefix := redisTestStore(t, addr)
		cfg.Store, cfg.RememberStore = s, s
		cfg.RingBackend = func(family string) (keyring.Backend, error) {
			return redisstore.NewKeyring(c, redisstore.KeyringConfig{Prefix: prefix, Name: family})
		}
	}
	edit(&cfg)
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	return srv.URL, a
}

func newClient(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar}
}

func do(t *testing.T, c *http.Client, method, u string, body io.Reader, hdr map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func postForm(t *testing.T, c *http.Client, u string, v url.Values) (int, string) {
	t.Helper()
	return do(t, c, "POST", u, strings.NewReader(v.Encode()), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
}

type whoami struct {
	User   string `json:"user"`
	Fresh  bool   `json:"fresh"`
	Visits int    `json:"visits"`
}

// who returns the web session's user, or "" with 401.
func who(t *testing.T, c *http.Client, base string) whoami {
	t.Helper()
	code, body := do(t, c, "GET", base+"/whoami", nil, nil)
	var w whoami
	switch code {
	case 200:
		if err := json.Unmarshal([]byte(body), &w); err != nil {
			t.Fatal(err)
		}
	case 401:
	default:
		t.Fatalf("/whoami: %d %s", code, body)
	}
	return w
}

func cookie(t *testing.T, c *http.Client, base, name string) *http.Cookie {
	t.Helper()
	u, _ := url.Parse(base)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == name {
			return ck
		}
	}
	return nil
}

func setCookie(c *http.Client, base string, ck *http.Cookie) {
	u, _ := url.Parse(base)
	ck.Path = "/"
	c.Jar.SetCookies(u, []*http.Cookie{ck})
}

func dropCookie(c *http.Client, base, name string) {
	setCookie(c, base, &http.Cookie{Name: name, Value: "x", MaxAge: -1})
}

func login(t *testing.T, c *http.Client, base string, rememberMe bool) string {
	t.Helper()
	v := url.Values{"username": {"test"}, "password": {"test"}}
	if rememberMe {
		v.Set("remember", "on")
	}
	code, body := postForm(t, c, base+"/login", v)
	if code != 200 {
		t.Fatalf("login: %d %s", code, body)
	}
	return body
}

func TestWebRememberFlow(t *testing.T) {
	base, _ := start(t)
	c := newClient(t)

	code, body := do(t, c, "GET", base+"/", nil, nil)
	if code != 200 || !strings.Contains(body, `action="/login"`) {
		t.Fatalf("logged-out page: %d %s", code, body)
	}
	if code, _ := postForm(t, c, base+"/login", url.Values{"username": {"test"}, "password": {"nope"}}); code != 401 {
		t.Fatalf("bad password: %d", code)
	}
	body = login(t, c, base, true) // follows the redirect to /
	if !strings.Contains(body, "Welcome back, test!") || !strings.Contains(body, `<span id="visits">1</span>`) {
		t.Fatalf("after login: %s", body)
	}
	if cookie(t, c, base, "remember") == nil {
		t.Fatal("no remember-me cookie")
	}
	_, body = do(t, c, "GET", base+"/", nil, nil)
	if strings.Contains(body, "Welcome back") || !strings.Contains(body, `<span id="visits">2</span>`) {
		t.Fatalf("second visit: %s", body)
	}
	_, body = do(t, c, "GET", base+"/", nil, nil)
	if !strings.Contains(body, `<span id="visits">3</span>`) {
		t.Fatalf("third visit: %s", body)
	}
	if w := who(t, c, base); w.User != "test" || !w.Fresh || w.Visits != 3 {
		t.Fatalf("whoami: %+v", w)
	}

	// The session ends; the remember-me cookie logs the user back in.
	dropCookie(c, base, "session")
	if cookie(t, c, base, "session") != nil {
		t.Fatal("session cookie not dropped")
	}
	if w := who(t, c, base); w.User != "test" || w.Fresh {
		t.Fatalf("remembered login: %+v", w)
	}
	_, body = do(t, c, "GET", base+"/", nil, nil)
	if !strings.Contains(body, "remembered") || !strings.Contains(body, `<span id="visits">1</span>`) {
		t.Fatalf("remembered page: %s", body)
	}

	// Logout ends both.
	code, body = postForm(t, c, base+"/logout", nil)
	if code != 200 || !strings.Contains(body, `action="/login"`) {
		t.Fatalf("logout: %d %s", code, body)
	}
	if cookie(t, c, base, "remember") != nil || cookie(t, c, base, "session") != nil {
		t.Fatal("cookies left after logout")
	}
	if w := who(t, c, base); w.User != "" {
		t.Fatalf("still logged in: %+v", w)
	}
}

// TestWebRememberManyBrowsers: more browsers than the store's default
// bound remember the one demo user, as a load test's web clients do
// (their failed logouts leave series behind); the first one's remembered
// login must still work (with the default bound the store would have
// ended it as the user's oldest).
func TestWebRememberManyBrowsers(t *testing.T) {
	base, _, clk := startClock(t)
	first := newClient(t)
	login(t, first, base, true)
	for range store.DefaultMaxSeriesPerUser + 8 {
		clk.Add(time.Second) // the first series is the oldest
		login(t, newClient(t), base, true)
	}
	dropCookie(first, base, "session")
	if w := who(t, first, base); w.User != "test" || w.Fresh {
		t.Fatalf("the first browser's remembered login after %d others: %+v", store.DefaultMaxSeriesPerUser+8, w)
	}
}

func TestWebLogoutEverywhere(t *testing.T) {
	base, _ := start(t)
	a, b, d := newClient(t), newClient(t), newClient(t)
	login(t, a, base, true)
	login(t, b, base, true)
	login(t, d, base, false)
	bRemember := cookie(t, b, base, "remember")

	code, body := postForm(t, a, base+"/logout-everywhere", nil)
	if code != 200 || !strings.Contains(body, `action="/login"`) {
		t.Fatalf("logout-everywhere: %d %s", code, body)
	}
	// b's remember-me cookie is dead, even with its session gone.
	dropCookie(b, base, "session")
	if w := who(t, b, base); w.User != "" {
		t.Fatalf("b still remembered: %+v", w)
	}
	// Replaying the old remember-me cookie does not work either.
	setCookie(b, base, bRemember)
	if w := who(t, b, base); w.User != "" {
		t.Fatalf("b replayed remember cookie: %+v", w)
	}
	// d kept its (stateless) session cookie: the web cut-off ends it.
	if w := who(t, d, base); w.User != "" {
		t.Fatalf("d's session survived logout-everywhere: %+v", w)
	}
	// A new login works again.
	login(t, d, base, false)
	if w := who(t, d, base); w.User != "test" || !w.Fresh {
		t.Fatalf("login after logout-everywhere: %+v", w)
	}
}

func TestWebTamperedSessionCookie(t *testing.T) {
	base, _ := start(t)
	c := newClient(t)
	login(t, c, base, false)
	ck := cookie(t, c, base, "session")
	if ck == nil {
		t.Fatal("no session cookie")
	}
	v := []byte(ck.Value)
	i := len(v) - 10
	if v[i] == 'A' {
		v[i] = 'B'
	} else {
		v[i] = 'A'
	}
	setCookie(c, base, &http.Cookie{Name: "session", Value: string(v)})
	code, body := do(t, c, "GET", base+"/", nil, nil)
	if code != 200 || !strings.Contains(body, `action="/login"`) {
		t.Fatalf("tampered cookie: %d %s", code, body)
	}
}

func TestWebCrossOriginPost(t *testing.T) {
	base, _ := start(t)
	c := newClient(t)
	code, _ := do(t, c, "POST", base+"/login", strings.NewReader("username=test&password=test"),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Origin": "https://evil.example"})
	if code != 403 {
		t.Fatalf("cross-origin login: %d", code)
	}
}

// ---- API ----

type pair struct {
	Access  string `json:"access_token"`
	Refresh string `json:"refresh_token"`
	Type    string `json:"token_type"`
}

func apiToken(t *testing.T, c *http.Client, base string) pair {
	t.Helper()
	code, body := do(t, c, "POST", base+"/api/token", strings.NewReader(`{"username":"test","password":"test"}`), nil)
	if code != 200 {
		t.Fatalf("/api/token: %d %s", code, body)
	}
	var p pair
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(p.Access, "v4.public.") || !strings.HasPrefix(p.Refresh, "v4.local.") || p.Type != "bearer" {
		t.Fatalf("pair: %+v", p)
	}
	return p
}

func bearerReq(t *testing.T, c *http.Client, method, u, tok string) (int, map[string]any) {
	t.Helper()
	code, body := do(t, c, method, u, nil, map[string]string{"Authorization": "Bearer " + tok})
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("%s %s: %d %q", method, u, code, body)
	}
	return code, m
}

func kidOf(t *testing.T, tok string) string {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 4 {
		t.Fatalf("token without footer: %s", tok)
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[3])
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Kid string `json:"kid"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return f.Kid
}

func TestAPIFlow(t *testing.T) {
	base, _ := start(t)
	c := &http.Client{}

	for _, body := range []string{`{"username":"test","password":"x"}`, `not json`} {
		code, resp := do(t, c, "POST", base+"/api/token", strings.NewReader(body), nil)
		if code != 401 && code != 400 || !strings.Contains(resp, `"detail"`) {
			t.Fatalf("bad login %q: %d %s", body, code, resp)
		}
	}
	if code, m := bearerReq(t, c, "GET", base+"/api/me", "v4.public.garbage"); code != 401 || m["detail"] == nil {
		t.Fatalf("garbage token: %d %v", code, m)
	}
	if code, _ := bearerReq(t, c, "GET", base+"/api/me", ""); code != 401 {
		t.Fatalf("empty token: %d", code)
	}

	p := apiToken(t, c, base)
	if code, m := bearerReq(t, c, "GET", base+"/api/me", p.Access); code != 200 || m["user"] != "test" || m["fresh"] != true {
		t.Fatalf("me: %d %v", code, m)
	}
	if code, m := bearerReq(t, c, "POST", base+"/api/sensitive", p.Access); code != 200 {
		t.Fatalf("sensitive with fresh: %d %v", code, m)
	}
	if code, _ := bearerReq(t, c, "GET", base+"/api/me", p.Refresh); code != 401 {
		t.Fatalf("refresh token as access: %d", code)
	}
	if code, _ := bearerReq(t, c, "POST", base+"/api/refresh", p.Access); code != 401 {
		t.Fatalf("access token as refresh: %d", code)
	}

	code, m := bearerReq(t, c, "POST", base+"/api/refresh", p.Refresh)
	if code != 200 {
		t.Fatalf("refresh: %d %v", code, m)
	}
	p2 := pair{Access: m["access_token"].(string), Refresh: m["refresh_token"].(string)}
	if code, m := bearerReq(t, c, "GET", base+"/api/me", p2.Access); code != 200 || m["fresh"] != false {
		t.Fatalf("me after refresh: %d %v", code, m)
	}
	if code, m := bearerReq(t, c, "POST", base+"/api/sensitive", p2.Access); code != 403 || m["detail"] != "Fresh token required" {
		t.Fatalf("sensitive with non-fresh: %d %v", code, m)
	}

	if code, m := bearerReq(t, c, "POST", base+"/api/logout", p2.Access); code != 200 {
		t.Fatalf("logout: %d %v", code, m)
	}
	if code, _ := bearerReq(t, c, "GET", base+"/api/me", p2.Access); code != 401 {
		t.Fatalf("me after logout: %d", code)
	}
	// The family is revoked: the refresh token made with it is dead too,
	// and so is the first access token of the family.
	if code, _ := bearerReq(t, c, "POST", base+"/api/refresh", p2.Refresh); code != 401 {
		t.Fatalf("refresh after logout: %d", code)
	}
	if code, _ := bearerReq(t, c, "GET", base+"/api/me", p.Access); code != 401 {
		t.Fatalf("first access token after family logout: %d", code)
	}
}

func TestAPIRefreshReuse(t *testing.T) {
	base, _ := start(t)
	c := &http.Client{}
	p := apiToken(t, c, base)
	code, m := bearerReq(t, c, "POST", base+"/api/refresh", p.Refresh)
	if code != 200 {
		t.Fatalf("refresh: %d %v", code, m)
	}
	// A second refresh with the same token right away is a retry (its
	// answer may have been lost) and works; once the family has moved on
	// with the new refresh token, the old one is a reuse.
	if code, m := bearerReq(t, c, "POST", base+"/api/refresh", p.Refresh); code != 200 {
		t.Fatalf("retry: %d %v", code, m)
	}
	code, m = bearerReq(t, c, "POST", base+"/api/refresh", m["refresh_token"].(string))
	if code != 200 {
		t.Fatalf("refresh with the new token: %d %v", code, m)
	}
	newAccess := m["access_token"].(string)
	if code, m := bearerReq(t, c, "POST", base+"/api/refresh", p.Refresh); code != 401 || !strings.Contains(fmt.Sprint(m["detail"]), "already used") {
		t.Fatalf("reuse: %d %v", code, m)
	}
	if code, _ := bearerReq(t, c, "GET", base+"/api/me", newAccess); code != 401 {
		t.Fatalf("token of reused family: %d", code)
	}
}

func TestAPILogoutEverywhere(t *testing.T) {
	base, _ := start(t)
	c := &http.Client{}
	p1, p2 := apiToken(t, c, base), apiToken(t, c, base)
	if code, m := bearerReq(t, c, "POST", base+"/api/logout-everywhere", p1.Access); code != 200 {
		t.Fatalf("logout-everywhere: %d %v", code, m)
	}
	for _, tok := range []string{p1.Access, p2.Access} {
		if code, _ := bearerReq(t, c, "GET", base+"/api/me", tok); code != 401 {
			t.Fatalf("me after logout-everywhere: %d", code)
		}
	}
	if code, _ := bearerReq(t, c, "POST", base+"/api/refresh", p2.Refresh); code != 401 {
		t.Fatalf("refresh after logout-everywhere: %d", code)
	}
}

// With the verified-token cache on (-verify-cache), a token /api/me has
// served, and so cached, is still refused once logged out, or once its
// user has logged out everywhere: the revocation and cut-off checks run
// on every request.
func TestAPIVerifyCacheLogout(t *testing.T) {
	base, _ := startWith(t, func(c *Config) { c.VerifyCache = 100 })
	c := &http.Client{}
	me := func(tok string) int {
		code, _ := bearerReq(t, c, "GET", base+"/api/me", tok)
		return code
	}
	p, p1, p2 := apiToken(t, c, base), apiToken(t, c, base), apiToken(t, c, base)
	for i := range 2 {
		for _, tok := range []string{p.Access, p2.Access} {
			if code := me(tok); code != 200 {
				t.Fatalf("me, call %d: %d", i, code)
			}
		}
	}
	if code, m := bearerReq(t, c, "POST", base+"/api/logout", p.Access); code != 200 {
		t.Fatalf("logout: %d %v", code, m)
	}
	if code := me(p.Access); code != 401 {
		t.Fatalf("me after logout: %d", code)
	}
	if code := me(p2.Access); code != 200 {
		t.Fatalf("other login before logout-everywhere: %d", code)
	}
	if code, m := bearerReq(t, c, "POST", base+"/api/logout-everywhere", p1.Access); code != 200 {
		t.Fatalf("logout-everywhere: %d %v", code, m)
	}
	if code := me(p2.Access); code != 401 {
		t.Fatalf("me after logout-everywhere: %d", code)
	}
}

type keySet struct {
	Issuer string      `json:"issuer"`
	Keys   []keySetKey `json:"keys"`
}

type keySetKey struct {
	Kid string `json:"kid"`
	Key string `json:"key"`
}

func getKeySet(t *testing.T, c *http.Client, base string) keySet {
	t.Helper()
	code, body := do(t, c, "GET", base+"/.well-known/paseto-keys", nil, nil)
	if code != 200 {
		t.Fatalf("key set: %d %s", code, body)
	}
	var ks keySet
	if err := json.Unmarshal([]byte(body), &ks); err != nil {
		t.Fatal(err)
	}
	return ks
}

func rotate(t *testing.T, c *http.Client, base string) string {
	t.Helper()
	code, body := do(t, c, "POST", base+"/admin/rotate", nil, nil)
	if code != 200 {
		t.Errorf("rotate: %d %s", code, body)
		return ""
	}
	var m struct{ Kid string }
	if err := json.Unmarshal([]byte(body), &m); err != nil || !strings.HasPrefix(m.Kid, "k4.pid.") {
		t.Errorf("rotate answer %q: %v", body, err)
	}
	return m.Kid
}

// TestRotation: a rotation is staged: the new key is published (next) at
// once and signs from PublishAhead later; tokens and refresh tokens of the
// old key keep working.
func TestRotation(t *testing.T) {
	base, a, clk := startClock(t)
	c := &http.Client{}
	before := apiToken(t, c, base)
	oldKid := kidOf(t, before.Access)
	if ks := getKeySet(t, c, base); len(ks.Keys) != 1 || ks.Keys[0].Kid != oldKid || ks.Issuer != tokenIssuer {
		t.Fatalf("key set before: %+v (token kid %s)", ks, oldKid)
	}

	newKid := rotate(t, c, base)
	if newKid == oldKid {
		t.Fatal("rotation kept the kid")
	}
	// Published, not signing yet.
	ks := getKeySet(t, c, base)
	if len(ks.Keys) != 2 || !slices.ContainsFunc(ks.Keys, func(k keySetKey) bool { return k.Kid == newKid }) {
		t.Fatalf("key set after the rotation started: %+v", ks)
	}
	if k := kidOf(t, apiToken(t, c, base).Access); k != oldKid {
		t.Fatalf("a token signed by %s before the new key's time, want %s", k, oldKid)
	}
	clk.Add(DefaultPublishAhead)
	if code, m := bearerReq(t, c, "GET", base+"/api/me", before.Access); code != 200 || m["kid"] != oldKid {
		t.Fatalf("old token after rotation: %d %v", code, m)
	}
	after := apiToken(t, c, base)
	if k := kidOf(t, after.Access); k != newKid {
		t.Fatalf("new token kid %s, want %s", k, newKid)
	}
	if code, m := bearerReq(t, c, "GET", base+"/api/me", after.Access); code != 200 || m["kid"] != newKid {
		t.Fatalf("new token: %d %v", code, m)
	}
	// A refresh token from before the rotation still works (its ring
	// rotated too), and its new access token is signed by the new key.
	code, m := bearerReq(t, c, "POST", base+"/api/refresh", before.Refresh)
	if code != 200 || kidOf(t, m["access_token"].(string)) != newKid {
		t.Fatalf("refresh across rotation: %d %v", code, m)
	}
	ks = getKeySet(t, c, base)
	if len(ks.Keys) != 2 || !slices.ContainsFunc(ks.Keys, func(k keySetKey) bool { return k.Kid == oldKid }) {
		t.Fatalf("key set after: %+v", ks)
	}
	// The published keys are the public halves of the signing keys.
	for _, k := range ks.Keys {
		pk, err := paserk.ParsePublic(paseto.V4, k.Key)
		if err != nil {
			t.Fatal(err)
		}
		if id, _ := paserk.ID(pk); id != k.Kid {
			t.Fatalf("kid %s for key with id %s", k.Kid, id)
		}
	}
	if a.SigningKeyID() != newKid {
		t.Fatalf("signing key %s, want %s", a.SigningKeyID(), newKid)
	}
	// Once every token the old key could have signed has expired, it is
	// dropped and its tokens refused. A process that had not seen the
	// rotation could have signed with it until its scheduled end, so that
	// is when its retention starts.
	clk.Add(keyring.DefaultRotateEvery + DefaultAccessLifetime + DefaultKeyGrace)
	tickRings(t, a) // as Run does every second
	if slices.Contains(a.KeyIDs(), oldKid) {
		t.Fatalf("old key kept after its tokens expired: %v", a.KeyIDs())
	}
	if code, _ := bearerReq(t, c, "GET", base+"/api/me", before.Access); code != 401 {
		t.Fatalf("token of a dropped key: %d", code)
	}
}

func TestAdminRotateLoopbackOnly(t *testing.T) {
	a, err := New(Config{Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	kid := a.KeyIDs()[0]
	for _, ra := range []string{"203.0.113.9:1234", "[2001:db8::1]:443", "10.0.0.1:80", "garbage"} {
		req := httptest.NewRequest("POST", "/admin/rotate", nil)
		req.RemoteAddr = ra
		rec := httptest.NewRecorder()
		a.ServeHTTP(rec, req)
		if rec.Code != 403 || !strings.Contains(rec.Body.String(), `"detail"`) {
			t.Fatalf("rotate from %s: %d %s", ra, rec.Code, rec.Body)
		}
	}
	// From loopback, but relayed by a proxy or sent by a browser (a page
	// of any site can post a form to 127.0.0.1).
	for _, hdr := range [][2]string{
		{"X-Forwarded-For", "203.0.113.9"}, {"Forwarded", "for=203.0.113.9"}, {"X-Real-IP", "203.0.113.9"},
		{"Origin", "https://evil.example"}, {"Referer", "https://evil.example/"}, {"Sec-Fetch-Site", "cross-site"},
	} {
		req := httptest.NewRequest("POST", "/admin/rotate", nil)
		req.RemoteAddr = "127.0.0.1:5555"
		req.Header.Set(hdr[0], hdr[1])
		rec := httptest.NewRecorder()
		a.ServeHTTP(rec, req)
		if rec.Code != 403 {
			t.Fatalf("rotate from loopback with %s: %d %s", hdr[0], rec.Code, rec.Body)
		}
	}
	if a.KeyIDs()[0] != kid || len(a.KeyIDs()) != 1 {
		t.Fatal("a refused rotation changed the keys")
	}
	// Two rotations in a row make one next key: the second finds the
	// rotation under way.
	for _, ra := range []string{"127.0.0.1:5555", "[::1]:5555"} {
		req := httptest.NewRequest("POST", "/admin/rotate", nil)
		req.RemoteAddr = ra
		rec := httptest.NewRecorder()
		a.ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Fatalf("rotate from %s: %d %s", ra, rec.Code, rec.Body)
		}
	}
	if n := len(a.KeyIDs()); n != 2 {
		t.Fatalf("%d keys after two rotation requests, want 2 (current, next)", n)
	}
}

func TestConcurrentRotation(t *testing.T) {
	base, a := start(t)
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	t.Cleanup(c.CloseIdleConnections)
	initial := apiToken(t, c, base)

	const workers, rounds, rotations = 50, 20, 10
	var wg sync.WaitGroup
	errs := make(chan string, workers*rounds*2)
	startCh := make(chan struct{})
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-startCh
			tok := initial.Access
			for i := range rounds {
				if i%5 == g%5 { // get a token signed by whatever key signs now
					resp, err := c.Post(base+"/api/token", "application/json", bytes.NewReader([]byte(`{"username":"test","password":"test"}`)))
					if err != nil {
						errs <- err.Error()
						return
					}
					var p pair
					err = json.NewDecoder(resp.Body).Decode(&p)
					resp.Body.Close()
					if resp.StatusCode != 200 || err != nil {
						errs <- fmt.Sprintf("token: %d %v", resp.StatusCode, err)
						return
					}
					tok = p.Access
				}
				req, _ := http.NewRequest("GET", base+"/api/me", nil)
				req.Header.Set("Authorization", "Bearer "+tok)
				resp, err := c.Do(req)
				if err != nil {
					errs <- err.Error()
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					errs <- fmt.Sprintf("me: %d", resp.StatusCode)
				}
			}
		}()
	}
	close(startCh)
	for range rotations {
		rotate(t, c, base)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	// Concurrent requests make one staged rotation, not ten.
	if n := len(a.KeyIDs()); n != 2 {
		t.Fatalf("%d keys kept, want 2", n)
	}
	if ks := getKeySet(t, c, base); len(ks.Keys) != 2 {
		t.Fatalf("key set lists %d keys", len(ks.Keys))
	}
	// The very first token still verifies.
	if code, m := bearerReq(t, c, "GET", base+"/api/me", initial.Access); code != 200 {
		t.Fatalf("initial token: %d %v", code, m)
	}
}

func TestHealthzAndNotFound(t *testing.T) {
	base, _ := start(t)
	c := &http.Client{}
	if code, body := do(t, c, "GET", base+"/healthz", nil, nil); code != 200 || body != "ok" {
		t.Fatalf("healthz: %d %q", code, body)
	}
	if code, body := do(t, c, "GET", base+"/nope", nil, nil); code != 404 || !strings.Contains(body, "detail") {
		t.Fatalf("404: %d %q", code, body)
	}
}

func TestKeyFile(t *testing.T) {
	sk, err := paseto.GenerateSecretKey(paseto.V4)
	if err != nil {
		t.Fatal(err)
	}
	tk, _ := paserk.Encode(sk)
	wantKid, _ := paserk.ID(sk.Public())
	secret := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}

	var cfg Config
	if err := LoadKeyFile(write("ok.json", fmt.Sprintf(`{"token_key":%q,"cookie_secret":%q}`, tk, secret)), &cfg); err != nil {
		t.Fatal(err)
	}
	cfg.Logf = t.Logf
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if a.SigningKeyID() != wantKid {
		t.Fatalf("kid %s, want %s", a.SigningKeyID(), wantKid)
	}

	local, _ := paseto.GenerateSymmetricKey(paseto.V4)
	lk, _ := paserk.Encode(local)
	for name, content := range map[string]string{
		"short.json":   fmt.Sprintf(`{"token_key":%q,"cookie_secret":%q}`, tk, base64.StdEncoding.EncodeToString([]byte("short"))),
		"local.json":   fmt.Sprintf(`{"token_key":%q,"cookie_secret":%q}`, lk, secret),
		"nob64.json":   fmt.Sprintf(`{"token_key":%q,"cookie_secret":"%%%%"}`, tk),
		"unknown.json": fmt.Sprintf(`{"token_key":%q,"cookie_secret":%q,"x":1}`, tk, secret),
		"bad.json":     `{`,
	} {
		var cfg Config
		err := LoadKeyFile(write(name, content), &cfg)
		if err == nil {
			t.Errorf("%s accepted", name)
		} else if strings.Contains(err.Error(), tk) || strings.Contains(err.Error(), secret) {
			t.Errorf("%s: error leaks key: %v", name, err)
		}
	}
	if err := LoadKeyFile(filepath.Join(dir, "missing.json"), &Config{}); err == nil {
		t.Error("missing file accepted")
	}
}

// TestStoreDownFailsClosed serves the app on a Redis store that cannot be
// reached: everything that needs the store answers 503, never 200, 401 or
// 500, and what does not need it still works.
func TestStoreDownFailsClosed(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close() // nothing listens there now
	c := redis.NewClient(&redis.Options{Addr: dead, DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { _ = c.Close() })
	s, err := redisstore.New(c, redisstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	// Tokens made by a process with the same keys whose store is up.
	sk, err := paseto.GenerateSecretKey(paseto.V4)
	if err != nil {
		t.Fatal(err)
	}
	tokenKey, err := paserk.Encode(sk)
	if err != nil {
		t.Fatal(err)
	}
	secret := bytes.Repeat([]byte{7}, 32)
	up, err := New(Config{Logf: t.Logf, TokenKey: tokenKey, CookieSecret: secret})
	if err != nil {
		t.Fatal(err)
	}
	upSrv := httptest.NewServer(up)
	t.Cleanup(upSrv.Close)
	tokenWhileUp := func(t *testing.T) pair { return apiToken(t, newClient(t), upSrv.URL) }

	h, err := New(Config{Logf: t.Logf, TokenKey: tokenKey, CookieSecret: secret, Store: s, RememberStore: s})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	base := srv.URL
	cl := newClient(t)

	// A login records its refresh family, so it needs the store; so does
	// every check of a token (made here while the store was up).
	if code, body := do(t, cl, "POST", base+"/api/token", strings.NewReader(`{"username":"test","password":"test"}`), nil); code != http.StatusServiceUnavailable {
		t.Errorf("/api/token with the store down: %d %s, want 503", code, body)
	}
	p := tokenWhileUp(t)
	for _, tc := range []struct{ method, path, tok string }{
		{"GET", "/api/me", p.Access},
		{"POST", "/api/sensitive", p.Access},
		{"POST", "/api/logout", p.Access},
		{"POST", "/api/logout-everywhere", p.Access},
		{"POST", "/api/refresh", p.Refresh},
	} {
		if code, m := bearerReq(t, cl, tc.method, base+tc.path, tc.tok); code != http.StatusServiceUnavailable {
			t.Errorf("%s %s with the store down: %d %v, want 503", tc.method, tc.path, code, m)
		}
	}
	// A web login with "remember me" needs the store too.
	code, body := postForm(t, cl, base+"/login", url.Values{"username": {"test"}, "password": {"test"}, "remember": {"on"}})
	if code != http.StatusServiceUnavailable {
		t.Errorf("remember-me login with the store down: %d %s, want 503", code, body)
	}
	if code, _ := do(t, cl, "GET", base+"/healthz", nil, nil); code != 200 {
		t.Errorf("/healthz: %d", code)
	}
}

// switchStore is a memory store that can be switched off: then every call
// fails with store.ErrUnavailable, as a store whose server is down.
type switchStore struct {
	*store.Memory
	rs   *store.MemoryRemember
	down atomic.Bool
}

func newSwitchStore(t *testing.T) *switchStore {
	m, err := store.NewMemory(store.MemoryConfig{})
	if err != nil {
		t.Fatal(err)
	}
	rs, err := store.NewMemoryRemember(store.MemoryConfig{})
	if err != nil {
		t.Fatal(err)
	}
	return &switchStore{Memory: m, rs: rs}
}

func (s *switchStore) err() error {
	if s.down.Load() {
		return store.ErrUnavailable
	}
	return nil
}

func (s *switchStore) Revoke(ctx context.Context, key string, until time.Time) error {
	if err := s.err(); err != nil {
		return err
	}
	return s.Memory.Revoke(ctx, key, until)
}

func (s *switchStore) Revoked(ctx context.Context, keys ...string) (bool, error) {
	if err := s.err(); err != nil {
		return false, err
	}
	return s.Memory.Revoked(ctx, keys...)
}

func (s *switchStore) Consume(ctx context.Context, key string, until time.Time) (bool, error) {
	if err := s.err(); err != nil {
		return false, err
	}
	return s.Memory.Consume(ctx, key, until)
}

func (s *switchStore) SetCutoff(ctx context.Context, key string, at, until time.Time) error {
	if err := s.err(); err != nil {
		return err
	}
	return s.Memory.SetCutoff(ctx, key, at, until)
}

func (s *switchStore) Cutoff(ctx context.Context, key string) (time.Time, error) {
	if err := s.err(); err != nil {
		return time.Time{}, err
	}
	return s.Memory.Cutoff(ctx, key)
}

func (s *switchStore) CreateSeries(ctx context.Context, sr store.Series) error {
	if err := s.err(); err != nil {
		return err
	}
	return s.rs.CreateSeries(ctx, sr)
}

func (s *switchStore) GetSeries(ctx context.Context, selector string) (store.Series, error) {
	if err := s.err(); err != nil {
		return store.Series{}, err
	}
	return s.rs.GetSeries(ctx, selector)
}

func (s *switchStore) RotateSeries(ctx context.Context, selector string, oldHash, newHash []byte, graceUntil time.Time) (bool, error) {
	if err := s.err(); err != nil {
		return false, err
	}
	return s.rs.RotateSeries(ctx, selector, oldHash, newHash, graceUntil)
}

func (s *switchStore) DeleteSeries(ctx context.Context, selector string) error {
	if err := s.err(); err != nil {
		return err
	}
	return s.rs.DeleteSeries(ctx, selector)
}

func (s *switchStore) DeleteUser(ctx context.Context, userID string) error {
	if err := s.err(); err != nil {
		return err
	}
	return s.rs.DeleteUser(ctx, userID)
}

// TestWebStoreDown: while the store is down, a remembered user coming back
// gets 503 (not an anonymous page), and a "remember me" login gets 503 and
// logs nobody in, also once the store is back.
func TestWebStoreDown(t *testing.T) {
	st := newSwitchStore(t)
	h, err := New(Config{Logf: t.Logf, Store: st, RememberStore: st})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	base := srv.URL

	c := newClient(t)
	login(t, c, base, true)
	dropCookie(c, base, "session") // the browser was closed
	st.down.Store(true)
	if code, body := do(t, c, "GET", base+"/", nil, nil); code != http.StatusServiceUnavailable {
		t.Fatalf("remembered user, store down: %d %s", code, body)
	}
	st.down.Store(false)
	if w := who(t, c, base); w.User != "test" || w.Fresh {
		t.Fatalf("remembered user, store back: %+v", w)
	}

	c2 := newClient(t)
	st.down.Store(true)
	code, body := postForm(t, c2, base+"/login", url.Values{"username": {"test"}, "password": {"test"}, "remember": {"on"}})
	if code != http.StatusServiceUnavailable {
		t.Fatalf("remember-me login, store down: %d %s", code, body)
	}
	st.down.Store(false)
	if w := who(t, c2, base); w.User != "" {
		t.Fatalf("a failed remember-me login logged %q in", w.User)
	}
}

// TestWebLoginWithoutRememberForgets: a password login without "remember
// me" deletes a remember-me cookie already on the device, so it cannot log
// the earlier login back in after the browser closes.
func TestWebLoginWithoutRememberForgets(t *testing.T) {
	base, _ := start(t)
	c := newClient(t)
	login(t, c, base, true)
	old := cookie(t, c, base, "remember")
	if old == nil {
		t.Fatal("no remember-me cookie")
	}
	login(t, c, base, false)
	if cookie(t, c, base, "remember") != nil {
		t.Fatal("the remember-me cookie survived a login without remember me")
	}
	c2 := newClient(t)
	setCookie(c2, base, &http.Cookie{Name: "remember", Value: old.Value})
	if w := who(t, c2, base); w.User != "" {
		t.Fatal("the forgotten remember-me cookie still logs in")
	}
}

// TestSecureCookieNames: with Secure, the cookies get __Host- names.
func TestSecureCookieNames(t *testing.T) {
	h, err := New(Config{Logf: t.Logf, Secure: true})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("POST", "https://demo.example/login", strings.NewReader("username=test&password=test&remember=on"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	names := map[string]bool{}
	for _, ck := range rec.Result().Cookies() {
		names[ck.Name] = true
		if !ck.Secure || !ck.HttpOnly || ck.Path != "/" || ck.Domain != "" {
			t.Errorf("cookie %s: %+v", ck.Name, ck)
		}
	}
	if !names["__Host-session"] || !names["__Host-remember"] {
		t.Fatalf("cookies %v, want __Host-session and __Host-remember", names)
	}
}

// TestAPIRefreshWithoutBearer: /api/refresh reads the token itself; without
// a bearer token it answers 401 with a WWW-Authenticate challenge.
func TestAPIRefreshWithoutBearer(t *testing.T) {
	base, _ := start(t)
	c := newClient(t)
	p := apiToken(t, c, base)
	for _, hdr := range []string{"", "Bearer", "Bearer  ", "Basic " + p.Refresh, "Token " + p.Refresh} {
		req, _ := http.NewRequest("POST", base+"/api/refresh", nil)
		if hdr != "" {
			req.Header.Set("Authorization", hdr)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") == "" || !strings.Contains(string(body), "Not authenticated") {
			t.Errorf("Authorization %q: %d %q %s", hdr, resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body)
		}
	}
	// The scheme is case-insensitive.
	req, _ := http.NewRequest("POST", base+"/api/refresh", nil)
	req.Header.Set("Authorization", "bearer "+p.Refresh)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("refresh with a lower-case scheme: %d", resp.StatusCode)
	}
}

// TestConsole: the home page shows the keys as this process sees them (a
// rotation adds a current key and retires the old one) and, once logged
// in, the session's facts.
func TestConsole(t *testing.T) {
	base, a, clk := startClock(t)
	c := newClient(t)
	first := a.KeyIDs()[0]
	_, body := do(t, c, "GET", base+"/", nil, nil)
	for _, want := range []string{
		`<tr class="key" data-kid="` + first + `" data-state="current">`,
		`<time id="next-rotation" datetime="` + clk.Now().Add(keyring.DefaultRotateEvery).UTC().Format(time.RFC3339) + `">`,
		`<tr class="ring" data-ring="access"`, `<tr class="ring" data-ring="refresh"`,
		`<tr class="ring" data-ring="session"`, `<tr class="ring" data-ring="remember"`,
	} {
		if !strings.Contains(body, want) {
			t.Fatalf("logged-out console lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, `id="session"`) {
		t.Fatal("session facts shown to nobody")
	}
	second := rotate(t, c, base)
	_, body = do(t, c, "GET", base+"/", nil, nil)
	for _, want := range []string{
		`<tr class="key" data-kid="` + second + `" data-state="next">`,
		`<tr class="key" data-kid="` + first + `" data-state="current">`,
	} {
		if !strings.Contains(body, want) {
			t.Fatalf("console after POST /admin/rotate lacks %q:\n%s", want, body)
		}
	}
	clk.Add(DefaultPublishAhead)
	body = login(t, c, base, true)
	for _, want := range []string{
		`<tr class="key" data-kid="` + second + `" data-state="current">`,
		`<tr class="key" data-kid="` + first + `" data-state="retired">`,
		`<dd id="fresh" data-fresh="true">`,
		`<dd id="remembered" data-remembered="true">`,
		`<time id="login-at" datetime="20`,
		`<time id="expires" datetime="20`,
	} {
		if !strings.Contains(body, want) {
			t.Fatalf("console lacks %q:\n%s", want, body)
		}
	}
	dropCookie(c, base, "session") // back by the remember-me cookie
	_, body = do(t, c, "GET", base+"/", nil, nil)
	if !strings.Contains(body, `<dd id="fresh" data-fresh="false">`) {
		t.Fatalf("remembered login shown fresh:\n%s", body)
	}
}

// TestRunSchedulesRotation: Run rotates every Config.RotateEvery, staged
// (the next key is published PublishAhead before it signs), and drops
// retired keys once their tokens have expired (in a synctest bubble: the
// clock moves only when every goroutine waits).
func TestRunSchedulesRotation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, err := New(Config{Logf: t.Logf, RotateEvery: 5 * time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		first := a.SigningKeyID()
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { a.Run(ctx); close(done) }()
		defer func() { cancel(); <-done }()
		synctest.Wait()
		st := a.ringStatus()[0]
		if want := time.Now().Add(5 * time.Minute); st.Name != RingAccess || !st.NextRotation.Equal(want) || len(st.Keys) != 1 {
			t.Fatalf("before the first rotation: %+v, want the next at %v", st, want)
		}
		// Published PublishAhead (2m) before it signs.
		time.Sleep(3*time.Minute + time.Second)
		synctest.Wait()
		if st := a.ringStatus()[0]; len(st.Keys) != 2 || st.Keys[0].State != keyring.Next {
			t.Fatalf("no next key published 2m ahead: %+v", st.Keys)
		}
		time.Sleep(8 * time.Minute)
		synctest.Wait()
		if ids := a.KeyIDs(); len(ids) != 3 || a.SigningKeyID() == first {
			t.Fatalf("after two rotations: %v", ids)
		}
		// Retired keys stay until every token they signed has expired
		// (access lifetime plus a minute), then go.
		time.Sleep(DefaultAccessLifetime + DefaultKeyGrace)
		synctest.Wait()
		if slices.Contains(a.KeyIDs(), first) {
			t.Fatalf("the first key is kept after its tokens expired: %+v", a.ringStatus()[0].Keys)
		}
		now := time.Now()
		for _, k := range a.ringStatus()[0].Keys {
			if k.State == keyring.Retired && !k.Drops.After(now) {
				t.Fatalf("a retired key kept past its drop time: %+v", k)
			}
		}
	})
}

// TestFleet: two apps sharing the key file's secrets and the rings'
// backends (and the stores) act as one: a token or cookie made by one is
// accepted by the other, before and after a rotation started at either,
// and a rotation started at both at once is one rotation.
func TestFleet(t *testing.T) {
	clk := &testClock{t: time.Now().Round(time.Second)}
	mem, err := store.NewMemory(store.MemoryConfig{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	rem, err := store.NewMemoryRemember(store.MemoryConfig{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	backends := map[string]*keyring.Memory{}
	for _, n := range RingNames {
		backends[n] = keyring.NewMemory()
	}
	secret := bytes.Repeat([]byte{9}, 32)
	var bases [2]string
	var apps [2]*App
	for i := range apps {
		apps[i], err = New(Config{Logf: t.Logf, Now: clk.Now, CookieSecret: secret, Store: mem, RememberStore: rem,
			RingBackend: func(family string) (keyring.Backend, error) { return backends[family], nil }})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(apps[i])
		t.Cleanup(srv.Close)
		bases[i] = srv.URL
	}
	c := &http.Client{}
	check := func(step string) {
		t.Helper()
		if apps[0].SigningKeyID() != apps[1].SigningKeyID() {
			t.Fatalf("%s: signing keys differ: %s, %s", step, apps[0].SigningKeyID(), apps[1].SigningKeyID())
		}
		for i := range apps {
			p := apiToken(t, c, bases[i])
			if code, m := bearerReq(t, c, "GET", bases[1-i]+"/api/me", p.Access); code != 200 {
				t.Fatalf("%s: token of app %d refused by the other: %d %v", step, i, code, m)
			}
			web := newClient(t)
			login(t, web, bases[i], true)
			if w := who(t, web, bases[1-i]); w.User != "test" {
				t.Fatalf("%s: session of app %d refused by the other: %+v", step, i, w)
			}
			dropCookie(web, bases[i], "session")
			if w := who(t, web, bases[1-i]); w.User != "test" || w.Fresh {
				t.Fatalf("%s: remember-me cookie of app %d refused by the other: %+v", step, i, w)
			}
		}
	}
	check("start")
	old := newClient(t)
	login(t, old, bases[0], false)
	k1, k2 := rotate(t, c, bases[0]), rotate(t, c, bases[1])
	if k1 != k2 {
		t.Fatalf("rotations at both apps made two keys: %s, %s", k1, k2)
	}
	tickRings(t, apps[0])
	tickRings(t, apps[1])
	check("rotation published")
	clk.Add(DefaultPublishAhead)
	tickRings(t, apps[0])
	tickRings(t, apps[1])
	if apps[0].SigningKeyID() != k1 {
		t.Fatalf("signing key %s, want %s", apps[0].SigningKeyID(), k1)
	}
	check("rotated")
	// Rotation logged nobody out: the session made before it still reads.
	if w := who(t, old, bases[1]); w.User != "test" {
		t.Fatalf("session from before the rotation: %+v", w)
	}
}

// TestWebLogoutStoreDown: "Log out" clears the session and remember-me
// cookies even while the store is down.
func TestWebLogoutStoreDown(t *testing.T) {
	st := newSwitchStore(t)
	h, err := New(Config{Logf: t.Logf, Store: st, RememberStore: st})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c := newClient(t)
	login(t, c, srv.URL, true)
	st.down.Store(true)
	req, _ := http.NewRequest("POST", srv.URL+"/logout", nil)
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout, store down: %d", resp.StatusCode)
	}
	if cookie(t, c, srv.URL, "session") != nil || cookie(t, c, srv.URL, "remember") != nil {
		t.Fatal("logout with the store down left a cookie")
	}
	st.down.Store(false)
	if w := who(t, c, srv.URL); w.User != "" {
		t.Fatalf("logged in after logout: %+v", w)
	}
}

// TestOutageLoggedOnce: failures while the store is down make one log
// line, and one more with the count when it has been quiet.
func TestOutageLoggedOnce(t *testing.T) {
	clk := &testClock{t: time.Now()}
	var mu sync.Mutex
	var lines []string
	o := &outageLog{now: clk.Now, logf: func(f string, args ...any) {
		mu.Lock()
		lines = append(lines, fmt.Sprintf(f, args...))
		mu.Unlock()
	}}
	for range 100 {
		o.fail("token", store.ErrUnavailable)
		clk.Add(10 * time.Millisecond)
		o.check()
	}
	if len(lines) != 1 || !strings.Contains(lines[0], "store outage") {
		t.Fatalf("lines during the outage: %q", lines)
	}
	clk.Add(outageQuiet)
	o.check()
	if len(lines) != 2 || !strings.Contains(lines[1], "100 failures") {
		t.Fatalf("lines after the outage: %q", lines)
	}
	o.fail("web", store.ErrUnavailable)
	if len(lines) != 3 {
		t.Fatalf("a new outage was not logged: %q", lines)
	}
}

// downBackend is a backend (keeping its data in a keyring.Memory, but not
// one: the ring wraps its keys) that fails while down is set.
type downBackend struct {
	mem  *keyring.Memory
	down *atomic.Bool
}

func (b downBackend) Load(ctx context.Context) (keyring.Record, error) {
	if b.down.Load() {
		return keyring.Record{}, errors.New("backend down")
	}
	return b.mem.Load(ctx)
}

func (b downBackend) CompareAndSwap(ctx context.Context, old uint64, rec keyring.Record) error {
	if b.down.Load() {
		return errors.New("backend down")
	}
	return b.mem.CompareAndSwap(ctx, old, rec)
}

// TestRingBehindUnknownKey: a process whose ring has not synced with its
// shared backend for a while answers a token of a key it does not know
// 503 (the fleet may have published it meanwhile), not 401; in sync, 401.
func TestRingBehindUnknownKey(t *testing.T) {
	clk := &testClock{t: time.Now().Round(time.Second)}
	var down atomic.Bool
	a, err := New(Config{Logf: t.Logf, Now: clk.Now, RingBackend: func(string) (keyring.Backend, error) {
		return downBackend{keyring.NewMemory(), &down}, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	other, _ := paseto.GenerateSecretKey(paseto.V4)
	kid, _ := paserk.ID(other.Public())
	footer, _ := json.Marshal(map[string]string{"kid": kid})
	tok, err := paseto.Sign(other, []byte(`{"sub":"test","type":"access","iss":"pasetokit-demo","exp":"2100-01-01T00:00:00Z"}`), footer, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{}
	if code, _ := bearerReq(t, c, "GET", srv.URL+"/api/me", tok); code != 401 {
		t.Fatalf("unknown key, ring in sync: %d, want 401", code)
	}
	down.Store(true)
	clk.Add(ringBehindAfter + time.Second)
	_ = a.rings.access.Tick(context.Background()) // fails: the backend is down
	if code, _ := bearerReq(t, c, "GET", srv.URL+"/api/me", tok); code != 503 {
		t.Fatalf("unknown key, ring behind: %d, want 503", code)
	}
	down.Store(false)
	tickRings(t, a)
	if code, _ := bearerReq(t, c, "GET", srv.URL+"/api/me", tok); code != 401 {
		t.Fatalf("unknown key, ring in sync again: %d, want 401", code)
	}
}

// TestRedisReplica serves two apps on one Redis with the same keys, the
// second reading revocations and cut-offs from a redisstore.Replica (the
// demo's -redis-replica): a logout and a "log out everywhere" answered 200
// by the first reach the second within the replica's bound, although the
// second had answered (and kept) 200 for those tokens before.
func TestRedisReplica(t *testing.T) {
	addr := os.Getenv("PASETOKIT_REDIS_ADDR")
	if addr == "" {
		t.Skip("PASETOKIT_REDIS_ADDR not set")
	}
	_, s, _ := redisTestStore(t, addr)
	const maxStale = 100 * time.Millisecond
	r, err := s.NewReplica(context.Background(), redisstore.ReplicaConfig{MaxStale: maxStale})
	if err != nil {
		t.Fatalf("NewReplica (the server needs notify-keyspace-events Kg$hxe): %v", err)
	}
	t.Cleanup(func() { _ = r.Close() })
	sk, err := paseto.GenerateSecretKey(paseto.V4)
	if err != nil {
		t.Fatal(err)
	}
	tokenKey, err := paserk.Encode(sk)
	if err != nil {
		t.Fatal(err)
	}
	secret := bytes.Repeat([]byte{7}, 32)
	serve := func(st store.Store) string {
		a, err := New(Config{Logf: t.Logf, TokenKey: tokenKey, CookieSecret: secret, Store: st, RememberStore: s})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(a)
		t.Cleanup(srv.Close)
		return srv.URL
	}
	plain, replicated := serve(s), serve(r)
	cl := newClient(t)
	refusedWithin := func(t *testing.T, tok string) {
		t.Helper()
		deadline := time.Now().Add(10 * maxStale)
		for {
			code, m := bearerReq(t, cl, "GET", replicated+"/api/me", tok)
			if code == 401 {
				return
			}
			if code != 200 || time.Now().After(deadline) {
				t.Fatalf("replica app: %d %v, %v after the revocation", code, m, 10*maxStale)
			}
		}
	}
	for _, tc := range []struct{ name, path string }{
		{"logout", "/api/logout"},
		{"logout everywhere", "/api/logout-everywhere"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := apiToken(t, cl, plain)
			for range 2 { // the second answer comes from the replica
				if code, m := bearerReq(t, cl, "GET", replicated+"/api/me", p.Access); code != 200 {
					t.Fatalf("replica app before %s: %d %v", tc.name, code, m)
				}
			}
			if code, m := bearerReq(t, cl, "POST", plain+tc.path, p.Access); code != 200 {
				t.Fatalf("%s: %d %v", tc.name, code, m)
			}
			refusedWithin(t, p.Access)
		})
	}
}
