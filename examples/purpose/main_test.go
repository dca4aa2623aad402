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

func TestPurpose(t *testing.T) {
	base := start(t)
	access, refresh := login(t, base)
	if !strings.HasPrefix(access, "v4.local.") {
		t.Errorf("access token header %.10q", access)
	}
	if !strings.HasPrefix(refresh, "v4.public.") {
		t.Errorf("refresh token header %.10q", refresh)
	}

	tests := []struct {
		name, method, path, token, body string
		status                          int
		want                            map[string]string // exact body, or nil to only check a detail
	}{
		{"bad password", "POST", "/login", "", `{"username":"test","password":"nope"}`, 401, map[string]string{"detail": "Bad username or password"}},
		{"bad user", "POST", "/login", "", `{"username":"x","password":"test"}`, 401, map[string]string{"detail": "Bad username or password"}},
		{"bad body", "POST", "/login", "", `{`, 422, nil},
		{"protected", "GET", "/protected", access, "", 200, map[string]string{"user": "test"}},
		{"protected without token", "GET", "/protected", "", "", 401, map[string]string{"detail": "Missing token"}},
		{"protected with refresh token", "GET", "/protected", refresh, "", 401, nil},
		{"protected with garbage", "GET", "/protected", "v4.local.xyz", "", 401, nil},
		{"refresh with access token", "POST", "/refresh", access, "", 401, nil},
		{"refresh without token", "POST", "/refresh", "", "", 401, map[string]string{"detail": "Missing token"}},
	}
	for _, tt := range tests {
		status, out := call(t, tt.method, base+tt.path, tt.token, tt.body)
		if status != tt.status {
			t.Errorf("%s: status %d, want %d (%v)", tt.name, status, tt.status, out)
		}
		if tt.want != nil {
			if len(out) != len(tt.want) {
				t.Errorf("%s: body %v, want %v", tt.name, out, tt.want)
			}
			for k, v := range tt.want {
				if out[k] != v {
					t.Errorf("%s: %s = %q, want %q", tt.name, k, out[k], v)
				}
			}
		} else if out["detail"] == "" || strings.Contains(out["detail"], "verifier") {
			t.Errorf("%s: detail %q", tt.name, out["detail"])
		}
	}

	// /refresh returns only a new local access token that opens
	// /protected; the refresh token stays usable until it expires, as in
	// the FastAPI original.
	for n := 0; n < 2; n++ {
		status, out := call(t, "POST", base+"/refresh", refresh, "")
		if status != 200 || !strings.HasPrefix(out["access_token"], "v4.local.") || len(out) != 1 {
			t.Fatalf("refresh %d: %d %v", n, status, out)
		}
		if status, got := call(t, "GET", base+"/protected", out["access_token"], ""); status != 200 || got["user"] != "test" {
			t.Fatalf("protected with refreshed token: %d %v", status, got)
		}
	}
}
