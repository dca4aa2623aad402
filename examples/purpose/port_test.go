package main

import (
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/pasetokit/pasetokit/compat/fastapipaseto"
)

// Keys of fastapi-paseto's examples/purpose.py (Raze-Systems/fastapi-paseto):
// its Ed25519 PEM pair. Its local secret, "secret", is 6 bytes: refused.
const (
	pyPrivatePEM = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIL7pfyWYtZD7fDPDm+W0kWbNo/AdbRrDjjxMOgy2EL1N\n-----END PRIVATE KEY-----\n"
	pyPublicPEM  = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAc4ZDHPLZ6eGU3yL4ApPpQUq4cQUA900NY1csJIcwAxY=\n-----END PUBLIC KEY-----\n"
)

func startEnv(t *testing.T, env map[string]string) string {
	t.Helper()
	h, err := newHandler(env)
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

// TestPortedConfiguration runs the example on the Python original's
// variables (with a 32-byte local secret): access tokens are v4.local,
// refresh tokens v4.public under the original's PEM key.
func TestPortedConfiguration(t *testing.T) {
	base := startEnv(t, map[string]string{
		"AUTHPASETO_SECRET_KEY":           "0123456789abcdef0123456789abcdef",
		"AUTHPASETO_PRIVATE_KEY":          pyPrivatePEM,
		"AUTHPASETO_PUBLIC_KEY":           pyPublicPEM,
		"AUTHPASETO_ACCESS_TOKEN_EXPIRES": "300",
	})
	access, refresh := login(t, base)
	if !strings.HasPrefix(access, "v4.local.") || !strings.HasPrefix(refresh, "v4.public.") {
		t.Fatalf("access %.10s refresh %.10s", access, refresh)
	}
	if status, out := call(t, "GET", base+"/protected", access, ""); status != 200 || out["user"] != "test" {
		t.Fatalf("protected: %d %v", status, out)
	}
	if status, out := call(t, "POST", base+"/refresh", refresh, ""); status != 200 || out["access_token"] == "" {
		t.Fatalf("refresh: %d %v", status, out)
	}
}

func TestPortedConfigurationRefused(t *testing.T) {
	_, err := newHandler(map[string]string{"AUTHPASETO_SECRET_KEY": "secret", "AUTHPASETO_PRIVATE_KEY": pyPrivatePEM})
	var ce *fastapipaseto.ConfigError
	if !errors.As(err, &ce) || ce.Field != "AUTHPASETO_SECRET_KEY" {
		t.Fatalf("%v", err)
	}
}
