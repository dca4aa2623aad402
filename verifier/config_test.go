package verifier_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/keyset"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/verifier"
)

func TestNewErrors(t *testing.T) {
	pub := newSigner(t, paseto.V4, false)
	pub3 := newSigner(t, paseto.V3, false)
	loc := newSigner(t, paseto.V4, true)
	skPASERK, _ := paserk.Encode(pub.sk)
	skPEM, _ := pub.sk.MarshalPEM()
	pubPEM, _ := pub.sk.Public().MarshalPEM()
	ok := []keyring.Key{pub.key("")}

	tests := []struct {
		name  string
		cfg   verifier.Config
		field string // substring of the ConfigError field
		want  error  // the cause, besides ErrInvalidConfig
	}{
		{"nothing configured", verifier.Config{}, "Keys", nil},
		{"empty key entry", verifier.Config{Keys: []keyring.Key{{}}}, "Keys[0]", keyring.ErrNoKey},
		{"secret PASERK", verifier.Config{Keys: []keyring.Key{{PASERK: skPASERK}}}, "Keys[0]", verifier.ErrSecretKey},
		{"secret PEM", verifier.Config{Keys: []keyring.Key{pub3.key(""), {PEM: skPEM}}}, "Keys[1]", verifier.ErrSecretKey},
		{"duplicate PASERK", verifier.Config{Keys: []keyring.Key{pub.key(""), loc.key(""), pub.key("")}}, "Keys[2]", verifier.ErrDuplicateKey},
		{"duplicate PASERK and PEM", verifier.Config{Keys: []keyring.Key{pub.key(""), {PEM: pubPEM}}}, "Keys[1]", verifier.ErrDuplicateKey},
		{"duplicate with other issuers", verifier.Config{Keys: []keyring.Key{pub.key("a"), pub.key("b")}}, "Keys[1]", verifier.ErrDuplicateKey},
		{"bad PASERK", verifier.Config{Keys: []keyring.Key{{PASERK: "k4.public.AAAA"}}}, "Keys[0]", paserk.ErrMalformed},
		{"an id is not a key", verifier.Config{Keys: []keyring.Key{{PASERK: pub.kid}}}, "Keys[0]", paserk.ErrWrongType},
		{"version mismatch", verifier.Config{Keys: []keyring.Key{{PASERK: pub.cfg, Version: paseto.V3}}}, "Keys[0]", paseto.ErrWrongKey},
		{"both forms", verifier.Config{Keys: []keyring.Key{{PASERK: pub.cfg, PEM: pubPEM}}}, "Keys[0]", keyring.ErrBothForms},
		{"negative leeway", verifier.Config{Keys: ok, Leeway: -1}, "Leeway", nil},
		{"negative max age", verifier.Config{Keys: ok, MaxAge: -time.Second}, "MaxAge", nil},
		{"negative cache", verifier.Config{Keys: ok, CacheSize: -1}, "CacheSize", nil},
		{"negative token length", verifier.Config{Keys: ok, MaxTokenLength: -1}, "MaxTokenLength", nil},
		{"negative footer limit", verifier.Config{Keys: ok, FooterLimits: paseto.FooterLimits{MaxKeys: -1}}, "FooterLimits", nil},
		{"empty issuer", verifier.Config{Keys: ok, Issuers: []string{"a", ""}}, "Issuers[1]", nil},
		{"empty audience", verifier.Config{Keys: ok, Audiences: []string{""}}, "Audiences[0]", nil},
		{"nil rule", verifier.Config{Keys: ok, Rules: []verifier.Rule{nil}}, "Rules[0]", nil},
		{"http URL", ks("http://keys.example.com/k"), "KeySets[0].URL", nil},
		{"http private IP", ks("http://10.0.0.1/k"), "KeySets[0].URL", nil},
		{"http localhost lookalike", ks("http://localhost.example.com/k"), "KeySets[0].URL", nil},
		{"http 0.0.0.0", ks("http://0.0.0.0:8080/k"), "KeySets[0].URL", nil},
		{"ftp URL", ks("ftp://keys.example.com/k"), "KeySets[0].URL", nil},
		{"relative URL", ks("/keys"), "KeySets[0].URL", nil},
		{"no URL", ks(""), "KeySets[0].URL", nil},
		{"bad URL", ks("https://[::1"), "KeySets[0].URL", nil},
		{"duplicate URL", verifier.Config{KeySets: []verifier.KeySet{{AllowDocumentIssuer: true, URL: "https://a.example/k"}, {AllowDocumentIssuer: true, URL: "https://a.example/k"}}}, "KeySets[1].URL", nil},
		{"min over max refresh", verifier.Config{KeySets: []verifier.KeySet{{AllowDocumentIssuer: true, URL: "https://a.example/k", RefreshInterval: time.Minute, MinRefreshInterval: time.Hour}}}, "KeySets[0].MinRefreshInterval", nil},
		{"negative refresh", verifier.Config{KeySets: []verifier.KeySet{{AllowDocumentIssuer: true, URL: "https://a.example/k", RefreshInterval: -1}}}, "KeySets[0].RefreshInterval", nil},
		{"negative min refresh", verifier.Config{KeySets: []verifier.KeySet{{AllowDocumentIssuer: true, URL: "https://a.example/k", MinRefreshInterval: -1}}}, "KeySets[0].MinRefreshInterval", nil},
		{"negative size", verifier.Config{KeySets: []verifier.KeySet{{AllowDocumentIssuer: true, URL: "https://a.example/k", MaxResponseSize: -1}}}, "KeySets[0].MaxResponseSize", nil},
		{"size over keyset.MaxSize", verifier.Config{KeySets: []verifier.KeySet{{AllowDocumentIssuer: true, URL: "https://a.example/k", MaxResponseSize: keyset.MaxSize + 1}}}, "KeySets[0].MaxResponseSize", nil},
		{"key set without issuer", verifier.Config{KeySets: []verifier.KeySet{{URL: "https://a.example/k"}}}, "KeySets[0].Issuer", nil},
		{"key set issuer and opt-out", verifier.Config{KeySets: []verifier.KeySet{{URL: "https://a.example/k", Issuer: "https://a.example", AllowDocumentIssuer: true}}}, "KeySets[0].AllowDocumentIssuer", nil},
		{"negative timeout", verifier.Config{KeySets: []verifier.KeySet{{AllowDocumentIssuer: true, URL: "https://a.example/k", Timeout: -1}}}, "KeySets[0].Timeout", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := verifier.New(tt.cfg)
			if v != nil || err == nil {
				t.Fatalf("New accepted the configuration")
			}
			wantErr(t, err, verifier.ErrInvalidConfig)
			if tt.want != nil {
				wantErr(t, err, tt.want)
			}
			var ce *verifier.ConfigError
			if !errors.As(err, &ce) || !strings.Contains(ce.Field, tt.field) {
				t.Fatalf("error %v: want a ConfigError for %s", err, tt.field)
			}
			for _, secret := range []string{skPASERK, pub.cfg, loc.cfg} {
				if strings.Contains(err.Error(), secret[10:]) {
					t.Fatalf("error %q quotes a key", err)
				}
			}
		})
	}
}

func ks(url string) verifier.Config {
	return verifier.Config{KeySets: []verifier.KeySet{{AllowDocumentIssuer: true, URL: url}}}
}

func TestNewAccepts(t *testing.T) {
	pub := newSigner(t, paseto.V4, false)
	pub2 := newSigner(t, paseto.V2, false)
	pubPEM, _ := pub2.sk.Public().MarshalPEM()
	p3 := newSigner(t, paseto.V3, false)
	p3PEM, _ := p3.sk.Public().MarshalPEM()
	for _, cfg := range []verifier.Config{
		{Keys: []keyring.Key{pub.key("")}},
		{Keys: []keyring.Key{{PEM: pubPEM, Version: paseto.V2}, {PEM: p3PEM}}},
		{Keys: []keyring.Key{{PASERK: "  " + pub.cfg + "\n", Version: paseto.V4}}},
		ks("https://keys.example.com/k"),
		ks("http://localhost:8080/k"),
		ks("http://LOCALHOST/k"),
		ks("http://127.0.0.1/k"),
		ks("http://127.1.2.3:9/k"),
		ks("http://[::1]:9/k"),
		{KeySets: []verifier.KeySet{{AllowDocumentIssuer: true, URL: "https://a.example/k", RefreshInterval: 10 * time.Second}}}, // min defaults to ≤ max
	} {
		if _, err := verifier.New(cfg); err != nil {
			t.Errorf("New(%+v): %v", cfg, err)
		}
	}
}

// The zero Verifier and a nil one fail safely.
func TestNotMadeByNew(t *testing.T) {
	for _, v := range []*verifier.Verifier{nil, {}} {
		if _, err := v.Verify(t.Context(), "v4.public.x", nil); !errors.Is(err, verifier.ErrInvalidConfig) {
			t.Errorf("Verify: %v", err)
		}
		if err := v.SetKeys(nil); !errors.Is(err, verifier.ErrInvalidConfig) {
			t.Errorf("SetKeys: %v", err)
		}
		if err := v.Refresh(t.Context()); !errors.Is(err, verifier.ErrInvalidConfig) {
			t.Errorf("Refresh: %v", err)
		}
	}
}

// New copies the configuration.
func TestConfigCopied(t *testing.T) {
	s := newSigner(t, paseto.V4, false)
	cfg := verifier.Config{Keys: []keyring.Key{s.key("")}, Issuers: []string{"https://issuer.example"}, Now: newClock().Now}
	v := newVerifier(t, cfg)
	cfg.Keys[0] = keyring.Key{PASERK: "garbage"}
	cfg.Issuers[0] = "other"
	_, err := v.Verify(t.Context(), s.token(t, claims(), s.kid, nil), nil)
	wantErr(t, err)
}
