package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/authtoken"
	"github.com/pasetokit/pasetokit/httpauth"
	"github.com/pasetokit/pasetokit/issuer"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/store"
	"github.com/pasetokit/pasetokit/store/redisstore"
)

// newKey returns a new v4.public signing key as a PASERK.
func newKey(t *testing.T) string {
	t.Helper()
	sk, err := paseto.GenerateSecretKey(paseto.V4)
	if err != nil {
		t.Fatal(err)
	}
	s, err := paserk.Encode(sk)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newIssuer(t *testing.T, key, name string, now func() time.Time) *issuer.Issuer {
	t.Helper()
	iss, err := issuer.New(issuer.Config{Keys: []keyring.Key{{PASERK: key}}, Issuer: name, Lifetime: time.Minute, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return iss
}

// issue makes a token of iss as the demo's authtoken.Manager makes access
// tokens: with "type": "access" (the kind the resource server requires).
func issue(t *testing.T, iss *issuer.Issuer, claims map[string]any) string {
	t.Helper()
	claims["type"] = "access"
	tok, err := iss.Issue(claims)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// get calls GET url with token (none when empty) and returns the status,
// the headers and the decoded JSON body.
func get(t *testing.T, url, token string) (int, http.Header, map[string]string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]string
	body, _ := io.ReadAll(res.Body)
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("GET %s: %d, body %q is not a JSON object of strings", url, res.StatusCode, body)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("GET %s: Content-Type %q", url, ct)
	}
	return res.StatusCode, res.Header, out
}

// serve runs the resource server for cfg on 127.0.0.1 and returns its URL
// of /me.
func serve(t *testing.T, cfg config) string {
	t.Helper()
	s, err := newServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.handler())
	t.Cleanup(srv.Close)
	return srv.URL + "/me"
}

// TestMe runs the resource server in process against a key set served by
// an issuer.Issuer, as the demo serves its own.
func TestMe(t *testing.T) {
	key := newKey(t)
	demo := newIssuer(t, key, demoIssuer, nil)
	keys := httptest.NewServer(demo.KeySetHandler())
	t.Cleanup(keys.Close)
	me := serve(t, config{keysURL: keys.URL, issuer: demoIssuer})

	past := func() time.Time { return time.Now().Add(-time.Hour) }
	local, err := paseto.GenerateSymmetricKey(paseto.V4)
	if err != nil {
		t.Fatal(err)
	}
	lk, _ := paserk.Encode(local)
	tests := []struct {
		name   string
		token  string
		status int
	}{
		{"access token", issue(t, demo, map[string]any{"sub": "alice"}), 200},
		{"no token", "", 401},
		{"garbage", "garbage", 401},
		{"not a PASETO", "v4.public.AAAA", 401},
		{"key not in the set", issue(t, newIssuer(t, newKey(t), demoIssuer, nil), map[string]any{"sub": "alice"}), 401},
		{"other issuer, same key", issue(t, newIssuer(t, key, "someone-else", nil), map[string]any{"sub": "alice"}), 401},
		{"expired", issue(t, newIssuer(t, key, demoIssuer, past), map[string]any{"sub": "alice"}), 401},
		{"no sub", issue(t, demo, map[string]any{"name": "alice"}), 401},
		{"local token", issue(t, newIssuer(t, lk, demoIssuer, nil), map[string]any{"sub": "alice"}), 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, h, body := get(t, me, tt.token)
			if status != tt.status {
				t.Fatalf("status %d %v, want %d", status, body, tt.status)
			}
			if status == 200 {
				if body["user"] != "alice" || len(body) != 1 {
					t.Fatalf("body %v, want {\"user\":\"alice\"}", body)
				}
				return
			}
			if body["error"] == "" || body["detail"] == "" {
				t.Fatalf("body %v, want httpauth's {\"error\",\"detail\"}", body)
			}
			if h.Get("WWW-Authenticate") == "" {
				t.Fatal("no WWW-Authenticate challenge")
			}
		})
	}
}

// TestKeySetFailures: a key set that cannot be had, or that names another
// issuer, fails closed with 503 and Retry-After.
func TestKeySetFailures(t *testing.T) {
	demo := newIssuer(t, newKey(t), demoIssuer, nil)
	keys := httptest.NewServer(demo.KeySetHandler())
	t.Cleanup(keys.Close)
	tok := issue(t, demo, map[string]any{"sub": "alice"})

	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()
	for name, cfg := range map[string]config{
		"key set down":           {keysURL: gone.URL, issuer: demoIssuer},
		"key set of another iss": {keysURL: keys.URL, issuer: "someone-else"},
	} {
		t.Run(name, func(t *testing.T) {
			status, h, body := get(t, serve(t, cfg), tok)
			if status != 503 || h.Get("Retry-After") == "" || body["error"] == "" {
				t.Fatalf("status %d, Retry-After %q, body %v; want 503 with Retry-After", status, h.Get("Retry-After"), body)
			}
		})
	}
}

func TestNewServerRefusesBadURL(t *testing.T) {
	for _, u := range []string{"", "http://example.com/keys", "ftp://127.0.0.1/keys"} {
		if _, err := newServer(config{keysURL: u, issuer: demoIssuer}); err == nil {
			t.Errorf("keys URL %q accepted", u)
		}
	}
}

// freeAddr returns a free loopback address.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// run starts a built binary and stops it when the test ends, showing its
// output if the test failed.
func run(t *testing.T, bin string, args ...string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("%s output:\n%s", filepath.Base(bin), out.String())
		}
	})
}

// until polls f every 20ms until it reports true, for up to 30 seconds.
func until(t *testing.T, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after 30s", what)
		}
		time.Sleep(20 * time.Millisecond) // polling a starting process
	}
}

// TestWithDemoProcesses builds the demo and the resource server, runs both
// as processes on loopback ports, and presents a token from the demo to
// the resource server, before and after a rotation by the demo. Both read
// one redis-server: the demo's tokens belong to refresh families, which a
// resource server sees live only in the demo's store.
func TestWithDemoProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts the demo")
	}
	redisBin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("no redis-server: the demo's tokens are checked against its store")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.work")); err != nil {
		t.Skip("needs the repository's go.work to build examples/demo")
	}
	dir := buildBoth(t, root)
	redisAddr := startRedis(t, redisBin)
	demoAddr, rsAddr := freeAddr(t), freeAddr(t)
	demo, rs := "http://"+demoAddr, "http://"+rsAddr
	run(t, filepath.Join(dir, "demo"), "-addr", demoAddr, "-redis", redisAddr)
	until(t, "demo /healthz", func() bool {
		res, err := http.Get(demo + "/healthz")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == 200
	})
	run(t, filepath.Join(dir, "resource_server"), "-addr", rsAddr,
		"-keys-url", demo+"/.well-known/paseto-keys", "-min-refresh", "200ms", "-redis", redisAddr)
	until(t, "resource server up", func() bool {
		res, err := http.Get(rs + "/me")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == 401
	})

	token := func() string {
		t.Helper()
		res, err := http.Post(demo+"/api/token", "application/json", strings.NewReader(`{"username":"test","password":"test"}`))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out struct {
			AccessToken string `json:"access_token"`
		}
		if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != 200 || out.AccessToken == "" {
			t.Fatalf("POST /api/token: %d, %v", res.StatusCode, err)
		}
		return out.AccessToken
	}
	status, _, body := get(t, rs+"/me", token())
	if status != 200 || body["user"] != "test" {
		t.Fatalf("GET /me with the demo's token: %d %v, want 200 {\"user\":\"test\"}", status, body)
	}
	for _, bad := range []string{"", "garbage", strings.Replace(token(), "v4.public.", "v4.public.A", 1)} {
		if status, _, body := get(t, rs+"/me", bad); status != 401 || body["error"] == "" {
			t.Fatalf("GET /me with token %.20q: %d %v, want 401 and the httpauth error", bad, status, body)
		}
	}

	// The demo rotates; its tokens keep being accepted (once the resource
	// server has the key: the next key is published ahead, or fetched on
	// its unknown kid).
	req, _ := http.NewRequest("POST", demo+"/admin/rotate", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("POST /admin/rotate: %d", res.StatusCode)
	}
	fresh := token()
	until(t, "a token after the rotation accepted", func() bool {
		status, _, _ := get(t, rs+"/me", fresh)
		return status == 200
	})
}

// TestKindsAndRevocation runs the resource server against an
// authtoken.Manager as the demo's (access keys published, refresh tokens
// under a local key) sharing its store: a refresh token is 401
// token_wrong_type, and a logged-out access token 401 token_revoked.
// Without the shared store, the server checks what a token proves alone:
// the access token passes (and stays valid after a logout it cannot see),
// the refresh token still fails (its key is not published, and its kind
// is bound to it).
func TestKindsAndRevocation(t *testing.T) {
	mem, err := store.NewMemory(store.MemoryConfig{})
	if err != nil {
		t.Fatal(err)
	}
	local, err := paseto.GenerateSymmetricKey(paseto.V4)
	if err != nil {
		t.Fatal(err)
	}
	lk, _ := paserk.Encode(local)
	m, err := authtoken.New(authtoken.Config{
		Access:  authtoken.KindConfig{Keys: []keyring.Key{{PASERK: newKey(t)}}},
		Refresh: authtoken.KindConfig{Keys: []keyring.Key{{PASERK: lk}}},
		Issuer:  demoIssuer,
		Store:   mem,
	})
	if err != nil {
		t.Fatal(err)
	}
	keys := httptest.NewServer(m.KeySetHandler())
	t.Cleanup(keys.Close)
	ctx := context.Background()
	for _, shared := range []bool{false, true} {
		cfg := config{keysURL: keys.URL, issuer: demoIssuer}
		if shared {
			cfg.store = mem
		}
		me := serve(t, cfg)
		p, err := m.Login(ctx, "alice", nil)
		if err != nil {
			t.Fatal(err)
		}
		if !shared {
			if status, _, body := get(t, me, p.Access); status != 200 || body["user"] != "alice" {
				t.Fatalf("without a store: access token: %d %v, want 200", status, body)
			}
			if status, _, body := get(t, me, p.Refresh); status != 401 {
				t.Fatalf("without a store: refresh token: %d %v, want 401", status, body)
			}
			continue
		}
		if status, _, body := get(t, me, p.Access); status != 200 || body["user"] != "alice" {
			t.Fatalf("shared=%v: access token: %d %v", shared, status, body)
		}
		if status, _, body := get(t, me, p.Refresh); status != 401 || body["error"] != httpauth.CodeWrongType {
			t.Fatalf("shared=%v: refresh token: %d %v, want 401 %s", shared, status, body, httpauth.CodeWrongType)
		}
		if err := m.Logout(ctx, p.Access); err != nil {
			t.Fatal(err)
		}
		if status, _, body := get(t, me, p.Access); status != 401 || body["error"] != httpauth.CodeRevoked {
			t.Fatalf("logged-out token with the shared store: %d %v, want 401 %s", status, body, httpauth.CodeRevoked)
		}
	}
}

// buildBoth builds the demo and the resource server into a temporary
// directory, from the repository at root (with its go.work).
func buildBoth(t *testing.T, root string) string {
	t.Helper()
	dir := t.TempDir()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command, to build the binaries: %v", err)
	}
	for _, p := range []string{"demo", "resource_server"} {
		cmd := exec.Command(goBin, "build", "-o", filepath.Join(dir, p), "./examples/"+p)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build ./examples/%s: %v\n%s", p, err, out)
		}
	}
	return dir
}

// startRedis runs redis-server (redisBin) on a free loopback port, with
// the extra flags, and returns its address once it accepts connections.
func startRedis(t *testing.T, redisBin string, extra ...string) string {
	t.Helper()
	port := redisPort(t)
	run(t, redisBin, append([]string{"--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", t.TempDir()}, extra...)...)
	redisAddr := "127.0.0.1:" + port
	until(t, "redis-server up", func() bool {
		c, err := net.Dial("tcp", redisAddr)
		if err != nil {
			return false
		}
		c.Close()
		return true
	})
	return redisAddr
}

// redisPort returns a free loopback port for redis-server, in 17400-17499
// or in PASETOKIT_REDIS_TEST_PORTS ("FIRST-LAST") when set.
func redisPort(t *testing.T) string {
	t.Helper()
	first, last := 17400, 17499
	if r := os.Getenv("PASETOKIT_REDIS_TEST_PORTS"); r != "" {
		lo, hi, _ := strings.Cut(r, "-")
		var err1, err2 error
		first, err1 = strconv.Atoi(lo)
		last, err2 = strconv.Atoi(hi)
		if err1 != nil || err2 != nil {
			t.Fatalf("PASETOKIT_REDIS_TEST_PORTS=%q: want FIRST-LAST", r)
		}
	}
	for p := first; p <= last; p++ {
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err == nil {
			l.Close()
			return strconv.Itoa(p)
		}
	}
	t.Skipf("no free port in %d-%d for redis-server", first, last)
	return ""
}

// post calls POST url with a bearer token (none when empty) and body, and
// returns the status and the decoded JSON body.
func post(t *testing.T, url, token, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest("POST", url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

// TestWithDemoProcessesAndRedis runs a redis-server, the demo and the
// resource server as processes, the two on the same Redis: a refresh token
// is 401 token_wrong_type at the resource server, and an access token the
// demo logged out (POST /api/logout, then "log out everywhere") is 401
// token_revoked there; with -redis-replica, no later than
// -redis-replica-max-stale after the logout's answer. Without keyspace
// notifications, -redis-replica refuses to start.
func TestWithDemoProcessesAndRedis(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts the demo and redis-server")
	}
	redisBin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("no redis-server")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.work")); err != nil {
		t.Skip("needs the repository's go.work to build examples/demo")
	}
	dir := buildBoth(t, root)
	for _, replica := range []bool{false, true} {
		t.Run(fmt.Sprintf("replica=%v", replica), func(t *testing.T) {
			withDemoAndRedis(t, dir, redisBin, replica)
		})
	}
}

func withDemoAndRedis(t *testing.T, dir, redisBin string, replica bool) {
	var redisFlags, rsFlags []string
	if replica {
		redisFlags = []string{"--notify-keyspace-events", "Kg$hxe"}
		rsFlags = []string{"-redis-replica"}
	}
	redisAddr := startRedis(t, redisBin, redisFlags...)
	demoAddr, rsAddr := freeAddr(t), freeAddr(t)
	demo, rs := "http://"+demoAddr, "http://"+rsAddr
	run(t, filepath.Join(dir, "demo"), "-addr", demoAddr, "-redis", redisAddr)
	until(t, "demo /healthz", func() bool {
		res, err := http.Get(demo + "/healthz")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == 200
	})
	if !replica {
		// A replica needs the server's keyspace notifications.
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		out, err := exec.CommandContext(ctx, filepath.Join(dir, "resource_server"), "-addr", freeAddr(t),
			"-keys-url", demo+"/.well-known/paseto-keys", "-redis", redisAddr, "-redis-replica").CombinedOutput()
		cancel()
		if err == nil || !strings.Contains(string(out), "notify-keyspace-events") {
			t.Fatalf("-redis-replica without keyspace notifications: %v, output %q; want a refusal naming notify-keyspace-events", err, out)
		}
	}
	run(t, filepath.Join(dir, "resource_server"), append([]string{"-addr", rsAddr,
		"-keys-url", demo + "/.well-known/paseto-keys", "-min-refresh", "200ms", "-redis", redisAddr}, rsFlags...)...)
	until(t, "resource server up", func() bool {
		res, err := http.Get(rs + "/me")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == 401
	})
	// revoked asks the resource server about a token logged out at
	// loggedOut until it is refused: at once without a replica; with one,
	// a 200 to a request sent later than the replica's bound fails.
	revoked := func(what, tok string, loggedOut time.Time) {
		t.Helper()
		for {
			sent := time.Now()
			status, _, body := get(t, rs+"/me", tok)
			if status == 401 && body["error"] == httpauth.CodeRevoked {
				return
			}
			if status != 200 || !replica || sent.Sub(loggedOut) > redisstore.DefaultMaxStale {
				t.Fatalf("%s, %s after the logout: %d %v, want 401 %s", what, sent.Sub(loggedOut), status, body, httpauth.CodeRevoked)
			}
			time.Sleep(2 * time.Millisecond) // polling another process
		}
	}
	login := func() (access, refresh string) {
		t.Helper()
		status, out := post(t, demo+"/api/token", "", `{"username":"test","password":"test"}`)
		a, _ := out["access_token"].(string)
		r, _ := out["refresh_token"].(string)
		if status != 200 || a == "" || r == "" {
			t.Fatalf("POST /api/token: %d %v", status, out)
		}
		return a, r
	}

	access, refresh := login()
	for range 2 { // the second answer from a replica's copy
		if status, _, body := get(t, rs+"/me", access); status != 200 || body["user"] != "test" {
			t.Fatalf("access token: %d %v", status, body)
		}
	}
	if status, _, body := get(t, rs+"/me", refresh); status != 401 || body["error"] != httpauth.CodeWrongType {
		t.Fatalf("refresh token: %d %v, want 401 %s", status, body, httpauth.CodeWrongType)
	}
	if status, out := post(t, demo+"/api/logout", access, ""); status/100 != 2 {
		t.Fatalf("POST /api/logout: %d %v", status, out)
	}
	revoked("logged-out token", access, time.Now())

	// Log out everywhere: every token of the user issued so far.
	a1, _ := login()
	a2, _ := login()
	for range 2 {
		if status, _, body := get(t, rs+"/me", a1); status != 200 {
			t.Fatalf("access token: %d %v", status, body)
		}
	}
	if status, out := post(t, demo+"/api/logout-everywhere", a2, ""); status/100 != 2 {
		t.Fatalf("POST /api/logout-everywhere: %d %v", status, out)
	}
	revoked("token after log out everywhere", a1, time.Now())
	// A login after it works (one in the cut-off's very millisecond would
	// be refused with the older tokens: poll past it).
	until(t, "a login after log out everywhere accepted", func() bool {
		a3, _ := login()
		status, _, _ := get(t, rs+"/me", a3)
		return status == 200
	})
}
