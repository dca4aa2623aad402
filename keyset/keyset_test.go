package keyset

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
)

func TestRoundTrip(t *testing.T) {
	var keys []*paseto.PublicKey
	for _, v := range []paseto.Version{paseto.V4, paseto.V3, paseto.V2} {
		sk, _ := paseto.GenerateSecretKey(v)
		keys = append(keys, sk.Public())
	}
	doc, err := Marshal("https://auth.example.com", keys)
	if err != nil {
		t.Fatal(err)
	}
	set, err := Parse(doc)
	if err != nil {
		t.Fatal(err)
	}
	if set.Issuer != "https://auth.example.com" || len(set.Keys) != 3 {
		t.Fatalf("got %+v", set)
	}
	for i, k := range set.Keys {
		if !k.Key.Equal(keys[i]) || k.KeyID != paserk.PublicID(keys[i]) {
			t.Fatalf("entry %d differs", i)
		}
	}
}

func TestParseRejects(t *testing.T) {
	sk, _ := paseto.GenerateSecretKey(paseto.V4)
	other, _ := paseto.GenerateSecretKey(paseto.V4)
	pub, _ := paserk.Encode(sk.Public())
	sec, _ := paserk.Encode(sk)
	lk, _ := paseto.GenerateSymmetricKey(paseto.V4)
	loc, _ := paserk.Encode(lk)
	kid := paserk.PublicID(sk.Public())
	doc := func(entries ...string) string { return `{"issuer":"x","keys":[` + strings.Join(entries, ",") + `]}` }
	ent := func(kid, key string) string { return `{"kid":"` + kid + `","key":"` + key + `"}` }
	tests := []struct {
		name string
		doc  string
		want error
	}{
		{"not json", "nope", ErrMalformed},
		{"array", "[]", ErrMalformed},
		{"no keys", `{"issuer":"x"}`, ErrMalformed},
		{"duplicate field", `{"keys":[],"keys":[]}`, ErrMalformed},
		{"secret key", doc(ent(paserk.SecretID(sk), sec)), ErrInvalidKey},
		{"local key", doc(ent(paserk.LocalID(lk), loc)), ErrInvalidKey},
		{"kid of another key", doc(ent(paserk.PublicID(other.Public()), pub)), ErrInvalidKey},
		{"duplicate kid", doc(ent(kid, pub), ent(kid, pub)), ErrInvalidKey},
		{"wrong types", `{"keys":[{"kid":1,"key":2}]}`, ErrMalformed},
		{"too large", `{"keys":[],"issuer":"` + strings.Repeat("x", MaxSize) + `"}`, ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.doc))
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), "k4.secret") {
				t.Fatal("error quotes key material")
			}
		})
	}
	many := make([]map[string]string, MaxKeys+1)
	for i := range many {
		many[i] = map[string]string{"kid": kid, "key": pub}
	}
	b, _ := json.Marshal(map[string]any{"keys": many})
	if _, err := Parse(b); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("too many keys: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	sk, _ := paseto.GenerateSecretKey(paseto.V4)
	doc, _ := Marshal("iss", []*paseto.PublicKey{sk.Public()})
	f.Add(doc)
	f.Add([]byte(`{"keys":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		set, err := Parse(data)
		if err != nil {
			return
		}
		keys := make([]*paseto.PublicKey, len(set.Keys))
		for i, k := range set.Keys {
			keys[i] = k.Key
		}
		again, err := Marshal(set.Issuer, keys)
		if err != nil {
			t.Fatal(err)
		}
		set2, err := Parse(again)
		if err != nil || len(set2.Keys) != len(set.Keys) || set2.Issuer != set.Issuer {
			t.Fatalf("re-encoded key set differs: %v", err)
		}
	})
}
