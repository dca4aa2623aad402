package verifier_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/verifier"
)

// Unix seconds around t0 (2030-01-01T12:00:00Z is 1893499200).
const (
	unixT0Min1 = "1893499140" // t0 - 1 minute
	unixT0     = "1893499200"
	unixT0Hour = "1893502800" // t0 + 1 hour
)

// TestAllowNumericDates verifies one payload per form of a time claim,
// with and without Config.AllowNumericDates: only plain integer Unix
// seconds within years 1970-9999 are accepted, and only with the flag.
func TestAllowNumericDates(t *testing.T) {
	s := newSigner(t, paseto.V4, false)
	keys := []keyring.Key{s.key("")}
	strict := newVerifier(t, verifier.Config{Keys: keys, Now: newClock().Now})
	lax := newVerifier(t, verifier.Config{Keys: keys, Now: newClock().Now, AllowNumericDates: true})
	iat := `"iat":"` + ts(t0.Add(-time.Minute)) + `"`
	exp := `"exp":"` + ts(t0.Add(time.Hour)) + `"`
	tests := []struct {
		name    string
		payload string
		strict  []error // nil: accepted
		lax     []error
		wantExp time.Time // with the flag, when accepted
	}{
		{"strings", `{"sub":"a",` + iat + `,` + exp + `}`, nil, nil, t0.Add(time.Hour)},
		{"numeric exp", `{"sub":"a",` + iat + `,"exp":` + unixT0Hour + `}`,
			[]error{verifier.ErrMalformed, verifier.ErrInvalidClaims}, nil, t0.Add(time.Hour)},
		{"numeric iat nbf exp", `{"sub":"a","iat":` + unixT0Min1 + `,"nbf":` + unixT0 + `,"exp":` + unixT0Hour + `}`,
			[]error{verifier.ErrInvalidClaims}, nil, t0.Add(time.Hour)},
		{"white space", "{\"sub\":\"a\",\"exp\" :\n\t" + unixT0Hour + " ,\"nbf\":" + unixT0 + "}",
			[]error{verifier.ErrInvalidClaims}, nil, t0.Add(time.Hour)},
		{"numeric nbf, string exp", `{"sub":"a",` + exp + `,"nbf":` + unixT0 + `}`,
			[]error{verifier.ErrInvalidClaims}, nil, t0.Add(time.Hour)},
		// Accepted forms keep their meaning.
		{"numeric exp past", `{"sub":"a","exp":` + unixT0Min1 + `}`,
			[]error{verifier.ErrInvalidClaims}, []error{verifier.ErrExpired}, time.Time{}},
		{"numeric nbf future", `{"sub":"a",` + exp + `,"nbf":` + unixT0Hour + `}`,
			[]error{verifier.ErrInvalidClaims}, []error{verifier.ErrNotYetValid}, time.Time{}},
		{"numeric iat future", `{"sub":"a",` + exp + `,"iat":` + unixT0Hour + `}`,
			[]error{verifier.ErrInvalidClaims}, []error{verifier.ErrIssuedInFuture}, time.Time{}},
		{"zero exp", `{"sub":"a","exp":0}`,
			[]error{verifier.ErrInvalidClaims}, []error{verifier.ErrExpired}, time.Time{}},
		// Refused with the flag too.
		{"fraction", `{"sub":"a","exp":` + unixT0Hour + `.5}`,
			[]error{verifier.ErrInvalidClaims}, []error{verifier.ErrInvalidClaims}, time.Time{}},
		{"point zero", `{"sub":"a","exp":` + unixT0Hour + `.0}`,
			[]error{verifier.ErrInvalidClaims}, []error{verifier.ErrInvalidClaims}, time.Time{}},
		{"exponent", `{"sub":"a","exp":1.8935028e9}`,
			[]error{verifier.ErrInvalidClaims}, []error{verifier.ErrInvalidClaims}, time.Time{}},
		{"integer exponent", `{"sub":"a","exp":1893502800e0}`,
			[]error{verifier.ErrInvalidClaims}, []error{verifier.ErrInvalidClaims}, time.Time{}},
		{"negative", `{"sub":"a","exp":-1}`,
			[]error{verifier.ErrInvalidClaims}, []error{verifier.ErrInvalidClaims}, time.Time{}},
		{"negative zero", `{"sub":"a","exp":-0}`,
			[]error{verifier.ErrInvalidClaims}, []error{verifier.ErrInvalidClaims}, time.Time{}},
		{"after year 9999", `{"sub":"a","exp":253402300800}`,
			[]error{verifier.ErrInvalidClaims}, []error{verifier.ErrInvalidClaims}, time.Time{}},
		{"huge", `{"sub":"a","exp":99999999999999999999999}`,
			[]error{verifier.ErrInvalidClaims}, []error{verifier.ErrInvalidClaims}, time.Time{}},
		{"leading zero", `{"sub":"a","exp":0` + unixT0Hour + `}`,
			[]error{verifier.ErrInvalidClaims}, []error{verifier.ErrInvalidClaims}, time.Time{}},
		{"digits in a string", `{"sub":"a","exp":"` + unixT0Hour + `"}`,
			[]error{verifier.ErrInvalidClaims}, []error{verifier.ErrInvalidClaims}, time.Time{}},
		{"boolean", `{"sub":"a","exp":true}`,
			[]error{verifier.ErrInvalidClaims}, []error{verifier.ErrInvalidClaims}, time.Time{}},
		{"other letter case", `{"sub":"a",` + exp + `,"NBF":` + unixT0 + `}`,
			[]error{verifier.ErrInvalidClaims}, []error{verifier.ErrInvalidClaims}, time.Time{}},
		{"duplicate", `{"sub":"a","exp":` + unixT0Hour + `,"exp":` + unixT0Hour + `}`,
			[]error{verifier.ErrInvalidClaims}, []error{verifier.ErrInvalidClaims}, time.Time{}},
		{"not an object", `[` + unixT0Hour + `]`,
			[]error{verifier.ErrInvalidClaims}, []error{verifier.ErrInvalidClaims}, time.Time{}},
		{"trailing garbage", `{"sub":"a","exp":` + unixT0Hour + `}x`,
			[]error{verifier.ErrInvalidClaims}, []error{verifier.ErrInvalidClaims}, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := s.token(t, []byte(tt.payload), s.kid, nil)
			_, err := strict.Verify(context.Background(), tok, nil)
			wantErr(t, err, tt.strict...)
			got, err := lax.Verify(context.Background(), tok, nil)
			wantErr(t, err, tt.lax...)
			if err == nil && !got.Claims.Expiration.Equal(tt.wantExp) {
				t.Fatalf("exp = %v, want %v", got.Claims.Expiration, tt.wantExp)
			}
		})
	}
}

// TestAllowNumericDatesPayload checks what the caller sees of an accepted
// payload: the top-level time claims as RFC 3339 strings in Payload and
// through Decode, and everything else, nested numbers included, as it was.
func TestAllowNumericDatesPayload(t *testing.T) {
	s := newSigner(t, paseto.V4, true)
	v := newVerifier(t, verifier.Config{Keys: []keyring.Key{s.key("")}, Now: newClock().Now, AllowNumericDates: true})
	payload := `{"sub":"a","data":{"exp":1,"nbf":[2]},"nbf":` + unixT0 + `,"exp":` + unixT0Hour + `,"n":3}`
	got, err := v.Verify(context.Background(), s.token(t, []byte(payload), "", nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"sub":"a","data":{"exp":1,"nbf":[2]},"nbf":"2030-01-01T12:00:00Z","exp":"2030-01-01T13:00:00Z","n":3}`
	if string(got.Payload) != want {
		t.Fatalf("Payload = %s\nwant      %s", got.Payload, want)
	}
	var c struct {
		paseto.Claims
		Data struct {
			Exp int `json:"exp"`
		} `json:"data"`
	}
	if err := got.Decode(&c); err != nil {
		t.Fatal(err)
	}
	if !c.NotBefore.Equal(t0) || c.Data.Exp != 1 {
		t.Fatalf("decoded %+v", c)
	}
	if !strings.Contains(string(got.Payload), `"n":3`) {
		t.Fatal("other members changed")
	}
}
