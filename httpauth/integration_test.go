package httpauth

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/verifier"
)

// TestRealVerifier runs tokens made by paseto.Sign and paseto.Encrypt,
// with a kid footer, through the middleware and a real *verifier.Verifier.
func TestRealVerifier(t *testing.T) {
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	sk, err := paseto.GenerateSecretKey(paseto.V4)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := paseto.GenerateSecretKey(paseto.V4)
	lk, _ := paseto.GenerateSymmetricKey(paseto.V4)
	public, _ := paserk.Encode(sk.Public())
	local, _ := paserk.Encode(lk)

	// A key set server that is down: tokens naming keys only it could
	// know make the verifier fail on its side.
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusInternalServerError)
	}))
	defer down.Close()

	errRevoked := errors.New("revoked " + secret)
	v, err := verifier.New(verifier.Config{
		Keys:      []keyring.Key{{PASERK: public, Issuer: "https://auth.example"}, {PASERK: local}},
		KeySets:   []verifier.KeySet{{URL: down.URL + "/keys", Issuer: "https://remote.example"}},
		Audiences: []string{"api"},
		Rules: []verifier.Rule{func(_ context.Context, t *verifier.Token) error {
			if t.Claims.TokenID == "revoked" {
				return errRevoked
			}
			return nil
		}},
		Now: func() time.Time { return now },
	})
	if err != nil {
		t.Fatal(err)
	}

	claims := func(iss, exp, extra string) []byte {
		return []byte(`{"iss":"` + iss + `","aud":"api","sub":"alice","exp":"` + exp + `"` + extra + `}`)
	}
	good := claims("https://auth.example", "2030-01-01T13:00:00Z", "")
	sign := func(k *paseto.SecretKey, payload []byte, implicit string) string {
		footer := `{"kid":"` + paserk.PublicID(k.Public()) + `"}`
		tok, err := paseto.Sign(k, payload, []byte(footer), []byte(implicit))
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	encrypted, err := paseto.Encrypt(lk, good, []byte(`{"kid":"`+paserk.LocalID(lk)+`"}`), []byte("tenant-a"))
	if err != nil {
		t.Fatal(err)
	}
	valid := sign(sk, good, "tenant-a")
	tampered := valid[:len("v4.public.")] + "A" + valid[len("v4.public.")+1:]
	if tampered == valid {
		tampered = valid[:len("v4.public.")] + "B" + valid[len("v4.public.")+1:]
	}

	m := mustNew(t, Config{
		Verifier: v,
		Realm:    "api",
		Sources:  []Source{HeaderSource{}, CookieSource{Name: "__Host-paseto"}},
		Implicit: func(r *http.Request) []byte { return []byte(r.Header.Get("X-Tenant")) },
	})
	h := m.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, ok := TokenFrom(r.Context())
		if !ok {
			t.Error("no token in context")
			return
		}
		_, _ = w.Write([]byte(tok.Claims.Subject + " " + tok.Purpose.String() + " " + tok.KeyIssuer))
	}))

	tests := []struct {
		name   string
		auth   string // Authorization header
		cookie string
		tenant string
		status int
		want   string // body on 200, else the code
	}{
		{"public", "Bearer " + valid, "", "tenant-a", 200, "alice public https://auth.example"},
		{"public lowercase scheme", "bearer " + valid, "", "tenant-a", 200, "alice public https://auth.example"},
		{"local in cookie", "", encrypted, "tenant-a", 200, "alice local "},
		{"header wins over cookie", "Bearer " + tampered, encrypted, "tenant-a", 401, "token_invalid"},
		{"wrong implicit assertion", "Bearer " + valid, "", "tenant-b", 401, "token_invalid"},
		{"wrong implicit local", "", encrypted, "tenant-b", 401, "token_invalid"},
		{"tampered", "Bearer " + tampered, "", "tenant-a", 401, "token_invalid"},
		{"garbage", "Bearer v4.public.!!!", "", "", 401, "token_malformed"},
		{"v1", "Bearer v1.public.AAAA", "", "", 401, "token_malformed"},
		{"expired", "Bearer " + sign(sk, claims("https://auth.example", "2030-01-01T11:00:00Z", ""), "tenant-a"), "", "tenant-a", 401, "token_expired"},
		{"not yet valid", "Bearer " + sign(sk, claims("https://auth.example", "2030-01-01T13:00:00Z", `,"nbf":"2030-01-01T12:30:00Z"`), "tenant-a"), "", "tenant-a", 401, "token_not_yet_valid"},
		{"wrong issuer", "Bearer " + sign(sk, claims("https://evil.example", "2030-01-01T13:00:00Z", ""), "tenant-a"), "", "tenant-a", 401, "token_wrong_issuer"},
		{"wrong audience", "Bearer " + sign(sk, []byte(`{"iss":"https://auth.example","aud":"other","exp":"2030-01-01T13:00:00Z"}`), "tenant-a"), "", "tenant-a", 401, "token_wrong_audience"},
		{"no expiration", "Bearer " + sign(sk, []byte(`{"iss":"https://auth.example","aud":"api"}`), "tenant-a"), "", "tenant-a", 401, "token_rejected"},
		{"rule", "Bearer " + sign(sk, claims("https://auth.example", "2030-01-01T13:00:00Z", `,"jti":"revoked"`), "tenant-a"), "", "tenant-a", 401, "token_rejected"},
		{"unknown key, key set down", "Bearer " + sign(other, good, "tenant-a"), "", "tenant-a", 503, "key_set_unavailable"},
		{"too long", "Bearer v4.public." + strings.Repeat("A", paseto.DefaultMaxTokenLength), "", "", 401, "token_malformed"},
		{"missing", "", "", "", 401, "token_missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			if tt.auth != "" {
				r.Header.Set("Authorization", tt.auth)
			}
			if tt.cookie != "" {
				r.AddCookie(&http.Cookie{Name: "__Host-paseto", Value: tt.cookie})
			}
			r.Header.Set("X-Tenant", tt.tenant)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.status, w.Body)
			}
			if tt.status == 200 {
				if w.Body.String() != tt.want {
					t.Fatalf("body %q, want %q", w.Body, tt.want)
				}
				return
			}
			checkErrorResponse(t, w, tt.status, tt.want)
			var b errBody
			_ = json.Unmarshal(w.Body.Bytes(), &b)
			if b.Error != tt.want {
				t.Fatalf("code %q, want %q", b.Error, tt.want)
			}
			// Authenticate agrees, and its error matches the verifier's
			// sentinels.
			_, err := m.Authenticate(r)
			if Code(err) != tt.want {
				t.Errorf("Authenticate: %v", err)
			}
			if tt.want == "token_expired" && !errors.Is(err, verifier.ErrExpired) {
				t.Errorf("errors.Is(%v, ErrExpired) is false", err)
			}
			if tt.want == "token_rejected" && tt.name == "rule" && !errors.Is(err, errRevoked) {
				t.Errorf("errors.Is(%v, errRevoked) is false", err)
			}
		})
	}
}
