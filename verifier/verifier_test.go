package verifier_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/serializer"
	"github.com/pasetokit/pasetokit/verifier"
)

// Every version and purpose verifies with its key and kid, and the Token
// is filled in.
func TestVersionsAndPurposes(t *testing.T) {
	for _, ver := range []paseto.Version{paseto.V2, paseto.V3, paseto.V4} {
		for _, local := range []bool{false, true} {
			s := newSigner(t, ver, local)
			name := fmt.Sprintf("%s.%v", ver, map[bool]string{true: "local", false: "public"}[local])
			t.Run(name, func(t *testing.T) {
				v := newVerifier(t, verifier.Config{Keys: []keyring.Key{s.key("https://issuer.example")}, Now: newClock().Now})
				tok := s.token(t, claims("aud", "api"), s.kid, nil)
				got, err := v.Verify(t.Context(), tok, nil)
				wantErr(t, err)
				purpose := paseto.Public
				if local {
					purpose = paseto.Local
				}
				if got.Version != ver || got.Purpose != purpose || got.KeyID != s.kid ||
					got.KeyIssuer != "https://issuer.example" || got.Claims.Subject != "alice" ||
					!got.Claims.Audience.Contains("api") || !got.Claims.Expiration.Equal(t0.Add(time.Hour)) ||
					string(got.Footer) != `{"kid":"`+s.kid+`"}` || !bytes.Contains(got.Payload, []byte(`"sub":"alice"`)) {
					t.Fatalf("token %+v", got)
				}
				var mine struct {
					paseto.Claims
					Extra string `json:"extra"`
				}
				wantErr(t, got.Decode(&mine))
				if mine.Subject != "alice" {
					t.Fatalf("Decode: %+v", mine)
				}

				// Without a kid the key of that kind is tried.
				got, err = v.Verify(t.Context(), s.token(t, claims(), "", nil), nil)
				wantErr(t, err)
				if got.KeyID != "" || got.Footer != nil {
					t.Fatalf("kid-less token %+v", got)
				}

				// Implicit assertions: v3 and v4 bind them, v2 has none.
				bad := verifier.ErrInvalidSignature
				if local {
					bad = verifier.ErrInvalidMAC
				}
				if ver == paseto.V2 {
					_, err = v.Verify(t.Context(), tok, []byte("ctx"))
					wantErr(t, err, paseto.ErrImplicitUnsupported)
					_, err = v.Verify(t.Context(), s.token(t, claims(), "", nil), []byte("ctx"))
					wantErr(t, err, paseto.ErrImplicitUnsupported)
					return
				}
				withImplicit := s.token(t, claims(), s.kid, []byte("request-42"))
				_, err = v.Verify(t.Context(), withImplicit, []byte("request-42"))
				wantErr(t, err)
				_, err = v.Verify(t.Context(), withImplicit, []byte("request-43"))
				wantErr(t, err, bad)
				_, err = v.Verify(t.Context(), withImplicit, nil)
				wantErr(t, err, bad)
				_, err = v.Verify(t.Context(), tok, []byte("request-42"))
				wantErr(t, err, bad)
			})
		}
	}
}

func TestKeySelection(t *testing.T) {
	v4a := newSigner(t, paseto.V4, false)
	v4b := newSigner(t, paseto.V4, false)
	v4c := newSigner(t, paseto.V4, false)
	v3 := newSigner(t, paseto.V3, false)
	v3b := newSigner(t, paseto.V3, false)
	l4 := newSigner(t, paseto.V4, true)
	l3 := newSigner(t, paseto.V3, true)
	stranger := newSigner(t, paseto.V4, false) // not configured
	skID := paserk.SecretID(v4a.sk)
	skPASERK, _ := paserk.Encode(v4a.sk)

	keys := []keyring.Key{
		v4a.key("https://issuer.example"), v4b.key("https://other.example"), v4c.key(""),
		v3.key(""), v3b.key(""), l4.key(""), l3.key(""),
	}
	c := claims()
	tests := []struct {
		name      string
		cfg       func(*verifier.Config)
		token     string
		want      []error
		opens     uint64 // signature or tag checks expected
		keyIssuer string
	}{
		{"kid selects the key", nil, v4a.token(t, c, v4a.kid, nil), nil, 1, "https://issuer.example"},
		{"kid of an unbound key", nil, v4c.token(t, c, v4c.kid, nil), nil, 1, ""},
		{"unknown kid", nil, stranger.token(t, c, stranger.kid, nil), []error{verifier.ErrUnknownKey}, 0, ""},
		{"kid of another key: no fall-back", nil, stranger.token(t, c, v4b.kid, nil), []error{verifier.ErrInvalidSignature}, 1, ""},
		{"secret key id as kid", nil, v4a.token(t, c, skID, nil), []error{verifier.ErrUnknownKey}, 0, ""},
		{"key in footer", nil, v4a.token(t, c, skPASERK, nil), []error{verifier.ErrMalformed, paseto.ErrKeyInFooter}, 0, ""},
		{"kid of a v3 key on a v4 token", nil, v4a.token(t, c, v3.kid, nil), []error{verifier.ErrWrongKey}, 0, ""},
		{"kid of a v4 key on a v3 token", nil, v3.token(t, c, v4a.kid, nil), []error{verifier.ErrWrongKey}, 0, ""},
		{"kid of a local key on a public token", nil, v4a.token(t, c, l4.kid, nil), []error{verifier.ErrWrongKey}, 0, ""},
		{"kid of a public key on a local token", nil, l4.token(t, c, v4a.kid, nil), []error{verifier.ErrWrongKey}, 0, ""},
		{"kid of a key bound to another issuer", nil, v4b.token(t, c, v4b.kid, nil), []error{verifier.ErrWrongIssuer}, 1, ""},
		{"bound key, no iss", nil, v4a.token(t, claims("iss", nil), v4a.kid, nil), []error{verifier.ErrWrongIssuer}, 1, ""},
		{"no kid: only v4.public keys are tried", nil, stranger.token(t, c, "", nil), []error{verifier.ErrInvalidSignature}, 3, ""},
		{"no kid: v3.public", nil, v3b.token(t, c, "", nil), nil, 2, ""}, // v3 tried first
		{"no kid: v3.local", nil, l3.token(t, c, "", nil), nil, 1, ""},
		{"no kid: v2 token, no v2 key", nil, newSigner(t, paseto.V2, false).token(t, c, "", nil), []error{verifier.ErrUnknownKey}, 0, ""},
		{"no kid: v2.local token, no v2 key", nil, newSigner(t, paseto.V2, true).token(t, c, "", nil), []error{verifier.ErrUnknownKey}, 0, ""},
		{"non-JSON footer has no kid", nil, v4c.tokenFooter(t, c, []byte("plain footer"), nil), nil, 3, ""},
		{"JSON footer without kid", nil, v4c.tokenFooter(t, c, []byte(`{"wpk":"x"}`), nil), nil, 3, ""},
		{"bad JSON footer", nil, v4a.tokenFooter(t, c, []byte(`{"kid":`), nil), []error{verifier.ErrMalformed, paseto.ErrInvalidFooter}, 0, ""},
		{"kid not a string", nil, v4a.tokenFooter(t, c, []byte(`{"kid":1}`), nil), []error{verifier.ErrMalformed, paseto.ErrInvalidFooter}, 0, ""},
		{"footer over the limits", func(c *verifier.Config) { c.FooterLimits.MaxLength = 16 }, v4a.token(t, c, v4a.kid, nil), []error{verifier.ErrMalformed, paseto.ErrInvalidFooter}, 0, ""},
		{"RequireKeyID without kid", func(c *verifier.Config) { c.RequireKeyID = true }, v4c.token(t, c, "", nil), []error{verifier.ErrMissingKeyID, verifier.ErrUnknownKey}, 0, ""},
		{"RequireKeyID with kid", func(c *verifier.Config) { c.RequireKeyID = true }, v4c.token(t, c, v4c.kid, nil), nil, 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := verifier.Config{Keys: keys, Now: newClock().Now}
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			v := newVerifier(t, cfg)
			tok, err := v.Verify(t.Context(), tt.token, nil)
			wantErr(t, err, tt.want...)
			if got := verifier.Opens(v); got != tt.opens {
				t.Errorf("%d signature/tag checks, want %d", got, tt.opens)
			}
			if err == nil && tok.KeyIssuer != tt.keyIssuer {
				t.Errorf("KeyIssuer %q, want %q", tok.KeyIssuer, tt.keyIssuer)
			}
		})
	}
}

// Malformed, tampered and foreign tokens are rejected.
func TestBadTokens(t *testing.T) {
	pub := newSigner(t, paseto.V4, false)
	loc := newSigner(t, paseto.V3, true)
	v := newVerifier(t, verifier.Config{Keys: []keyring.Key{pub.key(""), loc.key("")}, Now: newClock().Now, MaxTokenLength: 4096})
	good := pub.token(t, claims(), pub.kid, nil)
	goodLocal := loc.token(t, claims(), loc.kid, nil)
	flip := func(tok string, i int) string {
		b := []byte(tok)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	body := len("v4.public.")
	footerAt := strings.LastIndexByte(good, '.') + 1
	tests := []struct {
		name  string
		token string
		want  []error
	}{
		{"empty", "", []error{verifier.ErrMalformed}},
		{"garbage", "hello", []error{verifier.ErrMalformed}},
		{"v1", "v1.public.AAAA", []error{verifier.ErrUnsupported}},
		{"unknown purpose", "v4.secret.AAAA", []error{verifier.ErrUnsupported}},
		{"header only", "v4.public.", []error{verifier.ErrMalformed}},
		{"too long", "v4.public." + strings.Repeat("A", 4096), []error{verifier.ErrMalformed, paseto.ErrTokenTooLong}},
		{"body too short", "v4.public.AAAA", []error{verifier.ErrMalformed}},
		{"padding", good[:footerAt-1] + "=." + good[footerAt:], []error{verifier.ErrMalformed}},
		{"trailing dot", good + ".", []error{verifier.ErrMalformed}},
		{"extra part", good + ".AAAA", []error{verifier.ErrMalformed}},
		{"newline", good[:body+3] + "\n" + good[body+3:], []error{verifier.ErrMalformed}},
		{"payload byte flipped", flip(good, body+3), []error{verifier.ErrInvalidSignature}},
		{"signature byte flipped", flip(good, footerAt-4), []error{verifier.ErrInvalidSignature}},
		{"footer dropped", good[:footerAt-1], []error{verifier.ErrInvalidSignature}},
		{"local ciphertext flipped", flip(goodLocal, len("v3.local.")+50), []error{verifier.ErrInvalidMAC}},
		{"local tag flipped", flip(goodLocal, strings.LastIndexByte(goodLocal, '.')-4), []error{verifier.ErrInvalidMAC}},
		{"public made local", "v4.local." + good[body:], []error{verifier.ErrWrongKey}},
		{"footer changed", pub.tokenFooter(t, claims(), []byte(`{"kid":"`+pub.kid+`"}`), nil)[:footerAt] + good[footerAt:], nil}, // same footer: fine
	}
	// A footer with an extra field under the same signature.
	other := pub.tokenFooter(t, claims(), []byte(`{"kid":"`+pub.kid+`","x":1}`), nil)
	tests = append(tests, struct {
		name  string
		token string
		want  []error
	}{"footer swapped", good[:footerAt] + other[strings.LastIndexByte(other, '.')+1:], []error{verifier.ErrInvalidSignature}})

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := v.Verify(t.Context(), tt.token, nil)
			wantErr(t, err, tt.want...)
			if err != nil && tok != nil {
				t.Fatal("token returned with an error")
			}
		})
	}
}

// Bad payloads are rejected after verification.
func TestBadPayloads(t *testing.T) {
	s := newSigner(t, paseto.V4, false)
	v := newVerifier(t, verifier.Config{Keys: []keyring.Key{s.key("")}, Now: newClock().Now})
	for name, payload := range map[string]string{
		"not an object":   `[1,2]`,
		"not JSON":        `hello`,
		"exp as a number": `{"exp":1900000000}`,
		"bad time":        `{"exp":"tomorrow"}`,
		"duplicate key":   `{"exp":"2030-01-01T13:00:00Z","exp":"2031-01-01T13:00:00Z"}`,
		"EXP in capitals": `{"exp":"2030-01-01T13:00:00Z","EXP":"2031-01-01T13:00:00Z"}`,
		"aud a number":    `{"exp":"2030-01-01T13:00:00Z","aud":7}`,
		"empty":           ``,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := v.Verify(t.Context(), s.token(t, []byte(payload), s.kid, nil), nil)
			wantErr(t, err, verifier.ErrMalformed, verifier.ErrInvalidClaims)
			if strings.Contains(err.Error(), "2031") || strings.Contains(err.Error(), "tomorrow") {
				t.Fatalf("error %q quotes the payload", err)
			}
		})
	}
}

func TestClaimRules(t *testing.T) {
	s := newSigner(t, paseto.V4, false)
	const iss = "https://issuer.example"
	ns := time.Nanosecond
	lw := 30 * time.Second
	leeway := func(c *verifier.Config) { c.Leeway = lw }
	issuers := func(c *verifier.Config) { c.Issuers = []string{"https://a.example", iss} }
	audiences := func(c *verifier.Config) { c.Audiences = []string{"api", "admin"} }
	maxAge := func(c *verifier.Config) { c.MaxAge = time.Hour }
	allowNoExp := func(c *verifier.Config) { c.AllowMissingExpiration = true }
	both := func(fs ...func(*verifier.Config)) func(*verifier.Config) {
		return func(c *verifier.Config) {
			for _, f := range fs {
				f(c)
			}
		}
	}
	tests := []struct {
		name   string
		cfg    func(*verifier.Config)
		claims map[string]any
		want   error
	}{
		{"valid", nil, claims(), nil},
		// exp: not valid at or after exp.
		{"exp now", nil, claims("exp", ts(t0)), verifier.ErrExpired},
		{"exp in 1ns", nil, claims("exp", ts(t0.Add(ns))), nil},
		{"exp past", nil, claims("exp", ts(t0.Add(-time.Hour))), verifier.ErrExpired},
		{"exp at -leeway", leeway, claims("exp", ts(t0.Add(-lw))), verifier.ErrExpired},
		{"exp within leeway", leeway, claims("exp", ts(t0.Add(-lw+ns))), nil},
		{"exp missing", nil, claims("exp", nil), verifier.ErrMissingExpiration},
		{"exp missing, allowed", allowNoExp, claims("exp", nil), nil},
		{"exp past, missing allowed", allowNoExp, claims("exp", ts(t0)), verifier.ErrExpired},
		// nbf: valid from nbf.
		{"nbf now", nil, claims("nbf", ts(t0)), nil},
		{"nbf in 1ns", nil, claims("nbf", ts(t0.Add(ns))), verifier.ErrNotYetValid},
		{"nbf at +leeway", leeway, claims("nbf", ts(t0.Add(lw))), nil},
		{"nbf beyond leeway", leeway, claims("nbf", ts(t0.Add(lw+ns))), verifier.ErrNotYetValid},
		// iat: not in the future.
		{"iat now", nil, claims("iat", ts(t0)), nil},
		{"iat in 1ns", nil, claims("iat", ts(t0.Add(ns))), verifier.ErrIssuedInFuture},
		{"iat at +leeway", leeway, claims("iat", ts(t0.Add(lw))), nil},
		{"iat beyond leeway", leeway, claims("iat", ts(t0.Add(lw+ns))), verifier.ErrIssuedInFuture},
		{"iat missing", nil, claims("iat", nil), nil},
		// Issuers.
		{"issuer accepted", issuers, claims(), nil},
		{"issuer not accepted", issuers, claims("iss", "https://b.example"), verifier.ErrWrongIssuer},
		{"issuer missing", issuers, claims("iss", nil), verifier.ErrWrongIssuer},
		{"issuer case differs", issuers, claims("iss", strings.ToUpper(iss)), verifier.ErrWrongIssuer},
		// Audiences: any of.
		{"aud string", audiences, claims("aud", "api"), nil},
		{"aud list, one accepted", audiences, claims("aud", []string{"web", "admin"}), nil},
		{"aud string not accepted", audiences, claims("aud", "web"), verifier.ErrWrongAudience},
		{"aud list not accepted", audiences, claims("aud", []string{"web", "mobile"}), verifier.ErrWrongAudience},
		{"aud empty list", audiences, claims("aud", []string{}), verifier.ErrWrongAudience},
		{"aud missing", audiences, claims(), verifier.ErrWrongAudience},
		{"aud not checked", nil, claims("aud", "anything"), nil},
		// MaxAge: as if exp = iat + MaxAge.
		{"max age: 1ns left", maxAge, claims("iat", ts(t0.Add(-time.Hour+ns))), nil},
		{"max age reached", maxAge, claims("iat", ts(t0.Add(-time.Hour))), verifier.ErrTooOld},
		{"max age: iat missing", maxAge, claims("iat", nil), verifier.ErrTooOld},
		{"max age within leeway", both(maxAge, leeway), claims("iat", ts(t0.Add(-time.Hour-lw+ns))), nil},
		{"max age beyond leeway", both(maxAge, leeway), claims("iat", ts(t0.Add(-time.Hour-lw))), verifier.ErrTooOld},
		// Order: issuer, then exp presence, then times, then audience, then age.
		{"order: issuer before exp", issuers, claims("iss", "x", "exp", nil), verifier.ErrWrongIssuer},
		{"order: issuer before expiry", issuers, claims("iss", "x", "exp", ts(t0)), verifier.ErrWrongIssuer},
		{"order: expiry before audience", audiences, claims("exp", ts(t0)), verifier.ErrExpired},
		{"order: audience before age", both(audiences, maxAge), claims("iat", nil), verifier.ErrWrongAudience},
		{"order: missing exp before nbf", nil, claims("exp", nil, "nbf", ts(t0.Add(time.Hour))), verifier.ErrMissingExpiration},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := verifier.Config{Keys: []keyring.Key{s.key("")}, Now: newClock().Now}
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			v := newVerifier(t, cfg)
			tok, err := v.Verify(t.Context(), s.token(t, tt.claims, s.kid, nil), nil)
			if tt.want == nil {
				wantErr(t, err)
				if tok == nil {
					t.Fatal("nil token")
				}
				return
			}
			wantErr(t, err, tt.want)
			for _, val := range []string{"alice", "issuer.example", "web", "mobile", "2030"} {
				if strings.Contains(err.Error(), val) {
					t.Fatalf("error %q quotes a claim", err)
				}
			}
		})
	}
}

type ctxKey struct{}

func TestRules(t *testing.T) {
	s := newSigner(t, paseto.V4, false)
	errRevoked := errors.New("token revoked")
	var (
		mu    sync.Mutex
		calls []string
	)
	record := func(name string) {
		mu.Lock()
		calls = append(calls, name)
		mu.Unlock()
	}
	rules := []verifier.Rule{
		func(ctx context.Context, tok *verifier.Token) error {
			record("ctx:" + fmt.Sprint(ctx.Value(ctxKey{})))
			return nil
		},
		func(ctx context.Context, tok *verifier.Token) error {
			record("jti")
			if tok.Claims.TokenID == "revoked" {
				return errRevoked
			}
			return nil
		},
		func(ctx context.Context, tok *verifier.Token) error {
			record("ctx-err")
			return ctx.Err()
		},
	}
	for _, cache := range []int{0, 10} {
		t.Run(fmt.Sprintf("cache=%d", cache), func(t *testing.T) {
			v := newVerifier(t, verifier.Config{Keys: []keyring.Key{s.key("")}, Rules: rules, Now: newClock().Now, CacheSize: cache})
			ctx := context.WithValue(t.Context(), ctxKey{}, "request-7")
			tests := []struct {
				name   string
				ctx    context.Context
				claims map[string]any
				want   []error
				calls  []string
			}{
				{"all pass", ctx, claims(), nil, []string{"ctx:request-7", "jti", "ctx-err"}},
				{"all pass again", ctx, claims(), nil, []string{"ctx:request-7", "jti", "ctx-err"}},
				{"rule rejects", ctx, claims("jti", "revoked"), []error{verifier.ErrRule, errRevoked}, []string{"ctx:request-7", "jti"}},
				{"rule rejects again", ctx, claims("jti", "revoked"), []error{verifier.ErrRule, errRevoked}, []string{"ctx:request-7", "jti"}},
				{"cancelled context", cancelled(ctx), claims(), []error{verifier.ErrRule, context.Canceled}, []string{"ctx:request-7", "jti", "ctx-err"}},
				{"built-in check fails first", ctx, claims("exp", ts(t0)), []error{verifier.ErrExpired}, nil},
			}
			for _, tt := range tests {
				calls = nil
				_, err := v.Verify(tt.ctx, s.token(t, tt.claims, s.kid, nil), nil)
				if tt.name == "all pass again" || tt.name == "rule rejects again" {
					// the same token string, so a cache hit when enabled
					_, err = v.Verify(tt.ctx, s.token(t, tt.claims, s.kid, nil), nil)
					calls = calls[len(calls)/2:]
				}
				wantErr(t, err, tt.want...)
				if fmt.Sprint(calls) != fmt.Sprint(tt.calls) {
					t.Errorf("%s: rules ran %v, want %v", tt.name, calls, tt.calls)
				}
				var re *verifier.RuleError
				if errors.Is(err, verifier.ErrRule) && (!errors.As(err, &re) || re.Err == nil) {
					t.Errorf("%s: %v is not a *RuleError", tt.name, err)
				}
			}
		})
	}
}

func cancelled(ctx context.Context) context.Context {
	ctx, cancel := context.WithCancel(ctx)
	cancel()
	return ctx
}

func TestRuleErrorText(t *testing.T) {
	e := &verifier.RuleError{Err: errors.New("nope")}
	if e.Error() != "verifier: rejected by rule: nope" {
		t.Errorf("%q", e.Error())
	}
	if (&verifier.RuleError{}).Error() != verifier.ErrRule.Error() {
		t.Error("nil Err")
	}
}

// A configured serializer decodes the claims and Token.Decode uses it.
func TestSerializer(t *testing.T) {
	s := newSigner(t, paseto.V4, false)
	type mine struct {
		paseto.Claims
		Role string `json:"role"`
	}
	payload, err := serializer.CBOR.Marshal(mine{
		Claims: paseto.Claims{Subject: "alice", Expiration: paseto.NewTime(t0.Add(time.Hour)), Audience: paseto.Audience{"api", "web"}},
		Role:   "admin",
	})
	wantErr(t, err)
	tok := s.token(t, payload, s.kid, nil)

	v := newVerifier(t, verifier.Config{Keys: []keyring.Key{s.key("")}, Serializer: serializer.CBOR, Audiences: []string{"web"}, Now: newClock().Now})
	got, err := v.Verify(t.Context(), tok, nil)
	wantErr(t, err)
	var m mine
	wantErr(t, got.Decode(&m))
	if m.Role != "admin" || m.Subject != "alice" || got.Claims.Subject != "alice" {
		t.Fatalf("decoded %+v / %+v", m, got.Claims)
	}
	// The JSON verifier rejects the CBOR payload, and the other way round.
	_, err = newVerifier(t, verifier.Config{Keys: []keyring.Key{s.key("")}, Now: newClock().Now}).Verify(t.Context(), tok, nil)
	wantErr(t, err, verifier.ErrInvalidClaims)
	_, err = v.Verify(t.Context(), s.token(t, claims(), s.kid, nil), nil)
	wantErr(t, err, verifier.ErrInvalidClaims, verifier.ErrMalformed)
}

// A zero Token decodes with JSON.
func TestZeroTokenDecode(t *testing.T) {
	tok := &verifier.Token{Payload: []byte(`{"sub":"x"}`)}
	var c paseto.Claims
	if err := tok.Decode(&c); err != nil || c.Subject != "x" {
		t.Fatal(c, err)
	}
}

func TestSetKeys(t *testing.T) {
	a := newSigner(t, paseto.V4, false)
	b := newSigner(t, paseto.V4, false)
	v := newVerifier(t, verifier.Config{Keys: []keyring.Key{a.key("")}, Now: newClock().Now})
	ta, tb := a.token(t, claims(), a.kid, nil), b.token(t, claims(), b.kid, nil)
	verify := func(tok string, want ...error) {
		t.Helper()
		_, err := v.Verify(t.Context(), tok, nil)
		wantErr(t, err, want...)
	}
	verify(ta)
	verify(tb, verifier.ErrUnknownKey)

	wantErr(t, v.SetKeys([]keyring.Key{a.key(""), b.key("")}))
	verify(ta)
	verify(tb)

	// A bad list changes nothing.
	sk, _ := paserk.Encode(b.sk)
	wantErr(t, v.SetKeys([]keyring.Key{a.key(""), {PASERK: sk}}), verifier.ErrInvalidConfig, verifier.ErrSecretKey)
	wantErr(t, v.SetKeys([]keyring.Key{a.key(""), a.key("")}), verifier.ErrInvalidConfig, verifier.ErrDuplicateKey)
	verify(tb)

	wantErr(t, v.SetKeys([]keyring.Key{b.key("https://issuer.example")}))
	verify(ta, verifier.ErrUnknownKey)
	verify(tb)
	wantErr(t, v.SetKeys([]keyring.Key{b.key("https://elsewhere.example")}))
	verify(tb, verifier.ErrWrongIssuer)

	wantErr(t, v.SetKeys(nil))
	verify(tb, verifier.ErrUnknownKey)
	verify(b.token(t, claims(), "", nil), verifier.ErrUnknownKey)
}

// Rotating keys while verifying: run with -race.
func TestConcurrentRotation(t *testing.T) {
	a := newSigner(t, paseto.V4, false)
	b := newSigner(t, paseto.V4, false)
	c := newSigner(t, paseto.V4, false)
	for _, cache := range []int{0, 4} {
		t.Run(fmt.Sprintf("cache=%d", cache), func(t *testing.T) {
			v := newVerifier(t, verifier.Config{Keys: []keyring.Key{a.key("")}, Now: newClock().Now, CacheSize: cache})
			ta, tb := a.token(t, claims(), a.kid, nil), b.token(t, claims(), b.kid, nil)
			tNoKid := a.token(t, claims(), "", nil)
			stop := make(chan struct{})
			var wg sync.WaitGroup
			errs := make(chan error, 100)
			for range 4 {
				wg.Go(func() {
					for {
						select {
						case <-stop:
							return
						default:
						}
						if _, err := v.Verify(context.Background(), ta, nil); err != nil {
							errs <- fmt.Errorf("a: %w", err)
							return
						}
						if _, err := v.Verify(context.Background(), tNoKid, nil); err != nil {
							errs <- fmt.Errorf("a without kid: %w", err)
							return
						}
						if _, err := v.Verify(context.Background(), tb, nil); err != nil && !errors.Is(err, verifier.ErrUnknownKey) {
							errs <- fmt.Errorf("b: %w", err)
							return
						}
					}
				})
			}
			for i := range 200 {
				keys := []keyring.Key{a.key(""), b.key("")}
				if i%2 == 1 {
					keys = []keyring.Key{c.key(""), a.key("")}
				}
				if err := v.SetKeys(keys); err != nil {
					t.Fatal(err)
				}
			}
			close(stop)
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
		})
	}
}

// Error strings never contain claim values or key material.
func TestErrorsQuoteNothing(t *testing.T) {
	s := newSigner(t, paseto.V4, false)
	v := newVerifier(t, verifier.Config{Keys: []keyring.Key{s.key("https://bound.example")}, Audiences: []string{"api"}, Now: newClock().Now})
	secret := "s3cr3t-value"
	for _, c := range []map[string]any{
		claims("iss", secret),
		claims("iss", "https://bound.example", "aud", secret),
		claims("iss", "https://bound.example", "aud", "api", "exp", ts(t0.Add(-time.Hour)), "jti", secret),
	} {
		_, err := v.Verify(t.Context(), s.token(t, c, s.kid, nil), nil)
		if err == nil || strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "bound.example") {
			t.Errorf("error %v", err)
		}
	}
	raw, _ := json.Marshal(claims())
	_, err := v.Verify(t.Context(), s.token(t, raw, s.kid+"x", nil), nil)
	wantErr(t, err, verifier.ErrUnknownKey)
	if strings.Contains(err.Error(), s.kid) {
		t.Errorf("error %q quotes the kid", err)
	}
}

// TestKidlessLocalAfterWrongKey: a local token without a kid is tried with
// each key of its version in turn; the right key must open it after a
// wrong one (a failed v2 check once wiped the shared body).
func TestKidlessLocalAfterWrongKey(t *testing.T) {
	for _, ver := range []paseto.Version{paseto.V2, paseto.V3, paseto.V4} {
		t.Run(ver.String(), func(t *testing.T) {
			wrong, right := newSigner(t, ver, true), newSigner(t, ver, true)
			v := newVerifier(t, verifier.Config{Keys: []keyring.Key{wrong.key(""), right.key("")}, Now: newClock().Now})
			if _, err := v.Verify(t.Context(), right.token(t, claims(), "", nil), nil); err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if got := verifier.Opens(v); got != 2 {
				t.Errorf("%d tag checks, want 2 (the wrong key first)", got)
			}
		})
	}
}
