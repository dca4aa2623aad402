package app

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pasetokit/pasetokit/observe"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
)

func TestListenMetricsLoopbackOnly(t *testing.T) {
	for _, addr := range []string{
		":0",            // every interface
		"0.0.0.0:0",     // every IPv4 interface
		"[::]:0",        // every IPv6 interface
		"10.0.0.1:0",    // private
		"192.0.2.1:0",   // public (documentation range)
		"example.com:0", // a name that may resolve anywhere
		"localhost.example.com:0",
		"127.0.0.1", // no port
	} {
		ln, err := ListenMetrics(addr)
		if err == nil {
			ln.Close()
			t.Errorf("ListenMetrics(%q) listened on %s", addr, ln.Addr())
			continue
		}
		if addr != "127.0.0.1" && !errors.Is(err, ErrMetricsNotLoopback) {
			t.Errorf("ListenMetrics(%q) = %v, want ErrMetricsNotLoopback", addr, err)
		}
	}
	for _, addr := range []string{"127.0.0.1:0", "localhost:0"} {
		ln, err := ListenMetrics(addr)
		if err != nil {
			t.Errorf("ListenMetrics(%q): %v", addr, err)
			continue
		}
		ln.Close()
	}
}

// TestMetrics drives the API with a bad token and a good one and reads
// GET /metrics on the metrics listener: the requests and verifications are
// counted by reason, and no token, subject or key bytes are in the JSON.
func TestMetrics(t *testing.T) {
	sk, err := paseto.GenerateSecretKey(paseto.V4)
	if err != nil {
		t.Fatal(err)
	}
	tokenKey, _ := paserk.Encode(sk)
	publicKey, _ := paserk.Encode(sk.Public())
	cookieSecret := bytes.Repeat([]byte{9}, 32)
	counts, err := observe.NewCounts(observe.CountsConfig{})
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(Config{Logf: t.Logf, TokenKey: tokenKey, CookieSecret: cookieSecret, Events: counts})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	ln, err := ListenMetrics("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	msrv := MetricsServer(counts)
	go msrv.Serve(ln)
	t.Cleanup(func() { msrv.Close() })
	metricsURL := "http://" + ln.Addr().String()

	c := newClient(t)
	p := apiToken(t, c, srv.URL)
	// A forged token: a good one with a character of its signature
	// changed. Not the body's last character, whose low bits may be
	// padding (the flip would then make it malformed, not forged).
	bad := []byte(p.Access)
	body := strings.LastIndexByte(p.Access, '.') - 8
	// Another base64url letter, so the token stays well-formed.
	if bad[body] == 'A' {
		bad[body] = 'B'
	} else {
		bad[body] = 'A'
	}
	if code, _ := bearerReq(t, c, "GET", srv.URL+"/api/me", string(bad)); code != 401 {
		t.Fatalf("forged token: %d", code)
	}
	if code, _ := bearerReq(t, c, "GET", srv.URL+"/api/me", "v4.public.garbage"); code != 401 {
		t.Fatalf("garbage token: %d", code)
	}
	if code, _ := bearerReq(t, c, "GET", srv.URL+"/api/me", p.Access); code != 200 {
		t.Fatalf("good token: %d", code)
	}
	if code, _ := do(t, c, "GET", srv.URL+"/api/me", nil, nil); code != 401 {
		t.Fatalf("no token: %d", code)
	}

	// The public listener has no /metrics.
	if code, _ := do(t, c, "GET", srv.URL+"/metrics", nil, nil); code != 404 {
		t.Errorf("GET /metrics on the public listener: %d, want 404", code)
	}
	// The metrics listener has nothing else.
	if code, _ := do(t, c, "GET", metricsURL+"/api/me", nil, nil); code != 404 {
		t.Errorf("GET /api/me on the metrics listener: %d, want 404", code)
	}

	resp, err := c.Get(metricsURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var raw bytes.Buffer
	if _, err := raw.ReadFrom(resp.Body); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("GET /metrics: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var snap observe.CountsSnapshot
	if err := json.Unmarshal(raw.Bytes(), &snap); err != nil {
		t.Fatalf("GET /metrics: %v: %s", err, raw.String())
	}
	t.Logf("metrics: %s", raw.String())
	for key, want := range map[string]uint64{
		"request/httpauth/ok":              1,
		"request/httpauth/token_invalid":   1, // forged
		"request/httpauth/token_malformed": 1, // garbage
		"request/httpauth/token_missing":   1,
	} {
		if got := snap.Events[key]; got != want {
			t.Errorf("events[%q] = %d, want %d", key, got, want)
		}
	}
	var verifyOK, verifyBad uint64
	for key, n := range snap.Events {
		if strings.HasPrefix(key, "verify/") {
			if strings.HasSuffix(key, "/ok") {
				verifyOK += n
			} else {
				verifyBad += n
			}
		}
	}
	if verifyOK != 1 || verifyBad != 2 {
		t.Errorf("verify events: %d ok, %d failed, want 1 and 2: %v", verifyOK, verifyBad, snap.Events)
	}

	out := raw.String()
	for what, secret := range map[string]string{
		"access token":        p.Access,
		"access token body":   strings.Split(p.Access, ".")[2],
		"refresh token":       p.Refresh,
		"refresh token body":  strings.Split(p.Refresh, ".")[2],
		"forged token":        string(bad),
		"subject":             `"test"`,
		"secret key":          tokenKey,
		"secret key bytes":    strings.TrimPrefix(tokenKey, "k4.secret."),
		"public key bytes":    strings.TrimPrefix(publicKey, "k4.public."),
		"cookie secret":       base64.StdEncoding.EncodeToString(cookieSecret),
		"cookie secret (url)": base64.RawURLEncoding.EncodeToString(cookieSecret),
	} {
		if strings.Contains(out, secret) {
			t.Errorf("/metrics holds the %s", what)
		}
	}
	if strings.Contains(out, "test") {
		t.Errorf("/metrics holds the user name: %s", out)
	}
}

// TestMetricsServerMethods: /metrics answers GET only.
func TestMetricsServerMethods(t *testing.T) {
	counts, _ := observe.NewCounts(observe.CountsConfig{})
	h := MetricsServer(counts).Handler
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/metrics", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /metrics: %d", rec.Code)
	}
}
