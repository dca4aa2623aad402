package flaskpaseto

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/issuer"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/serializer"
	"github.com/pasetokit/pasetokit/verifier"
)

// The keys of Flask-PASETO-Extended's README (dajiaji/flask-paseto-extended
// README.md, PasetoIssuer/Verifier): one Ed25519 pair, as PEM and PASERK.
// The README binds the public key to "https://issuer.exmaple" (sic) while
// its issuer writes "https://issuer.example"; the tests use the latter.
const (
	fpePrivatePEM = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEILTL+0PfTOIQcn2VPkpxMwf6Gbt9n4UEFDjZ4RuUKjd0\n-----END PRIVATE KEY-----"
	fpePublicPEM  = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAHrnbu7wEfAP9cGBOAHHwmH4Wsot1ciXBHwBBXQ4gsaI=\n-----END PUBLIC KEY-----"
	fpeSecret     = "k4.secret.tMv7Q99M4hByfZU-SnEzB_oZu32fhQQUONnhG5QqN3Qeudu7vAR8A_1wYE4AcfCYfhayi3VyJcEfAEFdDiCxog"
	fpePublic     = "k4.public.Hrnbu7wEfAP9cGBOAHHwmH4Wsot1ciXBHwBBXQ4gsaI"
	fpeISS        = "https://issuer.example"
)

func jsonOf(t testing.TB, m map[string]any) []byte {
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fpeSID is the kid PasetoIssuer writes with PASETO_USE_KID: the sid of
// the secret key (flask_paseto_extended/issuer.py, key.to_paserk_id() of
// the private key; pyseto/versions/v4.py gives "k4.sid." for it).
func fpeSID(t testing.TB) string {
	k, err := paserk.Parse(fpeSecret)
	if err != nil {
		t.Fatal(err)
	}
	return paserk.SecretID(k.(*paseto.SecretKey))
}

func TestDefaults(t *testing.T) {
	s, err := FromJSON(jsonOf(t, map[string]any{
		"SECRET_KEY":          "ignored: not PASETO_",
		"PASETO_ISS":          fpeISS,
		"PASETO_PRIVATE_KEYS": []any{map[string]any{"version": 4, "key": fpePrivatePEM}},
		"PASETO_PUBLIC_KEYS":  []any{map[string]any{"iss": fpeISS, "version": 4, "key": fpePublicPEM}},
	}))
	if err != nil {
		t.Fatal(err)
	}
	c := s.Issuer
	if c.Issuer != fpeISS || c.Lifetime != time.Hour || c.NoExpiration || !c.NoIssuedAt || !c.NoKeyID || c.Serializer != serializer.JSON {
		t.Fatalf("issuer %+v", c)
	}
	if len(c.Keys) != 1 || c.Keys[0].Version != paseto.V4 {
		t.Fatalf("keys %v", c.Keys)
	}
	v := s.Verifier
	if v.Leeway != 0 || v.Serializer != serializer.JSON || v.AllowMissingExpiration || len(v.Keys) != 1 || v.Keys[0].Issuer != fpeISS || v.Keys[0].KeyID != "" {
		t.Fatalf("verifier %+v", v)
	}
}

func TestOptions(t *testing.T) {
	sid := fpeSID(t)
	priv := []any{map[string]any{"paserk": fpeSecret}}
	pub := []any{map[string]any{"paserk": fpePublic}}
	ok, _ := paseto.GenerateSecretKey(paseto.V4)
	other, _ := paserk.Encode(ok)
	for _, c := range []struct {
		name  string
		in    map[string]any
		check func(*Settings) bool
	}{
		{"paserk keys", map[string]any{"PASETO_ISS": "a", "PASETO_PRIVATE_KEYS": priv, "PASETO_PUBLIC_KEYS": pub}, func(s *Settings) bool {
			return s.Issuer.Keys[0].PASERK == fpeSecret && s.Verifier.Keys[0].PASERK == fpePublic
		}},
		{"issuer only", map[string]any{"PASETO_ISS": "a", "PASETO_PRIVATE_KEYS": priv}, func(s *Settings) bool { return s.Verifier == nil }},
		{"verifier only", map[string]any{"PASETO_PUBLIC_KEYS": pub}, func(s *Settings) bool { return s.Issuer == nil }},
		{"use iss false", map[string]any{"PASETO_ISS": "a", "PASETO_USE_ISS": false, "PASETO_PRIVATE_KEYS": priv}, func(s *Settings) bool { return s.Issuer.Issuer == "" }},
		{"use iat", map[string]any{"PASETO_ISS": "a", "PASETO_USE_IAT": true, "PASETO_PRIVATE_KEYS": priv}, func(s *Settings) bool { return !s.Issuer.NoIssuedAt }},
		{"use kid", map[string]any{"PASETO_ISS": "a", "PASETO_USE_KID": true, "PASETO_PRIVATE_KEYS": priv}, func(s *Settings) bool { return !s.Issuer.NoKeyID }},
		{"exp", map[string]any{"PASETO_ISS": "a", "PASETO_EXP": 60, "PASETO_PRIVATE_KEYS": priv}, func(s *Settings) bool { return s.Issuer.Lifetime == time.Minute }},
		{"exp 0", map[string]any{"PASETO_ISS": "a", "PASETO_EXP": 0, "PASETO_PRIVATE_KEYS": priv, "PASETO_PUBLIC_KEYS": pub}, func(s *Settings) bool {
			return s.Issuer.NoExpiration && s.Issuer.Lifetime == 0 && s.Verifier.AllowMissingExpiration
		}},
		{"cbor", map[string]any{"PASETO_ISS": "a", "PASETO_SERIALIZER": "cbor", "PASETO_DESERIALIZER": "cbor", "PASETO_PRIVATE_KEYS": priv, "PASETO_PUBLIC_KEYS": pub}, func(s *Settings) bool {
			return s.Issuer.Serializer == serializer.CBOR && s.Verifier.Serializer == serializer.CBOR
		}},
		{"skew", map[string]any{"PASETO_SKEW": 30, "PASETO_PUBLIC_KEYS": pub}, func(s *Settings) bool { return s.Verifier.Leeway == 30*time.Second }},
		{"kid and iss", map[string]any{"PASETO_PUBLIC_KEYS": []any{map[string]any{"paserk": fpePublic, "iss": fpeISS, "kid": sid}}}, func(s *Settings) bool {
			return s.Verifier.Keys[0].KeyID == sid && s.Verifier.Keys[0].Issuer == fpeISS
		}},
		{"pem with escaped newlines", map[string]any{"PASETO_PUBLIC_KEYS": []any{map[string]any{"version": 4, "key": strings.ReplaceAll(fpePublicPEM, "\n", `\n`)}}}, func(s *Settings) bool { return len(s.Verifier.Keys) == 1 }},
		{"two private keys", map[string]any{"PASETO_ISS": "a", "PASETO_PRIVATE_KEYS": []any{priv[0], map[string]any{"paserk": other}}}, func(s *Settings) bool { return len(s.Issuer.Keys) == 2 }},
		{"README PEM", map[string]any{"PASETO_ISS": "a", "PASETO_PRIVATE_KEYS": []any{map[string]any{"version": 4, "key": fpePrivatePEM}}}, func(s *Settings) bool { return s.Issuer.Keys[0].PEM != nil }},
	} {
		s, err := FromJSON(jsonOf(t, c.in))
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if !c.check(s) {
			t.Errorf("%s: %+v %+v", c.name, s.Issuer, s.Verifier)
		}
		if s.Issuer != nil {
			if _, err := issuer.New(*s.Issuer); err != nil {
				t.Errorf("%s: issuer.New: %v", c.name, err)
			}
		}
		if s.Verifier != nil {
			if _, err := verifier.New(*s.Verifier); err != nil {
				t.Errorf("%s: verifier.New: %v", c.name, err)
			}
		}
	}
}

func TestEnvForm(t *testing.T) {
	sid := fpeSID(t)
	m := map[string]string{
		"PASETO_ISS":          fpeISS,
		"PASETO_PRIVATE_KEYS": `[{"paserk":"` + fpeSecret + `"}]`,
		"PASETO_PUBLIC_KEYS":  `[{"paserk":"` + fpePublic + `","iss":"` + fpeISS + `","kid":"` + sid + `"}]`,
		"PASETO_USE_KID":      "True",
		"PASETO_USE_IAT":      "false",
		"PASETO_EXP":          "120",
		"PASETO_SKEW":         "5",
		"PASETO_SERIALIZER":   "json",
		"OTHER":               "ignored",
	}
	s, err := FromMap(m)
	if err != nil {
		t.Fatal(err)
	}
	if s.Issuer.NoKeyID || s.Issuer.Lifetime != 2*time.Minute || s.Verifier.Leeway != 5*time.Second || s.Verifier.Keys[0].KeyID != sid {
		t.Fatalf("%+v %+v", s.Issuer, s.Verifier)
	}
	s2, err := FromLookup(func(k string) (string, bool) { v, ok := m[k]; return v, ok })
	if err != nil || s2.Issuer.Lifetime != 2*time.Minute {
		t.Fatalf("lookup: %v", err)
	}
	for k, v := range m {
		t.Setenv(k, v)
	}
	if _, err := FromEnv(); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PASETO_EXPIRY", "1")
	if _, err := FromEnv(); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("unknown variable: %v", err)
	}
	if _, err := FromLookup(nil); !errors.Is(err, ErrInvalidConfig) {
		t.Fatal(err)
	}
}

// TestPythonTokens verifies tokens as Flask-PASETO-Extended's PasetoIssuer
// makes them (flask_paseto_extended/issuer.py: payload with iss, exp from
// pyseto's Paseto.new(exp=3600), footer {"kid": <sid>} with PASETO_USE_KID)
// with the loaded verifier configuration, and refuses them without the
// declared kid.
func TestPythonTokens(t *testing.T) {
	sid := fpeSID(t)
	k, _ := paserk.Parse(fpeSecret)
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	payload := `{"user":{"email":"foo@bar.example"},"iss":"` + fpeISS + `","exp":"2030-01-01T01:00:00+00:00"}`
	withKID, _ := paseto.Sign(k.(*paseto.SecretKey), []byte(payload), []byte(`{"kid":"`+sid+`"}`), nil)
	noKID, _ := paseto.Sign(k.(*paseto.SecretKey), []byte(payload), nil, nil)
	for _, c := range []struct {
		name    string
		entry   map[string]any
		tok     string
		wantErr error
	}{
		{"kid declared", map[string]any{"paserk": fpePublic, "iss": fpeISS, "kid": sid}, withKID, nil},
		{"kid not declared", map[string]any{"paserk": fpePublic, "iss": fpeISS}, withKID, verifier.ErrUnknownKey},
		{"no kid (default)", map[string]any{"version": 4, "key": fpePublicPEM, "iss": fpeISS}, noKID, nil},
		{"wrong iss binding", map[string]any{"paserk": fpePublic, "iss": "https://issuer.exmaple", "kid": sid}, withKID, verifier.ErrWrongIssuer},
	} {
		s, err := FromJSON(jsonOf(t, map[string]any{"PASETO_PUBLIC_KEYS": []any{c.entry}}))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		cfg := *s.Verifier
		cfg.Now = func() time.Time { return now }
		v, err := verifier.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		_, err = v.Verify(context.Background(), c.tok, nil)
		if (c.wantErr == nil && err != nil) || (c.wantErr != nil && !errors.Is(err, c.wantErr)) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

func TestErrors(t *testing.T) {
	sid := fpeSID(t)
	priv := []any{map[string]any{"paserk": fpeSecret}}
	pub := []any{map[string]any{"paserk": fpePublic}}
	local := "k4.local.cHFyc3R1dnd4eXp7fH1-f4CBgoOEhYaHiImKi4yNjo8"
	for _, c := range []struct {
		name, field string
		in          map[string]any
	}{
		{"nothing", VarPrivateKeys, map[string]any{"PASETO_ISS": "a"}},
		{"unknown setting", "PASETO_EXPIRY", map[string]any{"PASETO_EXPIRY": 1, "PASETO_PUBLIC_KEYS": pub}},
		{"no iss", VarISS, map[string]any{"PASETO_PRIVATE_KEYS": priv}},
		{"iss not text", VarISS, map[string]any{"PASETO_ISS": 1, "PASETO_PRIVATE_KEYS": priv}},
		{"use iss not bool", VarUseISS, map[string]any{"PASETO_USE_ISS": "yes", "PASETO_PUBLIC_KEYS": pub}},
		{"use iat not bool", VarUseIAT, map[string]any{"PASETO_USE_IAT": 1, "PASETO_PUBLIC_KEYS": pub}},
		{"use kid not bool", VarUseKID, map[string]any{"PASETO_USE_KID": nil, "PASETO_PUBLIC_KEYS": pub}},
		{"exp negative", VarExp, map[string]any{"PASETO_EXP": -1, "PASETO_PUBLIC_KEYS": pub}},
		{"exp float", VarExp, map[string]any{"PASETO_EXP": 1.5, "PASETO_PUBLIC_KEYS": pub}},
		{"skew text", VarSkew, map[string]any{"PASETO_SKEW": "5", "PASETO_PUBLIC_KEYS": pub}},
		{"serializer", VarSerializer, map[string]any{"PASETO_SERIALIZER": "pickle", "PASETO_PUBLIC_KEYS": pub}},
		{"deserializer", VarDeserializer, map[string]any{"PASETO_DESERIALIZER": "msgpack", "PASETO_PUBLIC_KEYS": pub}},
		{"keys not a list", VarPublicKeys, map[string]any{"PASETO_PUBLIC_KEYS": "k4.public.x"}},
		{"keys empty", VarPublicKeys, map[string]any{"PASETO_PUBLIC_KEYS": []any{}}},
		{"entry not an object", "PASETO_PUBLIC_KEYS[0]", map[string]any{"PASETO_PUBLIC_KEYS": []any{1}}},
		{"unknown field", "PASETO_PUBLIC_KEYS[0]", map[string]any{"PASETO_PUBLIC_KEYS": []any{map[string]any{"paserk": fpePublic, "kidd": sid}}}},
		{"no key", "PASETO_PUBLIC_KEYS[0]", map[string]any{"PASETO_PUBLIC_KEYS": []any{map[string]any{"version": 4}}}},
		{"both forms", "PASETO_PUBLIC_KEYS[0]", map[string]any{"PASETO_PUBLIC_KEYS": []any{map[string]any{"paserk": fpePublic, "version": 4, "key": fpePublicPEM}}}},
		{"version 1", "PASETO_PUBLIC_KEYS[0].version", map[string]any{"PASETO_PUBLIC_KEYS": []any{map[string]any{"version": 1, "key": fpePublicPEM}}}},
		{"version 7", "PASETO_PUBLIC_KEYS[0].version", map[string]any{"PASETO_PUBLIC_KEYS": []any{map[string]any{"version": 7, "key": fpePublicPEM}}}},
		{"version text", "PASETO_PUBLIC_KEYS[0].version", map[string]any{"PASETO_PUBLIC_KEYS": []any{map[string]any{"version": "4", "key": fpePublicPEM}}}},
		{"bad pem", "PASETO_PUBLIC_KEYS[0].key", map[string]any{"PASETO_PUBLIC_KEYS": []any{map[string]any{"version": 4, "key": "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"}}}},
		{"local public key", "PASETO_PUBLIC_KEYS[0].paserk", map[string]any{"PASETO_PUBLIC_KEYS": []any{map[string]any{"paserk": local}}}},
		{"local private key", "PASETO_PRIVATE_KEYS[0].paserk", map[string]any{"PASETO_ISS": "a", "PASETO_PRIVATE_KEYS": []any{map[string]any{"paserk": local}}}},
		{"private in public list", "PASETO_PUBLIC_KEYS[0].paserk", map[string]any{"PASETO_PUBLIC_KEYS": priv}},
		{"public in private list", "PASETO_PRIVATE_KEYS[0].paserk", map[string]any{"PASETO_ISS": "a", "PASETO_PRIVATE_KEYS": pub}},
		{"iss on private", "PASETO_PRIVATE_KEYS[0]", map[string]any{"PASETO_ISS": "a", "PASETO_PRIVATE_KEYS": []any{map[string]any{"paserk": fpeSecret, "iss": "a"}}}},
		{"empty iss", "PASETO_PUBLIC_KEYS[0].iss", map[string]any{"PASETO_PUBLIC_KEYS": []any{map[string]any{"paserk": fpePublic, "iss": ""}}}},
		{"empty kid", "PASETO_PUBLIC_KEYS[0].kid", map[string]any{"PASETO_PUBLIC_KEYS": []any{map[string]any{"paserk": fpePublic, "kid": ""}}}},
		{"bad kid", "PASETO_PUBLIC_KEYS[0]", map[string]any{"PASETO_PUBLIC_KEYS": []any{map[string]any{"paserk": fpePublic, "kid": "key-1"}}}},
		{"same key twice", "PASETO_PUBLIC_KEYS[1]", map[string]any{"PASETO_PUBLIC_KEYS": []any{pub[0], pub[0]}}},
		{"same private key twice", VarPrivateKeys, map[string]any{"PASETO_ISS": "a", "PASETO_PRIVATE_KEYS": []any{priv[0], priv[0]}}},
		{"one key as v4 and v2", VarPrivateKeys, map[string]any{"PASETO_ISS": "a", "PASETO_PRIVATE_KEYS": []any{priv[0], map[string]any{"version": 2, "key": fpePrivatePEM}}}},
	} {
		_, err := FromJSON(jsonOf(t, c.in))
		var ce *ConfigError
		if !errors.Is(err, ErrInvalidConfig) || !errors.As(err, &ce) {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if ce.Field != c.field {
			t.Errorf("%s: field %q, want %q (%v)", c.name, ce.Field, c.field, err)
		}
		for _, secret := range []string{fpeSecret, fpePrivatePEM[40:70], "tMv7Q99M"} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("%s: the error echoes a key: %v", c.name, err)
			}
		}
	}
	for name, in := range map[string]string{
		"not json":      `{`,
		"not an object": `[]`,
		"repeated key":  `{"PASETO_ISS":"a","PASETO_ISS":"b"}`,
		"case-dup key":  `{"PASETO_SKEW":1,"paseto_skew":2,"PASETO_PUBLIC_KEYS":[{"paserk":"` + fpePublic + `"}]}`,
		"env list":      ``,
	} {
		if name == "env list" {
			if _, err := FromMap(map[string]string{"PASETO_PUBLIC_KEYS": "k4.public.x"}); !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("%s: %v", name, err)
			}
			continue
		}
		if _, err := FromJSON([]byte(in)); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func FuzzFromJSON(f *testing.F) {
	f.Add([]byte(`{"PASETO_ISS":"a","PASETO_PRIVATE_KEYS":[{"paserk":"` + fpeSecret + `"}],"PASETO_EXP":0}`))
	f.Add([]byte(`{"PASETO_PUBLIC_KEYS":[{"paserk":"` + fpePublic + `","kid":"k4.sid.x","iss":"a"}],"PASETO_SKEW":3}`))
	f.Add([]byte(`{"PASETO_PUBLIC_KEYS":[{"version":4,"key":"` + strings.ReplaceAll(fpePublicPEM, "\n", `\n`) + `"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := FromJSON(data)
		if err != nil {
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if s.Issuer != nil {
			if _, err := issuer.New(*s.Issuer); err != nil {
				t.Fatalf("loaded issuer config refused: %v", err)
			}
		}
		if s.Verifier != nil {
			if _, err := verifier.New(*s.Verifier); err != nil {
				t.Fatalf("loaded verifier config refused: %v", err)
			}
		}
	})
}

func FuzzFromMap(f *testing.F) {
	f.Add("PASETO_PUBLIC_KEYS", `[{"paserk":"`+fpePublic+`"}]`, "PASETO_USE_KID", "True")
	f.Add("PASETO_PRIVATE_KEYS", `[{"paserk":"`+fpeSecret+`"}]`, "PASETO_ISS", "a")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		_, err := FromMap(map[string]string{k1: v1, k2: v2})
		if err != nil {
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("untyped error %v", err)
			}
		}
	})
}
