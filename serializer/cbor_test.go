package serializer

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math"
	"math/big"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// cborHead returns the head of a CBOR item of major type major and
// argument n.
func cborHead(major byte, n int) []byte {
	switch {
	case n < 24:
		return []byte{major<<5 | byte(n)}
	case n < 256:
		return []byte{major<<5 | 24, byte(n)}
	default:
		return []byte{major<<5 | 25, byte(n >> 8), byte(n)}
	}
}

// cborMap returns a CBOR map with n distinct keys "k0", "k1", ...
func cborMap(n int) []byte {
	b := cborHead(5, n)
	for i := range n {
		k := "k" + strings.Repeat("x", i/10) + string(rune('0'+i%10))
		b = append(b, cborHead(3, len(k))...)
		b = append(b, k...)
		b = append(b, 0x01)
	}
	return b
}

// cborArrayIn returns {"a": [n zeros]}.
func cborArrayIn(n int) []byte {
	b := []byte{0xa1, 0x61, 'a'}
	b = append(b, cborHead(4, n)...)
	return append(b, make([]byte, n)...)
}

// cborNested returns a map nested depth levels deep: {"a":{"a":...{}}}.
func cborNested(depth int) []byte {
	var b []byte
	for range depth - 1 {
		b = append(b, 0xa1, 0x61, 'a')
	}
	return append(b, 0xa0)
}

func TestCBORName(t *testing.T) {
	if got := CBOR.Name(); got != "cbor" {
		t.Errorf("CBOR.Name() = %q, want %q", got, "cbor")
	}
}

func TestNewCBOR(t *testing.T) {
	tests := []struct {
		cfg     CBORConfig
		wantErr bool
	}{
		{CBORConfig{}, false},
		{CBORConfig{MaxNestedLevels: 4, MaxArrayElements: 16, MaxMapPairs: 16, MaxLength: 1}, false},
		{CBORConfig{MaxNestedLevels: 65535, MaxArrayElements: math.MaxInt32, MaxMapPairs: math.MaxInt32, MaxLength: math.MaxInt}, false},
		{CBORConfig{MaxNestedLevels: -1}, true},
		{CBORConfig{MaxNestedLevels: 3}, true},
		{CBORConfig{MaxNestedLevels: 65536}, true},
		{CBORConfig{MaxArrayElements: -1}, true},
		{CBORConfig{MaxArrayElements: 15}, true},
		{CBORConfig{MaxArrayElements: math.MaxInt32 + 1}, true},
		{CBORConfig{MaxMapPairs: -1}, true},
		{CBORConfig{MaxMapPairs: 15}, true},
		{CBORConfig{MaxLength: -1}, true},
	}
	for _, tt := range tests {
		s, err := NewCBOR(tt.cfg)
		if (err != nil) != tt.wantErr || (s == nil) != tt.wantErr {
			t.Errorf("NewCBOR(%+v) = %v, %v; want error: %v", tt.cfg, s, err, tt.wantErr)
		}
	}
}

func TestCBORRoundTrip(t *testing.T) {
	out, err := CBOR.Marshal(wantClaims)
	if err != nil {
		t.Fatal(err)
	}
	var c testClaims
	if err := CBOR.Unmarshal(out, &c); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c, wantClaims) {
		t.Errorf("got %+v, want %+v", c, wantClaims)
	}

	// Times are RFC 3339 text in UTC, like in JSON payloads.
	var m map[string]any
	if err := CBOR.Unmarshal(out, &m); err != nil {
		t.Fatal(err)
	}
	if got := m["exp"]; got != "2026-11-23T19:00:00Z" {
		t.Errorf(`m["exp"] = %#v, want "2026-11-23T19:00:00Z"`, got)
	}
	paris := time.FixedZone("CET", 3600)
	out, err = CBOR.Marshal(map[string]any{"t": time.Date(2026, 1, 2, 3, 4, 5, 6, paris)})
	if err != nil {
		t.Fatal(err)
	}
	if want := "a16174" + "78" + "1e" + hex.EncodeToString([]byte("2026-01-02T02:04:05.000000006Z")); hex.EncodeToString(out) != want {
		t.Errorf("Marshal(time) = %x, want %s", out, want)
	}
}

func TestCBORIntegers(t *testing.T) {
	maxUint64 := new(big.Int).SetUint64(math.MaxUint64)
	minNeg := new(big.Int).Sub(big.NewInt(-1), maxUint64) // -2^64, the smallest CBOR integer
	in := map[string]any{
		"small":  int64(-5),
		"int64":  int64(math.MaxInt64),
		"uint64": *maxUint64,
		"minneg": *minNeg,
	}
	out, err := CBOR.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := CBOR.Unmarshal(out, &m); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m, in) {
		t.Errorf("got %#v, want %#v", m, in)
	}
	// 12345678901234567890 does not fit in an int64, but is exact.
	var n map[string]any
	if err := CBOR.Unmarshal(unhex(t, "a1 616e 1b ab54a98ceb1f0ad2"), &n); err != nil {
		t.Fatal(err)
	}
	if got, ok := n["n"].(big.Int); !ok || got.String() != "12345678901234567890" {
		t.Errorf("n = %#v, want big.Int 12345678901234567890", n["n"])
	}
	// Integers beyond the CBOR range cannot be encoded without tags.
	tooBig := new(big.Int).Lsh(big.NewInt(1), 64)
	if _, err := CBOR.Marshal(map[string]any{"n": tooBig}); !errors.Is(err, ErrEncode) {
		t.Errorf("Marshal(2^64) = %v, want ErrEncode", err)
	}
}

func TestCBORDeterministic(t *testing.T) {
	keys := []string{"sub", "iss", "exp", "a", "bb", "aud", "z", "jti", "nbf", "iat", "role"}
	var first []byte
	for i := range 20 {
		// Insert the keys in a different order each time.
		m := make(map[string]any)
		for j := range keys {
			k := keys[(i+j*7)%len(keys)]
			m[k] = map[string]any{"x": j % 3, "y": k, "w": []any{k, 1.5}}
		}
		for j := range keys {
			m[keys[j]].(map[string]any)["x"] = 1
		}
		out, err := CBOR.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = out
		} else if !bytes.Equal(out, first) {
			t.Fatalf("Marshal is not deterministic:\n%x\n%x", first, out)
		}
	}
	// Core Deterministic Encoding sorts keys bytewise by their encoding,
	// so shorter keys come first.
	out, err := CBOR.Marshal(map[string]int{"bb": 1, "a": 2, "c": 3})
	if err != nil {
		t.Fatal(err)
	}
	if want := "a3 6161 02 6163 03 626262 01"; !bytes.Equal(out, unhex(t, want)) {
		t.Errorf("Marshal = %x, want %s", out, want)
	}
	// Shortest forms.
	out, err = CBOR.Marshal(map[string]any{"f": 1.5, "i": int64(1)})
	if err != nil {
		t.Fatal(err)
	}
	if want := "a2 6166 f93e00 6169 01"; !bytes.Equal(out, unhex(t, want)) {
		t.Errorf("Marshal = %x, want %s", out, want)
	}
}

func TestCBORUnmarshalErrors(t *testing.T) {
	small, err := NewCBOR(CBORConfig{MaxNestedLevels: 4, MaxArrayElements: 16, MaxMapPairs: 16, MaxLength: 128})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		s    Serializer
		in   []byte
		want error
	}{
		{"ok", CBOR, unhex(t, "a1 6161 01"), nil},
		{"empty map", CBOR, unhex(t, "a0"), nil},

		{"duplicate key", CBOR, unhex(t, "a2 6161 01 6161 02"), ErrDuplicateKey},
		{"nested duplicate key", CBOR, unhex(t, "a1 6161 a2 6162 01 6162 02"), ErrDuplicateKey},

		{"not a map: int", CBOR, unhex(t, "01"), ErrNotObject},
		{"not a map: array", CBOR, unhex(t, "80"), ErrNotObject},
		{"not a map: text", CBOR, unhex(t, "6161"), ErrNotObject},
		{"not a map: null", CBOR, unhex(t, "f6"), ErrNotObject},
		{"not a map and trailing", CBOR, unhex(t, "01 02"), ErrMalformed},

		{"empty", CBOR, nil, ErrMalformed},
		{"truncated", CBOR, unhex(t, "a1 6161"), ErrMalformed},
		{"truncated text", CBOR, unhex(t, "a1 6161 63 6161"), ErrMalformed},
		{"trailing byte", CBOR, unhex(t, "a1 6161 01 00"), ErrMalformed},
		{"two maps", CBOR, unhex(t, "a0 a0"), ErrMalformed},
		{"indefinite map", CBOR, unhex(t, "bf 6161 01 ff"), ErrMalformed},
		{"indefinite array", CBOR, unhex(t, "a1 6161 9f 01 ff"), ErrMalformed},
		{"indefinite text", CBOR, unhex(t, "a1 6161 7f 6161 ff"), ErrMalformed},
		{"time tag", CBOR, unhex(t, "a1 6161 c1 1a 00000000"), ErrMalformed},
		{"bignum tag", CBOR, unhex(t, "a1 6161 c2 41 01"), ErrMalformed},
		{"self-describe tag", CBOR, unhex(t, "d9d9f7 a0"), ErrMalformed},
		{"invalid UTF-8", CBOR, unhex(t, "a1 6161 61 ff"), ErrMalformed},
		{"invalid UTF-8 key", CBOR, unhex(t, "a1 61 ff 01"), ErrMalformed},
		{"NaN", CBOR, unhex(t, "a1 6161 f9 7e00"), ErrMalformed},
		{"infinity", CBOR, unhex(t, "a1 6161 f9 7c00"), ErrMalformed},
		{"undefined", CBOR, unhex(t, "a1 6161 f7"), ErrMalformed},
		{"simple value", CBOR, unhex(t, "a1 6161 e0"), ErrMalformed},
		{"reserved simple value", CBOR, unhex(t, "a1 6161 f8 18"), ErrMalformed},
		{"break", CBOR, unhex(t, "a1 6161 ff"), ErrMalformed},
		{"reserved additional information", CBOR, unhex(t, "a1 6161 1c"), ErrMalformed},
		{"huge length", CBOR, unhex(t, "a1 6161 7b ffffffffffffffff"), ErrMalformed},
		{"huge map", CBOR, unhex(t, "bb ffffffffffffffff"), ErrMalformed},
		{"long map", CBOR, unhex(t, "b9 0401"), ErrTooLarge},
		{"long array", CBOR, unhex(t, "a1 6161 99 0401"), ErrTooLarge},
		{"unknown field, duplicate key", CBOR, unhex(t, "a1 6178 a2 6162 01 6162 02"), ErrDuplicateKey},
		{"unknown field, invalid UTF-8", CBOR, unhex(t, "a1 6178 81 61 ff"), ErrMalformed},
		{"unknown field, int key", CBOR, unhex(t, "a1 6178 a1 01 02"), ErrMalformed},
		{"unknown field, NaN", CBOR, unhex(t, "a1 6178 81 f9 7e00"), ErrMalformed},
		{"unknown field, tag", CBOR, unhex(t, "a1 6178 81 c1 00"), ErrMalformed},
		{"unknown field, undefined", CBOR, unhex(t, "a1 6178 81 f7"), ErrMalformed},
		{"duplicate key, long map", CBOR, append(cborMap(20)[:len(cborMap(20))-5], 0x63, 'k', 'x', '0', 0x01), ErrDuplicateKey},
		{"duplicate key, non-shortest head", CBOR, unhex(t, "a2 6161 01 7801 61 02"), ErrDuplicateKey},

		{"int key", CBOR, unhex(t, "a1 01 02"), ErrMalformed},
		{"byte string key", CBOR, unhex(t, "a1 4161 02"), ErrMalformed},
		{"array key", CBOR, unhex(t, "a1 80 02"), ErrMalformed},

		{"default depth 16", CBOR, cborNested(16), nil},
		{"default depth 17", CBOR, cborNested(17), ErrTooDeep},
		{"default array 1024", CBOR, cborArrayIn(1024), nil},
		{"default array 1025", CBOR, cborArrayIn(1025), ErrTooLarge},
		{"default map 1024", CBOR, cborMap(1024), nil},
		{"default map 1025", CBOR, cborMap(1025), ErrTooLarge},
		{"default length", CBOR, append(unhex(t, "a1 6161 5a 000ffff8"), make([]byte, 1<<20-8)...), nil},
		{"default length + 1", CBOR, append(unhex(t, "a1 6161 5a 000ffff9"), make([]byte, 1<<20-7)...), ErrTooLarge},

		{"depth 4", small, cborNested(4), nil},
		{"depth 5", small, cborNested(5), ErrTooDeep},
		{"array depth 5", small, unhex(t, "a1 6161 81 81 81 80"), ErrTooDeep},
		{"array 16", small, cborArrayIn(16), nil},
		{"array 17", small, cborArrayIn(17), ErrTooLarge},
		{"map 16", small, cborMap(16), nil},
		{"map 17", small, cborMap(17), ErrTooLarge},
		{"length 128", small, append(unhex(t, "a1 6161 58 7b"), make([]byte, 123)...), nil},
		{"length 129", small, append(unhex(t, "a1 6161 58 7c"), make([]byte, 124)...), ErrTooLarge},
		{"length checked first", small, bytes.Repeat([]byte{0xff}, 129), ErrTooLarge},
	}
	for _, tt := range tests {
		var m map[string]any
		err := tt.s.Unmarshal(tt.in, &m)
		if tt.want == nil && err != nil || !errors.Is(err, tt.want) {
			t.Errorf("%s: Unmarshal(%.40x) = %v, want %v", tt.name, tt.in, err, tt.want)
		}
		if tt.want == ErrDecode {
			continue
		}
		// Any destination gets the same validation.
		var v any
		err = tt.s.Unmarshal(tt.in, &v)
		if tt.want == nil && err != nil || !errors.Is(err, tt.want) {
			t.Errorf("%s: Unmarshal(%.40x) into any = %v, want %v", tt.name, tt.in, err, tt.want)
		}
		var c testClaims
		err = tt.s.Unmarshal(tt.in, &c)
		if tt.want != nil && !errors.Is(err, tt.want) {
			t.Errorf("%s: Unmarshal(%.40x) into struct = %v, want %v", tt.name, tt.in, err, tt.want)
		}
	}
}

// TestCBORLibraryRejectsTrailingData checks the property of the CBOR
// library that Unmarshal relies on.
func TestCBORLibraryRejectsTrailingData(t *testing.T) {
	dm, err := cbor.DecOptions{}.DecMode()
	if err != nil {
		t.Fatal(err)
	}
	var v any
	err = dm.Unmarshal([]byte{0xa0, 0x00}, &v)
	var extra *cbor.ExtraneousDataError
	if !errors.As(err, &extra) {
		t.Errorf("DecMode.Unmarshal with trailing data = %v, want ExtraneousDataError", err)
	}
}

func TestCBORStructs(t *testing.T) {
	type tagged struct {
		A string `cbor:"a"`
		B string `json:"b"`
		C string
	}
	out, err := CBOR.Marshal(tagged{"1", "2", "3"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "a3 6143 6133 6161 6131 6162 6132"; !bytes.Equal(out, unhex(t, want)) {
		t.Errorf("Marshal = %x, want %s", out, want)
	}
	// Field names match exactly: "A" and "c" are unknown fields.
	var got tagged
	if err := CBOR.Unmarshal(unhex(t, "a2 6141 6131 6163 6133"), &got); err != nil {
		t.Fatal(err)
	}
	if got != (tagged{}) {
		t.Errorf("case-insensitive match: got %+v", got)
	}
	// So "sub" and "SUB" are not ambiguous.
	var c testClaims
	if err := CBOR.Unmarshal(unhex(t, "a2 63737562 6178 63535542 6179"), &c); err != nil {
		t.Fatal(err)
	}
	if err := CBOR.Unmarshal(unhex(t, "a2 63737562 6178 63737562 6179"), &c); !errors.Is(err, ErrDuplicateKey) {
		t.Errorf("duplicate key into struct = %v, want ErrDuplicateKey", err)
	}
	if err := CBOR.Unmarshal(unhex(t, "a1 63737562 01"), &c); !errors.Is(err, ErrDecode) {
		t.Errorf("type mismatch = %v, want ErrDecode", err)
	}
	for _, v := range []any{nil, c, (*testClaims)(nil)} {
		if err := CBOR.Unmarshal(unhex(t, "a0"), v); !errors.Is(err, ErrDecode) {
			t.Errorf("Unmarshal into %T = %v, want ErrDecode", v, err)
		}
	}
}

func TestCBORMarshal(t *testing.T) {
	small, err := NewCBOR(CBORConfig{MaxNestedLevels: 4, MaxArrayElements: 16, MaxMapPairs: 16, MaxLength: 16})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		s    Serializer
		v    any
		want error
	}{
		{CBOR, map[string]any{}, nil},
		{CBOR, &wantClaims, nil},
		{CBOR, map[string][]byte{"b": {1, 2}}, nil},
		{CBOR, []int{1}, ErrNotObject},
		{CBOR, "x", ErrNotObject},
		{CBOR, nil, ErrNotObject},
		{CBOR, (*testClaims)(nil), ErrNotObject},
		{CBOR, map[int]string{1: "a"}, ErrEncode},
		{CBOR, map[any]any{1: "a", uint(1): "b"}, ErrEncode},
		{CBOR, map[string]any{"a": math.NaN()}, ErrEncode},
		{CBOR, map[string]any{"a": math.Inf(1)}, ErrEncode},
		{CBOR, map[string]any{"a": make(chan int)}, ErrEncode},
		{CBOR, map[string]any{"a": cbor.Tag{Number: 1, Content: 0}}, ErrEncode},
		{CBOR, map[string]any{"a": "\xff"}, ErrEncode},
		{small, map[string]string{"a": strings.Repeat("x", 13)}, ErrTooLarge},
		{small, map[string]any{"a": map[string]any{"b": map[string]any{"c": []int{}}}}, nil},
		{small, map[string]any{"a": map[string]any{"b": map[string]any{"c": []any{[]int{}}}}}, ErrTooDeep},
		{small, map[string]any{"a": make([]bool, 17)}, ErrTooLarge},
	}
	for _, tt := range tests {
		_, err := tt.s.Marshal(tt.v)
		if tt.want == nil && err != nil || !errors.Is(err, tt.want) {
			t.Errorf("Marshal(%#v) = %v, want %v", tt.v, err, tt.want)
		}
	}
}

func TestCBORErrorsHaveNoContent(t *testing.T) {
	secret := hex.EncodeToString([]byte("s3cr3t"))
	inputs := []string{
		"a2 66" + secret + " 01 66" + secret + " 02", // duplicate key
		"a1 6161 66" + secret + "00",                 // trailing data
		"a1 6161 67" + secret + "ff",                 // invalid UTF-8
	}
	for _, in := range inputs {
		var m map[string]any
		err := CBOR.Unmarshal(unhex(t, in), &m)
		if err == nil {
			t.Fatalf("Unmarshal(%s) = nil", in)
		}
		if strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("Unmarshal(%s) = %q, leaks input", in, err)
		}
	}
	var s struct{ A int }
	if err := CBOR.Unmarshal(unhex(t, "a1 6141 66"+secret), &s); err == nil || strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("type mismatch error %q leaks input", err)
	}
}

func TestCBORConcurrent(t *testing.T) {
	data, err := CBOR.Marshal(wantClaims)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				var c testClaims
				if err := CBOR.Unmarshal(data, &c); err != nil {
					t.Error(err)
					return
				}
				if out, err := CBOR.Marshal(c); err != nil || !bytes.Equal(out, data) {
					t.Errorf("Marshal = %x, %v; want %x", out, err, data)
					return
				}
			}
		})
	}
	wg.Wait()
}

func BenchmarkCBOR(b *testing.B) {
	data, err := CBOR.Marshal(wantClaims)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("Unmarshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var c testClaims
			if err := CBOR.Unmarshal(data, &c); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Marshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := CBOR.Marshal(&wantClaims); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func FuzzCBORUnmarshal(f *testing.F) {
	seeds := []string{
		"a0", "a16161 01", "a2 6161 01 6161 02", "a1 6161 9f 01 ff", "a1 6161 c1 1a 00000000",
		"a1 6161 f9 3e00", "a1 6161 fb 3ff8000000000000", "a1 6161 1b ffffffffffffffff",
		"a1 6161 3b ffffffffffffffff", "a1 6161 43 010203", "a1 6161 82 f5 f6",
		"a1 6161 a1 6162 a0", "a1 6161 f9 8000", "a1 6161 fa 47c35000", "01",
	}
	for _, s := range seeds {
		f.Add(unhex(f, s))
	}
	if b, err := CBOR.Marshal(wantClaims); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var v map[string]any
		if err := CBOR.Unmarshal(data, &v); err != nil {
			if !isSentinel(err) {
				t.Fatalf("Unmarshal(%x) = %v, which matches no sentinel", data, err)
			}
			return
		}
		out, err := CBOR.Marshal(v)
		if err != nil {
			t.Fatalf("Marshal(Unmarshal(%x)): %v", data, err)
		}
		var v2 map[string]any
		if err := CBOR.Unmarshal(out, &v2); err != nil {
			t.Fatalf("Unmarshal(Marshal(Unmarshal(%x))) = %v; intermediate %x", data, err, out)
		}
		if !reflect.DeepEqual(v, v2) {
			t.Fatalf("round trip of %x: got %#v, want %#v", data, v2, v)
		}
		out2, err := CBOR.Marshal(v2)
		if err != nil {
			t.Fatalf("second Marshal: %v", err)
		}
		if !bytes.Equal(out, out2) {
			t.Fatalf("encoding of %x is not deterministic: %x, then %x", data, out, out2)
		}
	})
}
