package paseto

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

type mode struct {
	name string
	v    Version
	p    Purpose
}

var modes = []mode{
	{"v2.local", V2, Local}, {"v2.public", V2, Public},
	{"v3.local", V3, Local}, {"v3.public", V3, Public},
	{"v4.local", V4, Local}, {"v4.public", V4, Public},
}

// opener makes a token in mode m and returns a function that opens tokens of
// that mode with the matching key.
func newMode(t *testing.T, m mode) (make func(payload, footer, implicit []byte) (string, error), open func(tok string, implicit []byte) ([]byte, []byte, error)) {
	t.Helper()
	if m.p == Local {
		k, err := GenerateSymmetricKey(m.v)
		if err != nil {
			t.Fatal(err)
		}
		return func(p, f, i []byte) (string, error) { return Encrypt(k, p, f, i) },
			func(tok string, i []byte) ([]byte, []byte, error) { return Decrypt(k, tok, i) }
	}
	k, err := GenerateSecretKey(m.v)
	if err != nil {
		t.Fatal(err)
	}
	return func(p, f, i []byte) (string, error) { return Sign(k, p, f, i) },
		func(tok string, i []byte) ([]byte, []byte, error) { return Verify(k.Public(), tok, i) }
}

func TestRoundTripAndTamper(t *testing.T) {
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			mk, open := newMode(t, m)
			payload := []byte(`{"sub":"alice","n":1}`)
			for _, footer := range [][]byte{nil, []byte(`{"kid":"k4.pid.x"}`), []byte("plain footer")} {
				implicit := []byte("bound-context")
				if m.v == V2 {
					implicit = nil
				}
				tok, err := mk(payload, footer, implicit)
				if err != nil {
					t.Fatal(err)
				}
				if !strings.HasPrefix(tok, m.name+".") {
					t.Fatalf("token %q lacks header", tok)
				}
				if (len(footer) > 0) != (strings.Count(tok, ".") == 3) {
					t.Fatalf("footer presence wrong in %q", tok)
				}
				gotP, gotF, err := open(tok, implicit)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(gotP, payload) || !bytes.Equal(gotF, footer) {
					t.Fatalf("round trip gave %q %q", gotP, gotF)
				}
				if m.v != V2 {
					if _, _, err := open(tok, []byte("other-context")); !errors.Is(err, ErrInvalidMAC) && !errors.Is(err, ErrInvalidSignature) {
						t.Fatalf("wrong implicit assertion: %v", err)
					}
					if _, _, err := open(tok, nil); err == nil {
						t.Fatal("missing implicit assertion accepted")
					}
				}
				// Flip every character of the body and footer in turn.
				for i := len(m.name) + 1; i < len(tok); i++ {
					if tok[i] == '.' {
						continue
					}
					c := byte('A')
					if tok[i] == 'A' {
						c = 'B'
					}
					bad := tok[:i] + string(c) + tok[i+1:]
					if _, _, err := open(bad, implicit); err == nil {
						t.Fatalf("tampered token accepted (byte %d)", i)
					}
				}
			}
		})
	}
}

func TestWrongKeyBeforeCrypto(t *testing.T) {
	raw := bytes.Repeat([]byte{9}, 32)
	k3, _ := NewSymmetricKey(V3, raw)
	k4, _ := NewSymmetricKey(V4, raw)
	tok, _ := Encrypt(k4, []byte("{}"), nil, nil)
	if _, _, err := Decrypt(k3, tok, nil); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("v3 key on v4 token: %v", err)
	}
	sk, _ := GenerateSecretKey(V4)
	pub, _ := Sign(sk, []byte("{}"), nil, nil)
	if _, _, err := Decrypt(k4, pub, nil); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("local key on public token: %v", err)
	}
	if _, _, err := Verify(sk.Public(), tok, nil); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("public key on local token: %v", err)
	}
	sk2, _ := NewSecretKey(V2, sk.Bytes())
	if _, _, err := Verify(sk2.Public(), pub, nil); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("v2 key on v4 token: %v", err)
	}
	// A wrong-key token that is also malformed reports the key mismatch: no
	// decoding is attempted once the header disagrees.
	if _, _, err := Decrypt(k3, "v4.local.!!!", nil); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("got %v", err)
	}
}

func TestNilAndZeroKeys(t *testing.T) {
	if _, err := Encrypt(nil, nil, nil, nil); !errors.Is(err, ErrInvalidKey) {
		t.Fatal(err)
	}
	if _, err := Encrypt(&SymmetricKey{}, nil, nil, nil); !errors.Is(err, ErrInvalidKey) {
		t.Fatal(err)
	}
	if _, _, err := Decrypt(nil, "v4.local.x", nil); !errors.Is(err, ErrInvalidKey) {
		t.Fatal(err)
	}
	if _, err := Sign(nil, nil, nil, nil); !errors.Is(err, ErrInvalidKey) {
		t.Fatal(err)
	}
	if _, err := Sign(&SecretKey{}, nil, nil, nil); !errors.Is(err, ErrInvalidKey) {
		t.Fatal(err)
	}
	if _, _, err := Verify(nil, "v4.public.x", nil); !errors.Is(err, ErrInvalidKey) {
		t.Fatal(err)
	}
	if _, _, err := Verify(&PublicKey{}, "v4.public.x", nil); !errors.Is(err, ErrInvalidKey) {
		t.Fatal(err)
	}
}

func TestV2RejectsImplicit(t *testing.T) {
	lk, _ := GenerateSymmetricKey(V2)
	sk, _ := GenerateSecretKey(V2)
	if _, err := Encrypt(lk, nil, nil, []byte("x")); !errors.Is(err, ErrImplicitUnsupported) {
		t.Fatal(err)
	}
	if _, err := Sign(sk, nil, nil, []byte("x")); !errors.Is(err, ErrImplicitUnsupported) {
		t.Fatal(err)
	}
	tok, _ := Encrypt(lk, nil, nil, nil)
	if _, _, err := Decrypt(lk, tok, []byte("x")); !errors.Is(err, ErrImplicitUnsupported) {
		t.Fatal(err)
	}
	ptok, _ := Sign(sk, nil, nil, nil)
	if _, _, err := Verify(sk.Public(), ptok, []byte("x")); !errors.Is(err, ErrImplicitUnsupported) {
		t.Fatal(err)
	}
}

func TestMalformedTokens(t *testing.T) {
	k, _ := GenerateSymmetricKey(V4)
	good, _ := Encrypt(k, []byte(`{"a":1}`), []byte("foot"), nil)
	parts := strings.Split(good, ".")
	body, foot := parts[2], parts[3]
	tests := []struct {
		name string
		tok  string
		want error
	}{
		{"empty", "", ErrMalformed},
		{"no header", "hello", ErrMalformed},
		{"v1", "v1.local." + body, ErrUnsupported},
		{"v9", "v9.local." + body, ErrUnsupported},
		{"unknown purpose", "v4.secret." + body, ErrUnsupported},
		{"upper-case header", "V4.LOCAL." + body, ErrMalformed},
		{"trailing dot", "v4.local." + body + ".", ErrMalformed},
		{"empty body", "v4.local.", ErrMalformed},
		{"empty body with footer", "v4.local.." + foot, ErrMalformed},
		{"too many parts", good + ".x", ErrMalformed},
		{"padding", "v4.local." + body + "==", ErrMalformed},
		{"padding in footer", "v4.local." + body + "." + foot + "=", ErrMalformed},
		{"newline", "v4.local." + body[:10] + "\n" + body[10:], ErrMalformed},
		{"carriage return", "v4.local." + body[:10] + "\r" + body[10:] + "." + foot, ErrMalformed},
		{"newline in footer", "v4.local." + body + "." + foot[:2] + "\n" + foot[2:], ErrMalformed},
		{"standard base64 alphabet", "v4.local." + strings.NewReplacer("-", "+", "_", "/").Replace(body) + "+/", ErrMalformed},
		{"space", "v4.local. " + body, ErrMalformed},
		{"short body", "v4.local.AAAA", ErrMalformed},
		{"body of 63 bytes", "v4.local." + b64.EncodeToString(make([]byte, 63)), ErrMalformed},
		{"good header, tag wrong", "v4.local." + b64.EncodeToString(make([]byte, 64)), ErrInvalidMAC},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := Decrypt(k, tt.tok, nil); !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestNonCanonicalTrailingBits(t *testing.T) {
	k, _ := GenerateSymmetricKey(V4)
	// A 65-byte body leaves 2 unused bits in the last base64 character.
	for n := 64; n < 67; n++ {
		tok, _ := Encrypt(k, make([]byte, n-64), nil, nil)
		last := tok[len(tok)-1]
		idx := strings.IndexByte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", last)
		if (n*8)%6 == 0 {
			continue // no spare bits
		}
		bad := tok[:len(tok)-1] + string("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[idx+1])
		if _, _, err := Decrypt(k, bad, nil); !errors.Is(err, ErrMalformed) {
			t.Fatalf("body %d bytes: non-zero trailing bits gave %v", n, err)
		}
	}
}

func TestLimits(t *testing.T) {
	k, _ := GenerateSymmetricKey(V4)
	big, _ := Encrypt(k, make([]byte, 1000), nil, nil)
	p := &Parser{MaxTokenLength: len(big) - 1}
	if _, _, err := p.Decrypt(k, big, nil); !errors.Is(err, ErrTokenTooLong) {
		t.Fatalf("got %v", err)
	}
	p.MaxTokenLength = len(big)
	if _, _, err := p.Decrypt(k, big, nil); err != nil {
		t.Fatalf("at the limit: %v", err)
	}
	// The length check comes first: even garbage of the wrong version is
	// reported as too long.
	huge := "v2.public." + strings.Repeat(".", DefaultMaxTokenLength)
	if _, _, err := Decrypt(k, huge, nil); !errors.Is(err, ErrTokenTooLong) {
		t.Fatalf("got %v", err)
	}
	if _, err := Unverified(huge); !errors.Is(err, ErrTokenTooLong) {
		t.Fatalf("got %v", err)
	}
	withFooter, _ := Encrypt(k, nil, make([]byte, 100), nil)
	fp := &Parser{MaxFooterLength: 99}
	if _, _, err := fp.Decrypt(k, withFooter, nil); !errors.Is(err, ErrFooterTooLong) {
		t.Fatalf("got %v", err)
	}
	fp.MaxFooterLength = 100
	if _, _, err := fp.Decrypt(k, withFooter, nil); err != nil {
		t.Fatalf("at the footer limit: %v", err)
	}
}

func TestUnverified(t *testing.T) {
	sk, _ := GenerateSecretKey(V3)
	tok, _ := Sign(sk, []byte(`{"a":1}`), []byte(`{"kid":"x"}`), []byte("i"))
	u, err := Unverified(tok)
	if err != nil {
		t.Fatal(err)
	}
	if u.Version != V3 || u.Purpose != Public || string(u.UnverifiedFooter) != `{"kid":"x"}` || string(u.UnverifiedPayload) != `{"a":1}` {
		t.Fatalf("got %+v", u)
	}
	lk, _ := GenerateSymmetricKey(V2)
	ltok, _ := Encrypt(lk, []byte("secret"), nil, nil)
	u, err = Unverified(ltok)
	if err != nil {
		t.Fatal(err)
	}
	if u.Version != V2 || u.Purpose != Local || u.UnverifiedFooter != nil || u.UnverifiedPayload != nil {
		t.Fatalf("got %+v", u)
	}
	for _, bad := range []string{"v4.public.AAAA", "v4.local.AAAA", "v4.public.", "x", tok + "."} {
		if _, err := Unverified(bad); !errors.Is(err, ErrMalformed) {
			t.Errorf("%q: got %v", bad, err)
		}
	}
}

func TestPAE(t *testing.T) {
	// Examples from the specification.
	tests := []struct {
		in   [][]byte
		want string
	}{
		{nil, "\x00\x00\x00\x00\x00\x00\x00\x00"},
		{[][]byte{{}}, "\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"},
		{[][]byte{[]byte("test")}, "\x01\x00\x00\x00\x00\x00\x00\x00\x04\x00\x00\x00\x00\x00\x00\x00test"},
	}
	for _, tt := range tests {
		if got := PAE(tt.in...); string(got) != tt.want {
			t.Errorf("PAE(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	var b [8]byte
	le64(b[:], 1<<63|5)
	if b != [8]byte{5} {
		t.Errorf("LE64 kept the top bit: %v", b)
	}
}

func TestV3SignIsDeterministic(t *testing.T) {
	sk, _ := GenerateSecretKey(V3)
	a, _ := Sign(sk, []byte("{}"), nil, nil)
	b, _ := Sign(sk, []byte("{}"), nil, nil)
	if a != b {
		t.Fatal("v3 signatures differ for the same input: not RFC 6979")
	}
}

// TestUnverifiedOpen opens tokens through Unverified: with the right key
// after a wrong one, with a key of another version or purpose, twice, and
// from an UnverifiedToken that Unverified did not make.
func TestUnverifiedOpen(t *testing.T) {
	k1, _ := NewSymmetricKey(V4, bytes.Repeat([]byte{1}, 32))
	k2, _ := NewSymmetricKey(V4, bytes.Repeat([]byte{2}, 32))
	k3, _ := NewSymmetricKey(V3, bytes.Repeat([]byte{3}, 32))
	sk1, _ := NewSecretKeyFromSeed(V4, bytes.Repeat([]byte{1}, 32))
	sk2, _ := NewSecretKeyFromSeed(V4, bytes.Repeat([]byte{2}, 32))
	sk3, _ := NewSecretKeyFromSeed(V2, bytes.Repeat([]byte{3}, 32))
	ltok, _ := Encrypt(k1, []byte(`{"a":1}`), []byte(`{"kid":"x"}`), []byte("i"))
	ptok, _ := Sign(sk1, []byte(`{"a":2}`), []byte(`{"kid":"y"}`), []byte("i"))

	u, err := Unverified(ltok)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		key  *SymmetricKey
		impl string
		want error
	}{
		{k2, "i", ErrInvalidMAC},
		{k1, "j", ErrInvalidMAC},
		{k3, "i", ErrWrongKey},
		{nil, "i", ErrInvalidKey},
		{k1, "i", nil},
		{k1, "i", ErrMalformed}, // decrypted in place: spent
	} {
		p, f, err := u.Decrypt(tt.key, []byte(tt.impl))
		if !errors.Is(err, tt.want) || (err == nil) != (tt.want == nil) {
			t.Fatalf("Decrypt: %v, want %v", err, tt.want)
		}
		if err == nil && (string(p) != `{"a":1}` || string(f) != `{"kid":"x"}`) {
			t.Fatalf("Decrypt: %q %q", p, f)
		}
	}

	// v2.local: the right key after a wrong one (a failed v2 check must
	// not wipe the body the next key opens).
	k4, _ := NewSymmetricKey(V2, bytes.Repeat([]byte{4}, 32))
	k5, _ := NewSymmetricKey(V2, bytes.Repeat([]byte{5}, 32))
	v2tok, _ := Encrypt(k5, []byte(`{"a":3}`), nil, nil)
	u, err = Unverified(v2tok)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := u.Decrypt(k4, nil); !errors.Is(err, ErrInvalidMAC) {
		t.Fatalf("v2 Decrypt with a wrong key: %v", err)
	}
	if p, _, err := u.Decrypt(k5, nil); err != nil || string(p) != `{"a":3}` {
		t.Fatalf("v2 Decrypt with the right key after a wrong one: %q, %v", p, err)
	}
	if _, _, err := u.Decrypt(k5, nil); !errors.Is(err, ErrMalformed) {
		t.Fatalf("v2 Decrypt after it opened: %v", err)
	}

	u, err = Unverified(ptok)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		key  *PublicKey
		impl string
		want error
	}{
		{sk2.Public(), "i", ErrInvalidSignature},
		{sk1.Public(), "", ErrInvalidSignature},
		{sk3.Public(), "", ErrWrongKey},
		{sk3.Public(), "i", ErrImplicitUnsupported},
		{nil, "i", ErrInvalidKey},
		{sk1.Public(), "i", nil},
		{sk1.Public(), "i", nil}, // verifying changes nothing
	} {
		p, f, err := u.Verify(tt.key, []byte(tt.impl))
		if !errors.Is(err, tt.want) || (err == nil) != (tt.want == nil) {
			t.Fatalf("Verify: %v, want %v", err, tt.want)
		}
		if err == nil && (string(p) != `{"a":2}` || string(f) != `{"kid":"y"}`) {
			t.Fatalf("Verify: %q %q", p, f)
		}
	}
	if _, _, err := u.Decrypt(k1, nil); !errors.Is(err, ErrWrongKey) {
		t.Fatalf("Decrypt of a public token: %v", err)
	}

	var zero UnverifiedToken
	if _, _, err := zero.Verify(sk1.Public(), nil); !errors.Is(err, ErrMalformed) {
		t.Fatalf("Verify of a zero UnverifiedToken: %v", err)
	}
	if _, _, err := (*UnverifiedToken)(nil).Decrypt(k1, nil); !errors.Is(err, ErrMalformed) {
		t.Fatalf("Decrypt of a nil UnverifiedToken: %v", err)
	}
}
