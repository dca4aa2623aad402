package session

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/internal/cookie"
	"github.com/pasetokit/pasetokit/internal/testkeys"
	"github.com/pasetokit/pasetokit/keyderive"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/serializer"
)

var secret = []byte("0123456789abcdef0123456789abcdef-session-test")

func TestNewConfig(t *testing.T) {
	k1 := genKey(t)
	k3, _ := paseto.GenerateSymmetricKey(paseto.V3)
	p1 := testkeys.Ring(t, k1)[0].PASERK
	tests := []struct {
		name  string
		cfg   Config
		field string // the ConfigError's Field; "" when cfg is valid
	}{
		{"keys", Config{Keys: testkeys.Ring(t, k1)}, ""},
		{"secret", Config{Secret: secret}, ""},
		{"none", Config{}, "Keys"},
		{"both", Config{Keys: testkeys.Ring(t, k1), Secret: secret}, "Secret"},
		{"weak secret", Config{Secret: []byte("short")}, "Secret"},
		{"v3 key", Config{Keys: testkeys.Ring(t, k1, k3)}, "Keys[1]"},
		{"empty key", Config{Keys: []keyring.Key{{}}}, "Keys[0]"},
		{"bad PASERK", Config{Keys: []keyring.Key{{PASERK: "k4.local.AAAA"}}}, "Keys[0]"},
		{"public key", Config{Keys: []keyring.Key{{PASERK: publicPASERK(t)}}}, "Keys[0]"},
		{"issuer bound", Config{Keys: []keyring.Key{{PASERK: p1, Issuer: "https://a.example"}}}, "Keys[0].Issuer"},
		{"duplicate", Config{Keys: testkeys.Ring(t, k1, k1)}, "Keys[1]"},
		// The same key written differently is still a duplicate: keys
		// are told apart by their PASERK id.
		{"duplicate by id", Config{Keys: []keyring.Key{{PASERK: p1}, {PASERK: " " + p1 + "\n"}}}, "Keys[1]"},
		{"host ok", Config{Secret: secret, Cookie: Cookie{Name: "__Host-s"}}, ""},
		{"host insecure", Config{Secret: secret, Cookie: Cookie{Name: "__Host-s", Insecure: true}}, "Cookie.Name"},
		{"host path", Config{Secret: secret, Cookie: Cookie{Name: "__Host-s", Path: "/app"}}, "Cookie.Name"},
		{"host domain", Config{Secret: secret, Cookie: Cookie{Name: "__Host-s", Domain: "example.com"}}, "Cookie.Name"},
		{"secure ok", Config{Secret: secret, Cookie: Cookie{Name: "__Secure-s", Domain: "example.com"}}, ""},
		{"secure insecure", Config{Secret: secret, Cookie: Cookie{Name: "__Secure-s", Insecure: true}}, "Cookie.Name"},
		// Browsers match the prefixes in any letter case.
		{"HOST insecure", Config{Secret: secret, Cookie: Cookie{Name: "__HOST-s", Insecure: true}}, "Cookie.Name"},
		{"host lower path", Config{Secret: secret, Cookie: Cookie{Name: "__host-s", Path: "/app"}}, "Cookie.Name"},
		{"Host domain", Config{Secret: secret, Cookie: Cookie{Name: "__hOsT-s", Domain: "example.com"}}, "Cookie.Name"},
		{"SECURE insecure", Config{Secret: secret, Cookie: Cookie{Name: "__SECURE-s", Insecure: true}}, "Cookie.Name"},
		{"HOST ok", Config{Secret: secret, Cookie: Cookie{Name: "__HOST-s"}}, ""},
		{"samesite none insecure", Config{Secret: secret, Cookie: Cookie{SameSite: http.SameSiteNoneMode, Insecure: true}}, "Cookie.SameSite"},
		{"samesite none", Config{Secret: secret, Cookie: Cookie{SameSite: http.SameSiteNoneMode}}, ""},
		{"samesite bad", Config{Secret: secret, Cookie: Cookie{SameSite: 9}}, "Cookie.SameSite"},
		{"partitioned insecure", Config{Secret: secret, Cookie: Cookie{Partitioned: true, Insecure: true}}, "Cookie.Partitioned"},
		{"bad name", Config{Secret: secret, Cookie: Cookie{Name: "a b"}}, "Cookie.Name"},
		{"bad name 2", Config{Secret: secret, Cookie: Cookie{Name: "a;b"}}, "Cookie.Name"},
		{"bad domain", Config{Secret: secret, Cookie: Cookie{Domain: "a b"}}, "Cookie.Domain"},
		{"negative lifetime", Config{Secret: secret, Lifetime: -1}, "Lifetime"},
		{"idle > lifetime", Config{Secret: secret, Lifetime: time.Hour, IdleTimeout: 2 * time.Hour}, "IdleTimeout"},
		{"idle off", Config{Secret: secret, NoIdleTimeout: true}, ""},
		{"idle negative", Config{Secret: secret, IdleTimeout: -time.Second}, "IdleTimeout"},
		{"idle off and set", Config{Secret: secret, NoIdleTimeout: true, IdleTimeout: time.Hour}, "IdleTimeout"},
		{"parts without split", Config{Secret: secret, MaxCookieParts: 4}, "MaxCookieParts"},
		{"parts too many", Config{Secret: secret, AllowSplitCookies: true, MaxCookieParts: 100}, "MaxCookieParts"},
		{"bad path", Config{Secret: secret, Cookie: Cookie{Path: "/a;b"}}, "Cookie.Path"},
		{"no room", Config{Secret: secret, Cookie: Cookie{Path: "/" + strings.Repeat("p", MaxCookieSize)}}, "Cookie"},
		{"nil fallback", Config{Secret: secret, GorillaFallback: []securecookieCodec{nil}}, "GorillaFallback[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			ce, ok := errors.AsType[*ConfigError](err)
			if !ok || ce.Field != tt.field || !errors.Is(err, ErrInvalidConfig) || !errors.Is(err, ce.Err) {
				t.Fatalf("New: err = %v, want a *ConfigError for %s matching ErrInvalidConfig", err, tt.field)
			}
			if want := "session: invalid configuration: " + tt.field + ": "; !strings.HasPrefix(err.Error(), want) {
				t.Fatalf("error %q does not start with %q", err, want)
			}
			if strings.Contains(err.Error(), p1[len("k4.local."):]) || strings.Contains(err.Error(), string(secret)) {
				t.Fatalf("error %q holds key material", err)
			}
		})
	}
}

func TestDefaultsAndAttributes(t *testing.T) {
	m, clk := testManager(t, Config{})
	resp := serve(m, setHandler("a", 1))
	cs := resp.Cookies()
	if len(cs) != 1 {
		t.Fatalf("got %d cookies", len(cs))
	}
	c := cs[0]
	if c.Name != "session" || c.Path != "/" || !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode || c.Domain != "" {
		t.Errorf("attributes: %+v", c)
	}
	// Persistent: expires with the idle deadline (2h), earlier than 24h.
	if c.MaxAge != 7200 || !c.Expires.Equal(clk.Now().Add(2*time.Hour)) {
		t.Errorf("MaxAge %d Expires %v", c.MaxAge, c.Expires)
	}
	if got := resp.Header.Get("Vary"); got != "Cookie" {
		t.Errorf("Vary = %q", got)
	}
	if got := resp.Header.Get("Cache-Control"); got != `no-cache="Set-Cookie"` {
		t.Errorf("Cache-Control = %q", got)
	}
	if !strings.HasPrefix(c.Value, "v4.local.") {
		t.Errorf("not a v4.local token")
	}

	m2, _ := testManager(t, Config{SessionCookie: true, Cookie: Cookie{Name: "__Host-sid", SameSite: http.SameSiteStrictMode, Partitioned: true}, NoIdleTimeout: true})
	resp = serve(m2, setHandler("a", 1))
	c = resp.Cookies()[0]
	if c.MaxAge != 0 || !c.Expires.IsZero() || c.Name != "__Host-sid" || c.SameSite != http.SameSiteStrictMode || !c.Partitioned {
		t.Errorf("session cookie attributes: %+v", c)
	}

	// A session that is not touched writes nothing.
	resp = serve(m, noop)
	if len(resp.Cookies()) != 0 || resp.Header.Get("Vary") != "" {
		t.Errorf("untouched new session wrote headers: %v", resp.Header)
	}
}

// TestFooterAndImplicit pins the token format: the footer is the key
// reference (the first KeyRefLength characters of the key's PASERK id
// after "k4.lid."), and the cookie name is bound as the implicit
// assertion, not carried in the token.
func TestFooterAndImplicit(t *testing.T) {
	k := genKey(t)
	m, _ := testManager(t, Config{Keys: testkeys.Ring(t, k), Cookie: Cookie{Name: "sid"}})
	tok := issue(t, m, "user", "alice")[0].Value
	u, err := paseto.Unverified(tok)
	if err != nil {
		t.Fatal(err)
	}
	lid := paserk.LocalID(k)
	if want := lid[len("k4.lid."):][:KeyRefLength]; string(u.UnverifiedFooter) != want {
		t.Fatalf("footer = %q, want the key reference %q", u.UnverifiedFooter, want)
	}
	if strings.Contains(tok, base64.RawURLEncoding.EncodeToString([]byte("sid"))) {
		t.Error("the token carries the cookie name")
	}
	if _, _, err := paseto.Decrypt(k, tok, []byte("pasetokit-session|sid")); err != nil {
		t.Fatalf("decrypt with implicit assertion: %v", err)
	}
	if _, _, err := paseto.Decrypt(k, tok, nil); err == nil {
		t.Fatal("decrypted without the implicit assertion")
	}
}

func TestCounterRoundTrip(t *testing.T) {
	for _, ser := range []serializer.Serializer{serializer.JSON, serializer.CBOR} {
		t.Run(ser.Name(), func(t *testing.T) {
			m, _ := testManager(t, Config{Serializer: ser})
			h := func(w http.ResponseWriter, r *http.Request) {
				s := FromContext(r.Context())
				n, _ := Get[int](s, "n")
				if err := s.Set("n", n+1); err != nil {
					t.Error(err)
				}
				fmt.Fprint(w, n+1)
			}
			var cookies []*http.Cookie
			for i := 1; i <= 3; i++ {
				rec := httptest.NewRecorder()
				req := httptest.NewRequest("GET", "/", nil)
				for _, c := range cookies {
					req.AddCookie(c)
				}
				m.Handler(http.HandlerFunc(h)).ServeHTTP(rec, req)
				if got := rec.Body.String(); got != fmt.Sprint(i) {
					t.Fatalf("request %d: body %q", i, got)
				}
				cookies = live(rec.Result())
			}
		})
	}
}

func TestBadCookies(t *testing.T) {
	k := genKey(t)
	other := genKey(t)
	m, clk := testManager(t, Config{Keys: testkeys.Ring(t, k), IdleTimeout: time.Hour})
	good := issue(t, m, "user", "alice")[0].Value
	mOther, _ := testManager(t, Config{Keys: testkeys.Ring(t, other)})
	otherKey := issue(t, mOther, "user", "alice")[0].Value
	mName, _ := testManager(t, Config{Keys: testkeys.Ring(t, k), Cookie: Cookie{Name: "other"}})
	otherName := issue(t, mName, "user", "alice")[0].Value
	ek, _ := m.keys.Encrypting(time.Time{})
	// Same footer as ours but made under another implicit assertion: MAC fails.
	forged, _ := paseto.Encrypt(k, []byte(`{"id":"x","ct":1,"ls":1}`), ek.Footer, []byte("pasetokit-remember|session"))
	// Valid token whose payload lacks metadata.
	noMeta, _ := paseto.Encrypt(k, []byte(`{"v":{}}`), ek.Footer, m.implicit)
	notJSON, _ := paseto.Encrypt(k, []byte(`not json`), ek.Footer, m.implicit)
	// A token of the format before key references: {"kid":…,"n":…}.
	oldFooter, _ := json.Marshal(map[string]string{"kid": paserk.LocalID(k), "n": "session"})
	oldFormat, _ := paseto.Encrypt(k, []byte(`{"id":"x","ct":1,"ls":1}`), oldFooter, m.implicit)
	dot := strings.LastIndexByte(good, '.')
	// Cut the end of the body so that its base64 length is 1 mod 4, which
	// no base64 text has: always malformed. (Cutting a fixed 4 characters
	// left a valid encoding whenever the bits left over in the new last
	// character happened to be zero, and the test then failed at random
	// with ErrTampered.)
	bodyLen := dot - len(tokenHeader)
	cut := 4 + (bodyLen-1)%4

	tests := []struct {
		name  string
		value string
		adv   time.Duration
		want  error
	}{
		{"tampered", flip(good, 20), 0, ErrTampered},
		{"truncated body", good[:20] + good[24:], 0, ErrTampered},
		{"truncated body end", good[:dot-cut] + good[dot:], 0, ErrMalformed},
		{"truncated footer", good[:len(good)-3], 0, ErrMalformed},
		{"truncated to header", "v4.local.", 0, ErrMalformed},
		{"oversized", "v4.local." + strings.Repeat("A", 5000), 0, ErrMalformed},
		{"garbage", "hello", 0, ErrMalformed},
		{"v4.public", "v4.public.AAAA", 0, ErrMalformed},
		{"expired", good, 25 * time.Hour, ErrExpired},
		{"idle expired", good, 61 * time.Minute, ErrIdleExpired},
		{"wrong name", otherName, 0, ErrTampered},
		{"unknown key reference", good[:dot+1] + base64.RawURLEncoding.EncodeToString([]byte("AAAAAAAA")), 0, ErrUnknownKey},
		{"footer of earlier versions", oldFormat, 0, ErrMalformed},
		{"long footer", good[:dot+1] + base64.RawURLEncoding.EncodeToString([]byte("AAAAAAAAA")), 0, ErrMalformed},
		{"footer not a reference", good[:dot+1] + base64.RawURLEncoding.EncodeToString([]byte("AAAA.AAA")), 0, ErrMalformed},
		{"old key", otherKey, 0, ErrUnknownKey},
		{"other purpose", forged, 0, ErrTampered},
		{"no metadata", noMeta, 0, ErrMalformed},
		{"not json", notJSON, 0, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk.Advance(tt.adv)
			defer clk.Advance(-tt.adv)
			var got error
			mm := *m
			mm.onBad = func(r *http.Request, err error) { got = err }
			resp := serve(&mm, func(w http.ResponseWriter, r *http.Request) {
				s := FromContext(r.Context())
				if !s.IsNew() || len(s.Keys()) != 0 {
					t.Error("bad cookie gave a non-empty session")
				}
			}, &http.Cookie{Name: "session", Value: tt.value})
			if resp.StatusCode != 200 {
				t.Errorf("status %d", resp.StatusCode)
			}
			if !errors.Is(got, tt.want) {
				t.Fatalf("OnBadCookie got %v, want %v", got, tt.want)
			}
			var ce *CookieError
			if !errors.As(got, &ce) || ce.Name != "session" {
				t.Errorf("not a *CookieError: %T", got)
			}
			if strings.Contains(got.Error(), "alice") {
				t.Errorf("error leaks a value: %v", got)
			}
			if d := deleted(resp); !slices.Equal(d, []string{"session"}) {
				t.Errorf("deleted cookies %v", d)
			}
			if len(live(resp)) != 0 {
				t.Errorf("bad cookie answered with a live cookie")
			}
		})
	}
	// The good cookie is accepted at the start.
	resp := serve(m, func(w http.ResponseWriter, r *http.Request) {
		if v, _ := Get[string](FromContext(r.Context()), "user"); v != "alice" {
			t.Errorf("user = %q", v)
		}
	}, &http.Cookie{Name: "session", Value: good})
	if len(resp.Cookies()) != 0 {
		t.Errorf("unchanged session rewrote its cookie")
	}
}

func TestBadCookieThenSet(t *testing.T) {
	m, _ := testManager(t, Config{})
	resp := serve(m, setHandler("a", "b"), &http.Cookie{Name: "session", Value: "junk"})
	if len(live(resp)) != 1 || len(deleted(resp)) != 0 {
		t.Fatalf("cookies %v", resp.Cookies())
	}
}

func TestKeyRotation(t *testing.T) {
	oldK, newK, unknown := genKey(t), genKey(t), genKey(t)
	mOld, clk := testManager(t, Config{Keys: testkeys.Ring(t, oldK)})
	c := issue(t, mOld, "user", "alice")
	mNew, _ := testManager(t, Config{Keys: testkeys.Ring(t, newK, oldK), Now: clk.Now})

	resp := serve(mNew, func(w http.ResponseWriter, r *http.Request) {
		s := FromContext(r.Context())
		if v, _ := Get[string](s, "user"); v != "alice" {
			t.Errorf("old key did not decrypt: %q", v)
		}
		s.Set("seen", true)
	}, c...)
	nc := live(resp)
	if len(nc) != 1 {
		t.Fatal("no re-issued cookie")
	}
	u, _ := paseto.Unverified(nc[0].Value)
	if ref := string(u.UnverifiedFooter); ref != string(keyRef(paserk.LocalID(newK))) {
		t.Errorf("new cookie's key reference %q is not the new key's", ref)
	}
	if _, _, err := paseto.Decrypt(newK, nc[0].Value, mNew.implicit); err != nil {
		t.Errorf("not encrypted with the new key: %v", err)
	}

	mUnknown, _ := testManager(t, Config{Keys: testkeys.Ring(t, unknown, newK), Now: clk.Now})
	var got error
	mUnknown.onBad = func(_ *http.Request, err error) { got = err }
	serve(mUnknown, noop, c...)
	if !errors.Is(got, ErrUnknownKey) {
		t.Errorf("old key after removal: %v", got)
	}
}

func TestSecretKeySeparation(t *testing.T) {
	m, _ := testManager(t, Config{Secret: secret})
	tok := issue(t, m, "user", "alice")[0].Value
	sessKey, _ := keyderive.SymmetricKey(secret, paseto.V4, "session")
	remember, _ := keyderive.SymmetricKey(secret, paseto.V4, "remember-me")
	if _, _, err := paseto.Decrypt(sessKey, tok, m.implicit); err != nil {
		t.Fatalf("session key does not open: %v", err)
	}
	for _, implicit := range [][]byte{nil, m.implicit, []byte("remember-me")} {
		if _, _, err := paseto.Decrypt(remember, tok, implicit); err == nil {
			t.Fatal("a session cookie opened with the remember-me key")
		}
	}
	// A remember-me token presented as the session cookie is rejected.
	footer, _ := json.Marshal(map[string]string{"kid": paserk.LocalID(remember)})
	rtok, _ := paseto.Encrypt(remember, []byte(`{"id":"x","ct":1,"ls":1}`), footer, m.implicit)
	var got error
	m.onBad = func(_ *http.Request, err error) { got = err }
	serve(m, noop, &http.Cookie{Name: "session", Value: rtok})
	if !errors.Is(got, ErrMalformed) {
		t.Errorf("remember-me token: %v, want ErrMalformed (a kid footer, not a key reference)", got)
	}
	// Nor under the session's footer: the key reference selects the
	// session key, whose MAC fails.
	ek2, _ := m.keys.Encrypting(time.Time{})
	rtok, _ = paseto.Encrypt(remember, []byte(`{"id":"x","ct":1,"ls":1}`), ek2.Footer, m.implicit)
	serve(m, noop, &http.Cookie{Name: "session", Value: rtok})
	if !errors.Is(got, ErrTampered) {
		t.Errorf("remember-me key under the session's reference: %v", got)
	}
}

func TestGetTyped(t *testing.T) {
	type user struct {
		ID    int64    `json:"id"`
		Roles []string `json:"roles"`
	}
	for _, ser := range []serializer.Serializer{serializer.JSON, serializer.CBOR} {
		t.Run(ser.Name(), func(t *testing.T) {
			m, _ := testManager(t, Config{Serializer: ser})
			c := issue(t, m, "n", 42, "f", 1.5, "s", "x", "u", user{7, []string{"admin"}}, "b", true, "null", nil)
			serve(m, func(w http.ResponseWriter, r *http.Request) {
				s := FromContext(r.Context())
				if v, ok := Get[int](s, "n"); !ok || v != 42 {
					t.Errorf("int: %v %v", v, ok)
				}
				if v, ok := Get[float64](s, "f"); !ok || v != 1.5 {
					t.Errorf("float: %v %v", v, ok)
				}
				if _, ok := Get[int](s, "f"); ok {
					t.Error("1.5 read as int")
				}
				if _, ok := Get[int](s, "s"); ok {
					t.Error("string read as int")
				}
				if v, ok := Get[user](s, "u"); !ok || v.ID != 7 || v.Roles[0] != "admin" {
					t.Errorf("struct: %+v %v", v, ok)
				}
				if v, ok := Get[bool](s, "b"); !ok || !v {
					t.Error("bool")
				}
				if _, ok := Get[int](s, "null"); ok {
					t.Error("null read as int")
				}
				if _, ok := Get[string](s, "missing"); ok {
					t.Error("missing key")
				}
				if got := s.Keys(); !slices.Equal(got, []string{"b", "f", "n", "null", "s", "u"}) {
					t.Errorf("Keys = %v", got)
				}
			}, c...)
		})
	}
}

func TestSetUnencodable(t *testing.T) {
	m, _ := testManager(t, Config{})
	serve(m, func(w http.ResponseWriter, r *http.Request) {
		s := FromContext(r.Context())
		if err := s.Set("ch", make(chan int)); !errors.Is(err, ErrEncode) {
			t.Errorf("Set(chan) = %v", err)
		}
		if _, ok := s.Get("ch"); ok {
			t.Error("unencodable value stored")
		}
	})
}

func TestFlashes(t *testing.T) {
	m, _ := testManager(t, Config{})
	c := issue(t, m, "a", 1)
	resp := serve(m, func(w http.ResponseWriter, r *http.Request) {
		s := FromContext(r.Context())
		s.AddFlash("saved")
		s.AddFlash(map[string]any{"level": "warn"})
	}, c...)
	c = live(resp)
	resp = serve(m, func(w http.ResponseWriter, r *http.Request) {
		f := FromContext(r.Context()).Flashes()
		if len(f) != 2 || f[0] != "saved" {
			t.Errorf("flashes %v", f)
		}
	}, c...)
	c = live(resp)
	if len(c) != 1 {
		t.Fatal("consuming flashes did not save")
	}
	serve(m, func(w http.ResponseWriter, r *http.Request) {
		if f := FromContext(r.Context()).Flashes(); f != nil {
			t.Errorf("flashes shown twice: %v", f)
		}
	}, c...)
}

func TestRenew(t *testing.T) {
	m, clk := testManager(t, Config{})
	c := issue(t, m, "user", "alice")
	var oldID, newID string
	resp := serve(m, func(w http.ResponseWriter, r *http.Request) {
		s := FromContext(r.Context())
		oldID = s.ID()
		if err := s.Renew(); err != nil {
			t.Error(err)
		}
		newID = s.ID()
	}, c...)
	if oldID == "" || oldID == newID || len(newID) != 22 {
		t.Fatalf("ids %q -> %q", oldID, newID)
	}
	serve(m, func(w http.ResponseWriter, r *http.Request) {
		s := FromContext(r.Context())
		if s.ID() != newID {
			t.Error("renewed id not saved")
		}
		if v, _ := Get[string](s, "user"); v != "alice" {
			t.Error("Renew lost the values")
		}
	}, live(resp)...)
	// Renew does not extend the absolute lifetime.
	clk.Advance(25 * time.Hour)
	var got error
	m.onBad = func(_ *http.Request, err error) { got = err }
	serve(m, noop, live(resp)...)
	if !errors.Is(got, ErrExpired) && !errors.Is(got, ErrIdleExpired) {
		t.Errorf("got %v", got)
	}
}

func TestDestroy(t *testing.T) {
	m, _ := testManager(t, Config{})
	c := issue(t, m, "user", "alice")
	resp := serve(m, func(w http.ResponseWriter, r *http.Request) {
		FromContext(r.Context()).Destroy()
	}, c...)
	if d := deleted(resp); !slices.Equal(d, []string{"session"}) || len(live(resp)) != 0 {
		t.Fatalf("destroy: %v", resp.Cookies())
	}
	// Destroy then Set: a new session with a new id.
	var oldID string
	resp = serve(m, func(w http.ResponseWriter, r *http.Request) {
		s := FromContext(r.Context())
		oldID = s.ID()
		s.Destroy()
		s.Set("x", 1)
	}, c...)
	serve(m, func(w http.ResponseWriter, r *http.Request) {
		s := FromContext(r.Context())
		if s.ID() == oldID || s.Keys()[0] != "x" || len(s.Keys()) != 1 {
			t.Errorf("after destroy+set: id %q keys %v", s.ID(), s.Keys())
		}
	}, live(resp)...)
}

func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)[:n]
}

func TestSizeBudget(t *testing.T) {
	var reported []error
	var mu sync.Mutex
	m, _ := testManager(t, Config{OnError: func(r *http.Request, err error) {
		mu.Lock()
		reported = append(reported, err)
		mu.Unlock()
	}})
	c := issue(t, m, "user", "alice")
	big := randomString(5000)

	// Explicit Save: the error comes back synchronously.
	resp := serve(m, func(w http.ResponseWriter, r *http.Request) {
		s := FromContext(r.Context())
		s.Set("big", big)
		err := s.Save()
		var se *SizeError
		if !errors.As(err, &se) || !errors.Is(err, ErrTooLarge) || se.Limit != MaxCookieSize || se.Size <= se.Limit {
			t.Errorf("Save = %v", err)
		}
		s.Delete("big")
		if err := s.Save(); err != nil {
			t.Errorf("Save after shrinking: %v", err)
		}
	}, c...)
	if len(live(resp)) != 1 {
		t.Error("shrunk session not saved")
	}
	if len(reported) != 0 {
		t.Errorf("reported %v", reported)
	}

	// Automatic save: OnError, and no Set-Cookie (the old cookie stays).
	resp = serve(m, setHandler("big", big), c...)
	if len(resp.Cookies()) != 0 {
		t.Errorf("Set-Cookie written for an oversized session: %v", resp.Header["Set-Cookie"])
	}
	if len(reported) != 1 || !errors.Is(reported[0], ErrTooLarge) {
		t.Errorf("reported %v", reported)
	}
	serve(m, func(w http.ResponseWriter, r *http.Request) {
		if v, _ := Get[string](FromContext(r.Context()), "user"); v != "alice" {
			t.Error("old cookie lost")
		}
	}, c...)
}

func TestSplitCookies(t *testing.T) {
	m, _ := testManager(t, Config{AllowSplitCookies: true, MaxCookieParts: 4})
	big := randomString(6000)
	resp := serve(m, setHandler("big", big, "user", "alice"))
	c := live(resp)
	if len(c) != 3 || c[0].Name != "session" || c[1].Name != "session.1" || c[2].Name != "session.2" {
		t.Fatalf("parts: %v", names(c))
	}
	for _, line := range resp.Header["Set-Cookie"] {
		if len(line) > MaxCookieSize {
			t.Errorf("Set-Cookie of %d bytes", len(line))
		}
	}
	resp = serve(m, func(w http.ResponseWriter, r *http.Request) {
		s := FromContext(r.Context())
		if v, _ := Get[string](s, "big"); v != big {
			t.Error("split value not joined")
		}
		s.Delete("big")
	}, c...)
	if got := names(live(resp)); !slices.Equal(got, []string{"session"}) {
		t.Errorf("after shrink live %v", got)
	}
	if got := deleted(resp); !slices.Equal(got, []string{"session.1", "session.2"}) {
		t.Errorf("after shrink deleted %v", got)
	}
	// Too large even when split.
	var got error
	m.onError = func(_ *http.Request, err error) { got = err }
	resp = serve(m, setHandler("big", randomString(20000)))
	if !errors.Is(got, ErrTooLarge) || len(resp.Cookies()) != 0 {
		t.Errorf("20k session: %v %v", got, resp.Cookies())
	}
	// Destroy deletes every part.
	resp = serve(m, func(w http.ResponseWriter, r *http.Request) { FromContext(r.Context()).Destroy() }, c...)
	if got := deleted(resp); !slices.Equal(got, []string{"session", "session.1", "session.2"}) {
		t.Errorf("destroy deleted %v", got)
	}
	// A tampered part gives a fresh session and deletes all parts.
	c[1].Value = flip(c[1].Value, 10)
	var bad error
	m.onBad = func(_ *http.Request, err error) { bad = err }
	resp = serve(m, noop, c...)
	if !errors.Is(bad, ErrTampered) || len(deleted(resp)) != 3 {
		t.Errorf("tampered part: %v, deleted %v", bad, deleted(resp))
	}
}

func names(cs []*http.Cookie) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name)
	}
	return out
}

func TestSlidingIdle(t *testing.T) {
	m, clk := testManager(t, Config{IdleTimeout: time.Hour})
	c := issue(t, m, "user", "alice")
	// Within a tenth of the idle window: no re-issue.
	clk.Advance(5 * time.Minute)
	if resp := serve(m, noop, c...); len(resp.Cookies()) != 0 {
		t.Fatal("re-issued too early")
	}
	// After it: re-issued with a new last-seen time.
	clk.Advance(2 * time.Minute)
	resp := serve(m, noop, c...)
	nc := live(resp)
	if len(nc) != 1 {
		t.Fatal("not re-issued")
	}
	// The old cookie would now be idle-expired at +61m, the new one not.
	clk.Advance(55 * time.Minute)
	var got error
	m.onBad = func(_ *http.Request, err error) { got = err }
	serve(m, noop, c...)
	if !errors.Is(got, ErrIdleExpired) {
		t.Errorf("old cookie: %v", got)
	}
	got = nil
	serve(m, func(w http.ResponseWriter, r *http.Request) {
		if v, _ := Get[string](FromContext(r.Context()), "user"); v != "alice" {
			t.Error("slid session lost")
		}
	}, nc...)
	if got != nil {
		t.Errorf("re-issued cookie: %v", got)
	}
}

func TestCommitThenModify(t *testing.T) {
	var reported []error
	m, _ := testManager(t, Config{OnError: func(r *http.Request, err error) { reported = append(reported, err) }})
	c := issue(t, m, "user", "alice")
	for _, commit := range []struct {
		name string
		f    func(w http.ResponseWriter)
	}{
		{"WriteHeader", func(w http.ResponseWriter) { w.WriteHeader(204) }},
		{"Write", func(w http.ResponseWriter) { w.Write([]byte("x")) }},
		{"Flush", func(w http.ResponseWriter) { w.(http.Flusher).Flush() }},
		{"ResponseController", func(w http.ResponseWriter) { http.NewResponseController(w).Flush() }},
	} {
		t.Run(commit.name, func(t *testing.T) {
			reported = nil
			resp := serve(m, func(w http.ResponseWriter, r *http.Request) {
				s := FromContext(r.Context())
				s.Set("before", 1)
				commit.f(w)
				for _, err := range []error{s.Set("after", 1), s.Delete("user"), s.Clear(), s.Renew(), s.Destroy(), s.AddFlash("x"), s.Save()} {
					if !errors.Is(err, ErrCommitted) {
						t.Errorf("after commit: %v", err)
					}
				}
			}, c...)
			if len(reported) != 6 { // Save returns its error without reporting
				t.Errorf("reported %d errors", len(reported))
			}
			serve(m, func(w http.ResponseWriter, r *http.Request) {
				s := FromContext(r.Context())
				if got := s.Keys(); !slices.Equal(got, []string{"before", "user"}) {
					t.Errorf("saved keys %v", got)
				}
			}, live(resp)...)
		})
	}
}

func TestInformationalHeaderDoesNotCommit(t *testing.T) {
	m, _ := testManager(t, Config{Cookie: Cookie{Insecure: true}})
	srv := newServer(t, m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</style.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		if err := FromContext(r.Context()).Set("a", 1); err != nil {
			t.Error(err)
		}
	})))
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || len(live(resp)) != 1 {
		t.Errorf("status %d, cookies %v", resp.StatusCode, resp.Cookies())
	}
}

func TestSaveThenModify(t *testing.T) {
	m, _ := testManager(t, Config{})
	resp := serve(m, func(w http.ResponseWriter, r *http.Request) {
		s := FromContext(r.Context())
		s.Set("a", 1)
		if err := s.Save(); err != nil {
			t.Fatal(err)
		}
		s.Set("b", 2)
	})
	if n := len(resp.Header["Set-Cookie"]); n != 1 {
		t.Fatalf("%d Set-Cookie headers", n)
	}
	serve(m, func(w http.ResponseWriter, r *http.Request) {
		if got := FromContext(r.Context()).Keys(); !slices.Equal(got, []string{"a", "b"}) {
			t.Errorf("keys %v", got)
		}
	}, live(resp)...)
}

func TestNoSession(t *testing.T) {
	var s *Session
	if s.Set("a", 1) != ErrNoSession || s.Save() != ErrNoSession || s.Destroy() != ErrNoSession || s.Flashes() != nil {
		t.Error("nil session")
	}
	if _, ok := Get[int](s, "a"); ok {
		t.Error("nil session Get")
	}
	if FromContext(httptest.NewRequest("GET", "/", nil).Context()) != nil {
		t.Error("FromContext without middleware")
	}
}

func TestConcurrentSession(t *testing.T) {
	m, _ := testManager(t, Config{})
	resp := serve(m, func(w http.ResponseWriter, r *http.Request) {
		s := FromContext(r.Context())
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() {
				for j := range 20 {
					s.Set(fmt.Sprintf("k%d", i), j)
					Get[int](s, "k0")
					s.AddFlash(j)
					s.Keys()
				}
			})
		}
		wg.Wait()
	})
	serve(m, func(w http.ResponseWriter, r *http.Request) {
		s := FromContext(r.Context())
		if len(s.Keys()) != 8 || len(s.Flashes()) != 160 {
			t.Errorf("keys %v", s.Keys())
		}
	}, live(resp)...)
}

func TestCookieValueNeverInErrors(t *testing.T) {
	m, _ := testManager(t, Config{})
	var got error
	m.onBad = func(_ *http.Request, err error) { got = err }
	serve(m, noop, &http.Cookie{Name: "session", Value: "v4.local.c2VjcmV0LXZhbHVl"})
	if got == nil || strings.Contains(got.Error(), "c2VjcmV0") {
		t.Errorf("error %v", got)
	}
}

func TestOnErrorMayUseSession(t *testing.T) {
	var keys []string
	m, _ := testManager(t, Config{OnError: func(r *http.Request, err error) {
		keys = FromContext(r.Context()).Keys() // must not deadlock
	}})
	serve(m, func(w http.ResponseWriter, r *http.Request) {
		s := FromContext(r.Context())
		s.Set("a", 1)
		w.WriteHeader(200)
		s.Set("b", 2)
	})
	if !slices.Equal(keys, []string{"a"}) {
		t.Errorf("keys %v", keys)
	}
}

// TestCookieAttributesLeaveNoRoom: a Path (or Domain, or name) so long
// that no token fits is a configuration error, not a panic or a failure
// of every save.
func TestCookieAttributesLeaveNoRoom(t *testing.T) {
	secret := make([]byte, 32)
	long := "/" + strings.Repeat("p", 4100)
	for _, cfg := range []Config{
		{Secret: secret, AllowSplitCookies: true, Cookie: Cookie{Path: long}},
		{Secret: secret, AllowSplitCookies: true, MaxCookieParts: 2, Cookie: Cookie{Path: "/" + strings.Repeat("p", 3990)}},
		{Secret: secret, Cookie: Cookie{Path: "/" + strings.Repeat("p", 3950)}},
		{Secret: secret, SessionCookie: true, Cookie: Cookie{Path: long}},
		{Secret: secret, AllowSplitCookies: true, Cookie: Cookie{Name: strings.Repeat("n", 4100)}},
	} {
		if _, err := New(cfg); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("New(Path of %d bytes, name of %d, AllowSplitCookies %v): %v, want ErrInvalidConfig",
				len(cfg.Cookie.Path), len(cfg.Cookie.Name), cfg.AllowSplitCookies, err)
		}
	}

	// A long Path that leaves some room still works, split over parts.
	m, _ := testManager(t, Config{AllowSplitCookies: true, Cookie: Cookie{Path: "/" + strings.Repeat("p", 3500)}})
	big := randomString(1500)
	resp := serve(m, setHandler("big", big))
	c := live(resp)
	if len(c) < 2 {
		t.Fatalf("parts: %v", names(c))
	}
	for _, line := range resp.Header["Set-Cookie"] {
		if len(line) > MaxCookieSize {
			t.Errorf("Set-Cookie of %d bytes", len(line))
		}
	}
	serve(m, func(w http.ResponseWriter, r *http.Request) {
		if v, _ := Get[string](FromContext(r.Context()), "big"); v != big {
			t.Error("split value not joined")
		}
	}, c...)
}

// TestCookiesNoRoomDoesNotPanic: even with attributes that New would
// refuse, splitting reports a *SizeError instead of dividing by a
// non-positive chunk.
func TestCookiesNoRoomDoesNotPanic(t *testing.T) {
	m, clk := testManager(t, Config{AllowSplitCookies: true})
	m.line = cookie.NewLine(http.Cookie{Path: "/" + strings.Repeat("p", 4100)})
	now := clk.Now()
	p := &payload{Created: now.Unix(), Seen: now.Unix()}
	_, err := m.cookies("v4.local."+strings.Repeat("x", 500), p, now)
	var se *SizeError
	if !errors.As(err, &se) {
		t.Fatalf("cookies with no room: %v, want a *SizeError", err)
	}
}
