package cookie

import (
	"context"
	"time"

	"encoding/json"
	"errors"
	"github.com/pasetokit/pasetokit/internal/testclock"
	"net/http"
	"strings"
	"testing"

	"github.com/pasetokit/pasetokit/internal/testkeys"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
)

func TestTemplate(t *testing.T) {
	tests := []struct {
		name  string
		c     Cookie
		field string // "" when c is valid
		want  http.Cookie
	}{
		{"zero", Cookie{}, "", http.Cookie{Name: "dflt", Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode}},
		{"all set", Cookie{Name: "__Secure-x", Path: "/app", Domain: "example.com", SameSite: http.SameSiteNoneMode, Partitioned: true}, "",
			http.Cookie{Name: "__Secure-x", Path: "/app", Domain: "example.com", Secure: true, HttpOnly: true, SameSite: http.SameSiteNoneMode, Partitioned: true}},
		{"insecure", Cookie{Insecure: true, SameSite: http.SameSiteStrictMode}, "", http.Cookie{Name: "dflt", Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode}},
		{"default mode", Cookie{SameSite: http.SameSiteDefaultMode}, "", http.Cookie{Name: "dflt", Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode}},
		{"bad name", Cookie{Name: "a=b"}, "Name", http.Cookie{}},
		{"bad path", Cookie{Path: "/\r\n"}, "Path", http.Cookie{}},
		{"bad domain", Cookie{Domain: "a;b"}, "Domain", http.Cookie{}},
		// Bytes net/http would drop from the Path, widening the scope.
		{"non-ASCII path", Cookie{Path: "/\u00e9lan"}, "Path", http.Cookie{}},
		{"non-ASCII path to root", Cookie{Path: "/\u00e9"}, "Path", http.Cookie{}},
		{"DEL in path", Cookie{Path: "/a\x7f"}, "Path", http.Cookie{}},
		{"tab in path", Cookie{Path: "/a\tb"}, "Path", http.Cookie{}},
		{"semicolon in path", Cookie{Path: "/a;b"}, "Path", http.Cookie{}},
		{"relative path", Cookie{Path: "app"}, "Path", http.Cookie{}},
		{"domain with leading dot", Cookie{Domain: ".example.com"}, "Domain", http.Cookie{}},
		{"non-ASCII domain", Cookie{Domain: "\u00e9xample.com"}, "Domain", http.Cookie{}},
		{"none insecure", Cookie{Insecure: true, SameSite: http.SameSiteNoneMode}, "SameSite", http.Cookie{}},
		{"bad samesite", Cookie{SameSite: 42}, "SameSite", http.Cookie{}},
		{"partitioned insecure", Cookie{Insecure: true, Partitioned: true}, "Partitioned", http.Cookie{}},
		{"host prefix", Cookie{Name: "__host-x", Domain: "example.com"}, "Name", http.Cookie{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.c.Template("dflt")
			if tt.field != "" {
				fe, ok := errors.AsType[*FieldError](err)
				if !ok || fe.Field != tt.field {
					t.Fatalf("err = %v, want a FieldError for %s", err, tt.field)
				}
				return
			}
			if err != nil || got.String() != tt.want.String() {
				t.Fatalf("Template = %q, %v; want %q", got.String(), err, tt.want.String())
			}
		})
	}
}

func TestField(t *testing.T) {
	other := errors.New("other")
	for _, tt := range []struct {
		prefix string
		err    error
		field  string
		cause  error
	}{
		{"Cookie.", &FieldError{Field: "Path", Err: other}, "Cookie.Path", other},
		{"", &FieldError{Field: "Keys[2]", Err: other}, "Keys[2]", other},
		{"Cookie.", other, "Cookie", other},
	} {
		if f, c := Field(tt.prefix, tt.err); f != tt.field || c != tt.cause {
			t.Errorf("Field(%q, %v) = %q, %v; want %q, %v", tt.prefix, tt.err, f, c, tt.field, tt.cause)
		}
	}
}

func TestWrite(t *testing.T) {
	h := http.Header{}
	h.Add("Set-Cookie", "theirs=1")
	h.Add("Set-Cookie", "ours=old")
	h.Set("Cache-Control", "private")
	ours := func(name string) bool { return name == "ours" }
	Write(h, ours, &http.Cookie{Name: "ours", Value: "new"})
	Write(h, ours, &http.Cookie{Name: "ours", Value: "newer"})
	if got := strings.Join(h["Set-Cookie"], "|"); got != "theirs=1|ours=newer" {
		t.Errorf("Set-Cookie = %q", got)
	}
	if got := h.Get("Cache-Control"); got != `private, no-cache="Set-Cookie"` {
		t.Errorf("Cache-Control = %q", got)
	}
	h = http.Header{"Cache-Control": {"no-store"}}
	Write(h, ours)
	if got := h.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store left alone", got)
	}
	c := http.Cookie{Name: "ours", Value: "v", Path: "/"}
	Expire(&c)
	if c.Value != "" || c.MaxAge != -1 || c.Expires.Unix() != 1 {
		t.Errorf("Expire: %s", c.String())
	}
}

func footer(id string) []byte {
	b, _ := json.Marshal(map[string]string{"kid": id})
	return b
}

func TestNewRing(t *testing.T) {
	k1, _ := paseto.GenerateSymmetricKey(paseto.V4)
	k2, _ := paseto.GenerateSymmetricKey(paseto.V4)
	k3, _ := paseto.GenerateSymmetricKey(paseto.V3)
	keys := testkeys.Ring(t, k1, k2, k3)
	secret := []byte(strings.Repeat("s", 32))
	tests := []struct {
		name   string
		keys   []keyring.Key
		secret []byte
		field  string // "" when valid
		n      int
	}{
		{"keys", keys[:2], nil, "", 2},
		{"secret", nil, secret, "", 1},
		{"neither", nil, nil, "Keys", 0},
		{"both", keys[:1], secret, "Secret", 0},
		{"empty secret", nil, []byte{}, "Secret", 0},
		{"v3", keys, nil, "Keys[2]", 0},
		{"duplicate", []keyring.Key{keys[0], keys[1], keys[0]}, nil, "Keys[2]", 0},
		{"duplicate by id", []keyring.Key{keys[0], {PASERK: "\t" + keys[0].PASERK}}, nil, "Keys[1]", 0},
		{"issuer", []keyring.Key{{PASERK: keys[0].PASERK, Issuer: "i"}}, nil, "Keys[0].Issuer", 0},
		{"not a key", []keyring.Key{{PASERK: "k4.local.AAAA"}}, nil, "Keys[0]", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewRing(tt.keys, nil, tt.secret, "test", footer)
			if tt.field != "" {
				fe, ok := errors.AsType[*FieldError](err)
				if !ok || fe.Field != tt.field {
					t.Fatalf("err = %v, want a FieldError for %s", err, tt.field)
				}
				if strings.Contains(err.Error(), keys[0].PASERK[9:]) {
					t.Fatalf("error %q holds key material", err)
				}
				return
			}
			if err != nil || len(r.keys) != tt.n {
				t.Fatalf("NewRing: %d keys, %v; want %d", len(r.keys), err, tt.n)
			}
		})
	}
}

func TestRingLookup(t *testing.T) {
	k1, _ := paseto.GenerateSymmetricKey(paseto.V4)
	k2, _ := paseto.GenerateSymmetricKey(paseto.V4)
	r, err := NewRing(testkeys.Ring(t, k1, k2), nil, nil, "", footer)
	if err != nil {
		t.Fatal(err)
	}
	enc, _ := r.Encrypting(time.Time{})
	if enc.ID != paserk.LocalID(k1) || string(enc.Footer) != string(footer(enc.ID)) {
		t.Fatal("the first key does not encrypt with its footer")
	}
	old := r.ByID(r.keys[1].ID, time.Time{})
	tok, _ := paseto.Encrypt(k2, []byte("x"), old.Footer, nil)
	if got := r.ForToken(tok, time.Time{}); got != old {
		t.Fatalf("ForToken found %v, want the second key", got)
	}
	for _, bad := range []string{"", "v4.local.", "v4.local.abc", "v4.public." + tok[len("v4.local."):], tok + "x"} {
		if r.ForToken(bad, time.Time{}) != nil {
			t.Errorf("ForToken(%q) found a key", bad)
		}
	}
	if r.ByID("k4.lid.unknown", time.Time{}) != nil {
		t.Error("ByID found an unknown id")
	}
	// Footers that shorten the id must still tell the keys apart.
	same := func(string) []byte { return []byte("ref") }
	if _, err := newRing([]*paseto.SymmetricKey{k1, k2}, same); err == nil {
		t.Error("two keys with the same footer made a ring")
	} else if fe, ok := errors.AsType[*FieldError](err); !ok || fe.Field != "Keys[1]" {
		t.Errorf("same footer: %v, want a FieldError for Keys[1]", err)
	}
	named := r.WithFooter(func(id string) []byte { return []byte(id + "|n") })
	ne, _ := named.Encrypting(time.Time{})
	re, _ := r.Encrypting(time.Time{})
	if ne.ID != enc.ID || string(ne.Footer) != enc.ID+"|n" || re != enc {
		t.Error("WithFooter changed the ring it was made from, or kept its footers")
	}
}

func TestSourceRing(t *testing.T) {
	clk := testclock.New()
	ctx := context.Background()
	src, err := keyring.New(ctx, keyring.Config{
		Purpose:   paseto.Local,
		Policy:    keyring.Policy{RotateEvery: 24 * time.Hour, PublishAhead: time.Hour},
		Lifetimes: []time.Duration{time.Hour},
		Now:       clk.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewRing(nil, src, []byte(strings.Repeat("s", 32)), "", footer); err == nil {
		t.Fatal("KeySource and Secret together accepted")
	}
	public, _ := keyring.New(ctx, keyring.Config{Lifetimes: []time.Duration{time.Hour}})
	if _, err := NewRing(nil, public, nil, "", footer); err == nil {
		t.Fatal("a public ring accepted")
	}
	r, err := NewRing(nil, src, nil, "", footer)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := r.Encrypting(clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	if r.FooterB64Len() != len(enc.FooterB64) {
		t.Fatal("FooterB64Len")
	}
	tok, _ := paseto.Encrypt(enc.Key, []byte("x"), enc.Footer, nil)
	if r.ForToken(tok, clk.Now()) != enc || r.ByID(enc.ID, clk.Now()) != enc {
		t.Fatal("the current key is not found")
	}
	next, err := src.Rotate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Hour)
	enc2, err := r.Encrypting(clk.Now())
	if err != nil || enc2.ID != next.ID {
		t.Fatalf("after the switch: %v, %v", enc2, err)
	}
	if r.ForToken(tok, clk.Now()) == nil {
		t.Fatal("the retired key no longer decrypts")
	}
	if named := r.WithFooter(func(id string) []byte { return []byte(id + "|n") }); named.ByID(enc.ID, clk.Now()) == nil {
		t.Fatal("WithFooter lost the source")
	}
	// Current until its promised retirement (24h), then kept for RetainFor
	// (1h): dropped at 25h, even without a tick.
	clk.Set(testclock.T0.Add(25 * time.Hour))
	if r.ForToken(tok, clk.Now()) != nil || r.ByID(enc.ID, clk.Now()) != nil {
		t.Fatal("a dropped key still decrypts")
	}
	clk.Advance(48 * time.Hour) // stale: no key encrypts
	if _, err := r.Encrypting(clk.Now()); !errors.Is(err, keyring.ErrStale) {
		t.Fatalf("Encrypting on a stale ring: %v", err)
	}
}

// TestTemplateScopeKept: whatever Template accepts is sent with exactly the
// configured Path and Domain, by net/http and by Line alike.
func TestTemplateScopeKept(t *testing.T) {
	for _, c := range []Cookie{
		{}, {Path: "/app"}, {Path: "/a b~!$%&'()*+,-./:<=>?@[]^_`{|}"}, {Domain: "example.com"}, {Path: "/x", Domain: "127.0.0.1"},
	} {
		tmpl, err := c.Template("s")
		if err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
		tmpl.Value = "v"
		for _, line := range []string{tmpl.String(), NewLine(tmpl).String(0, "s", "v", 10, time.Now())} {
			if !strings.Contains(line, "; Path="+tmpl.Path+";") && !strings.HasSuffix(line, "; Path="+tmpl.Path) {
				t.Errorf("%+v: Path not kept: %s", c, line)
			}
			if c.Domain != "" && !strings.Contains(line, "; Domain="+c.Domain) {
				t.Errorf("%+v: Domain not kept: %s", c, line)
			}
		}
	}
}
