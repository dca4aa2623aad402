package issuer_test

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/issuer"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/serializer"
)

// otherSerializer is a serializer of an unknown format.
type otherSerializer struct{ serializer.Serializer }

func (otherSerializer) Name() string { return "msgpack" }

func TestNewErrors(t *testing.T) {
	sk4 := keys.secret[paseto.V4]
	sk4PASERK := mustEncode(sk4)
	sk4PEM, err := sk4.MarshalPEM()
	if err != nil {
		t.Fatal(err)
	}
	pub4PEM, err := sk4.Public().MarshalPEM()
	if err != nil {
		t.Fatal(err)
	}
	sk3PEM, err := keys.secret[paseto.V3].MarshalPEM()
	if err != nil {
		t.Fatal(err)
	}
	good := []keyring.Key{{PASERK: sk4PASERK}}
	tests := []struct {
		name string
		cfg  issuer.Config
		want []error
	}{
		{"no keys", issuer.Config{}, []error{issuer.ErrNoKeys}},
		{"empty keys", issuer.Config{Keys: []keyring.Key{}}, []error{issuer.ErrNoKeys}},
		{"empty key", issuer.Config{Keys: []keyring.Key{{}}}, []error{keyring.ErrInvalidKey, keyring.ErrNoKey}},
		{"both forms", issuer.Config{Keys: []keyring.Key{{PASERK: sk4PASERK, PEM: sk4PEM}}}, []error{keyring.ErrInvalidKey, keyring.ErrBothForms}},
		{"public PASERK", issuer.Config{Keys: []keyring.Key{{PASERK: mustEncode(sk4.Public())}}}, []error{issuer.ErrPublicKey}},
		{"public PEM", issuer.Config{Keys: []keyring.Key{{PEM: pub4PEM}}}, []error{issuer.ErrPublicKey}},
		{"public key second", issuer.Config{Keys: []keyring.Key{good[0], {PASERK: mustEncode(keys.secret[paseto.V3].Public())}}}, []error{issuer.ErrPublicKey}},
		{"duplicate PASERK", issuer.Config{Keys: []keyring.Key{good[0], good[0]}}, []error{issuer.ErrDuplicateKey}},
		{"duplicate PASERK and PEM", issuer.Config{Keys: []keyring.Key{good[0], {PEM: sk4PEM}}}, []error{issuer.ErrDuplicateKey}},
		{"duplicate local", issuer.Config{Keys: []keyring.Key{{PASERK: mustEncode(keys.local[paseto.V3])}, good[0], {PASERK: " " + mustEncode(keys.local[paseto.V3])}}}, []error{issuer.ErrDuplicateKey}},
		{"same Ed25519 key as v2 and v4", issuer.Config{Keys: []keyring.Key{{PEM: sk4PEM}, {PEM: sk4PEM, Version: paseto.V2}}}, []error{issuer.ErrDuplicateKey}},
		{"same local key bytes as v3 and v4", issuer.Config{Keys: []keyring.Key{{PASERK: mustEncode(keys.local[paseto.V4])}, {PASERK: mustEncode(sameBytes(keys.local[paseto.V4], paseto.V3))}}}, []error{issuer.ErrDuplicateKey}},
		{"bad PASERK", issuer.Config{Keys: []keyring.Key{{PASERK: "k4.secret.AAAA"}}}, []error{keyring.ErrInvalidKey}},
		{"PASERK id", issuer.Config{Keys: []keyring.Key{{PASERK: paserk.PublicID(sk4.Public())}}}, []error{keyring.ErrInvalidKey, paserk.ErrWrongType}},
		{"PASERK of other version", issuer.Config{Keys: []keyring.Key{{PASERK: sk4PASERK, Version: paseto.V3}}}, []error{keyring.ErrInvalidKey, paseto.ErrWrongKey}},
		{"Ed25519 PEM as v3", issuer.Config{Keys: []keyring.Key{{PEM: sk4PEM, Version: paseto.V3}}}, []error{keyring.ErrInvalidKey, paseto.ErrInvalidKey}},
		{"P-384 PEM as v4", issuer.Config{Keys: []keyring.Key{{PEM: sk3PEM, Version: paseto.V4}}}, []error{keyring.ErrInvalidKey, paseto.ErrWrongKey}},
		{"bad PEM", issuer.Config{Keys: []keyring.Key{{PEM: []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")}}}, []error{keyring.ErrInvalidKey, paseto.ErrInvalidKey}},
		{"bad second key", issuer.Config{Keys: []keyring.Key{good[0], {PASERK: "nonsense"}}}, []error{keyring.ErrInvalidKey}},
		{"negative expiration", issuer.Config{Keys: good, Lifetime: -time.Second}, []error{issuer.ErrInvalidConfig}},
		{"sub-second expiration", issuer.Config{Keys: good, Lifetime: time.Millisecond}, []error{issuer.ErrInvalidConfig}},
		{"NoExpiration and Expiration", issuer.Config{Keys: good, NoExpiration: true, Lifetime: time.Hour}, []error{issuer.ErrInvalidConfig}},
		{"negative KeySetMaxAge", issuer.Config{Keys: good, KeySetMaxAge: -time.Minute}, []error{issuer.ErrInvalidConfig}},
		{"sub-second KeySetMaxAge", issuer.Config{Keys: good, KeySetMaxAge: time.Millisecond}, []error{issuer.ErrInvalidConfig}},
		{"negative MaxTokenLength", issuer.Config{Keys: good, MaxTokenLength: -1}, []error{issuer.ErrInvalidConfig}},
		{"Issuer not UTF-8", issuer.Config{Keys: good, Issuer: "a\xffb"}, []error{issuer.ErrInvalidConfig}},
		{"key bound to another issuer", issuer.Config{Keys: []keyring.Key{{PASERK: sk4PASERK, Issuer: "b"}}, Issuer: "a"}, []error{issuer.ErrInvalidConfig}},
		{"unknown serializer", issuer.Config{Keys: good, Serializer: otherSerializer{serializer.JSON}}, []error{issuer.ErrInvalidConfig}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iss, err := issuer.New(tt.cfg)
			if iss != nil {
				t.Fatal("got an Issuer with an error")
			}
			for _, want := range tt.want {
				if !errors.Is(err, want) {
					t.Fatalf("got %v, want %v", err, want)
				}
			}
			// No key material in the message.
			for _, k := range tt.cfg.Keys {
				if k.PASERK != "" && len(k.PASERK) > 12 && strings.Contains(err.Error(), strings.TrimSpace(k.PASERK)[10:]) {
					t.Fatalf("error %q quotes a key", err)
				}
				if len(k.PEM) != 0 && strings.Contains(err.Error(), "BEGIN") {
					t.Fatalf("error %q quotes a key", err)
				}
			}
			// The same list is refused by SetKeys, which keeps the old keys.
			keyErr := false
			for _, e := range []error{issuer.ErrNoKeys, keyring.ErrInvalidKey, issuer.ErrPublicKey, issuer.ErrDuplicateKey} {
				keyErr = keyErr || errors.Is(err, e)
			}
			if keyErr {
				good := newIssuer(t, issuer.Config{})
				if err2 := good.SetKeys(tt.cfg.Keys); err2 == nil || err2.Error() != err.Error() {
					t.Fatalf("SetKeys: %v, New: %v", err2, err)
				}
				if good.KeyID() != paserk.PublicID(sk4.Public()) {
					t.Fatal("failed SetKeys changed the keys")
				}
			}
		})
	}
}

// sameBytes returns k's key bytes as a key of version v.
func sameBytes(k *paseto.SymmetricKey, v paseto.Version) *paseto.SymmetricKey {
	o, err := paseto.NewSymmetricKey(v, k.Bytes())
	if err != nil {
		panic(err)
	}
	return o
}

func TestKeyForms(t *testing.T) {
	sk4PEM, _ := keys.secret[paseto.V4].MarshalPEM()
	sk3PEM, _ := keys.secret[paseto.V3].MarshalPEM()
	tests := []struct {
		name   string
		key    keyring.Key
		prefix string
		verify *paseto.PublicKey
	}{
		{"Ed25519 PEM without version is v4", keyring.Key{PEM: sk4PEM}, "v4.public.", keys.secret[paseto.V4].Public()},
		{"Ed25519 PEM as v2", keyring.Key{PEM: sk4PEM, Version: paseto.V2}, "v2.public.", nil},
		{"P-384 PEM is v3", keyring.Key{PEM: sk3PEM}, "v3.public.", keys.secret[paseto.V3].Public()},
		{"P-384 PEM said v3", keyring.Key{PEM: sk3PEM, Version: paseto.V3}, "v3.public.", keys.secret[paseto.V3].Public()},
		{"PASERK with its version", keyring.Key{PASERK: mustEncode(keys.secret[paseto.V4]), Version: paseto.V4}, "v4.public.", keys.secret[paseto.V4].Public()},
		{"PASERK with white space", keyring.Key{PASERK: "\n" + mustEncode(keys.secret[paseto.V3]) + "\n"}, "v3.public.", keys.secret[paseto.V3].Public()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iss := newIssuer(t, issuer.Config{Keys: []keyring.Key{tt.key}})
			token, err := iss.Issue(map[string]any{})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(token, tt.prefix) {
				t.Fatalf("token %.12s…", token)
			}
			verify := tt.verify
			if verify == nil {
				verify = iss.PublicKeys()[0]
			}
			_, footer := open(t, verify, token, nil)
			if kid, _ := paseto.FooterKeyID(footer); kid != paserk.PublicID(verify) {
				t.Fatalf("kid %s", kid)
			}
		})
	}
}

func TestKeyNeverPrinted(t *testing.T) {
	secret := mustEncode(keys.secret[paseto.V4])
	pem, _ := keys.secret[paseto.V4].MarshalPEM()
	cfg := issuer.Config{Keys: []keyring.Key{{PASERK: secret}, {PEM: pem}}}
	var logged strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("config", "key", cfg.Keys[0], "keys", cfg.Keys)
	for _, s := range []string{
		fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), fmt.Sprintf("%s", cfg.Keys),
		fmt.Sprintf("%q", cfg.Keys[0]), fmt.Sprintf("%x", cfg.Keys[1]), cfg.Keys[0].String(), logged.String(),
		cfg.Keys[1].GoString(), keyring.Key{PASERK: secret, PEM: pem}.String(),
	} {
		if strings.Contains(s, secret[10:]) || strings.Contains(s, "BEGIN") || strings.Contains(s, string(pem[30:60])) {
			t.Fatalf("key printed: %s", s)
		}
		if !strings.Contains(s, "redacted") {
			t.Fatalf("no description: %s", s)
		}
	}
	if s := fmt.Sprint(keyring.Key{}); s != "keyring.Key(empty)" {
		t.Fatal(s)
	}
}

func TestConfigErrorField(t *testing.T) {
	good := []keyring.Key{{PASERK: mustEncode(keys.secret[paseto.V4])}}
	for _, tt := range []struct {
		cfg   issuer.Config
		field string
		cause error
	}{
		{issuer.Config{}, "Keys", issuer.ErrNoKeys},
		{issuer.Config{Keys: []keyring.Key{good[0], {}}}, "Keys[1]", keyring.ErrNoKey},
		{issuer.Config{Keys: []keyring.Key{good[0], good[0]}}, "Keys[1]", issuer.ErrDuplicateKey},
		{issuer.Config{Keys: []keyring.Key{{PASERK: good[0].PASERK, Issuer: "b"}}, Issuer: "a"}, "Keys[0].Issuer", nil},
		{issuer.Config{Keys: good, Lifetime: -1}, "Lifetime", nil},
		{issuer.Config{Keys: good, Lifetime: time.Hour, NoExpiration: true}, "NoExpiration", nil},
	} {
		_, err := issuer.New(tt.cfg)
		var ce *issuer.ConfigError
		if !errors.As(err, &ce) || ce.Field != tt.field || !errors.Is(err, issuer.ErrInvalidConfig) {
			t.Errorf("%s: got %v", tt.field, err)
			continue
		}
		if tt.cause != nil && !errors.Is(err, tt.cause) {
			t.Errorf("%s: %v does not match %v", tt.field, err, tt.cause)
		}
		if want := "issuer: invalid configuration: " + tt.field + ": "; !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%q does not start with %q", err, want)
		}
	}
}
