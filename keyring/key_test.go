package keyring_test

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
)

func TestParse(t *testing.T) {
	sk, _ := paseto.GenerateSecretKey(paseto.V4)
	skPASERK, _ := paserk.Encode(sk)
	skPEM, _ := sk.MarshalPEM()
	pkPASERK, _ := paserk.Encode(sk.Public())
	p3, _ := paseto.GenerateSecretKey(paseto.V3)
	p3PEM, _ := p3.Public().MarshalPEM()
	lk, _ := paseto.GenerateSymmetricKey(paseto.V3)
	lkPASERK, _ := paserk.Encode(lk)

	tests := []struct {
		name    string
		key     keyring.Key
		wantV   paseto.Version
		wantErr error
	}{
		{"paserk secret", keyring.Key{PASERK: skPASERK}, paseto.V4, nil},
		{"paserk public", keyring.Key{PASERK: pkPASERK}, paseto.V4, nil},
		{"paserk with white space", keyring.Key{PASERK: "  " + skPASERK + "\n", Version: paseto.V4}, paseto.V4, nil},
		{"paserk local", keyring.Key{PASERK: lkPASERK}, paseto.V3, nil},
		{"paserk version mismatch", keyring.Key{PASERK: lkPASERK, Version: paseto.V4}, 0, paseto.ErrWrongKey},
		{"pem ed25519 default v4", keyring.Key{PEM: skPEM}, paseto.V4, nil},
		{"pem ed25519 as v2", keyring.Key{PEM: skPEM, Version: paseto.V2}, paseto.V2, nil},
		{"pem ed25519 as v3", keyring.Key{PEM: skPEM, Version: paseto.V3}, 0, paseto.ErrInvalidKey},
		{"pem p384", keyring.Key{PEM: p3PEM}, paseto.V3, nil},
		{"pem p384 said v4", keyring.Key{PEM: p3PEM, Version: paseto.V4}, 0, paseto.ErrWrongKey},
		{"nothing", keyring.Key{}, 0, keyring.ErrNoKey},
		{"white space only", keyring.Key{PASERK: " \n"}, 0, keyring.ErrNoKey},
		{"both", keyring.Key{PASERK: skPASERK, PEM: skPEM}, 0, keyring.ErrBothForms},
		{"bad paserk", keyring.Key{PASERK: "k4.local.AAAA"}, 0, paserk.ErrMalformed},
		{"an id is not a key", keyring.Key{PASERK: paserk.LocalID(lk)}, 0, paserk.ErrWrongType},
		{"bad pem", keyring.Key{PEM: []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")}, 0, paseto.ErrInvalidKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := tt.key.Parse()
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || !errors.Is(err, keyring.ErrInvalidKey) {
					t.Fatalf("got %v, want %v and ErrInvalidKey", err, tt.wantErr)
				}
				var ke *keyring.KeyError
				if !errors.As(err, &ke) {
					t.Fatalf("%T is not a *KeyError", err)
				}
				if p := strings.TrimSpace(tt.key.PASERK); p != "" && strings.Contains(err.Error(), p) {
					t.Fatalf("error holds the PASERK: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if k.Version() != tt.wantV {
				t.Fatalf("version %s, want %s", k.Version(), tt.wantV)
			}
		})
	}
}

func TestParseKinds(t *testing.T) {
	sk, _ := paseto.GenerateSecretKey(paseto.V4)
	skPASERK, _ := paserk.Encode(sk)
	pkPASERK, _ := paserk.Encode(sk.Public())
	lk, _ := paseto.GenerateSymmetricKey(paseto.V4)
	lkPASERK, _ := paserk.Encode(lk)
	secret, public, local := keyring.Key{PASERK: skPASERK}, keyring.Key{PASERK: pkPASERK}, keyring.Key{PASERK: lkPASERK}

	if k, err := local.ParseSymmetric(); err != nil || !k.Equal(lk) {
		t.Fatalf("ParseSymmetric(local) = %v", err)
	}
	if k, err := secret.ParseSecret(); err != nil || !k.Equal(sk) {
		t.Fatalf("ParseSecret(secret) = %v", err)
	}
	for _, k := range []keyring.Key{secret, public} {
		if p, err := k.ParsePublic(); err != nil || !p.Equal(sk.Public()) {
			t.Fatalf("ParsePublic(%s) = %v", k, err)
		}
	}
	wrong := []func() error{
		func() error { _, err := secret.ParseSymmetric(); return err },
		func() error { _, err := public.ParseSymmetric(); return err },
		func() error { _, err := local.ParseSecret(); return err },
		func() error { _, err := public.ParseSecret(); return err },
		func() error { _, err := local.ParsePublic(); return err },
	}
	for i, f := range wrong {
		if err := f(); !errors.Is(err, paseto.ErrWrongKey) || !errors.Is(err, keyring.ErrInvalidKey) {
			t.Errorf("case %d: got %v, want ErrWrongKey and ErrInvalidKey", i, err)
		}
	}
}

func TestKeyNeverPrintsContents(t *testing.T) {
	sk, _ := paseto.GenerateSecretKey(paseto.V4)
	skPASERK, _ := paserk.Encode(sk)
	skPEM, _ := sk.MarshalPEM()
	type cfg struct{ Keys []keyring.Key }
	c := cfg{Keys: []keyring.Key{{PASERK: skPASERK, Issuer: "https://a.example"}, {PEM: skPEM}}}
	var log strings.Builder
	slog.New(slog.NewTextHandler(&log, nil)).Info("cfg", "key", c.Keys[0], "pem", c.Keys[1])
	outs := []string{
		fmt.Sprint(c), fmt.Sprintf("%v %+v %#v %s %q %x", c, c, c, c.Keys, c.Keys[0], c.Keys[1]),
		c.Keys[0].String(), c.Keys[1].GoString(), log.String(),
	}
	body := skPASERK[len("k4.secret."):]
	pemBody := strings.Split(string(skPEM), "\n")[1]
	for _, out := range outs {
		if strings.Contains(out, body[:16]) || strings.Contains(out, pemBody[:16]) {
			t.Fatalf("key contents printed: %s", out)
		}
		if !strings.Contains(out, "redacted") {
			t.Fatalf("no description printed: %s", out)
		}
	}
}

func FuzzParse(f *testing.F) {
	sk, _ := paseto.GenerateSecretKey(paseto.V4)
	skPASERK, _ := paserk.Encode(sk)
	skPEM, _ := sk.MarshalPEM()
	f.Add(skPASERK, []byte(nil), uint8(0))
	f.Add("", skPEM, uint8(2))
	f.Add("k3.local.", []byte("-----BEGIN"), uint8(3))
	f.Fuzz(func(t *testing.T, s string, pem []byte, v uint8) {
		k := keyring.Key{PASERK: s, PEM: pem, Version: paseto.Version(v)}
		key, err := k.Parse()
		if (key == nil) == (err == nil) {
			t.Fatalf("key %v with error %v", key, err)
		}
		if err != nil && !errors.Is(err, keyring.ErrInvalidKey) {
			t.Fatalf("error %v does not match ErrInvalidKey", err)
		}
	})
}
