package payloadcodec

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

type testClaims struct {
	Issuer   string    `json:"iss"`
	Subject  string    `json:"sub"`
	Audience []string  `json:"aud"`
	Expires  time.Time `json:"exp"`
}

func TestUnmarshalJSON(t *testing.T) {
	const secret = "s3cr3t-claim-value"
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"object", `{"iss":"a","sub":"` + secret + `"}`, nil},
		{"not an object", `["` + secret + `"]`, ErrNotObject},
		{"duplicate key", `{"sub":"` + secret + `","SUB":"x"}`, ErrDuplicateKey},
		{"registered claim in another case", `{"EXP":"` + secret + `"}`, ErrMalformed},
		{"syntax", `{"sub":"` + secret + `"`, ErrMalformed},
		{"too deep", `{"a":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`, ErrTooDeep},
		{"too long", `{"a":"` + strings.Repeat("x", DefaultJSONMaxLength) + `"}`, ErrTooLarge},
		{"wrong type", `{"aud":"` + secret + `"}`, ErrDecode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c testClaims
			err := UnmarshalJSON([]byte(tt.in), &c, DefaultJSON)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("UnmarshalJSON(%.40q) = %v, want %v", tt.in, err, tt.want)
			}
			if err == nil {
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Format != "JSON" {
				t.Errorf("error %#v is not a JSON *Error", err)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error %q quotes the payload", err)
			}
		})
	}
}

func TestMarshalJSON(t *testing.T) {
	tests := []struct {
		v    any
		want error
	}{
		{map[string]any{"sub": "a"}, nil},
		{map[string]any{"role": 1, "ROLE": 2}, ErrDuplicateKey},
		{map[string]any{"EXP": 1}, ErrMalformed},
		{[]int{1}, ErrNotObject},
		{map[string]any{"c": make(chan int)}, ErrEncode},
	}
	for _, tt := range tests {
		out, err := MarshalJSON(tt.v, DefaultJSON)
		if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
			t.Errorf("MarshalJSON(%#v) = %q, %v, want %v", tt.v, out, err, tt.want)
		}
	}
}

func TestJSONLimits(t *testing.T) {
	if l := JSONLimits(0, 0, 0); l.MaxLength != DefaultJSONMaxLength || l.MaxDepth != DefaultJSONMaxDepth ||
		l.MaxKeys != DefaultJSONMaxKeys || len(l.ExactKeys) != 7 {
		t.Errorf("JSONLimits(0, 0, 0) = %+v, want the defaults", l)
	}
	if l := JSONLimits(10, 2, 3); l.MaxLength != 10 || l.MaxDepth != 2 || l.MaxKeys != 3 {
		t.Errorf("JSONLimits(10, 2, 3) = %+v", l)
	}
	if _, err := MarshalJSON(map[string]int{"a": 1, "b": 2}, JSONLimits(0, 0, 1)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("two keys over a limit of one: %v, want ErrTooLarge", err)
	}
}

func TestErrorMessage(t *testing.T) {
	tests := []struct {
		e    Error
		want string
	}{
		{Error{Kind: ErrMalformed, Format: "JSON", Detail: "bad", Offset: 3}, "serializer: malformed payload (JSON: bad, offset 3)"},
		{Error{Kind: ErrTooLarge, Format: "CBOR", Offset: -1}, "serializer: payload too large (CBOR)"},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
		if !errors.Is(&tt.e, tt.e.Kind) {
			t.Errorf("%v does not match its Kind", &tt.e)
		}
	}
}

func TestUseNumber(t *testing.T) {
	var m map[string]any
	if err := UnmarshalJSON([]byte(`{"n":12345678901234567890123}`), &m, DefaultJSON); err != nil {
		t.Fatal(err)
	}
	if n, ok := m["n"].(json.Number); !ok || n.String() != "12345678901234567890123" {
		t.Errorf("n = %#v, want the json.Number 12345678901234567890123", m["n"])
	}
}

func TestNeedsUseNumber(t *testing.T) {
	type recursive struct {
		Next *recursive
		Name string
	}
	type recursiveAny struct {
		Next  *recursiveAny
		Extra any
	}
	type embedded struct {
		testClaims
		X map[string][]any
	}
	tests := []struct {
		v    any
		want bool
	}{
		{nil, false},
		{&testClaims{}, false},
		{&recursive{}, false},
		{new(time.Time), false},
		{new(json.RawMessage), false},
		{new(map[string]string), false},
		{new([]int), false},
		{new(any), true},
		{new(map[string]any), true},
		{new([]any), true},
		{new([2]any), true},
		{&recursiveAny{}, true},
		{&embedded{}, true},
		{new(**map[string]*[]any), true},
		{new(fmt.Stringer), true},
	}
	for _, tt := range tests {
		if got := needsUseNumber(tt.v); got != tt.want {
			t.Errorf("needsUseNumber(%T) = %v, want %v", tt.v, got, tt.want)
		}
		// Cached answers agree.
		if got := needsUseNumber(tt.v); got != tt.want {
			t.Errorf("needsUseNumber(%T) (cached) = %v, want %v", tt.v, got, tt.want)
		}
	}
}

// FuzzUnmarshalJSON checks that decoding never panics and that whatever it
// accepts into a map encodes again into a payload it accepts.
func FuzzUnmarshalJSON(f *testing.F) {
	f.Add([]byte(`{"sub":"a","aud":["x","y"],"n":1.5e300}`))
	f.Add([]byte(`{"a":{"b":[null,true,"\u00e9"]}}`))
	f.Add([]byte(`{"exp":1,"EXP":2}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var m map[string]any
		if err := UnmarshalJSON(data, &m, DefaultJSON); err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not an *Error", err)
			}
			return
		}
		out, err := MarshalJSON(m, DefaultJSON)
		if err != nil {
			t.Fatalf("re-encoding an accepted payload: %v", err)
		}
		var again map[string]any
		if err := UnmarshalJSON(out, &again, DefaultJSON); err != nil {
			t.Fatalf("decoding the re-encoded payload: %v", err)
		}
		if fmt.Sprint(m) != fmt.Sprint(again) {
			t.Fatalf("round trip changed the payload: %v != %v", m, again)
		}
	})
}
