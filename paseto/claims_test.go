package paseto

import (
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"
)

func TestClaimsJSON(t *testing.T) {
	paris := time.FixedZone("CET", 3600)
	c := Claims{
		Issuer:     "https://auth.example.com",
		Audience:   Audience{"api"},
		Expiration: NewTime(time.Date(2030, 1, 2, 4, 5, 6, 0, paris)),
		IssuedAt:   NewTime(time.Date(2030, 1, 2, 3, 0, 0, 500_000_000, time.UTC)),
	}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"iss":"https://auth.example.com","aud":"api","exp":"2030-01-02T03:05:06Z","iat":"2030-01-02T03:00:00.5Z"}`
	if string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
	var back Claims
	if err := UnmarshalClaims(b, &back); err != nil {
		t.Fatal(err)
	}
	if !back.Expiration.Equal(c.Expiration.Time) || !back.IssuedAt.Equal(c.IssuedAt.Time) || back.Audience[0] != "api" {
		t.Fatalf("round trip: %+v", back)
	}
	c.Audience = Audience{"a", "b"}
	b, _ = json.Marshal(c)
	if !strings.Contains(string(b), `"aud":["a","b"]`) {
		t.Fatalf("list audience: %s", b)
	}
}

func TestClaimsParseForms(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
	}{
		{`{"exp":"2022-01-01T00:00:00+00:00"}`, time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)},
		{`{"exp":"2022-01-01T01:00:00+01:00"}`, time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)},
		{`{"exp":"2022-01-01T00:00:00.123456Z"}`, time.Date(2022, 1, 1, 0, 0, 0, 123456000, time.UTC)},
		{`{"exp":"2022-01-01T00:00:00Z"}`, time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		var c Claims
		if err := UnmarshalClaims([]byte(tt.in), &c); err != nil {
			t.Fatalf("%s: %v", tt.in, err)
		}
		if !c.Expiration.Equal(tt.want) {
			t.Errorf("%s: got %v", tt.in, c.Expiration)
		}
	}
}

func TestBadClaims(t *testing.T) {
	tests := []string{
		``, `[]`, `"x"`, `{"a":1,"a":2}`, `{"exp":"x","EXP":"y"}`, `{"exp":1700000000}`, `{"exp":"2022-01-01"}`,
		`{"exp":"2022-01-01 00:00:00Z"}`, `{"aud":1}`, `{"aud":[1]}`, `{"iss":5}`, `{"a":1} x`, `{"a":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`,
		`{"exp":"2022-01-01T00:00:00\u005a"}`, `{"EXP":"2022-01-01T00:00:00Z"}`, `{"Aud":"x"}`,
	}
	for _, in := range tests {
		var c Claims
		err := UnmarshalClaims([]byte(in), &c)
		if !errors.Is(err, ErrInvalidClaims) {
			t.Errorf("%q: got %v", in, err)
		}
		if err != nil && strings.Contains(err.Error(), "1700000000") {
			t.Errorf("error leaks a claim value: %v", err)
		}
	}
}

func TestLargeIntegersKeepPrecision(t *testing.T) {
	var m map[string]any
	if err := UnmarshalClaims([]byte(`{"n":12345678901234567890123,"f":0.1}`), &m); err != nil {
		t.Fatal(err)
	}
	n, ok := m["n"].(json.Number)
	if !ok {
		t.Fatalf("got %T", m["n"])
	}
	want, _ := new(big.Int).SetString("12345678901234567890123", 10)
	if got, _ := new(big.Int).SetString(n.String(), 10); got.Cmp(want) != 0 {
		t.Fatalf("got %s", n)
	}
}

func TestValidate(t *testing.T) {
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) Time { return NewTime(now.Add(d)) }
	tests := []struct {
		name   string
		c      Claims
		leeway time.Duration
		want   error
	}{
		{"empty", Claims{}, 0, nil},
		{"valid", Claims{Expiration: at(time.Minute), NotBefore: at(-time.Minute), IssuedAt: at(-time.Minute)}, 0, nil},
		{"expired", Claims{Expiration: at(-time.Second)}, 0, ErrExpired},
		{"expires now", Claims{Expiration: at(0)}, 0, ErrExpired},
		{"expired within leeway", Claims{Expiration: at(-time.Second)}, 2 * time.Second, nil},
		{"not yet valid", Claims{NotBefore: at(time.Second)}, 0, ErrNotYetValid},
		{"nbf now", Claims{NotBefore: at(0)}, 0, nil},
		{"nbf within leeway", Claims{NotBefore: at(time.Second)}, time.Second, nil},
		{"iat future", Claims{IssuedAt: at(time.Second)}, 0, ErrIssuedInFuture},
		{"iat within leeway", Claims{IssuedAt: at(time.Second)}, time.Second, nil},
		{"negative leeway is zero", Claims{Expiration: at(-time.Second)}, -time.Hour, ErrExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.c.Validate(now, tt.leeway); !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestAudienceContains(t *testing.T) {
	if !(Audience{"a", "b"}).Contains("b") || (Audience{"a"}).Contains("A") || (Audience(nil)).Contains("") {
		t.Fatal("Contains is wrong")
	}
}

func TestTimeOutOfRange(t *testing.T) {
	if _, err := json.Marshal(Claims{Expiration: NewTime(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC))}); err == nil {
		t.Fatal("year 10000 marshalled")
	}
}
