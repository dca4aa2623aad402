package paseto

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/internal/payloadcodec"
)

// FuzzParseToken checks that token splitting and decoding never panic and
// that whatever is accepted is canonical: encoding the decoded parts again
// gives the input back byte for byte.
func FuzzParseToken(f *testing.F) {
	k, _ := NewSymmetricKey(V4, bytes.Repeat([]byte{1}, 32))
	sk, _ := NewSecretKeyFromSeed(V4, bytes.Repeat([]byte{2}, 32))
	t1, _ := Encrypt(k, []byte(`{"a":1}`), []byte("f"), nil)
	t2, _ := Sign(sk, []byte(`{"a":1}`), []byte(`{"kid":"x"}`), nil)
	for _, s := range []string{t1, t2, "v4.local.", "v4.public.AAAA.", "v2.local.AA==", "v3.public.a\nb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		p := &Parser{}
		v, purpose, err := p.header(tok)
		if err != nil {
			return
		}
		h := header(v, purpose)
		body, footer, err := p.decodeParts(tok[len(h):])
		if err != nil {
			return
		}
		if got := buildToken(h, body, footer); got != tok {
			t.Fatalf("accepted non-canonical token %q (canonical %q)", tok, got)
		}
		if _, err := p.Unverified(tok); err != nil && !errors.Is(err, ErrMalformed) {
			t.Fatalf("Unverified: %v", err)
		}
	})
}

// FuzzDecrypt opens arbitrary strings with a fixed key: it must never panic,
// and a token it accepts must be re-made exactly from its own nonce.
func FuzzDecrypt(f *testing.F) {
	keys := map[Version]*SymmetricKey{}
	for _, v := range []Version{V2, V3, V4} {
		keys[v], _ = NewSymmetricKey(v, bytes.Repeat([]byte{byte(v)}, 32))
		tok, _ := Encrypt(keys[v], []byte(`{"a":1}`), []byte("f"), nil)
		f.Add(tok)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		for v, k := range keys {
			payload, footer, err := Decrypt(k, tok, nil)
			checkSameOpen(t, payload, footer, err, func(u *UnverifiedToken) ([]byte, []byte, error) { return u.Decrypt(k, nil) }, tok)
			if err != nil {
				continue
			}
			body, _, _ := (&Parser{}).decodeParts(tok[len(header(v, Local)):])
			var again string
			if v == V2 {
				// v2's nonce is derived from the payload and a random key that
				// the token does not carry; re-seal with the nonce itself.
				again = v2Seal(k, body[:24], payload, footer)
			} else {
				again, err = encrypt(k, body[:32], payload, footer, nil)
			}
			if err != nil || again != tok {
				t.Fatalf("accepted token does not re-encrypt to itself")
			}
		}
	})
}

// FuzzVerify checks that verification never panics on arbitrary input, and
// that an accepted v2 or v4 token is exactly what signing its payload and
// footer again gives (Ed25519 is deterministic). v3 is only checked not to
// panic: ECDSA signatures are malleable ((r, s) and (r, n-s) both verify),
// which the specification permits.
func FuzzVerify(f *testing.F) {
	var sks []*SecretKey
	for _, v := range []Version{V2, V3, V4} {
		sk, _ := GenerateSecretKey(v)
		sks = append(sks, sk)
		tok, _ := Sign(sk, []byte(`{"a":1}`), []byte("f"), nil)
		f.Add(tok)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		for _, sk := range sks {
			payload, footer, err := Verify(sk.Public(), tok, nil)
			checkSameOpen(t, payload, footer, err, func(u *UnverifiedToken) ([]byte, []byte, error) { return u.Verify(sk.Public(), nil) }, tok)
			if err != nil || sk.Version() == V3 {
				continue
			}
			if again, _ := Sign(sk, payload, footer, nil); again != tok {
				t.Fatalf("accepted token does not re-sign to itself: %q", tok)
			}
		}
	})
}

// FuzzPEM checks that PEM parsing never panics and that an accepted key
// encodes and parses back to the same key.
func FuzzPEM(f *testing.F) {
	for _, v := range []Version{V2, V3} {
		sk, _ := GenerateSecretKey(v)
		b, _ := sk.MarshalPEM()
		f.Add(b)
		b, _ = sk.Public().MarshalPEM()
		f.Add(b)
	}
	f.Add([]byte("-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, v := range []Version{V2, V3, V4} {
			if sk, err := ParseSecretKeyPEM(v, data); err == nil {
				out, err := sk.MarshalPEM()
				if err != nil {
					t.Fatal(err)
				}
				again, err := ParseSecretKeyPEM(v, out)
				if err != nil || !again.Equal(sk) {
					t.Fatalf("secret PEM does not round trip: %v", err)
				}
			}
			if pk, err := ParsePublicKeyPEM(v, data); err == nil {
				out, err := pk.MarshalPEM()
				if err != nil {
					t.Fatal(err)
				}
				again, err := ParsePublicKeyPEM(v, out)
				if err != nil || !again.Equal(pk) {
					t.Fatalf("public PEM does not round trip: %v", err)
				}
			}
		}
	})
}

// FuzzFooter checks that footer parsing never panics and that an accepted
// kid is never key material.
func FuzzFooter(f *testing.F) {
	for _, s := range []string{`{"kid":"k4.pid.x"}`, `{"kid":"k4.local.x"}`, `{"kid":1}`, `{"a":{"b":1}}`, "plain"} {
		f.Add([]byte(s))
	}
	f.Add([]byte(`{"kid":"k4.pid.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}`))
	f.Add([]byte(`{"kid":"a\u0062"}`))
	f.Fuzz(func(t *testing.T, footer []byte) {
		kid, err := FooterKeyID(footer)
		if err == nil && isPASERKKey(kid) {
			t.Fatalf("kid %q holds a key", kid)
		}
		// The plain {"kid":"…"} shortcut answers as the decoder does.
		for _, l := range []FooterLimits{{}, {MaxLength: 24}} {
			kid, err := l.KeyID(footer)
			wkid, werr := keyIDDecoded(l, footer)
			if kid != wkid || (err == nil) != (werr == nil) || !errors.Is(err, ErrInvalidFooter) != !errors.Is(werr, ErrInvalidFooter) {
				t.Fatalf("%+v %q: KeyID = %q, %v; decoded %q, %v", l, footer, kid, err, wkid, werr)
			}
		}
	})
}

// keyIDDecoded is FooterLimits.KeyID without the plain-footer shortcut.
func keyIDDecoded(l FooterLimits, footer []byte) (string, error) {
	if t := bytes.TrimLeft(footer, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return "", nil
	}
	var f struct {
		KeyID string `json:"kid"`
	}
	if err := l.Unmarshal(footer, &f); err != nil {
		return "", err
	}
	if isPASERKKey(f.KeyID) {
		return "", ErrKeyInFooter
	}
	return f.KeyID, nil
}

// FuzzUnmarshalClaims checks that payload decoding never panics and that
// accepted registered claims encode and decode to the same values.
func FuzzUnmarshalClaims(f *testing.F) {
	for _, s := range []string{
		`{"iss":"a","sub":"b","aud":["c","d"],"exp":"2030-01-01T00:00:00Z","nbf":"2030-01-01T00:00:00.5+01:00","iat":"2022-01-01T00:00:00+00:00","jti":"x"}`,
		`{"aud":"x"}`, `{"a":1,"a":2}`, `{"n":123456789012345678901234567890}`,
		`{"sub":null,"iss":"\u0041","jti":1}`, `{"exp":"2030-01-01T00:00:00"}`, `{"aud":[]}`, `{"Sub":"x"}`, `{"\u017fub":"x"}`,
		`{"type":"access","fresh":true,"sub":"test","exp":"2030-01-01T00:00:00Z","iat":"2030-01-01T00:00:00Z","jti":"j","aud":[1]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		// The shortcut for the common form (readClaims) answers as
		// encoding/json does.
		var c, ref Claims
		c.Issuer, ref.Issuer = "before", "before"
		err := UnmarshalClaims(payload, &c)
		refErr := payloadcodec.UnmarshalJSON(payload, &ref, payloadcodec.DefaultJSON)
		if (err == nil) != (refErr == nil) || (err == nil && !reflect.DeepEqual(c, ref)) {
			t.Fatalf("UnmarshalClaims: %+v, %v; encoding/json: %+v, %v", c, err, ref, refErr)
		}
		c = Claims{}
		if err := UnmarshalClaims(payload, &c); err != nil {
			if !errors.Is(err, ErrInvalidClaims) {
				t.Fatalf("error of the wrong class: %v", err)
			}
			return
		}
		out, err := json.Marshal(c)
		if err != nil {
			return // e.g. a year outside 0-9999 after conversion to UTC
		}
		var again Claims
		if err := UnmarshalClaims(out, &again); err != nil {
			t.Fatalf("re-encoded claims rejected: %v", err)
		}
		same := func(a, b Time) bool { return a.Equal(b.Time) && a.IsZero() == b.IsZero() }
		if again.Issuer != c.Issuer || again.Subject != c.Subject || again.TokenID != c.TokenID ||
			len(again.Audience) != len(c.Audience) || !same(again.Expiration, c.Expiration) ||
			!same(again.NotBefore, c.NotBefore) || !same(again.IssuedAt, c.IssuedAt) {
			t.Fatalf("claims changed in a round trip: %+v vs %+v", c, again)
		}
		_ = c.Validate(time.Now(), 0)
	})
}
