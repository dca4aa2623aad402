package issuer_test

import (
	"encoding/base64"
	"errors"
	"fmt"
	"github.com/pasetokit/pasetokit/internal/testclock"
	"maps"
	"math"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/issuer"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/serializer"
)

// fixed is the clock of most tests.
var fixed = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// clock is the Now of a test clock standing at t.
func clock(t time.Time) func() time.Time { return testclock.At(t).Now }

// keys holds one key of every kind, shared by the tests.
var keys = func() (k struct {
	secret map[paseto.Version]*paseto.SecretKey
	local  map[paseto.Version]*paseto.SymmetricKey
}) {
	k.secret = map[paseto.Version]*paseto.SecretKey{}
	k.local = map[paseto.Version]*paseto.SymmetricKey{}
	for _, v := range []paseto.Version{paseto.V2, paseto.V3, paseto.V4} {
		sk, err := paseto.GenerateSecretKey(v)
		if err != nil {
			panic(err)
		}
		lk, err := paseto.GenerateSymmetricKey(v)
		if err != nil {
			panic(err)
		}
		k.secret[v], k.local[v] = sk, lk
	}
	return k
}()

// pk returns the Config key for a paseto key, as a PASERK.
func pk(t testing.TB, k paseto.Key) keyring.Key {
	t.Helper()
	s, err := paserk.Encode(k)
	if err != nil {
		t.Fatal(err)
	}
	return keyring.Key{PASERK: s}
}

func newIssuer(t testing.TB, cfg issuer.Config) *issuer.Issuer {
	t.Helper()
	if cfg.Keys == nil {
		cfg.Keys = []keyring.Key{pk(t, keys.secret[paseto.V4])}
	}
	if cfg.Now == nil {
		cfg.Now = clock(fixed)
	}
	iss, err := issuer.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return iss
}

// open opens token with key (the signing key's public half, or the local
// key) and returns the payload and footer.
func open(t testing.TB, key paseto.Key, token string, implicit []byte) (payload, footer []byte) {
	t.Helper()
	var err error
	switch k := key.(type) {
	case *paseto.SecretKey:
		payload, footer, err = paseto.Verify(k.Public(), token, implicit)
	case *paseto.PublicKey:
		payload, footer, err = paseto.Verify(k, token, implicit)
	case *paseto.SymmetricKey:
		payload, footer, err = paseto.Decrypt(k, token, implicit)
	}
	if err != nil {
		t.Fatalf("opening token: %v", err)
	}
	return payload, footer
}

// claimsOf opens a JSON token and decodes its payload into a map.
func claimsOf(t testing.TB, key paseto.Key, token string) map[string]any {
	t.Helper()
	payload, _ := open(t, key, token, nil)
	var m map[string]any
	if err := paseto.UnmarshalClaims(payload, &m); err != nil {
		t.Fatalf("payload %s: %v", payload, err)
	}
	return m
}

func TestVersionsAndPurposes(t *testing.T) {
	for _, v := range []paseto.Version{paseto.V2, paseto.V3, paseto.V4} {
		for _, local := range []bool{false, true} {
			var key paseto.Key = keys.secret[v]
			wantKID := paserk.PublicID(keys.secret[v].Public())
			prefix := v.String() + ".public."
			if local {
				key = keys.local[v]
				wantKID = paserk.LocalID(keys.local[v])
				prefix = v.String() + ".local."
			}
			t.Run(strings.TrimSuffix(prefix, "."), func(t *testing.T) {
				iss := newIssuer(t, issuer.Config{Keys: []keyring.Key{pk(t, key)}, Issuer: "https://auth.example"})
				token, err := iss.Issue(map[string]any{"sub": "alice"})
				if err != nil {
					t.Fatal(err)
				}
				if !strings.HasPrefix(token, prefix) {
					t.Fatalf("token %.12s…, want %s", token, prefix)
				}
				payload, footer := open(t, key, token, nil)
				kid, err := paseto.FooterKeyID(footer)
				if err != nil || kid != wantKID || iss.KeyID() != wantKID {
					t.Fatalf("kid %q (%v), KeyID %q, want %q", kid, err, iss.KeyID(), wantKID)
				}
				if string(footer) != `{"kid":"`+wantKID+`"}` {
					t.Fatalf("footer %s", footer)
				}
				var c paseto.Claims
				if err := paseto.UnmarshalClaims(payload, &c); err != nil {
					t.Fatal(err)
				}
				if c.Subject != "alice" || c.Issuer != "https://auth.example" || !c.IssuedAt.Equal(fixed) ||
					!c.Expiration.Equal(fixed.Add(time.Hour)) || c.TokenID == "" || !c.NotBefore.IsZero() {
					t.Fatalf("claims %s", payload)
				}
				if !local {
					pub := iss.PublicKeys()
					if len(pub) != 1 || !pub[0].Equal(keys.secret[v].Public()) {
						t.Fatalf("PublicKeys %v", pub)
					}
					open(t, pub[0], token, nil)
				} else if len(iss.PublicKeys()) != 0 {
					t.Fatal("a local key was published")
				}
			})
		}
	}
}

func TestAddedClaims(t *testing.T) {
	h := func(d time.Duration) string { return fixed.Add(d).Format(time.RFC3339) }
	now := fixed.Format(time.RFC3339)
	tests := []struct {
		name string
		cfg  issuer.Config
		opts issuer.IssueOptions
		want map[string]any // "*" means present with any value
	}{
		{"defaults", issuer.Config{}, issuer.IssueOptions{},
			map[string]any{"iat": now, "exp": h(time.Hour), "jti": "*"}},
		{"issuer", issuer.Config{Issuer: "https://auth.example"}, issuer.IssueOptions{},
			map[string]any{"iss": "https://auth.example", "iat": now, "exp": h(time.Hour), "jti": "*"}},
		{"issuer needing escapes", issuer.Config{Issuer: "a\"b<c>\\é"}, issuer.IssueOptions{},
			map[string]any{"iss": "a\"b<c>\\é", "iat": now, "exp": h(time.Hour), "jti": "*"}},
		{"no iat", issuer.Config{NoIssuedAt: true}, issuer.IssueOptions{},
			map[string]any{"exp": h(time.Hour), "jti": "*"}},
		{"nbf", issuer.Config{AddNotBefore: true}, issuer.IssueOptions{},
			map[string]any{"iat": now, "nbf": now, "exp": h(time.Hour), "jti": "*"}},
		{"nbf without iat", issuer.Config{AddNotBefore: true, NoIssuedAt: true}, issuer.IssueOptions{},
			map[string]any{"nbf": now, "exp": h(time.Hour), "jti": "*"}},
		{"no jti", issuer.Config{NoTokenID: true}, issuer.IssueOptions{},
			map[string]any{"iat": now, "exp": h(time.Hour)}},
		{"expiration", issuer.Config{Lifetime: 15 * time.Minute}, issuer.IssueOptions{},
			map[string]any{"iat": now, "exp": h(15 * time.Minute), "jti": "*"}},
		{"expiration truncated", issuer.Config{Lifetime: 90*time.Second + 700*time.Millisecond}, issuer.IssueOptions{},
			map[string]any{"iat": now, "exp": h(90 * time.Second), "jti": "*"}},
		{"no expiration", issuer.Config{NoExpiration: true}, issuer.IssueOptions{},
			map[string]any{"iat": now, "jti": "*"}},
		{"per-call expiration", issuer.Config{Lifetime: time.Minute}, issuer.IssueOptions{Lifetime: 48 * time.Hour},
			map[string]any{"iat": now, "exp": h(48 * time.Hour), "jti": "*"}},
		{"per-call NoExpiration", issuer.Config{}, issuer.IssueOptions{NoExpiration: true},
			map[string]any{"iat": now, "jti": "*"}},
		{"per-call expiration with NoExpiration", issuer.Config{NoExpiration: true}, issuer.IssueOptions{Lifetime: 10 * time.Minute},
			map[string]any{"iat": now, "exp": h(10 * time.Minute), "jti": "*"}},
		{"everything off", issuer.Config{NoExpiration: true, NoIssuedAt: true, NoTokenID: true}, issuer.IssueOptions{},
			map[string]any{}},
		{"issued at", issuer.Config{AddNotBefore: true, Lifetime: 15 * time.Minute}, issuer.IssueOptions{IssuedAt: fixed.Add(-90*time.Second + 300*time.Millisecond)},
			map[string]any{"iat": h(-90 * time.Second), "nbf": h(-90 * time.Second), "exp": h(-90*time.Second + 15*time.Minute), "jti": "*"}},
		{"issued at with per-call expiration", issuer.Config{}, issuer.IssueOptions{IssuedAt: fixed.Add(-time.Hour), Lifetime: time.Minute},
			map[string]any{"iat": h(-time.Hour), "exp": h(-time.Hour + time.Minute), "jti": "*"}},
		{"sub-second clock and zone", issuer.Config{Now: clock(fixed.Add(999 * time.Millisecond).In(time.FixedZone("X", -7*3600)))}, issuer.IssueOptions{},
			map[string]any{"iat": now, "exp": h(time.Hour), "jti": "*"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iss := newIssuer(t, tt.cfg)
			token, err := iss.IssueWith(map[string]any{"sub": "alice", "n": 1}, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			got := claimsOf(t, keys.secret[paseto.V4], token)
			if got["sub"] != "alice" {
				t.Fatalf("sub lost: %v", got)
			}
			delete(got, "sub")
			delete(got, "n")
			if len(got) != len(tt.want) {
				t.Fatalf("claims %v, want %v", got, tt.want)
			}
			for k, w := range tt.want {
				if g, ok := got[k]; !ok || (w != "*" && g != w) {
					t.Fatalf("%s = %v, want %v (all: %v)", k, g, w, got)
				}
			}
		})
	}
}

func TestTokenID(t *testing.T) {
	// A local key: encryption is cheap, so 10,000 tokens stay fast under -race.
	lk := keys.local[paseto.V4]
	iss := newIssuer(t, issuer.Config{Keys: []keyring.Key{pk(t, lk)}})
	seen := make(map[string]bool, 10000)
	for range 10000 {
		token, err := iss.Issue(struct{}{})
		if err != nil {
			t.Fatal(err)
		}
		payload, _ := open(t, lk, token, nil)
		var c paseto.Claims
		if err := paseto.UnmarshalClaims(payload, &c); err != nil {
			t.Fatal(err)
		}
		raw, err := base64.RawURLEncoding.DecodeString(c.TokenID)
		if err != nil || len(raw)*8 < 128 {
			t.Fatalf("jti %q: %d bits, %v", c.TokenID, len(raw)*8, err)
		}
		if seen[c.TokenID] {
			t.Fatalf("jti %q repeated", c.TokenID)
		}
		seen[c.TokenID] = true
	}
}

// AppClaims is a typical caller struct.
type AppClaims struct {
	paseto.Claims
	Role   string   `json:"role"`
	Scopes []string `json:"scopes,omitempty"`
}

func TestStructClaims(t *testing.T) {
	iss := newIssuer(t, issuer.Config{Issuer: "https://auth.example"})
	in := AppClaims{Claims: paseto.Claims{Subject: "alice", Audience: paseto.Audience{"api"}}, Role: "admin", Scopes: []string{"read", "write"}}
	before := in
	before.Scopes = append([]string(nil), in.Scopes...)
	for _, claims := range []any{in, &in} {
		token, err := iss.Issue(claims)
		if err != nil {
			t.Fatal(err)
		}
		payload, _ := open(t, keys.secret[paseto.V4], token, nil)
		var out AppClaims
		if err := paseto.UnmarshalClaims(payload, &out); err != nil {
			t.Fatal(err)
		}
		if out.Subject != "alice" || !out.Audience.Contains("api") || out.Role != "admin" || len(out.Scopes) != 2 ||
			out.Issuer != "https://auth.example" || !out.IssuedAt.Equal(fixed) || !out.Expiration.Equal(fixed.Add(time.Hour)) || out.TokenID == "" {
			t.Fatalf("decoded %+v from %s", out, payload)
		}
		if !reflect.DeepEqual(in, before) {
			t.Fatalf("caller's struct modified: %+v", in)
		}
		if err := out.Validate(fixed.Add(time.Minute), 0); err != nil {
			t.Fatal(err)
		}
	}
}

func TestMapNotMutated(t *testing.T) {
	iss := newIssuer(t, issuer.Config{Issuer: "x", AddNotBefore: true})
	in := map[string]any{"sub": "alice", "nested": map[string]any{"a": []any{1, "b"}}, "n": 1.5}
	before := map[string]any{"sub": "alice", "nested": map[string]any{"a": []any{1, "b"}}, "n": 1.5}
	footer := map[string]any{"app": "web"}
	if _, err := iss.IssueWith(in, issuer.IssueOptions{Footer: footer}); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, before) {
		t.Fatalf("claims modified: %v", in)
	}
	if !maps.Equal(footer, map[string]any{"app": "web"}) {
		t.Fatalf("footer modified: %v", footer)
	}
	// A conflict leaves it alone too.
	in["exp"] = "2000-01-01T00:00:00Z"
	before["exp"] = "2000-01-01T00:00:00Z"
	if _, err := iss.Issue(in); !errors.Is(err, issuer.ErrReservedClaim) {
		t.Fatalf("got %v", err)
	}
	if !reflect.DeepEqual(in, before) {
		t.Fatalf("claims modified: %v", in)
	}
}

func TestEmptyObjects(t *testing.T) {
	for _, ser := range []serializer.Serializer{serializer.JSON, serializer.CBOR} {
		for _, claims := range []any{map[string]any{}, struct{}{}, paseto.Claims{}, &AppClaims{}} {
			name := fmt.Sprintf("%s/%T", ser.Name(), claims)
			t.Run(name, func(t *testing.T) {
				iss := newIssuer(t, issuer.Config{Serializer: ser, NoTokenID: true})
				token, err := iss.Issue(claims)
				if err != nil {
					t.Fatal(err)
				}
				payload, _ := open(t, keys.secret[paseto.V4], token, nil)
				var m map[string]any
				if err := ser.Unmarshal(payload, &m); err != nil {
					t.Fatal(err)
				}
				want := map[string]any{"iat": fixed.Format(time.RFC3339), "exp": fixed.Add(time.Hour).Format(time.RFC3339)}
				if _, isApp := claims.(*AppClaims); isApp {
					want["role"] = ""
				}
				if !reflect.DeepEqual(m, want) {
					t.Fatalf("payload %v, want %v", m, want)
				}
			})
		}
	}
}

func TestReservedClaim(t *testing.T) {
	full := issuer.Config{Issuer: "https://auth.example", AddNotBefore: true}
	tests := []struct {
		name   string
		cfg    issuer.Config
		claims any
		opts   issuer.IssueOptions
		claim  string // "" means no conflict
	}{
		{"iss", full, map[string]any{"iss": "secret-value"}, issuer.IssueOptions{}, "iss"},
		{"iat", full, map[string]any{"iat": "secret-value"}, issuer.IssueOptions{}, "iat"},
		{"nbf", full, map[string]any{"nbf": "secret-value"}, issuer.IssueOptions{}, "nbf"},
		{"exp", full, map[string]any{"exp": "secret-value"}, issuer.IssueOptions{}, "exp"},
		{"jti", full, map[string]any{"jti": "secret-value"}, issuer.IssueOptions{}, "jti"},
		{"exp with per-call expiration", full, map[string]any{"exp": "secret-value"}, issuer.IssueOptions{Lifetime: time.Minute}, "exp"},
		{"exp of NoExpiration made by per-call expiration", issuer.Config{NoExpiration: true}, map[string]any{"exp": "secret-value"}, issuer.IssueOptions{Lifetime: time.Minute}, "exp"},
		{"last key conflicts", full, map[string]any{"a": 1, "b": []any{"x", map[string]any{"exp": 1}}, "z": "q", "zz": nil, "jti": true}, issuer.IssueOptions{}, "jti"},
		{"escaped key", full, rawJSON(`{"a":"\"}","\u0065xp":1}`), issuer.IssueOptions{}, "exp"},
		{"struct exp", full, AppClaims{Claims: paseto.Claims{Expiration: paseto.NewTime(fixed)}}, issuer.IssueOptions{}, "exp"},
		{"struct iss", full, AppClaims{Claims: paseto.Claims{Issuer: "secret-value"}}, issuer.IssueOptions{}, "iss"},
		{"struct iat", full, paseto.Claims{IssuedAt: paseto.NewTime(fixed)}, issuer.IssueOptions{}, "iat"},
		{"struct nbf", full, paseto.Claims{NotBefore: paseto.NewTime(fixed)}, issuer.IssueOptions{}, "nbf"},
		{"struct jti", full, paseto.Claims{TokenID: "secret-value"}, issuer.IssueOptions{}, "jti"},
		{"footer kid", full, map[string]any{}, issuer.IssueOptions{Footer: map[string]any{"kid": "secret-value"}}, "kid"},
		{"footer KID", full, map[string]any{}, issuer.IssueOptions{Footer: map[string]any{"KID": "secret-value"}}, "kid"},
		{"footer Kelvin kid", full, map[string]any{}, issuer.IssueOptions{Footer: map[string]any{"\u212aid": "secret-value"}}, "kid"},

		// What the issuer does not add is the caller's.
		{"own iss without Issuer", issuer.Config{}, map[string]any{"iss": "me"}, issuer.IssueOptions{}, ""},
		{"own iat with NoIssuedAt", issuer.Config{NoIssuedAt: true}, map[string]any{"iat": "2030-01-01T00:00:00Z"}, issuer.IssueOptions{}, ""},
		{"own nbf without NotBefore", issuer.Config{}, map[string]any{"nbf": "2030-01-01T00:00:00Z"}, issuer.IssueOptions{}, ""},
		{"own exp with NoExpiration", issuer.Config{NoExpiration: true}, map[string]any{"exp": "2030-01-01T00:00:00Z"}, issuer.IssueOptions{}, ""},
		{"own jti with NoTokenID", issuer.Config{NoTokenID: true}, map[string]any{"jti": "mine"}, issuer.IssueOptions{}, ""},
		{"own kid with NoKeyID", issuer.Config{NoKeyID: true}, map[string]any{}, issuer.IssueOptions{Footer: map[string]any{"kid": "mine"}}, ""},
		{"similar names", full, map[string]any{"expires": 1, "ex": 1, "jtis": 1, "issuer": 1}, issuer.IssueOptions{}, ""},
	}
	for _, tt := range tests {
		for _, ser := range []serializer.Serializer{serializer.JSON, serializer.CBOR} {
			if _, raw := tt.claims.(rawJSON); raw && ser == serializer.CBOR {
				continue
			}
			t.Run(ser.Name()+"/"+tt.name, func(t *testing.T) {
				cfg := tt.cfg
				cfg.Serializer = ser
				iss := newIssuer(t, cfg)
				token, err := iss.IssueWith(tt.claims, tt.opts)
				if tt.claim == "" {
					if err != nil {
						t.Fatal(err)
					}
					return
				}
				var ce *issuer.ReservedClaimError
				if !errors.As(err, &ce) || !errors.Is(err, issuer.ErrReservedClaim) || ce.Claim != tt.claim || ce.Footer != (tt.claim == "kid") || token != "" {
					t.Fatalf("got %q, %v; want a conflict on %s", token, err, tt.claim)
				}
				if strings.Contains(err.Error(), "secret-value") || !strings.Contains(err.Error(), `"`+tt.claim+`"`) {
					t.Fatalf("error text %q", err)
				}
			})
		}
	}
}

// rawJSON is a caller value that encodes itself, to reach the escaped-key
// path of the JSON scanner.
type rawJSON string

func (r rawJSON) MarshalJSON() ([]byte, error) { return []byte(r), nil }

func TestOtherCaseClaims(t *testing.T) {
	// The JSON serializer refuses registered claims in another case; CBOR
	// keeps them apart, and the issuer refuses them as conflicts.
	iss := newIssuer(t, issuer.Config{})
	if _, err := iss.Issue(map[string]any{"EXP": 1}); !errors.Is(err, issuer.ErrInvalidClaims) || !errors.Is(err, serializer.ErrMalformed) {
		t.Fatalf("json: %v", err)
	}
	iss = newIssuer(t, issuer.Config{Serializer: serializer.CBOR})
	var ce *issuer.ReservedClaimError
	if _, err := iss.Issue(map[string]any{"Exp": 1}); !errors.As(err, &ce) || ce.Claim != "exp" {
		t.Fatalf("cbor: %v", err)
	}
}

func TestNotObject(t *testing.T) {
	for _, ser := range []serializer.Serializer{serializer.JSON, serializer.CBOR} {
		iss := newIssuer(t, issuer.Config{Serializer: ser})
		for _, claims := range []any{nil, "sub", 42, []string{"a"}, (*AppClaims)(nil), []byte(`{"a":1}`)} {
			if _, err := iss.Issue(claims); !errors.Is(err, issuer.ErrNotObject) || !errors.Is(err, serializer.ErrNotObject) {
				t.Errorf("%s %T: got %v", ser.Name(), claims, err)
			}
		}
	}
}

func TestInvalidClaims(t *testing.T) {
	small, err := serializer.NewJSON(serializer.JSONConfig{MaxKeys: 3})
	if err != nil {
		t.Fatal(err)
	}
	smallCBOR, err := serializer.NewCBOR(serializer.CBORConfig{MaxLength: 60})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		ser      serializer.Serializer
		maxToken int
		claims   any
		want     error
	}{
		{"json unencodable", serializer.JSON, 0, map[string]any{"c": make(chan int)}, serializer.ErrEncode},
		{"json NaN", serializer.JSON, 0, map[string]any{"n": math.NaN()}, serializer.ErrEncode},
		{"cbor unencodable", serializer.CBOR, 0, map[string]any{"c": make(chan int)}, serializer.ErrEncode},
		// The caller's claims fit, the issuer's additions push them over.
		{"json over limits with issuer claims", small, 0, map[string]any{"a": 1, "b": 2}, serializer.ErrTooLarge},
		{"cbor over limits with issuer claims", smallCBOR, 0, map[string]any{"a": 1}, serializer.ErrTooLarge},
		{"default keys over limit with issuer claims", serializer.JSON, 1 << 20, manyKeys(serializer.DefaultJSONMaxKeys - 2), serializer.ErrTooLarge},
		{"default length over limit with issuer claims", serializer.JSON, 2 << 20,
			map[string]any{"a": strings.Repeat("x", serializer.DefaultJSONMaxLength-len(`{"a":""}`))}, serializer.ErrTooLarge},
		{"default key limit just met", serializer.JSON, 1 << 20, manyKeys(serializer.DefaultJSONMaxKeys - 3), nil},
		{"custom key limit just met", small, 0, map[string]any{}, nil},
		{"token too long", serializer.JSON, 0, map[string]any{"a": strings.Repeat("x", paseto.DefaultMaxTokenLength)}, paseto.ErrTokenTooLong},
		{"token longer than MaxTokenLength", serializer.JSON, 300, map[string]any{"a": strings.Repeat("x", 100)}, paseto.ErrTokenTooLong},
		{"token within MaxTokenLength", serializer.JSON, 500, map[string]any{"a": strings.Repeat("x", 100)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iss := newIssuer(t, issuer.Config{Serializer: tt.ser, MaxTokenLength: tt.maxToken})
			token, err := iss.Issue(tt.claims)
			if tt.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				p := paseto.Parser{MaxTokenLength: tt.maxToken}
				payload, _, err := p.Verify(keys.secret[paseto.V4].Public(), token, nil)
				if err != nil {
					t.Fatal(err)
				}
				var m map[string]any
				if err := tt.ser.Unmarshal(payload, &m); err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, issuer.ErrInvalidClaims) || !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
}

// manyKeys returns claims with n keys at every depth in all: one nested
// object holding n-1 keys.
func manyKeys(n int) map[string]any {
	inner := make(map[string]any, n-1)
	for k := range n - 1 {
		inner[fmt.Sprintf("k%d", k)] = k
	}
	return map[string]any{"inner": inner}
}

func TestCBOR(t *testing.T) {
	iss := newIssuer(t, issuer.Config{Serializer: serializer.CBOR, Issuer: "https://auth.example", AddNotBefore: true})
	token, err := iss.Issue(AppClaims{Claims: paseto.Claims{Subject: "alice"}, Role: "admin", Scopes: []string{"read"}})
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := open(t, keys.secret[paseto.V4], token, nil)
	if payload[0]>>5 != 5 {
		t.Fatalf("payload is not a CBOR map: %x", payload[:1])
	}
	var out AppClaims
	if err := serializer.CBOR.Unmarshal(payload, &out); err != nil {
		t.Fatal(err)
	}
	if out.Subject != "alice" || out.Role != "admin" || len(out.Scopes) != 1 || out.Issuer != "https://auth.example" ||
		!out.IssuedAt.Equal(fixed) || !out.NotBefore.Equal(fixed) || !out.Expiration.Equal(fixed.Add(time.Hour)) || len(out.TokenID) != 22 {
		t.Fatalf("decoded %+v", out)
	}
	// Deterministic: the same claims at the same time without jti give the
	// same payload, which re-encodes to itself.
	iss = newIssuer(t, issuer.Config{Serializer: serializer.CBOR, NoTokenID: true})
	var payloads [2][]byte
	for n := range payloads {
		token, err := iss.Issue(map[string]any{"z": 1, "a": map[string]any{"y": 2, "b": 3}})
		if err != nil {
			t.Fatal(err)
		}
		payloads[n], _ = open(t, keys.secret[paseto.V4], token, nil)
	}
	var m map[string]any
	if err := serializer.CBOR.Unmarshal(payloads[0], &m); err != nil {
		t.Fatal(err)
	}
	again, err := serializer.CBOR.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if string(payloads[0]) != string(payloads[1]) || string(again) != string(payloads[0]) {
		t.Fatalf("payloads %x %x %x", payloads[0], payloads[1], again)
	}
}

func TestFooter(t *testing.T) {
	sk := keys.secret[paseto.V4]
	kid := paserk.PublicID(sk.Public())
	big := map[string]any{}
	for n := range 32 {
		big[fmt.Sprintf("k%02d", n)] = n
	}
	tests := []struct {
		name string
		cfg  issuer.Config
		opts issuer.IssueOptions
		want string // footer; "" means none
		err  []error
	}{
		{"default", issuer.Config{}, issuer.IssueOptions{}, `{"kid":"` + kid + `"}`, nil},
		{"no kid", issuer.Config{NoKeyID: true}, issuer.IssueOptions{}, "", nil},
		{"empty extra", issuer.Config{}, issuer.IssueOptions{Footer: map[string]any{}}, `{"kid":"` + kid + `"}`, nil},
		{"merged", issuer.Config{}, issuer.IssueOptions{Footer: map[string]any{"b": 1, "a": "x"}}, `{"kid":"` + kid + `","a":"x","b":1}`, nil},
		{"merged without kid", issuer.Config{NoKeyID: true}, issuer.IssueOptions{Footer: map[string]any{"a": true}}, `{"a":true}`, nil},
		{"own kid without kid", issuer.Config{NoKeyID: true}, issuer.IssueOptions{Footer: map[string]any{"kid": "k4.pid.x"}}, `{"kid":"k4.pid.x"}`, nil},
		{"key in kid", issuer.Config{NoKeyID: true}, issuer.IssueOptions{Footer: map[string]any{"kid": mustEncode(keys.local[paseto.V4])}}, "",
			[]error{issuer.ErrInvalidOptions, paseto.ErrKeyInFooter}},
		{"nested", issuer.Config{}, issuer.IssueOptions{Footer: map[string]any{"a": map[string]any{"b": 1}}}, "",
			[]error{issuer.ErrInvalidOptions, paseto.ErrInvalidFooter}},
		{"too many keys with kid", issuer.Config{}, issuer.IssueOptions{Footer: big}, "",
			[]error{issuer.ErrInvalidOptions, paseto.ErrInvalidFooter}},
		{"32 keys without kid", issuer.Config{NoKeyID: true}, issuer.IssueOptions{Footer: big}, "*", nil},
		{"too long", issuer.Config{}, issuer.IssueOptions{Footer: map[string]any{"a": strings.Repeat("x", 2000)}}, "",
			[]error{issuer.ErrInvalidOptions, paseto.ErrInvalidFooter}},
		{"unencodable", issuer.Config{}, issuer.IssueOptions{Footer: map[string]any{"a": math.Inf(1)}}, "",
			[]error{issuer.ErrInvalidOptions}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iss := newIssuer(t, tt.cfg)
			token, err := iss.IssueWith(map[string]any{}, tt.opts)
			if tt.err != nil {
				for _, e := range tt.err {
					if !errors.Is(err, e) {
						t.Fatalf("got %v, want %v", err, e)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			_, footer := open(t, sk, token, nil)
			if tt.want == "*" {
				if _, err := paseto.FooterKeyID(footer); err != nil {
					t.Fatal(err)
				}
				return
			}
			if string(footer) != tt.want {
				t.Fatalf("footer %s, want %s", footer, tt.want)
			}
		})
	}
}

func mustEncode(k paseto.Key) string {
	s, err := paserk.Encode(k)
	if err != nil {
		panic(err)
	}
	return s
}

func TestImplicit(t *testing.T) {
	for _, v := range []paseto.Version{paseto.V2, paseto.V3, paseto.V4} {
		for _, key := range []paseto.Key{keys.secret[v], keys.local[v]} {
			t.Run(fmt.Sprintf("%s.%s", v, key.Purpose()), func(t *testing.T) {
				iss := newIssuer(t, issuer.Config{Keys: []keyring.Key{pk(t, key)}})
				token, err := iss.IssueWith(map[string]any{}, issuer.IssueOptions{Implicit: []byte("client-1")})
				if v == paseto.V2 {
					if !errors.Is(err, paseto.ErrImplicitUnsupported) || !errors.Is(err, issuer.ErrInvalidOptions) || token != "" {
						t.Fatalf("got %q, %v", token, err)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				open(t, key, token, []byte("client-1"))
				var err2 error
				if sk, ok := key.(*paseto.SecretKey); ok {
					_, _, err2 = paseto.Verify(sk.Public(), token, nil)
				} else {
					_, _, err2 = paseto.Decrypt(key.(*paseto.SymmetricKey), token, nil)
				}
				if err2 == nil {
					t.Fatal("token opened without its implicit assertion")
				}
			})
		}
	}
}

func TestIssueErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  issuer.Config
		opts issuer.IssueOptions
		want error
	}{
		{"negative per-call expiration", issuer.Config{}, issuer.IssueOptions{Lifetime: -time.Hour}, issuer.ErrInvalidOptions},
		{"sub-second per-call expiration", issuer.Config{}, issuer.IssueOptions{Lifetime: time.Millisecond}, issuer.ErrInvalidOptions},
		{"zero clock", issuer.Config{Now: clock(time.Time{})}, issuer.IssueOptions{}, issuer.ErrInvalidConfig},
		{"clock after 9999", issuer.Config{Now: clock(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC))}, issuer.IssueOptions{}, issuer.ErrInvalidConfig},
		{"clock before 0", issuer.Config{Now: clock(time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC))}, issuer.IssueOptions{}, issuer.ErrInvalidConfig},
		{"exp after 9999", issuer.Config{Now: clock(time.Date(9999, 12, 31, 23, 30, 0, 0, time.UTC))}, issuer.IssueOptions{}, issuer.ErrInvalidConfig},
		{"per-call exp after 9999", issuer.Config{Now: clock(time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)), Lifetime: time.Minute},
			issuer.IssueOptions{Lifetime: 48 * time.Hour}, issuer.ErrInvalidOptions},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iss := newIssuer(t, tt.cfg)
			token, err := iss.IssueWith(map[string]any{}, tt.opts)
			if !errors.Is(err, tt.want) || token != "" {
				t.Fatalf("got %q, %v; want %v", token, err, tt.want)
			}
		})
	}
	// Without time claims the clock is not read.
	iss := newIssuer(t, issuer.Config{NoExpiration: true, NoIssuedAt: true, Now: func() time.Time { panic("clock read") }})
	if _, err := iss.Issue(map[string]any{}); err != nil {
		t.Fatal(err)
	}
}

func TestZeroIssuer(t *testing.T) {
	for _, iss := range []*issuer.Issuer{nil, new(issuer.Issuer)} {
		if _, err := iss.Issue(map[string]any{}); !errors.Is(err, issuer.ErrInvalidConfig) {
			t.Fatalf("Issue: %v", err)
		}
		if err := iss.SetKeys([]keyring.Key{pk(t, keys.secret[paseto.V4])}); !errors.Is(err, issuer.ErrInvalidConfig) {
			t.Fatalf("SetKeys: %v", err)
		}
		if iss.KeyID() != "" || iss.PublicKeys() != nil {
			t.Fatal("zero issuer has keys")
		}
	}
}

func TestNewDoesNotReadClock(t *testing.T) {
	var calls atomic.Int32
	iss := newIssuer(t, issuer.Config{Now: func() time.Time { calls.Add(1); return fixed }})
	if calls.Load() != 0 {
		t.Fatal("New read the clock")
	}
	iss.Issue(map[string]any{})
	if calls.Load() != 1 {
		t.Fatalf("Issue read the clock %d times", calls.Load())
	}
}

func TestConcurrentIssue(t *testing.T) {
	iss := newIssuer(t, issuer.Config{Now: time.Now})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				token, err := iss.Issue(map[string]any{"sub": "x"})
				if err != nil {
					t.Error(err)
					return
				}
				if _, _, err := paseto.Verify(keys.secret[paseto.V4].Public(), token, nil); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestIssuedAtOutOfRange(t *testing.T) {
	iss := newIssuer(t, issuer.Config{})
	for _, at := range []time.Time{
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 30, 0, 0, time.UTC), // exp would pass 9999
	} {
		if _, err := iss.IssueWith(map[string]any{"sub": "alice"}, issuer.IssueOptions{IssuedAt: at}); !errors.Is(err, issuer.ErrInvalidOptions) {
			t.Errorf("IssuedAt %v: err %v, want ErrInvalidOptions", at, err)
		}
	}
}
