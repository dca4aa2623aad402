package verifier

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

func TestNumericDate(t *testing.T) {
	tests := []struct {
		lit  string
		want int64
		ok   bool
	}{
		{"0", 0, true},
		{"1735689600", 1735689600, true},
		{"253402300799", 253402300799, true},
		{"253402300800", 0, false},
		{"999999999999", 0, false},
		{"9223372036854775808", 0, false},
		{"", 0, false},
		{"-1", 0, false},
		{"-0", 0, false},
		{"+1", 0, false},
		{"01", 0, false},
		{"1.0", 0, false},
		{"1.5", 0, false},
		{"1e9", 0, false},
		{"1E9", 0, false},
	}
	for _, tt := range tests {
		got, ok := numericDate(tt.lit)
		if got != tt.want || ok != tt.ok {
			t.Errorf("numericDate(%q) = %d, %v; want %d, %v", tt.lit, got, ok, tt.want, tt.ok)
		}
	}
}

// FuzzNormalizeNumericDates holds the rewrite to its promise: it never
// panics and never changes its input; what it returns is the input itself,
// or valid JSON equal to the input but for top-level iat, nbf and exp
// numbers turned into the RFC 3339 strings of the same second.
func FuzzNormalizeNumericDates(f *testing.F) {
	for _, s := range []string{
		`{"sub":"a","iat":1735689600,"nbf":1735689600,"exp":1735693200}`,
		`{"exp":"2030-01-01T13:00:00Z","nbf":1893499200}`,
		`{"d":{"exp":1},"exp":[1],"nbf":1.5,"iat":1e9}`,
		`{"exp":-1,"nbf":253402300800,"iat":0}`,
		`{"exp":1,"exp":2}`,
		`{}`, `[]`, `{"exp":1`, `{"exp":1}{"nbf":2}`, ` {"nbf" : 7 } `, "",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		orig := bytes.Clone(in)
		out := normalizeNumericDates(in)
		if !bytes.Equal(in, orig) {
			t.Fatal("input changed")
		}
		if bytes.Equal(out, in) {
			return
		}
		// Numbers as json.Number: valid JSON may hold numbers no float64
		// can (1E700), which the rewrite leaves as they are.
		decode := func(data []byte, v *map[string]any) error {
			d := json.NewDecoder(bytes.NewReader(data))
			d.UseNumber()
			return d.Decode(v)
		}
		var a, b map[string]any
		if !json.Valid(in) || decode(in, &a) != nil {
			t.Fatalf("rewrote invalid JSON %q", in)
		}
		if !json.Valid(out) || decode(out, &b) != nil {
			t.Fatalf("rewrite %q is not JSON", out)
		}
		for _, k := range []string{"iat", "nbf", "exp"} {
			num, isNum := a[k].(json.Number)
			if !isNum {
				continue
			}
			if s, ok := b[k].(string); ok {
				n, nerr := num.Float64()
				p, err := time.Parse(time.RFC3339, s)
				if nerr != nil || err != nil || float64(p.Unix()) != n {
					t.Fatalf("%s: %v became %q", k, n, s)
				}
				a[k] = s
			}
		}
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("rewrite changed more than time claims:\n%q\n%q", in, out)
		}
	})
}
