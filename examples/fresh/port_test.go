package main

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
	"testing"
)

// TestPortedConfiguration runs the example on fastapi-paseto variables:
// a 32-byte local secret, a bare-token header (AUTHPASETO_HEADER_TYPE
// empty) and JSON bodies (AUTHPASETO_TOKEN_LOCATION), as a Python client
// of the original sends them.
func TestPortedConfiguration(t *testing.T) {
	h, err := newHandler(map[string]string{
		"AUTHPASETO_SECRET_KEY":     "0123456789abcdef0123456789abcdef",
		"AUTHPASETO_HEADER_TYPE":    "",
		"AUTHPASETO_TOKEN_LOCATION": "headers,json",
	})
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
	base := "http://" + ln.Addr().String()

	res, err := http.Post(base+"/login", "application/json", bytes.NewBufferString(`{"username":"test","password":"test"}`))
	if err != nil {
		t.Fatal(err)
	}
	var pair map[string]string
	json.NewDecoder(res.Body).Decode(&pair)
	res.Body.Close()

	// A bare token in the Authorization header.
	req, _ := http.NewRequest("GET", base+"/protected-fresh", nil)
	req.Header.Set("Authorization", pair["access_token"])
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 200 {
		t.Fatalf("bare header: %v %v", err, res.Status)
	}
	// "Bearer <token>" is something else than a bare token: refused.
	req.Header.Set("Authorization", "Bearer "+pair["access_token"])
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 401 {
		t.Fatalf("bearer on a bare header: %v %v", err, res.Status)
	}
	// The refresh token in a JSON body.
	res, err = http.Post(base+"/refresh", "application/json", bytes.NewBufferString(`{"access_token":"`+pair["refresh_token"]+`"}`))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("json body: %v %v", err, res.Status)
	}
	res.Body.Close()
}
