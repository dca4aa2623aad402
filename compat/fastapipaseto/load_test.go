package fastapipaseto

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/authtoken"
	"github.com/pasetokit/pasetokit/httpauth"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
)

// Keys of fastapi-paseto's purpose example (Raze-Systems/fastapi-paseto
// examples/purpose.py): an Ed25519 PEM pair, and the local secret
// "secret", which is 6 bytes and so refused here.
const (
	examplePrivatePEM = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIL7pfyWYtZD7fDPDm+W0kWbNo/AdbRrDjjxMOgy2EL1N\n-----END PRIVATE KEY-----\n"
	examplePublicPEM  = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAc4ZDHPLZ6eGU3yL4ApPpQUq4cQUA900NY1csJIcwAxY=\n-----END PUBLIC KEY-----\n"
	exampleSecret     = "secret"
	// Flask-PASETO-Extended README's public key, not the half of the above.
	otherPublicPEM = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAHrnbu7wEfAP9cGBOAHHwmH4Wsot1ciXBHwBBXQ4gsaI=\n-----END PUBLIC KEY-----"
	secret32       = "0123456789abcdef0123456789abcdef"
)

func load(t *testing.T, m map[string]string) *Settings {
	t.Helper()
	s, err := FromMap(m)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := authtoken.New(s.AuthToken); err != nil {
		t.Fatalf("authtoken.New: %v", err)
	}
	return s
}

func TestDefaults(t *testing.T) {
	s := load(t, map[string]string{VarSecretKey: secret32})
	k, _ := paseto.NewSymmetricKey(paseto.V4, []byte(secret32))
	want, _ := paserk.Encode(k)
	if s.AuthToken.Access.Keys[0].PASERK != want || s.AuthToken.Refresh.Keys[0].PASERK != want || s.LocalKey.PASERK != want {
		t.Fatalf("keys: %v", s.AuthToken.Access.Keys)
	}
	if s.SecretKey.PASERK != "" || s.SecretKey.PEM != nil {
		t.Fatal("secret key without a private key")
	}
	a := s.AuthToken
	if a.Access.Lifetime != 900*time.Second || a.Refresh.Lifetime != 2592000*time.Second || s.Other.Lifetime != 2592000*time.Second {
		t.Fatalf("lifetimes %v %v %v", a.Access.Lifetime, a.Refresh.Lifetime, s.Other.Lifetime)
	}
	if a.Access.NoExpiration || a.Issuer != "" || a.Audiences != nil || a.Leeway != 0 {
		t.Fatalf("%+v", a)
	}
	if !reflect.DeepEqual(s.Sources, []httpauth.Source{httpauth.HeaderSource{Name: "Authorization", Scheme: "Bearer"}}) {
		t.Fatalf("sources %#v", s.Sources)
	}
	if !reflect.DeepEqual(s.WebSocketSources, []httpauth.Source{httpauth.WebSocketSource{Header: "Authorization", Prefix: "Bearer "}}) {
		t.Fatalf("ws sources %#v", s.WebSocketSources)
	}
}

func TestOptions(t *testing.T) {
	dir := t.TempDir()
	privFile := filepath.Join(dir, "priv.pem")
	pubFile := filepath.Join(dir, "pub.pem")
	os.WriteFile(privFile, []byte(examplePrivatePEM), 0o600)
	os.WriteFile(pubFile, []byte(examplePublicPEM), 0o600)
	pub := map[string]string{VarPurpose: "public", VarPrivateKey: examplePrivatePEM}
	with := func(base map[string]string, kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	loc := map[string]string{VarSecretKey: secret32}
	for _, c := range []struct {
		name  string
		in    map[string]string
		check func(*Settings) bool
	}{
		{"public PEM", pub, func(s *Settings) bool {
			return string(s.AuthToken.Access.Keys[0].PEM) == strings.TrimSpace(examplePrivatePEM) && s.AuthToken.Access.Keys[0].Version == paseto.V4
		}},
		{"public with matching public key", with(pub, VarPublicKey, examplePublicPEM), func(s *Settings) bool { return s.SecretKey.PEM != nil }},
		{"private key file", map[string]string{VarPurpose: "public", VarPrivateKeyFile: privFile, VarPublicKeyFile: pubFile}, func(s *Settings) bool {
			return strings.TrimSpace(string(s.AuthToken.Access.Keys[0].PEM)) == strings.TrimSpace(examplePrivatePEM)
		}},
		{"escaped newlines", with(pub, VarPrivateKey, strings.ReplaceAll(strings.TrimSpace(examplePrivatePEM), "\n", `\n`)), func(s *Settings) bool { return s.SecretKey.PEM != nil }},
		{"both keys, purpose local", with(loc, VarPrivateKey, examplePrivatePEM), func(s *Settings) bool {
			return s.AuthToken.Access.Keys[0].PASERK == s.LocalKey.PASERK && s.SecretKey.PEM != nil
		}},
		{"version 2", with(loc, VarVersion, "2"), func(s *Settings) bool { return strings.HasPrefix(s.LocalKey.PASERK, "k2.local.") }},
		{"version 3", with(loc, VarVersion, "3"), func(s *Settings) bool { return strings.HasPrefix(s.LocalKey.PASERK, "k3.local.") }},
		{"local PASERK", map[string]string{VarSecretKey: "k4.local.cHFyc3R1dnd4eXp7fH1-f4CBgoOEhYaHiImKi4yNjo8"}, func(s *Settings) bool {
			return s.LocalKey.PASERK == "k4.local.cHFyc3R1dnd4eXp7fH1-f4CBgoOEhYaHiImKi4yNjo8"
		}},
		{"leeway", with(loc, VarDecodeLeeway, "30"), func(s *Settings) bool { return s.AuthToken.Leeway == 30*time.Second }},
		{"encode issuer", with(loc, VarEncodeIssuer, "https://a"), func(s *Settings) bool { return s.AuthToken.Issuer == "https://a" }},
		{"decode issuer", with(loc, VarDecodeIssuer, "https://a"), func(s *Settings) bool { return s.AuthToken.Issuer == "https://a" }},
		{"both issuers equal", with(loc, VarDecodeIssuer, "https://a", VarEncodeIssuer, "https://a"), func(s *Settings) bool { return s.AuthToken.Issuer == "https://a" }},
		{"one audience", with(loc, VarDecodeAudience, "api"), func(s *Settings) bool { return reflect.DeepEqual(s.AuthToken.Audiences, []string{"api"}) }},
		{"audience list", with(loc, VarDecodeAudience, " api , web "), func(s *Settings) bool { return reflect.DeepEqual(s.AuthToken.Audiences, []string{"api", "web"}) }},
		{"empty audience disables", with(loc, VarDecodeAudience, ""), func(s *Settings) bool { return s.AuthToken.Audiences == nil }},
		{"access seconds", with(loc, VarAccessTokenExpires, "60"), func(s *Settings) bool { return s.AuthToken.Access.Lifetime == time.Minute }},
		{"access false", with(loc, VarAccessTokenExpires, "false"), func(s *Settings) bool { return s.AuthToken.Access.NoExpiration && s.AuthToken.Access.Lifetime == 0 }},
		{"refresh False", with(loc, VarRefreshTokenExpires, "False"), func(s *Settings) bool { return s.AuthToken.Refresh.NoExpiration }},
		{"refresh seconds", with(loc, VarRefreshTokenExpires, "3600"), func(s *Settings) bool { return s.AuthToken.Refresh.Lifetime == time.Hour }},
		{"other seconds", with(loc, VarOtherTokenExpires, "120"), func(s *Settings) bool { return s.Other.Lifetime == 2*time.Minute }},
		{"other false", with(loc, VarOtherTokenExpires, "false"), func(s *Settings) bool { return s.Other.NoExpiration }},
		{"json location", with(loc, VarTokenLocation, "json"), func(s *Settings) bool {
			return reflect.DeepEqual(s.Sources, []httpauth.Source{httpauth.JSONBodySource{Key: "access_token"}})
		}},
		{"headers and json", with(loc, VarTokenLocation, "headers,json", VarJSONKey, "tok", VarJSONType, "Bearer"), func(s *Settings) bool {
			return reflect.DeepEqual(s.Sources, []httpauth.Source{httpauth.HeaderSource{Name: "Authorization", Scheme: "Bearer"}, httpauth.JSONBodySource{Key: "tok", Scheme: "Bearer"}})
		}},
		{"bare header", with(loc, VarHeaderType, "", VarHeaderName, "X-Token"), func(s *Settings) bool {
			return reflect.DeepEqual(s.Sources, []httpauth.Source{httpauth.BareHeaderSource{Name: "X-Token"}}) &&
				reflect.DeepEqual(s.WebSocketSources, []httpauth.Source{httpauth.WebSocketSource{Header: "X-Token"}})
		}},
		{"header type", with(loc, VarHeaderType, "PASETO"), func(s *Settings) bool {
			return reflect.DeepEqual(s.Sources, []httpauth.Source{httpauth.HeaderSource{Name: "Authorization", Scheme: "PASETO"}})
		}},
		{"ws query", with(loc, VarWebSocketTokenLocation, "query"), func(s *Settings) bool {
			return reflect.DeepEqual(s.WebSocketSources, []httpauth.Source{httpauth.WebSocketSource{Query: "token"}})
		}},
		{"ws both with key and type", with(loc, VarWebSocketTokenLocation, "both", VarWebSocketQueryKey, "t", VarWebSocketQueryType, "Bearer"), func(s *Settings) bool {
			return reflect.DeepEqual(s.WebSocketSources, []httpauth.Source{
				httpauth.WebSocketSource{Header: "Authorization", Prefix: "Bearer "},
				httpauth.WebSocketSource{Query: "t", Prefix: "Bearer "}})
		}},
		{"denylist accepted", with(loc, VarDenylistEnabled, "true", VarDenylistTokenChecks, "access,refresh"), func(s *Settings) bool { return true }},
		{"lower-case names", map[string]string{"authpaseto_secret_key": secret32, "other": "x"}, func(s *Settings) bool { return s.LocalKey.PASERK != "" }},
		{"values trimmed", map[string]string{VarSecretKey: " " + secret32 + "\n", VarPurpose: " local "}, func(s *Settings) bool { return s.LocalKey.PASERK != "" }},
	} {
		s, err := FromMap(c.in)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if _, err := authtoken.New(s.AuthToken); err != nil {
			t.Errorf("%s: authtoken.New: %v", c.name, err)
		}
		if !c.check(s) {
			t.Errorf("%s: %+v", c.name, s)
		}
	}
}

func TestErrors(t *testing.T) {
	loc := func(kv ...string) map[string]string {
		m := map[string]string{VarSecretKey: secret32}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	for _, c := range []struct {
		name, field string
		in          map[string]string
	}{
		{"no key", VarSecretKey, map[string]string{}},
		{"short secret (fastapi-paseto's example)", VarSecretKey, map[string]string{VarSecretKey: exampleSecret}},
		{"64-byte secret", VarSecretKey, map[string]string{VarSecretKey: secret32 + secret32}},
		{"bad PASERK", VarSecretKey, map[string]string{VarSecretKey: "k4.local.xx"}},
		{"PASERK of another version", VarSecretKey, map[string]string{VarSecretKey: "k4.local.cHFyc3R1dnd4eXp7fH1-f4CBgoOEhYaHiImKi4yNjo8", VarVersion: "3"}},
		{"unknown purpose", VarPurpose, loc(VarPurpose, "secret")},
		{"version 1", VarVersion, loc(VarVersion, "1")},
		{"version 5", VarVersion, loc(VarVersion, "5")},
		{"public without private key", VarPrivateKey, map[string]string{VarPurpose: "public", VarPublicKey: examplePublicPEM}},
		{"public key alone, purpose local", VarPublicKey, map[string]string{VarSecretKey: secret32, VarPublicKey: examplePublicPEM}},
		{"public key file alone", VarPublicKeyFile, map[string]string{VarSecretKey: secret32, VarPublicKeyFile: "/x.pem"}},
		{"private key not PEM", VarPrivateKey, map[string]string{VarPurpose: "public", VarPrivateKey: "garbage"}},
		{"private key of another version", VarPrivateKey, map[string]string{VarPurpose: "public", VarPrivateKey: examplePrivatePEM, VarVersion: "3"}},
		{"public key not the half", VarPublicKey, map[string]string{VarPurpose: "public", VarPrivateKey: examplePrivatePEM, VarPublicKey: otherPublicPEM}},
		{"public key garbage", VarPublicKey, map[string]string{VarPurpose: "public", VarPrivateKey: examplePrivatePEM, VarPublicKey: "x"}},
		{"missing key file", VarPrivateKeyFile, map[string]string{VarPurpose: "public", VarPrivateKeyFile: "/nonexistent/key.pem"}},
		{"empty key file path", VarPrivateKeyFile, map[string]string{VarPurpose: "public", VarPrivateKeyFile: ""}},
		{"leeway negative", VarDecodeLeeway, loc(VarDecodeLeeway, "-1")},
		{"leeway not a number", VarDecodeLeeway, loc(VarDecodeLeeway, "1.5")},
		{"issuers differ", VarDecodeIssuer, loc(VarDecodeIssuer, "a", VarEncodeIssuer, "b")},
		{"empty encode issuer", VarEncodeIssuer, loc(VarEncodeIssuer, "")},
		{"empty decode issuer", VarDecodeIssuer, loc(VarDecodeIssuer, "")},
		{"empty audience item", VarDecodeAudience, loc(VarDecodeAudience, "a,,b")},
		{"access true", VarAccessTokenExpires, loc(VarAccessTokenExpires, "true")},
		{"access zero", VarAccessTokenExpires, loc(VarAccessTokenExpires, "0")},
		{"access text", VarAccessTokenExpires, loc(VarAccessTokenExpires, "15m")},
		{"refresh negative", VarRefreshTokenExpires, loc(VarRefreshTokenExpires, "-5")},
		{"other huge", VarOtherTokenExpires, loc(VarOtherTokenExpires, "99999999999999")},
		{"token location", VarTokenLocation, loc(VarTokenLocation, "cookies")},
		{"empty header name", VarHeaderName, loc(VarHeaderName, "")},
		{"bad header name", VarHeaderName, loc(VarHeaderName, "a b")},
		{"bad header type", VarHeaderName, loc(VarHeaderType, "a b")},
		{"empty json key", VarJSONKey, loc(VarJSONKey, "")},
		{"bad json type", VarJSONType, loc(VarTokenLocation, "json", VarJSONType, "a b")},
		{"ws location", VarWebSocketTokenLocation, loc(VarWebSocketTokenLocation, "json")},
		{"ws empty query key", VarWebSocketQueryKey, loc(VarWebSocketQueryKey, "")},
		{"ws bad query type", VarWebSocketQueryType, loc(VarWebSocketTokenLocation, "query", VarWebSocketQueryType, "\x01")},
		{"denylist enabled", VarDenylistEnabled, loc(VarDenylistEnabled, "maybe")},
		{"denylist checks", VarDenylistTokenChecks, loc(VarDenylistTokenChecks, "other")},
		{"unknown name", "AUTHPASETO_SECRET_KEYS", loc("AUTHPASETO_SECRET_KEYS", "x")},
		{"name twice", VarSecretKey, map[string]string{VarSecretKey: secret32, "authpaseto_secret_key": secret32}},
	} {
		_, err := FromMap(c.in)
		var ce *ConfigError
		if !errors.Is(err, ErrInvalidConfig) || !errors.As(err, &ce) {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if ce.Field != c.field {
			t.Errorf("%s: field %q, want %q (%v)", c.name, ce.Field, c.field, err)
		}
		for _, v := range c.in {
			if len(v) > 8 && strings.Contains(err.Error(), v) {
				t.Errorf("%s: the error echoes a value: %v", c.name, err)
			}
		}
	}
}

func TestSecretAdvice(t *testing.T) {
	_, err := FromMap(map[string]string{VarSecretKey: exampleSecret})
	if err == nil || !strings.Contains(err.Error(), "k4.local PASERK") || !strings.Contains(err.Error(), "32 bytes") {
		t.Fatalf("the error does not say what to do: %v", err)
	}
}

func TestLookupForms(t *testing.T) {
	// FromGetenv: empty is unset, so the header type keeps its default.
	env := map[string]string{VarSecretKey: secret32, VarHeaderType: ""}
	s, err := FromGetenv(func(k string) string { return env[k] })
	if err != nil || !reflect.DeepEqual(s.Sources, []httpauth.Source{httpauth.HeaderSource{Name: "Authorization", Scheme: "Bearer"}}) {
		t.Fatalf("getenv: %v %#v", err, s)
	}
	// FromLookup: set and empty is a bare token.
	s, err = FromLookup(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil || !reflect.DeepEqual(s.Sources, []httpauth.Source{httpauth.BareHeaderSource{Name: "Authorization"}}) {
		t.Fatalf("lookup: %v %#v", err, s)
	}
	if _, err := FromLookup(nil); !errors.Is(err, ErrInvalidConfig) {
		t.Fatal(err)
	}
	if _, err := FromGetenv(nil); !errors.Is(err, ErrInvalidConfig) {
		t.Fatal(err)
	}
	t.Setenv(VarSecretKey, secret32)
	t.Setenv(VarAccessTokenExpires, "60")
	if s, err := FromEnv(); err != nil || s.AuthToken.Access.Lifetime != time.Minute {
		t.Fatalf("env: %v", err)
	}
	t.Setenv("AUTHPASETO_ACCES_TOKEN_EXPIRES", "60")
	if _, err := FromEnv(); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("misspelt variable accepted: %v", err)
	}
}

// TestEndToEnd: a loaded configuration serves a bare-header and a JSON
// client as fastapi-paseto did.
func TestEndToEnd(t *testing.T) {
	s := load(t, map[string]string{VarSecretKey: secret32, VarHeaderType: "", VarTokenLocation: "headers,json"})
	m, _ := authtoken.New(s.AuthToken)
	pair, err := m.Login(context.Background(), "alice", nil)
	if err != nil {
		t.Fatal(err)
	}
	auth, err := httpauth.New(httpauth.Config{Verifier: m.Access(), Sources: s.Sources})
	if err != nil {
		t.Fatal(err)
	}
	r1 := httptest.NewRequest("GET", "/", nil)
	r1.Header.Set("Authorization", pair.Access)
	r2 := httptest.NewRequest("POST", "/", strings.NewReader(`{"access_token":"`+pair.Access+`"}`))
	r2.Header.Set("Content-Type", "application/json") // httpauth.JSONBodySource reads JSON bodies only
	for i, req := range []*http.Request{r1, r2} {
		tok, err := auth.Authenticate(req)
		if err != nil || tok.Claims.Subject != "alice" {
			t.Fatalf("request %d: %v", i, err)
		}
	}
}

func FuzzFromMap(f *testing.F) {
	f.Add(VarSecretKey, secret32, VarAccessTokenExpires, "false")
	f.Add(VarPurpose, "public", VarPrivateKey, examplePrivatePEM)
	f.Add(VarDecodeAudience, "a,b", VarWebSocketTokenLocation, "both")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		m := map[string]string{VarSecretKey: secret32, k1: v1, k2: v2}
		s, err := FromMap(m)
		if err != nil {
			var ce *ConfigError
			if !errors.As(err, &ce) || !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if _, err := authtoken.New(s.AuthToken); err != nil {
			t.Fatalf("loaded settings authtoken refuses: %v", err)
		}
		for _, src := range [][]httpauth.Source{s.Sources, s.WebSocketSources} {
			if _, err := httpauth.New(httpauth.Config{Verifier: nopVerifier{}, Sources: src}); err != nil {
				t.Fatalf("loaded sources httpauth refuses: %v", err)
			}
		}
	})
}
