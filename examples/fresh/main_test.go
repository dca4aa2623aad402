package main

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"
)

// start serves a new application on 127.0.0.1 and returns its base URL.
func start(t *testing.T) string {
	t.Helper()
	h, err := newHandler(nil)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

// call sends a request and decodes the JSON answer.
func call(t *testing.T, method, url, token, body string) (int, map[string]string) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewBufferString(body))
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
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s %s: Content-Type %q", method, url, ct)
	}
	var out map[string]string
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	return res.StatusCode, out
}

func login(t *testing.T, base string) (access, refresh string) {
	t.Helper()
	status, out := call(t, "POST", base+"/login", "", `{"username":"test","password":"test"}`)
	if status != 200 {
		t.Fatalf("login: %d %v", status, out)
	}
	return out["access_token"], out["refresh_token"]
}

func TestFresh(t *testing.T) {
	base := start(t)
	access, refresh := login(t, base)
	for _, tok := range []string{access, refresh} {
		if !strings.HasPrefix(tok, "v4.local.") {
			t.Errorf("token header %.10q", tok)
		}
	}
	status, out := call(t, "POST", base+"/fresh-login", "", `{"username":"test","password":"test"}`)
	if status != 200 || out["access_token"] == "" || out["refresh_token"] != "" {
		t.Fatalf("fresh-login: %d %v", status, out)
	}
	freshOnly := out["access_token"]
	status, out = call(t, "POST", base+"/refresh", refresh, "")
	if status != 200 || out["access_token"] == "" {
		t.Fatalf("refresh: %d %v", status, out)
	}
	stale := out["access_token"]

	creds := `{"username":"test","password":"test"}`
	bad := `{"username":"test","password":"nope"}`
	tests := []struct {
		name, method, path, token, body string
		status                          int
		want                            map[string]string // exact body, or nil to only check a detail
	}{
		{"login bad password", "POST", "/login", "", bad, 401, map[string]string{"detail": "Bad username or password"}},
		{"fresh-login bad password", "POST", "/fresh-login", "", bad, 401, map[string]string{"detail": "Bad username or password"}},
		{"fresh-login bad body", "POST", "/fresh-login", "", "[", 422, nil},
		{"protected fresh", "GET", "/protected", access, "", 200, map[string]string{"user": "test"}},
		{"protected fresh-login", "GET", "/protected", freshOnly, "", 200, map[string]string{"user": "test"}},
		{"protected non-fresh", "GET", "/protected", stale, "", 200, map[string]string{"user": "test"}},
		{"protected refresh token", "GET", "/protected", refresh, "", 401, map[string]string{"detail": "Wrong token type"}},
		{"protected no token", "GET", "/protected", "", "", 401, map[string]string{"detail": "Missing token"}},
		{"protected-fresh fresh", "GET", "/protected-fresh", access, "", 200, map[string]string{"user": "test"}},
		{"protected-fresh fresh-login", "GET", "/protected-fresh", freshOnly, "", 200, map[string]string{"user": "test"}},
		// 403 insufficient_scope (RFC 6750 §3.1), where the Python original answers 401.
		{"protected-fresh non-fresh", "GET", "/protected-fresh", stale, "", 403, map[string]string{"detail": "Fresh token required"}},
		{"protected-fresh refresh token", "GET", "/protected-fresh", refresh, "", 401, map[string]string{"detail": "Wrong token type"}},
		{"protected-fresh no token", "GET", "/protected-fresh", "", "", 401, map[string]string{"detail": "Missing token"}},
		{"refresh with access token", "POST", "/refresh", access, "", 401, map[string]string{"detail": "Wrong token type"}},
		{"refresh no token", "POST", "/refresh", "", "", 401, map[string]string{"detail": "Missing token"}},
		{"refresh garbage", "POST", "/refresh", "v4.local.AAAA", "", 401, nil},
		{"login again", "POST", "/login", "", creds, 200, nil},
	}
	for _, tt := range tests {
		status, out := call(t, tt.method, base+tt.path, tt.token, tt.body)
		if status != tt.status {
			t.Errorf("%s: status %d, want %d (%v)", tt.name, status, tt.status, out)
		}
		switch {
		case tt.want != nil:
			if len(out) != len(tt.want) {
				t.Errorf("%s: body %v, want %v", tt.name, out, tt.want)
			}
			for k, v := range tt.want {
				if out[k] != v {
					t.Errorf("%s: %s = %q, want %q", tt.name, k, out[k], v)
				}
			}
		case status != 200 && (out["detail"] == "" || strings.Contains(out["detail"], "verifier")):
			t.Errorf("%s: detail %q", tt.name, out["detail"])
		}
	}
	// As in the FastAPI original the refresh token is reusable, and each
	// use gives a non-fresh access token.
	if status, out := call(t, "POST", base+"/refresh", refresh, ""); status != 200 || len(out) != 1 || out["access_token"] == "" {
		t.Fatalf("second refresh: %d %v", status, out)
	}
}
