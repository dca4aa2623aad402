package keyderive

import (
	"bytes"
	"errors"
	"testing"

	"github.com/pasetokit/pasetokit/paseto"
)

func TestSymmetricKey(t *testing.T) {
	secret := bytes.Repeat([]byte{7}, 32)
	a, err := SymmetricKey(secret, paseto.V4, "session")
	if err != nil {
		t.Fatal(err)
	}
	again, _ := SymmetricKey(secret, paseto.V4, "session")
	if !a.Equal(again) {
		t.Fatal("derivation is not deterministic")
	}
	others := []struct {
		secret  []byte
		v       paseto.Version
		purpose string
	}{
		{secret, paseto.V4, "remember-me"},
		{secret, paseto.V4, "Session"},
		{secret, paseto.V3, "session"},
		{append(bytes.Repeat([]byte{7}, 31), 8), paseto.V4, "session"},
	}
	for _, o := range others {
		k, err := SymmetricKey(o.secret, o.v, o.purpose)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(k.Bytes(), a.Bytes()) {
			t.Fatalf("%s/%q gives the same bytes", o.v, o.purpose)
		}
	}
	// A key derived for one purpose cannot open tokens of another.
	b, _ := SymmetricKey(secret, paseto.V4, "remember-me")
	tok, _ := paseto.Encrypt(a, []byte(`{}`), nil, nil)
	if _, _, err := paseto.Decrypt(b, tok, nil); !errors.Is(err, paseto.ErrInvalidMAC) {
		t.Fatalf("cross-purpose decrypt: %v", err)
	}
}

func TestSymmetricKeyErrors(t *testing.T) {
	good := bytes.Repeat([]byte{1}, 32)
	tests := []struct {
		name    string
		secret  []byte
		v       paseto.Version
		purpose string
		want    error
	}{
		{"short secret", good[:31], paseto.V4, "x", ErrWeakSecret},
		{"empty purpose", good, paseto.V4, "", ErrBadPurpose},
		{"separator in purpose", good, paseto.V4, "a|b", ErrBadPurpose},
		{"invalid UTF-8", good, paseto.V4, "\xff", ErrBadPurpose},
		{"v1", good, 1, "x", paseto.ErrInvalidKey},
	}
	for _, tt := range tests {
		if _, err := SymmetricKey(tt.secret, tt.v, tt.purpose); !errors.Is(err, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, err, tt.want)
		}
	}
}
