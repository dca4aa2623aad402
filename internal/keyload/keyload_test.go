package keyload

import (
	"errors"
	"testing"

	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
)

func TestLoad(t *testing.T) {
	sk, _ := paseto.GenerateSecretKey(paseto.V4)
	skPASERK, _ := paserk.Encode(sk)
	skPEM, _ := sk.MarshalPEM()
	p3, _ := paseto.GenerateSecretKey(paseto.V3)
	p3PEM, _ := p3.Public().MarshalPEM()
	lk, _ := paseto.GenerateSymmetricKey(paseto.V3)
	lkPASERK, _ := paserk.Encode(lk)

	tests := []struct {
		name    string
		paserk  string
		pem     []byte
		v       paseto.Version
		wantV   paseto.Version
		wantErr error
	}{
		{"paserk secret", skPASERK, nil, 0, paseto.V4, nil},
		{"paserk with whitespace", "  " + skPASERK + "\n", nil, paseto.V4, paseto.V4, nil},
		{"paserk local", lkPASERK, nil, 0, paseto.V3, nil},
		{"paserk version mismatch", lkPASERK, nil, paseto.V4, 0, paseto.ErrWrongKey},
		{"pem ed25519 default v4", "", skPEM, 0, paseto.V4, nil},
		{"pem ed25519 as v2", "", skPEM, paseto.V2, paseto.V2, nil},
		{"pem ed25519 as v3", "", skPEM, paseto.V3, 0, paseto.ErrInvalidKey},
		{"pem p384", "", p3PEM, 0, paseto.V3, nil},
		{"pem p384 said v4", "", p3PEM, paseto.V4, 0, paseto.ErrWrongKey},
		{"nothing", "", nil, 0, 0, ErrNoKey},
		{"both", skPASERK, skPEM, 0, 0, ErrBothForms},
		{"bad paserk", "k4.local.AAAA", nil, 0, 0, paserk.ErrMalformed},
		{"an id is not a key", paserk.LocalID(lk), nil, 0, 0, paserk.ErrWrongType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := Load(tt.paserk, tt.pem, tt.v)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("got %v, want %v", err, tt.wantErr)
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
