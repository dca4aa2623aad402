package serializer_test

import (
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/serializer"
)

// paseto.Time embeds time.Time, whose Go-specific MarshalBinary it would
// inherit; CBOR must carry it as the same RFC 3339 UTC text as JSON.
func TestCBORRegisteredClaims(t *testing.T) {
	c := paseto.Claims{
		Subject:    "alice",
		Audience:   paseto.Audience{"api"},
		Expiration: paseto.NewTime(time.Date(2030, 1, 1, 1, 0, 0, 0, time.FixedZone("CET", 3600))),
	}
	b, err := serializer.CBOR.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := serializer.CBOR.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m["exp"] != "2030-01-01T00:00:00Z" {
		t.Fatalf("exp encoded as %#v", m["exp"])
	}
	if _, ok := m["nbf"]; ok {
		t.Fatal("zero nbf was encoded")
	}
	var back paseto.Claims
	if err := serializer.CBOR.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !back.Expiration.Equal(c.Expiration.Time) || back.Subject != "alice" || !back.Audience.Contains("api") {
		t.Fatalf("round trip: %+v", back)
	}
}

// aud may be a single string in CBOR as in JSON.
func TestCBORSingleAudience(t *testing.T) {
	b, err := serializer.CBOR.Marshal(map[string]any{"aud": "api", "sub": "x"})
	if err != nil {
		t.Fatal(err)
	}
	var c paseto.Claims
	if err := serializer.CBOR.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	if len(c.Audience) != 1 || c.Audience[0] != "api" {
		t.Fatalf("aud decoded as %#v", c.Audience)
	}
}
