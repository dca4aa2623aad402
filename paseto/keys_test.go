package paseto

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func allKeys(t *testing.T) []Key {
	t.Helper()
	var keys []Key
	for _, v := range []Version{V2, V3, V4} {
		lk, err := GenerateSymmetricKey(v)
		if err != nil {
			t.Fatal(err)
		}
		sk, err := GenerateSecretKey(v)
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, lk, sk, sk.Public())
	}
	return keys
}

func secretBytes(k Key) []byte {
	switch k := k.(type) {
	case *SymmetricKey:
		return k.Bytes()
	case *SecretKey:
		return k.Bytes()
	}
	return nil
}

// TestKeysNeverPrintSecrets formats secret keys every way a program might log
// them and checks that no encoding of the key bytes appears.
func TestKeysNeverPrintSecrets(t *testing.T) {
	for _, k := range allKeys(t) {
		raw := secretBytes(k)
		if raw == nil {
			continue
		}
		var logbuf bytes.Buffer
		slog.New(slog.NewTextHandler(&logbuf, nil)).Info("key", "k", k)
		slog.New(slog.NewJSONHandler(&logbuf, nil)).Info("key", "k", k)
		outs := []string{
			fmt.Sprint(k), fmt.Sprintf("%v %+v %#v %s %q %x %X %d", k, k, k, k, k, k, k, k),
			fmt.Sprintf("%v", []Key{k}), fmt.Sprintf("%+v", struct{ K Key }{k}), logbuf.String(),
		}
		for _, out := range outs {
			for _, enc := range []string{hex.EncodeToString(raw), strings.ToUpper(hex.EncodeToString(raw)), hex.EncodeToString(raw[:8]), string(raw[:8])} {
				if strings.Contains(out, enc) {
					t.Fatalf("%T printed its bytes: %s", k, out)
				}
			}
			if !strings.Contains(out, "redacted") {
				t.Fatalf("%T output does not say redacted: %s", k, out)
			}
		}
	}
	var nilKey *SymmetricKey
	if got := fmt.Sprint(nilKey); !strings.Contains(got, "nil") {
		t.Fatalf("nil key prints %q", got)
	}
}

func TestKeyConstructorsCopyInputs(t *testing.T) {
	raw := bytes.Repeat([]byte{7}, 32)
	k, err := NewSymmetricKey(V4, raw)
	if err != nil {
		t.Fatal(err)
	}
	raw[0] = 8
	if k.Bytes()[0] != 7 {
		t.Fatal("NewSymmetricKey kept a reference to its input")
	}
	k.Bytes()[1] = 9
	if k.Bytes()[1] != 7 {
		t.Fatal("Bytes returned the key's own storage")
	}
	sk, _ := GenerateSecretKey(V4)
	sraw := sk.Bytes()
	sk2, err := NewSecretKey(V4, sraw)
	if err != nil {
		t.Fatal(err)
	}
	sraw[0] ^= 1
	if !sk2.Equal(sk) {
		t.Fatal("NewSecretKey kept a reference to its input")
	}
	praw := sk.Public().Bytes()
	pk, _ := NewPublicKey(V4, praw)
	praw[0] ^= 1
	if !pk.Equal(sk.Public()) {
		t.Fatal("NewPublicKey kept a reference to its input")
	}
}

func TestKeyEqual(t *testing.T) {
	raw := bytes.Repeat([]byte{1}, 32)
	a, _ := NewSymmetricKey(V4, raw)
	b, _ := NewSymmetricKey(V4, raw)
	c, _ := NewSymmetricKey(V3, raw)
	d, _ := NewSymmetricKey(V4, bytes.Repeat([]byte{2}, 32))
	if !a.Equal(b) || a.Equal(c) || a.Equal(d) || a.Equal(nil) {
		t.Fatal("SymmetricKey.Equal is wrong")
	}
	s1, _ := GenerateSecretKey(V4)
	s2, _ := NewSecretKey(V2, s1.Bytes())
	if s1.Equal(s2) || s1.Public().Equal(s2.Public()) {
		t.Fatal("keys of different versions compare equal")
	}
}

func TestBadKeys(t *testing.T) {
	ed, _ := GenerateSecretKey(V4)
	mismatched := ed.Bytes()
	mismatched[40] ^= 1
	p384, _ := GenerateSecretKey(V3)
	notOnCurve := p384.Public().Bytes()
	notOnCurve[10] ^= 0xff // x almost surely has no square root now, or another y
	tests := []struct {
		name string
		f    func() error
	}{
		{"local v1", func() error { _, err := NewSymmetricKey(1, make([]byte, 32)); return err }},
		{"local short", func() error { _, err := NewSymmetricKey(V4, make([]byte, 31)); return err }},
		{"local long", func() error { _, err := NewSymmetricKey(V4, make([]byte, 33)); return err }},
		{"generate v5", func() error { _, err := GenerateSymmetricKey(5); return err }},
		{"generate secret v1", func() error { _, err := GenerateSecretKey(1); return err }},
		{"ed25519 short", func() error { _, err := NewSecretKey(V4, make([]byte, 32)); return err }},
		{"ed25519 public half mismatch", func() error { _, err := NewSecretKey(V4, mismatched); return err }},
		{"seed for v3", func() error { _, err := NewSecretKeyFromSeed(V3, make([]byte, 32)); return err }},
		{"seed short", func() error { _, err := NewSecretKeyFromSeed(V4, make([]byte, 31)); return err }},
		{"p384 zero scalar", func() error { _, err := NewSecretKey(V3, make([]byte, 48)); return err }},
		{"p384 scalar >= n", func() error { _, err := NewSecretKey(V3, bytes.Repeat([]byte{0xff}, 48)); return err }},
		{"p384 scalar short", func() error { _, err := NewSecretKey(V3, make([]byte, 47)); return err }},
		{"ed25519 public short", func() error { _, err := NewPublicKey(V2, make([]byte, 31)); return err }},
		{"p384 public uncompressed", func() error { _, err := NewPublicKey(V3, make([]byte, 97)); return err }},
		{"p384 public bad prefix", func() error { _, err := NewPublicKey(V3, append([]byte{4}, make([]byte, 48)...)); return err }},
		{"p384 public x not on curve", func() error { _, err := NewPublicKey(V3, offCurveX(t)); return err }},
		{"p384 public x >= p", func() error {
			_, err := NewPublicKey(V3, append([]byte{2}, bytes.Repeat([]byte{0xff}, 48)...))
			return err
		}},
		{"public v9", func() error { _, err := NewPublicKey(9, make([]byte, 32)); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.f(); !errors.Is(err, ErrInvalidKey) {
				t.Fatalf("got %v, want ErrInvalidKey", err)
			}
		})
	}
	// A corrupted compressed point either fails or gives a valid, different point.
	if pk, err := NewPublicKey(V3, notOnCurve); err == nil && pk.Equal(p384.Public()) {
		t.Fatal("corrupted point parsed as the original")
	}
}

func TestPEMRoundTripAndForms(t *testing.T) {
	for _, v := range []Version{V2, V3, V4} {
		sk, _ := GenerateSecretKey(v)
		skPEM, err := sk.MarshalPEM()
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseSecretKeyPEM(v, skPEM)
		if err != nil || !got.Equal(sk) {
			t.Fatalf("%s secret PEM round trip: %v", v, err)
		}
		pkPEM, err := sk.Public().MarshalPEM()
		if err != nil {
			t.Fatal(err)
		}
		gotPub, err := ParsePublicKeyPEM(v, pkPEM)
		if err != nil || !gotPub.Equal(sk.Public()) {
			t.Fatalf("%s public PEM round trip: %v", v, err)
		}
	}
	// SEC1 "EC PRIVATE KEY" for v3.
	ec, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	der, _ := x509.MarshalECPrivateKey(ec)
	sk, err := ParseSecretKeyPEM(V3, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := ec.Bytes()
	if !bytes.Equal(sk.Bytes(), raw) {
		t.Fatal("SEC1 key parsed to another scalar")
	}
}

func TestBadPEM(t *testing.T) {
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p256DER, _ := x509.MarshalPKCS8PrivateKey(p256)
	p256Pub, _ := x509.MarshalPKIXPublicKey(&p256.PublicKey)
	p256SEC1, _ := x509.MarshalECPrivateKey(p256)
	_, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	edDER, _ := x509.MarshalPKCS8PrivateKey(edPriv)
	edPub, _ := x509.MarshalPKIXPublicKey(edPriv.Public())
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	p384DER, _ := x509.MarshalPKCS8PrivateKey(p384)
	p384Pub, _ := x509.MarshalPKIXPublicKey(&p384.PublicKey)
	enc := func(typ string, b []byte) []byte { return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}) }
	// An uncompressed P-384 point that is not on the curve.
	badPoint := append([]byte(nil), p384Pub...)
	badPoint[len(badPoint)-1] ^= 1

	secret := []struct {
		name string
		v    Version
		pem  []byte
	}{
		{"empty", V4, nil},
		{"garbage", V4, []byte("not a pem")},
		{"P-256 PKCS8", V3, enc("PRIVATE KEY", p256DER)},
		{"P-256 SEC1", V3, enc("EC PRIVATE KEY", p256SEC1)},
		{"Ed25519 as v3", V3, enc("PRIVATE KEY", edDER)},
		{"P-384 as v4", V4, enc("PRIVATE KEY", p384DER)},
		{"wrong type", V4, enc("RSA PRIVATE KEY", edDER)},
		{"truncated DER", V4, enc("PRIVATE KEY", edDER[:20])},
		{"two blocks", V4, append(enc("PRIVATE KEY", edDER), enc("PRIVATE KEY", edDER)...)},
		{"trailing garbage", V4, append(enc("PRIVATE KEY", edDER), "junk"...)},
		{"leading garbage", V4, append([]byte("junk\n"), enc("PRIVATE KEY", edDER)...)},
		{"broken block before a good one", V4, append([]byte("-----BEGIN PRIVATE KEY-----\n!!!\n"), enc("PRIVATE KEY", edDER)...)},
		{"public as private", V4, enc("PUBLIC KEY", edPub)},
		{"huge", V4, bytes.Repeat([]byte("A"), 1<<20)},
	}
	for _, tt := range secret {
		t.Run("secret/"+tt.name, func(t *testing.T) {
			if _, err := ParseSecretKeyPEM(tt.v, tt.pem); !errors.Is(err, ErrInvalidKey) {
				t.Fatalf("got %v, want ErrInvalidKey", err)
			}
		})
	}
	public := []struct {
		name string
		v    Version
		pem  []byte
	}{
		{"P-256", V3, enc("PUBLIC KEY", p256Pub)},
		{"Ed25519 as v3", V3, enc("PUBLIC KEY", edPub)},
		{"P-384 as v2", V2, enc("PUBLIC KEY", p384Pub)},
		{"point not on curve", V3, enc("PUBLIC KEY", badPoint)},
		{"private as public", V4, enc("PRIVATE KEY", edDER)},
		{"truncated", V4, enc("PUBLIC KEY", edPub[:10])},
	}
	for _, tt := range public {
		t.Run("public/"+tt.name, func(t *testing.T) {
			if _, err := ParsePublicKeyPEM(tt.v, tt.pem); !errors.Is(err, ErrInvalidKey) {
				t.Fatalf("got %v, want ErrInvalidKey", err)
			}
		})
	}
}

// offCurveX returns a compressed P-384 encoding whose x has no point.
func offCurveX(t *testing.T) []byte {
	for i := byte(1); i < 100; i++ {
		b := append([]byte{2}, make([]byte, 48)...)
		b[48] = i
		if x, _ := elliptic.UnmarshalCompressed(elliptic.P384(), b); x == nil {
			return b
		}
	}
	t.Fatal("no off-curve x found")
	return nil
}

func TestParseKeyPEM(t *testing.T) {
	ed, _ := GenerateSecretKey(V4)
	p384, _ := GenerateSecretKey(V3)
	edPEM, _ := ed.MarshalPEM()
	edPubPEM, _ := ed.Public().MarshalPEM()
	ecPEM, _ := p384.MarshalPEM()
	ecPubPEM, _ := p384.Public().MarshalPEM()
	tests := []struct {
		name      string
		pem       []byte
		edVersion Version
		want      string // "secret vN", "public vN" or "" for an error
	}{
		{"ed25519 secret v4", edPEM, V4, "secret v4"},
		{"ed25519 secret v2", edPEM, V2, "secret v2"},
		{"ed25519 public v2", edPubPEM, V2, "public v2"},
		{"ed25519 as v3", edPEM, V3, ""},
		{"ed25519 as v0", edPubPEM, 0, ""},
		{"p384 secret ignores edVersion", ecPEM, V4, "secret v3"},
		{"p384 public", ecPubPEM, V2, "public v3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := ParseKeyPEM(tt.edVersion, tt.pem)
			if tt.want == "" {
				if !errors.Is(err, ErrInvalidKey) {
					t.Fatalf("got %v, want ErrInvalidKey", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			kind := "public"
			if _, ok := k.(*SecretKey); ok {
				kind = "secret"
			}
			if got := kind + " " + k.Version().String(); got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
}
