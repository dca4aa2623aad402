package fastapipaseto

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/authtoken"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/verifier"
)

// fastapiPayload is the payload of an access token as fastapi-paseto
// writes it at now, valid for an hour. The format, from the sources:
//
//   - fastapi-paseto-auth (the fork Chloe-ko/fastapi-paseto-auth,
//     fastapi_paseto_auth/auth_paseto.py at commit 65b2eac47f43, AuthPASETO._create_token)
//     builds the reserved claims sub, nbf and jti, with nbf an INTEGER:
//     _get_int_from_datetime(datetime.utcnow()), that is int(timestamp());
//     then type, fresh (access tokens only), and iss when an encode issuer is set.
//   - It encodes them with pyseto's Paseto.new(exp=…, include_iat=True) and
//     serializer=json; pyseto (dajiaji/pyseto, pyseto/paseto.py at 2352c359d4e5,
//     Paseto._set_registered_claims) adds exp as (now+exp).isoformat(
//     timespec="seconds") and iat as now.isoformat(): RFC 3339 STRINGS with
//     a +00:00 offset, iat with microseconds.
//   - Later releases (Raze-Systems/fastapi-paseto, src/fastapi_paseto/_internal/
//     token_helpers.py at 3d3cf8432841, build_reserved_claims) write nbf as an isoformat
//     string too. Flask-PASETO-Extended issues through the same pyseto
//     method and sets no nbf, so its loader does not need the opt-in.
//
// So only nbf is ever numeric in tokens fastapi-paseto made; numeric sets
// the other two numbers as well, for issuers that write all three so.
// json.dumps writes ", " and ": " between members.
func fastapiPayload(now time.Time, numeric bool) []byte {
	m := []struct {
		k string
		v any
	}{
		{"sub", "alice"},
		{"nbf", now.Unix()},
		{"jti", "0b9ea7a3-0e49-4d6c-9a5e-0c2c1e0f6a11"},
		{"type", "access"},
		{"fresh", false},
		{"exp", now.Add(time.Hour).Format("2006-01-02T15:04:05+00:00")},
		{"iat", now.Format("2006-01-02T15:04:05.000000+00:00")},
	}
	if numeric {
		m[5].v, m[6].v = now.Add(time.Hour).Unix(), now.Unix()
	}
	b := []byte{'{'}
	for i, kv := range m {
		if i > 0 {
			b = append(b, ", "...)
		}
		k, _ := json.Marshal(kv.k)
		v, _ := json.Marshal(kv.v)
		b = append(append(append(b, k...), ": "...), v...)
	}
	return append(b, '}')
}

// TestFastAPINumericDates verifies tokens as fastapi-paseto makes them
// (v4.local under AUTHPASETO_SECRET_KEY, no footer) through the loaded
// configuration, which sets authtoken.Config.AllowNumericDates; without
// the flag, the same configuration refuses them.
func TestFastAPINumericDates(t *testing.T) {
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	s := load(t, map[string]string{VarSecretKey: secret32})
	if !s.AuthToken.AllowNumericDates {
		t.Fatal("loader does not set AllowNumericDates")
	}
	key, err := paseto.NewSymmetricKey(paseto.V4, []byte(secret32))
	if err != nil {
		t.Fatal(err)
	}
	for _, numeric := range []bool{false, true} {
		payload := fastapiPayload(now, numeric)
		tok, err := paseto.Encrypt(key, payload, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		cfg := s.AuthToken
		cfg.Now = func() time.Time { return now.Add(time.Minute) }
		m, err := authtoken.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		got, err := m.Access().Verify(context.Background(), tok, nil)
		if err != nil {
			t.Fatalf("%s: %v", payload, err)
		}
		c := got.Claims
		if c.Subject != "alice" || !c.NotBefore.Equal(now) || !c.IssuedAt.Equal(now) || !c.Expiration.Equal(now.Add(time.Hour)) {
			t.Fatalf("%s: claims %+v", payload, c)
		}

		cfg.AllowNumericDates = false
		if m, err = authtoken.New(cfg); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Access().Verify(context.Background(), tok, nil); !errors.Is(err, verifier.ErrInvalidClaims) {
			t.Fatalf("%s: strict configuration: %v, want ErrInvalidClaims", payload, err)
		}
	}
}
