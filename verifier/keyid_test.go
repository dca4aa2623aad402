package verifier

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
)

// The key pair of Flask-PASETO-Extended's README (dajiaji/flask-paseto-extended
// README.md, PasetoIssuer/Verifier).
const (
	fpeSecret = "k4.secret.tMv7Q99M4hByfZU-SnEzB_oZu32fhQQUONnhG5QqN3Qeudu7vAR8A_1wYE4AcfCYfhayi3VyJcEfAEFdDiCxog"
	fpePublic = "k4.public.Hrnbu7wEfAP9cGBOAHHwmH4Wsot1ciXBHwBBXQ4gsaI"
)

// fpeToken signs claims as PasetoIssuer.issue does with PASETO_USE_KID: the
// footer is {"kid": key.to_paserk_id()} of the *secret* key, a k4.sid
// (flask_paseto_extended/issuer.py; pyseto's V4Public.to_paserk_id gives
// "k4.sid." for a private key).
func fpeToken(t *testing.T, exp time.Time) (token, sid string) {
	t.Helper()
	k, err := paserk.Parse(fpeSecret)
	if err != nil {
		t.Fatal(err)
	}
	sk := k.(*paseto.SecretKey)
	sid = paserk.SecretID(sk)
	payload := `{"user":{"email":"foo@bar.example"},"iss":"https://issuer.example","exp":"` + exp.UTC().Format(time.RFC3339) + `"}`
	token, err = paseto.Sign(sk, []byte(payload), []byte(`{"kid":"`+sid+`"}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	return token, sid
}

func TestExtraKeyID(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	tok, sid := fpeToken(t, now.Add(time.Hour))
	if sid[:7] != "k4.sid." {
		t.Fatalf("sid %q", sid)
	}
	ctx := context.Background()

	// By the specification, a kid that names no configured key fails
	// closed.
	plain, err := New(Config{Keys: []keyring.Key{{PASERK: fpePublic}}, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plain.Verify(ctx, tok, nil); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("without KeyID: %v", err)
	}

	// With the sid declared, the token verifies with that key.
	v, err := New(Config{Keys: []keyring.Key{{PASERK: fpePublic, KeyID: sid, Issuer: "https://issuer.example"}}, Now: clock, CacheSize: 8})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second from the cache
		got, err := v.Verify(ctx, tok, nil)
		if err != nil {
			t.Fatalf("with KeyID: %v", err)
		}
		if got.KeyID != sid {
			t.Fatalf("KeyID %q", got.KeyID)
		}
	}

	// The sid declared on another key: that key only, no fallback.
	other, _ := paseto.GenerateSecretKey(paseto.V4)
	otherPub, _ := paserk.Encode(other.Public())
	wrong, err := New(Config{Keys: []keyring.Key{{PASERK: fpePublic}, {PASERK: otherPub, KeyID: sid}}, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	n := wrong.opens.Load()
	if _, err := wrong.Verify(ctx, tok, nil); !errors.Is(err, ErrInvalidSignature) {
		t.Fatalf("sid on the wrong key: %v", err)
	}
	if wrong.opens.Load()-n != 1 {
		t.Fatal("more than one key tried")
	}

	// SetKeys drops the alias with the key.
	if err := v.SetKeys([]keyring.Key{{PASERK: fpePublic}}); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(ctx, tok, nil); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("after SetKeys without KeyID: %v", err)
	}
}

func TestExtraKeyIDConfig(t *testing.T) {
	_, sid := fpeToken(t, time.Now())
	k, _ := paserk.Parse(fpePublic)
	pid := paserk.PublicID(k.(*paseto.PublicKey))
	lk, _ := paseto.GenerateSymmetricKey(paseto.V4)
	lp, _ := paserk.Encode(lk)
	for name, keys := range map[string][]keyring.Key{
		"not an id":        {{PASERK: fpePublic, KeyID: "kid-1"}},
		"a key":            {{PASERK: fpePublic, KeyID: fpePublic}},
		"other version":    {{PASERK: fpePublic, KeyID: "k3.sid." + sid[7:]}},
		"short":            {{PASERK: fpePublic, KeyID: "k4.sid.AAAA"}},
		"own id":           {{PASERK: fpePublic, KeyID: pid}},
		"shared by two":    {{PASERK: fpePublic, KeyID: sid}, {PASERK: lp, KeyID: sid}},
		"another key's id": {{PASERK: fpePublic}, {PASERK: lp, KeyID: pid}},
	} {
		_, err := New(Config{Keys: keys})
		var ce *ConfigError
		if !errors.As(err, &ce) || !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := New(Config{Keys: []keyring.Key{{PASERK: lp, KeyID: "k4.lid." + sid[7:]}}}); err != nil {
		t.Fatalf("lid alias of a local key: %v", err)
	}
}
