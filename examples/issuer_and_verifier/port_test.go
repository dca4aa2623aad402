package main

import (
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/compat/flaskpaseto"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
)

// The settings of Flask-PASETO-Extended's README and
// examples/issuer_and_verifier.py (dajiaji/flask-paseto-extended), with
// PASETO_USE_KID, and the issuer's sid declared on the public key.
const (
	fpeSecret = "k4.secret.tMv7Q99M4hByfZU-SnEzB_oZu32fhQQUONnhG5QqN3Qeudu7vAR8A_1wYE4AcfCYfhayi3VyJcEfAEFdDiCxog"
	fpeSID    = "k4.sid.9gZFsAQuXhu9lif2pV3rCDjOewsMF4qb4RHGhc0zUklt"
	flaskJSON = `{
		"SECRET_KEY": "not read",
		"PASETO_ISS": "https://issuer.example",
		"PASETO_USE_KID": true,
		"PASETO_PRIVATE_KEYS": [{"version": 4, "key": "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEILTL+0PfTOIQcn2VPkpxMwf6Gbt9n4UEFDjZ4RuUKjd0\n-----END PRIVATE KEY-----"}],
		"PASETO_PUBLIC_KEYS": [{"iss": "https://issuer.example", "paserk": "k4.public.Hrnbu7wEfAP9cGBOAHHwmH4Wsot1ciXBHwBBXQ4gsaI", "kid": "` + fpeSID + `"}]
	}`
)

// TestPortKeepsPythonTokens: a token PasetoIssuer.issue made
// (flask_paseto_extended/issuer.py: payload {"user": …} plus iss, exp
// from pyseto's Paseto.new(exp=3600), footer {"kid": <sid of the secret
// key>} with PASETO_USE_KID) opens /protected/me of the port, and the
// port's own logins work.
func TestPortKeepsPythonTokens(t *testing.T) {
	s, err := flaskpaseto.FromJSON([]byte(flaskJSON))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().Truncate(time.Second)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- serve(ln, config{flask: s, now: func() time.Time { return now }}) }()
	t.Cleanup(func() { ln.Close(); <-done })
	base := "http://" + ln.Addr().String()

	k, _ := paserk.Parse(fpeSecret)
	if got := paserk.SecretID(k.(*paseto.SecretKey)); got != fpeSID {
		t.Fatalf("sid %s", got)
	}
	payload := `{"user":{"email":"foo@bar.example"},"iss":"https://issuer.example","exp":"` + now.Add(time.Hour).UTC().Format(time.RFC3339) + `"}`
	pyToken, _ := paseto.Sign(k.(*paseto.SecretKey), []byte(payload), []byte(`{"kid":"`+fpeSID+`"}`), nil)

	req, _ := http.NewRequest("GET", base+"/protected/me", nil)
	req.AddCookie(&http.Cookie{Name: cookieName, Value: pyToken})
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if b := body(t, r); r.StatusCode != 200 || !strings.Contains(b, "foo@bar.example") {
		t.Fatalf("Python token: %d %s", r.StatusCode, b)
	}

	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	r, err = c.PostForm(base+"/login", url.Values{"email": {demoEmail}, "password": {demoPass}})
	if err != nil {
		t.Fatal(err)
	}
	if b := body(t, r); r.StatusCode != 200 || !strings.Contains(b, demoEmail) {
		t.Fatalf("port login: %d %s", r.StatusCode, b)
	}
}

func TestFlaskSettingsWithoutPrivateKeys(t *testing.T) {
	s, err := flaskpaseto.FromJSON([]byte(`{"PASETO_PUBLIC_KEYS":[{"paserk":"k4.public.Hrnbu7wEfAP9cGBOAHHwmH4Wsot1ciXBHwBBXQ4gsaI"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newServer(config{flask: s}); err == nil || !strings.Contains(err.Error(), "PASETO_PRIVATE_KEYS") {
		t.Fatalf("%v", err)
	}
}
