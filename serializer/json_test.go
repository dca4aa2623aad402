package serializer

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/paseto"
)

const claimsJSON = `{"iss":"https://auth.example.com","sub":"user-12345","aud":["api","web"],"exp":"2026-11-23T19:00:00Z","iat":"2026-11-23T18:00:00Z","nbf":"2026-11-23T18:00:00Z","jti":"b4f1c0e2a7d94b3e8f6a1c2d3e4f5a6b","role":"admin","scopes":["read","write"]}`

type testClaims struct {
	Issuer    string    `json:"iss"`
	Subject   string    `json:"sub"`
	Audience  []string  `json:"aud"`
	Expiry    time.Time `json:"exp"`
	IssuedAt  time.Time `json:"iat"`
	NotBefore time.Time `json:"nbf"`
	ID        string    `json:"jti"`
	Role      string    `json:"role"`
	Scopes    []string  `json:"scopes"`
}

var wantClaims = testClaims{
	Issuer:    "https://auth.example.com",
	Subject:   "user-12345",
	Audience:  []string{"api", "web"},
	Expiry:    time.Date(2026, 11, 23, 19, 0, 0, 0, time.UTC),
	IssuedAt:  time.Date(2026, 11, 23, 18, 0, 0, 0, time.UTC),
	NotBefore: time.Date(2026, 11, 23, 18, 0, 0, 0, time.UTC),
	ID:        "b4f1c0e2a7d94b3e8f6a1c2d3e4f5a6b",
	Role:      "admin",
	Scopes:    []string{"read", "write"},
}

func TestJSONName(t *testing.T) {
	if got := JSON.Name(); got != "json" {
		t.Errorf("JSON.Name() = %q, want %q", got, "json")
	}
}

func TestNewJSON(t *testing.T) {
	tests := []struct {
		cfg     JSONConfig
		want    JSONConfig // the effective limits
		wantErr bool
	}{
		{JSONConfig{}, JSONConfig{1 << 20, 32, 4096}, false},
		{JSONConfig{MaxLength: 10}, JSONConfig{10, 32, 4096}, false},
		{JSONConfig{MaxDepth: 1, MaxKeys: 2}, JSONConfig{1 << 20, 1, 2}, false},
		{JSONConfig{MaxLength: -1}, JSONConfig{}, true},
		{JSONConfig{MaxDepth: -1}, JSONConfig{}, true},
		{JSONConfig{MaxKeys: -1}, JSONConfig{}, true},
	}
	for _, tt := range tests {
		s, err := NewJSON(tt.cfg)
		if tt.wantErr {
			if err == nil || s != nil {
				t.Errorf("NewJSON(%+v) = %v, %v, want error", tt.cfg, s, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("NewJSON(%+v): %v", tt.cfg, err)
		}
		lim := s.(*jsonSerializer).lim
		got := JSONConfig{lim.MaxLength, lim.MaxDepth, lim.MaxKeys}
		if got != tt.want {
			t.Errorf("NewJSON(%+v) limits = %+v, want %+v", tt.cfg, got, tt.want)
		}
	}
	if lim := JSON.(*jsonSerializer).lim; lim.MaxLength != DefaultJSONMaxLength ||
		lim.MaxDepth != DefaultJSONMaxDepth || lim.MaxKeys != DefaultJSONMaxKeys {
		t.Errorf("JSON limits = %+v, want the defaults", lim)
	}
}

func TestJSONUnmarshalStruct(t *testing.T) {
	var c testClaims
	if err := JSON.Unmarshal([]byte(claimsJSON), &c); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c, wantClaims) {
		t.Errorf("got %+v, want %+v", c, wantClaims)
	}
}

func TestJSONBigIntegers(t *testing.T) {
	in := []byte(`{"n":12345678901234567890,"neg":-98765432109876543210,"f":1.5,"nested":{"a":[18446744073709551617]}}`)
	var m map[string]any
	if err := JSON.Unmarshal(in, &m); err != nil {
		t.Fatal(err)
	}
	if got, want := m["n"], json.Number("12345678901234567890"); got != want {
		t.Errorf("n = %#v, want %#v", got, want)
	}
	n, ok := new(big.Int).SetString(string(m["n"].(json.Number)), 10)
	if !ok || n.String() != "12345678901234567890" {
		t.Errorf("n = %v, want 12345678901234567890", n)
	}
	if got, want := m["nested"].(map[string]any)["a"].([]any)[0], json.Number("18446744073709551617"); got != want {
		t.Errorf("nested = %#v, want %#v", got, want)
	}

	// The round trip through map[string]any is exact.
	out, err := JSON.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `"n":12345678901234567890`) ||
		!strings.Contains(string(out), `"neg":-98765432109876543210`) {
		t.Errorf("Marshal = %s, lost precision", out)
	}
	var m2 map[string]any
	if err := JSON.Unmarshal(out, &m2); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m, m2) {
		t.Errorf("round trip: got %v, want %v", m2, m)
	}

	// Interface values inside structs get json.Number too.
	var s struct {
		N     any            `json:"n"`
		Other map[string]any `json:"nested"`
	}
	if err := JSON.Unmarshal(in, &s); err != nil {
		t.Fatal(err)
	}
	if s.N != json.Number("12345678901234567890") {
		t.Errorf("struct field N = %#v, want json.Number", s.N)
	}
}

func TestJSONUnmarshalErrors(t *testing.T) {
	small, err := NewJSON(JSONConfig{MaxLength: 32, MaxDepth: 2, MaxKeys: 3})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		s    Serializer
		in   string
		want error
	}{
		{JSON, `{"a":1,"a":2}`, ErrDuplicateKey},
		{JSON, `{"exp":1,"EXP":2}`, ErrDuplicateKey},
		{JSON, `{"\u0065xp":1,"exp":2}`, ErrDuplicateKey},
		{JSON, `{"a":{"ǅ":1,"ǆ":2}}`, ErrDuplicateKey},
		{JSON, `[]`, ErrNotObject},
		{JSON, `[{"a":1}]`, ErrNotObject},
		{JSON, `"x"`, ErrNotObject},
		{JSON, `12`, ErrNotObject},
		{JSON, `null`, ErrNotObject},
		{JSON, ``, ErrMalformed},
		{JSON, `{`, ErrMalformed},
		{JSON, `{"a":1}{}`, ErrMalformed},
		{JSON, `{"a":1} x`, ErrMalformed},
		{JSON, `{"a":01}`, ErrMalformed},
		{JSON, `{"a":NaN}`, ErrMalformed},
		{JSON, "{\"a\":\"\xff\"}", ErrMalformed},
		{JSON, `{"a":"\ud800"}`, ErrMalformed},
		{JSON, `{"a":'x'}`, ErrMalformed},
		{JSON, strings.Repeat(`{"a":`, 33) + "1" + strings.Repeat("}", 33), ErrTooDeep},
		{JSON, `{"a":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + "}", ErrTooDeep},
		{JSON, `{"a":"` + strings.Repeat("x", 1<<20) + `"}`, ErrTooLarge},
		{JSON, manyKeysJSON(4097), ErrTooLarge},

		// Limits, exactly at and one past them.
		{small, `{"a":"` + strings.Repeat("x", 24) + `"}`, nil},
		{small, `{"a":"` + strings.Repeat("x", 25) + `"}`, ErrTooLarge},
		{small, `{"a":{"b":1}}`, nil},
		{small, `{"a":{"b":[]}}`, ErrTooDeep},
		{small, `{"a":1,"b":2,"c":3}`, nil},
		{small, `{"a":1,"b":2,"c":3,"d":4}`, ErrTooLarge},
		{small, `{"a":{"b":1,"c":2}}`, nil},
		{small, `{"a":{"b":1,"c":{"d":1}}}`, ErrTooDeep},

		// Valid payloads that do not fit the destination.
		{JSON, `{"exp":"tomorrow"}`, ErrDecode},
		{JSON, `{"exp":12}`, ErrDecode},
		{JSON, `{"sub":12}`, ErrDecode},
		{JSON, `{"aud":"api"}`, ErrDecode},
	}
	for _, tt := range tests {
		var c testClaims
		err := tt.s.Unmarshal([]byte(tt.in), &c)
		if tt.want == nil && err != nil || !errors.Is(err, tt.want) {
			t.Errorf("Unmarshal(%.50q) = %v, want %v", tt.in, err, tt.want)
		}
		var m map[string]any
		if tt.want != ErrDecode {
			err := tt.s.Unmarshal([]byte(tt.in), &m)
			if tt.want == nil && err != nil || !errors.Is(err, tt.want) {
				t.Errorf("Unmarshal(%.50q) into map = %v, want %v", tt.in, err, tt.want)
			}
		}
	}
}

func TestJSONInvalidDestination(t *testing.T) {
	var c testClaims
	for _, v := range []any{nil, c, (*testClaims)(nil)} {
		if err := JSON.Unmarshal([]byte(`{}`), v); !errors.Is(err, ErrDecode) {
			t.Errorf("Unmarshal into %T = %v, want ErrDecode", v, err)
		}
	}
}

func manyKeysJSON(n int) string {
	var b strings.Builder
	b.WriteByte('{')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"k%d":%d`, i, i)
	}
	b.WriteByte('}')
	return b.String()
}

// TestErrorsHaveNoContent checks that no error message quotes the payload,
// even where the underlying library's message would.
func TestErrorsHaveNoContent(t *testing.T) {
	const secret = "s3cr3t"
	type target struct {
		N int       `json:"n"`
		T time.Time `json:"t"`
		B bool      `json:"b"`
	}
	inputs := []string{
		`{"n":"` + secret + `"}`,
		`{"n":123456789123456789123}`,
		`{"t":"` + secret + `"}`,
		`{"b":"` + secret + `"}`,
		`{"` + secret + `":1,"` + secret + `":2}`,
		`{"a":"` + secret + "\x01" + `"}`,
		`{"a":"` + secret + `"}` + secret,
		`["` + secret + `"]`,
	}
	for _, in := range inputs {
		var v target
		err := JSON.Unmarshal([]byte(in), &v)
		if err == nil {
			t.Fatalf("Unmarshal(%q) = nil", in)
		}
		if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "123456789") {
			t.Errorf("Unmarshal(%q) = %q, leaks input", in, err)
		}
	}
}

func TestJSONMarshal(t *testing.T) {
	out, err := JSON.Marshal(wantClaims)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != claimsJSON {
		t.Errorf("Marshal = %s, want %s", out, claimsJSON)
	}

	small, err := NewJSON(JSONConfig{MaxLength: 16, MaxDepth: 2, MaxKeys: 3})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		s    Serializer
		v    any
		want error
	}{
		{JSON, map[string]any{}, nil},
		{JSON, struct{}{}, nil},
		{JSON, &wantClaims, nil},
		{JSON, []int{1}, ErrNotObject},
		{JSON, "x", ErrNotObject},
		{JSON, 1, ErrNotObject},
		{JSON, nil, ErrNotObject},
		{JSON, (*testClaims)(nil), ErrNotObject},
		{JSON, map[string]any{"user": 1, "USER": 2}, ErrDuplicateKey},
		{JSON, map[string]any{"EXP": 2}, ErrMalformed}, // registered claims are case-sensitive
		{JSON, map[string]any{"a": make(chan int)}, ErrEncode},
		{JSON, map[string]any{"a": func() {}}, ErrEncode},
		{JSON, map[string]any{"a": json.RawMessage(`nope`)}, ErrEncode},
		{small, map[string]string{"a": "0123456789"}, ErrTooLarge},
		{small, map[string]any{"a": map[string]any{"b": 1}}, nil},
		{small, map[string]any{"a": map[string]any{"b": []int{}}}, ErrTooDeep},
		{small, map[string]int{"a": 1, "b": 2, "c": 3, "d": 4}, ErrTooLarge},
	}
	for _, tt := range tests {
		_, err := tt.s.Marshal(tt.v)
		if tt.want == nil && err != nil || !errors.Is(err, tt.want) {
			t.Errorf("Marshal(%#v) = %v, want %v", tt.v, err, tt.want)
		}
	}
}

func TestJSONConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				var c testClaims
				if err := JSON.Unmarshal([]byte(claimsJSON), &c); err != nil {
					t.Error(err)
					return
				}
				var m map[string]any
				if err := JSON.Unmarshal([]byte(claimsJSON), &m); err != nil {
					t.Error(err)
					return
				}
				if _, err := JSON.Marshal(m); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func BenchmarkJSONUnmarshal(b *testing.B) {
	data := []byte(claimsJSON)
	b.Run("Struct", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var c testClaims
			if err := JSON.Unmarshal(data, &c); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Struct/json.Unmarshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var c testClaims
			if err := json.Unmarshal(data, &c); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Map", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var m map[string]any
			if err := JSON.Unmarshal(data, &m); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Map/json.Unmarshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var m map[string]any
			if err := json.Unmarshal(data, &m); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkJSONMarshal(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := JSON.Marshal(&wantClaims); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzJSONUnmarshal(f *testing.F) {
	seeds := []string{
		claimsJSON, `{}`, `{"n":12345678901234567890}`, `{"a":[1,2.5e10,-0,true,null,"x"]}`,
		`{"a":{"b":{"c":{}}}}`, `{"exp":1,"EXP":2}`, `{"\u0065":"\u00e9\ud83d\ude00"}`,
		`{"a":"<>&\u2028"}`, `[]`, `{"a":1,}`, "{\"a\":\"\xff\"}",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var v map[string]any
		if err := JSON.Unmarshal(data, &v); err != nil {
			if !isSentinel(err) {
				t.Fatalf("Unmarshal(%q) = %v, which matches no sentinel", data, err)
			}
			return
		}
		out, err := JSON.Marshal(v)
		if err != nil {
			t.Fatalf("Marshal(Unmarshal(%q)): %v", data, err)
		}
		var v2 map[string]any
		if err := JSON.Unmarshal(out, &v2); err != nil {
			t.Fatalf("Unmarshal(Marshal(Unmarshal(%q))) = %v; intermediate %q", data, err, out)
		}
		if !reflect.DeepEqual(v, v2) {
			t.Fatalf("round trip of %q: got %#v, want %#v", data, v2, v)
		}
	})
}

func isSentinel(err error) bool {
	for _, s := range []error{ErrTooLarge, ErrTooDeep, ErrDuplicateKey, ErrNotObject, ErrMalformed, ErrDecode, ErrEncode} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

func TestIsDefaultJSON(t *testing.T) {
	same, _ := NewJSON(JSONConfig{})
	explicit, _ := NewJSON(JSONConfig{MaxLength: DefaultJSONMaxLength, MaxDepth: DefaultJSONMaxDepth, MaxKeys: DefaultJSONMaxKeys})
	other, _ := NewJSON(JSONConfig{MaxKeys: 10})
	for _, tt := range []struct {
		s    Serializer
		want bool
	}{{JSON, true}, {same, true}, {explicit, true}, {other, false}, {CBOR, false}, {nil, false}, {(*jsonSerializer)(nil), false}} {
		if got := IsDefaultJSON(tt.s); got != tt.want {
			t.Errorf("IsDefaultJSON(%v) = %v, want %v", tt.s, got, tt.want)
		}
	}
	saved := JSON
	defer func() { JSON = saved }()
	JSON = other // reassigning the variable changes nothing IsDefaultJSON sees
	if !IsDefaultJSON(saved) || IsDefaultJSON(JSON) {
		t.Fatal("IsDefaultJSON depends on the variable JSON")
	}
}

// TestJSONMatchesUnmarshalClaims checks that paseto.UnmarshalClaims, which
// decodes claims without this package, follows the same rules as JSON and
// returns the same sentinels.
func TestJSONMatchesUnmarshalClaims(t *testing.T) {
	for _, in := range []string{
		claimsJSON,
		`{"sub":"a","SUB":"b"}`,
		`{"EXP":"2026-11-23T19:00:00Z"}`,
		`["not an object"]`,
		`{"sub":1}`,
		`{"a":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`,
		`{"a":"` + strings.Repeat("x", DefaultJSONMaxLength) + `"}`,
		`{"sub":"\xff"}`,
	} {
		var a, b paseto.Claims
		errJSON := JSON.Unmarshal([]byte(in), &a)
		errClaims := paseto.UnmarshalClaims([]byte(in), &b)
		if errJSON == nil {
			if errClaims != nil {
				t.Errorf("%.40q: JSON accepts, UnmarshalClaims: %v", in, errClaims)
			}
			continue
		}
		if !errors.Is(errClaims, paseto.ErrInvalidClaims) {
			t.Errorf("%.40q: UnmarshalClaims = %v, want ErrInvalidClaims", in, errClaims)
		}
		for _, sentinel := range []error{ErrTooLarge, ErrTooDeep, ErrDuplicateKey, ErrNotObject, ErrMalformed, ErrDecode} {
			if errors.Is(errJSON, sentinel) != errors.Is(errClaims, sentinel) {
				t.Errorf("%.40q: JSON: %v; UnmarshalClaims: %v", in, errJSON, errClaims)
			}
		}
	}
}
