package strictjson

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

const claims = `{"iss":"https://auth.example.com","sub":"user-12345","aud":["api","web"],"exp":"2026-11-23T19:00:00Z","iat":"2026-11-23T18:00:00Z","nbf":"2026-11-23T18:00:00Z","jti":"b4f1c0e2a7d94b3e8f6a1c2d3e4f5a6b","role":"admin","scopes":["read","write"]}`

func TestValidateValid(t *testing.T) {
	tests := []string{
		`{}`,
		`[]`,
		` { } `,
		"\t\r\n[\t\r\n]\t\r\n",
		`0`,
		`-0`,
		`1`,
		`-1`,
		`123`,
		`0.5`,
		`-0.0`,
		`1e5`,
		`1E+5`,
		`1e-5`,
		`-12.34e+056`,
		`12345678901234567890123456789`,
		`true`,
		`false`,
		`null`,
		`""`,
		`"abc"`,
		`"\"\\\/\b\f\n\r\t"`,
		`"\u0000"`,
		`"\u00e9\u00E9"`,
		`"\ud83d\ude00"`,
		`"\uD83D\uDE00"`,
		`"\uFFFD"`,
		"\"\u00e9\u4e16\U0001F600\"",
		"\"\x7f\"",
		`"\u0020"`,
		`[1,"a",true,false,null,{},[]]`,
		`{"a":1,"b":[1,2,{"c":null}],"d":{"e":{"f":"g"}}}`,
		`{"a":{"a":{"a":1}}}`,
		`[{"a":1},{"a":1}]`,
		`{"a":1,"b":2,"ab":3,"ba":4}`,
		`{"":1,"a":2}`,
		`{"a\u0000":1,"a":2}`,
		`{"k":1,"K\u0301":2}`,
		`{"a" : 1 , "b" : 2}`,
		`{"é":1,"e":2}`,
		`{"ß":1,"ss":2}`,
		`{"1":1,"01":2,"1.0":3}`,
		`{"@":1,"` + "`" + `":2}`,
		`{"[":1,"{":2}`,
		claims,
		manyKeys(17, false),
		manyKeys(100, false),
		strings.Repeat("[", 10000) + strings.Repeat("]", 10000),
	}
	for _, tt := range tests {
		if err := Validate([]byte(tt), Limits{}); err != nil {
			t.Errorf("Validate(%.40q) = %v, want nil", tt, err)
		}
		if !json.Valid([]byte(tt)) {
			t.Errorf("json.Valid(%.40q) = false; bad test case", tt)
		}
	}
}

// manyKeys returns an object with n distinct keys. If dup is set, the last
// key case-folds to the first one.
func manyKeys(n int, dup bool) string {
	var b strings.Builder
	b.WriteByte('{')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		if dup && i == n-1 {
			b.WriteString(`"KEY0":0`)
			continue
		}
		fmt.Fprintf(&b, `"key%d":%d`, i, i)
	}
	b.WriteByte('}')
	return b.String()
}

func TestValidateInvalid(t *testing.T) {
	tests := []struct {
		in   string
		want error
	}{
		// Not exactly one value.
		{``, ErrSyntax},
		{` `, ErrSyntax},
		{`{}{}`, ErrSyntax},
		{`{} x`, ErrSyntax},
		{`1 2`, ErrSyntax},
		{`[] ,`, ErrSyntax},
		{"\ufeff{}", ErrSyntax},
		{"{}\x00", ErrSyntax},
		{"\v{}", ErrSyntax},
		{"\f{}", ErrSyntax},
		{"\u00a0{}", ErrSyntax},

		// Structure.
		{`{`, ErrSyntax},
		{`}`, ErrSyntax},
		{`[`, ErrSyntax},
		{`]`, ErrSyntax},
		{`[}`, ErrSyntax},
		{`{]`, ErrSyntax},
		{`[1,]`, ErrSyntax},
		{`[,1]`, ErrSyntax},
		{`[1 2]`, ErrSyntax},
		{`[1,,2]`, ErrSyntax},
		{`{"a":1,}`, ErrSyntax},
		{`{,"a":1}`, ErrSyntax},
		{`{"a"}`, ErrSyntax},
		{`{"a":}`, ErrSyntax},
		{`{"a" 1}`, ErrSyntax},
		{`{"a"::1}`, ErrSyntax},
		{`{"a":1 "b":2}`, ErrSyntax},
		{`{a:1}`, ErrSyntax},
		{`{'a':1}`, ErrSyntax},
		{`{1:1}`, ErrSyntax},
		{`{null:1}`, ErrSyntax},
		{`{"a":1`, ErrSyntax},
		{`{"a":1,`, ErrSyntax},
		{`{"a":`, ErrSyntax},
		{`{"a"`, ErrSyntax},
		{`[1`, ErrSyntax},
		{`[1,`, ErrSyntax},
		{`[[]`, ErrSyntax},
		{`{"a":[}`, ErrSyntax},
		{`[{]}`, ErrSyntax},

		// Literals.
		{`tru`, ErrSyntax},
		{`truex`, ErrSyntax},
		{`True`, ErrSyntax},
		{`fals`, ErrSyntax},
		{`falsey`, ErrSyntax},
		{`nul`, ErrSyntax},
		{`nulll`, ErrSyntax},
		{`NULL`, ErrSyntax},
		{`NaN`, ErrSyntax},
		{`Infinity`, ErrSyntax},
		{`-Infinity`, ErrSyntax},
		{`undefined`, ErrSyntax},

		// Numbers.
		{`-`, ErrSyntax},
		{`+1`, ErrSyntax},
		{`01`, ErrSyntax},
		{`-01`, ErrSyntax},
		{`00`, ErrSyntax},
		{`1.`, ErrSyntax},
		{`.1`, ErrSyntax},
		{`-.1`, ErrSyntax},
		{`1.e5`, ErrSyntax},
		{`1e`, ErrSyntax},
		{`1e+`, ErrSyntax},
		{`1e-`, ErrSyntax},
		{`1ee5`, ErrSyntax},
		{`1.5.5`, ErrSyntax},
		{`0x10`, ErrSyntax},
		{`1_000`, ErrSyntax},
		{`--1`, ErrSyntax},
		{`- 1`, ErrSyntax},
		{`[01]`, ErrSyntax},
		{`{"a":01}`, ErrSyntax},
		{`{"a":-}`, ErrSyntax},

		// Strings.
		{`"`, ErrSyntax},
		{`"abc`, ErrSyntax},
		{`'abc'`, ErrSyntax},
		{`"\"`, ErrSyntax},
		{`"\`, ErrSyntax},
		{`"\a"`, ErrSyntax},
		{`"\x41"`, ErrSyntax},
		{`"\'"`, ErrSyntax},
		{`"\U00000041"`, ErrSyntax},
		{`"\u"`, ErrSyntax},
		{`"\u12"`, ErrSyntax},
		{`"\u12g4"`, ErrSyntax},
		{`"\u-123"`, ErrSyntax},
		{"\"\x00\"", ErrSyntax},
		{"\"\x1f\"", ErrSyntax},
		{"\"\n\"", ErrSyntax},
		{"\"\t\"", ErrSyntax},
		{"{\"a\nb\":1}", ErrSyntax},
		{`"\ud800\u12g4"`, ErrSyntax},
		{`"\ud800`, ErrSyntax},

		// UTF-8 and surrogates.
		{"\"\xff\"", ErrInvalidUTF8},
		{"\"\xc3\"", ErrInvalidUTF8},
		{"\"\xc3(\"", ErrInvalidUTF8},
		{"\"\xc0\xaf\"", ErrInvalidUTF8},         // overlong
		{"\"\xe0\x80\xaf\"", ErrInvalidUTF8},     // overlong
		{"\"\xed\xa0\x80\"", ErrInvalidUTF8},     // encoded surrogate
		{"\"\xf4\x90\x80\x80\"", ErrInvalidUTF8}, // > U+10FFFF
		{"\"\xe4\xb8\"", ErrInvalidUTF8},         // truncated
		{"{\"\xff\":1}", ErrInvalidUTF8},
		{`"\ud800"`, ErrInvalidUTF8},
		{`"\udc00"`, ErrInvalidUTF8},
		{`"\uDFFF"`, ErrInvalidUTF8},
		{`"\ud800x"`, ErrInvalidUTF8},
		{`"\ud800\n"`, ErrInvalidUTF8},
		{`"\ud800\ud800"`, ErrInvalidUTF8},
		{`"\ud800\u0041"`, ErrInvalidUTF8},
		{`"\ude00\ud83d"`, ErrInvalidUTF8},
		{`{"\ud800":1}`, ErrInvalidUTF8},

		// Raw non-ASCII outside strings.
		{"[1,\xff]", ErrSyntax},
		{"{\"a\":1}\xc3\xa9", ErrSyntax},

		// Duplicate keys.
		{`{"a":1,"a":2}`, ErrDuplicateKey},
		{`{"a":1,"b":2,"a":3}`, ErrDuplicateKey},
		{`{"":1,"":2}`, ErrDuplicateKey},
		{`{"a":1,"A":2}`, ErrDuplicateKey},
		{`{"exp":1,"EXP":2}`, ErrDuplicateKey},
		{`{"exp":1,"eXp":2}`, ErrDuplicateKey},
		{`{"\u0061":1,"a":2}`, ErrDuplicateKey},
		{`{"a":1,"\u0061":2}`, ErrDuplicateKey},
		{`{"\u0041":1,"\u0061":2}`, ErrDuplicateKey},
		{`{"\u0065xp":1,"exp":2}`, ErrDuplicateKey},
		{`{"a\/b":1,"a/b":2}`, ErrDuplicateKey},
		{`{"a\"b":1,"a\u0022b":2}`, ErrDuplicateKey},
		{`{"\n":1,"\u000a":2}`, ErrDuplicateKey},
		{`{"\u00e9":1,"é":2}`, ErrDuplicateKey},
		{`{"\u00e9":1,"É":2}`, ErrDuplicateKey},
		{`{"\ud83d\ude00":1,"😀":2}`, ErrDuplicateKey},
		{`{"ǅ":1,"ǆ":2}`, ErrDuplicateKey},
		{`{"ǅ":1,"Ǆ":2}`, ErrDuplicateKey},
		{`{"\u01c5":1,"ǆ":2}`, ErrDuplicateKey},
		{`{"k":1,"K":2}`, ErrDuplicateKey},      // Kelvin sign
		{`{"K":1,"\u212a":2}`, ErrDuplicateKey}, // Kelvin sign
		{`{"s":1,"ſ":2}`, ErrDuplicateKey},      // long s
		{`{"Σ":1,"ς":2}`, ErrDuplicateKey},
		{`{"σ":1,"ς":2}`, ErrDuplicateKey},
		{`{"a":{"b":1,"b":2}}`, ErrDuplicateKey},
		{`[{"a":1},{"b":1,"B":2}]`, ErrDuplicateKey},
		{`{"a":{"x":1},"b":{"y":{"z":[{"q":1,"Q":1}]}}}`, ErrDuplicateKey},
		{`{"a":{"b":{}},"A":1}`, ErrDuplicateKey},
		{`{"a":{"a\u0301":1},"a":1}`, ErrDuplicateKey},
		{manyKeys(17, true), ErrDuplicateKey},
		{manyKeys(100, true), ErrDuplicateKey},
		{`{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"k":11,"l":12,"m":13,"n":14,"o":15,"p":16,"\u0041":17}`, ErrDuplicateKey},
		{`{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"k":11,"l":12,"m":13,"n":14,"o":15,"ǅ":16,"q":17,"ǆ":18}`, ErrDuplicateKey},
		{`{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"k":11,"l":12,"m":13,"n":14,"o":15,"p":16,"q":17,"\u212a":18}`, ErrDuplicateKey},
		{`{"\u00e9":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"k":11,"l":12,"m":13,"n":14,"o":15,"p":16,"q":17,"É":18}`, ErrDuplicateKey},

		// The hard depth limit.
		{strings.Repeat("[", 10001) + strings.Repeat("]", 10001), ErrTooDeep},
		{strings.Repeat(`{"a":`, 10001) + "1" + strings.Repeat("}", 10001), ErrTooDeep},
	}
	for _, tt := range tests {
		err := Validate([]byte(tt.in), Limits{})
		if !errors.Is(err, tt.want) {
			t.Errorf("Validate(%.60q) = %v, want %v", tt.in, err, tt.want)
		}
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Validate(%.60q) = %T, want *SyntaxError", tt.in, err)
		} else if se.Offset < 0 || se.Offset > int64(len(tt.in)) {
			t.Errorf("Validate(%.60q): offset %d out of range", tt.in, se.Offset)
		}
		if tt.want == ErrSyntax && json.Valid([]byte(tt.in)) {
			t.Errorf("json.Valid(%.60q) = true; bad test case", tt.in)
		}
	}
}

func TestErrorOffset(t *testing.T) {
	tests := []struct {
		in   string
		want int64
	}{
		{`{"a":1,"a":2}`, 7},
		{`{"a":1, "b":x}`, 12},
		{"[\"ab\xffc\"]", 4},
		{`[1,2]]`, 5},
		{`  `, 2},
	}
	for _, tt := range tests {
		err := Validate([]byte(tt.in), Limits{})
		var se *SyntaxError
		if !errors.As(err, &se) || se.Offset != tt.want {
			t.Errorf("Validate(%q) = %v, want offset %d", tt.in, err, tt.want)
		}
	}
}

func TestErrorHasNoContent(t *testing.T) {
	secret := "s3cr3t-value"
	inputs := []string{
		`{"` + secret + `":1,"` + secret + `":2}`,
		`{"a":"` + secret + "\x00" + `"}`,
		`{"a":"` + secret + "\xff" + `"}`,
		`{"a":` + secret + `}`,
		`{"a":"` + secret + `"} ` + secret,
	}
	for _, in := range inputs {
		err := Validate([]byte(in), Limits{})
		if err == nil {
			t.Fatalf("Validate(%q) = nil", in)
		}
		if strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("error %q leaks input", err)
		}
	}
	if got := (&SyntaxError{Offset: 3}).Error(); got == "" {
		t.Error("SyntaxError with nil Err has empty message")
	}
}

func TestValidateObject(t *testing.T) {
	tests := []struct {
		in   string
		want error
	}{
		{`{}`, nil},
		{` {"a":[1]} `, nil},
		{claims, nil},
		{`[]`, ErrNotObject},
		{`[{}]`, ErrNotObject},
		{`"{}"`, ErrNotObject},
		{`1`, ErrNotObject},
		{`null`, ErrNotObject},
		{`true`, ErrNotObject},
		{``, ErrSyntax},
		{`{`, ErrSyntax},
		{`{}[]`, ErrSyntax},
		{`[`, ErrSyntax},
		{`{"a":1,"a":1}`, ErrDuplicateKey},
	}
	for _, tt := range tests {
		err := ValidateObject([]byte(tt.in), Limits{})
		if tt.want == nil && err != nil || !errors.Is(err, tt.want) {
			t.Errorf("ValidateObject(%q) = %v, want %v", tt.in, err, tt.want)
		}
	}
}

func TestLimits(t *testing.T) {
	tests := []struct {
		in   string
		lim  Limits
		want error
	}{
		// MaxLength counts every byte, whitespace included.
		{`{"a":1}`, Limits{MaxLength: 7}, nil},
		{`{"a":1}`, Limits{MaxLength: 6}, ErrTooLong},
		{` {"a":1} `, Limits{MaxLength: 9}, nil},
		{` {"a":1} `, Limits{MaxLength: 8}, ErrTooLong},
		{`1`, Limits{MaxLength: 1}, nil},
		{``, Limits{MaxLength: 1}, ErrSyntax},
		// The length is checked before anything else.
		{`{"a":1,"a":1}`, Limits{MaxLength: 5}, ErrTooLong},
		{`xxxxxxxx`, Limits{MaxLength: 5}, ErrTooLong},

		// MaxDepth.
		{`1`, Limits{MaxDepth: 1}, nil},
		{`{}`, Limits{MaxDepth: 1}, nil},
		{`{"a":1}`, Limits{MaxDepth: 1}, nil},
		{`{"a":{}}`, Limits{MaxDepth: 1}, ErrTooDeep},
		{`{"a":[]}`, Limits{MaxDepth: 1}, ErrTooDeep},
		{`[[]]`, Limits{MaxDepth: 1}, ErrTooDeep},
		{`{"a":{"b":1}}`, Limits{MaxDepth: 2}, nil},
		{`{"a":{"b":[1]}}`, Limits{MaxDepth: 2}, ErrTooDeep},
		{`{"a":{"b":[1]}}`, Limits{MaxDepth: 3}, nil},
		{`[{},{},[],{"a":[]}]`, Limits{MaxDepth: 3}, nil},
		{`[{},{},[],{"a":[]}]`, Limits{MaxDepth: 2}, ErrTooDeep},
		{strings.Repeat("[", 32) + strings.Repeat("]", 32), Limits{MaxDepth: 32}, nil},
		{strings.Repeat("[", 33) + strings.Repeat("]", 33), Limits{MaxDepth: 32}, ErrTooDeep},
		{strings.Repeat("[", 10000) + strings.Repeat("]", 10000), Limits{MaxDepth: 20000}, nil},
		{strings.Repeat("[", 10001) + strings.Repeat("]", 10001), Limits{MaxDepth: 20000}, ErrTooDeep},

		// MaxKeys counts keys at every depth.
		{`{}`, Limits{MaxKeys: 1}, nil},
		{`{"a":1}`, Limits{MaxKeys: 1}, nil},
		{`{"a":1,"b":2}`, Limits{MaxKeys: 1}, ErrTooManyKeys},
		{`{"a":{"b":1}}`, Limits{MaxKeys: 1}, ErrTooManyKeys},
		{`{"a":{"b":1}}`, Limits{MaxKeys: 2}, nil},
		{`[{"a":1},{"a":1},{"a":1}]`, Limits{MaxKeys: 3}, nil},
		{`[{"a":1},{"a":1},{"a":1}]`, Limits{MaxKeys: 2}, ErrTooManyKeys},
		{`["a","b","c"]`, Limits{MaxKeys: 1}, nil},
		{manyKeys(100, false), Limits{MaxKeys: 100}, nil},
		{manyKeys(100, false), Limits{MaxKeys: 99}, ErrTooManyKeys},

		// All at once, exactly at the limits.
		{claims, Limits{MaxLength: len(claims), MaxDepth: 2, MaxKeys: 9}, nil},
		{claims, Limits{MaxLength: len(claims) - 1, MaxDepth: 2, MaxKeys: 9}, ErrTooLong},
		{claims, Limits{MaxLength: len(claims), MaxDepth: 1, MaxKeys: 9}, ErrTooDeep},
		{claims, Limits{MaxLength: len(claims), MaxDepth: 2, MaxKeys: 8}, ErrTooManyKeys},

		// Negative limits reject everything.
		{`1`, Limits{MaxLength: -1}, ErrTooLong},
		{`1`, Limits{MaxDepth: -1}, ErrTooDeep},
		{`1`, Limits{MaxKeys: -1}, ErrTooManyKeys},
	}
	for _, tt := range tests {
		err := Validate([]byte(tt.in), tt.lim)
		if tt.want == nil && err != nil || !errors.Is(err, tt.want) {
			t.Errorf("Validate(%.40q, %+v) = %v, want %v", tt.in, tt.lim, err, tt.want)
		}
	}
}

func TestDeepNesting(t *testing.T) {
	for _, open := range []string{"[", "{\"a\":", "[{\"a\":"} {
		in := []byte(strings.Repeat(open, 1_000_000))
		if err := Validate(in, Limits{}); !errors.Is(err, ErrTooDeep) {
			t.Errorf("Validate(%q * 1e6) = %v, want ErrTooDeep", open, err)
		}
		if err := Validate(in, Limits{MaxDepth: 5}); !errors.Is(err, ErrTooDeep) {
			t.Errorf("Validate(%q * 1e6, MaxDepth 5) = %v, want ErrTooDeep", open, err)
		}
	}
}

func TestFoldKey(t *testing.T) {
	keys := []string{
		"", "a", "A", "b", "ab", "AB", "aB", "k", "K", "\u212a", "s", "S", "ſ",
		"ss", "ß", "ẞ", "ǅ", "ǆ", "Ǆ", "Σ", "σ", "ς", "é", "É", "e\u0301",
		"ΐ", "ΐ", "İ", "ı", "i", "I", "\u0000", "\uFFFD", "😀", "𐐨", "𐐀",
		"exp", "EXP", "Exp", "ex", "expp", "é", "ω", "Ω", "Ω",
	}
	for _, a := range keys {
		for _, b := range keys {
			want := bytes.EqualFold([]byte(a), []byte(b))
			if got := foldKey([]byte(a)) == foldKey([]byte(b)); got != want {
				t.Errorf("foldKey(%q) == foldKey(%q) is %v, want %v", a, b, got, want)
			}
			ascii := isASCII([]byte(a)) && isASCII([]byte(b))
			if got := equalKeys([]byte(a), []byte(b), ascii); got != want {
				t.Errorf("equalKeys(%q, %q) = %v, want %v", a, b, got, want)
			}
		}
	}
}

func TestASCIIFold(t *testing.T) {
	for c := range 128 {
		for d := range 128 {
			a, b := []byte{byte(c)}, []byte{byte(d)}
			if got, want := equalKeys(a, b, true), bytes.EqualFold(a, b); got != want {
				t.Errorf("equalKeys(%q, %q) = %v, want %v", a, b, got, want)
			}
		}
	}
}

func TestUnescape(t *testing.T) {
	tests := []string{
		`abc`, `a\"b`, `\\`, `\/`, `\b\f\n\r\t`, `\u0041\u00e9\u4e16`,
		`\ud83d\ude00x`, `\uD83D\uDE00`, `x\u0000y`,
	}
	for _, tt := range tests {
		var want string
		if err := json.Unmarshal([]byte(`"`+tt+`"`), &want); err != nil {
			t.Fatal(err)
		}
		if got := appendUnescaped(nil, []byte(tt)); string(got) != want {
			t.Errorf("appendUnescaped(%q) = %q, want %q", tt, got, want)
		}
	}
}

func TestAllocations(t *testing.T) {
	if testing.CoverMode() != "" || raceEnabled {
		t.Skip("allocation counts are unreliable under coverage or race")
	}
	inputs := []string{
		claims,
		`{"a":{"b":{"c":[1,2,{"d":"e"}]}},"f":"\u00e9\n"}`,
		`{"\u0065xp":1,"n\u00e9":2,"a":{"\t":3}}`,
	}
	for _, in := range inputs {
		data := []byte(in)
		allocs := testing.AllocsPerRun(100, func() {
			if err := ValidateObject(data, Limits{MaxLength: 1 << 20, MaxDepth: 32, MaxKeys: 100}); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("ValidateObject(%q) allocates %v times, want 0", in, allocs)
		}
	}
}

func BenchmarkValidate(b *testing.B) {
	benchmarks := []struct {
		name string
		in   string
	}{
		{"Claims", claims},
		{"ClaimsEscaped", `{"\u0069ss":"https:\/\/auth.example.com","sub":"user-12345","aud":["api","web"],"exp":"2026-11-23T19:00:00Z","iat":"2026-11-23T18:00:00Z","nbf":"2026-11-23T18:00:00Z","jti":"b4f1c0e2a7d94b3e8f6a1c2d3e4f5a6b","r\u00f4le":"admin","scopes":["read","write"]}`},
		{"Keys100", manyKeys(100, false)},
	}
	for _, bb := range benchmarks {
		data := []byte(bb.in)
		b.Run(bb.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if err := Validate(data, Limits{MaxLength: 1 << 20, MaxDepth: 32, MaxKeys: 4096}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	// For comparison: encoding/json's validating scanner, which does not
	// check duplicates or UTF-8.
	b.Run("Claims/json.Valid", func(b *testing.B) {
		data := []byte(claims)
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			if !json.Valid(data) {
				b.Fatal("invalid")
			}
		}
	})
}

func FuzzValidate(f *testing.F) {
	seeds := []string{
		claims, `{}`, `[]`, `0`, `-1.5e+3`, `"\ud83d\ude00"`, `{"a":1,"A":2}`,
		`{"\u0061":1,"a":2}`, `{"ǅ":1,"ǆ":2}`, `[1,[2,[3]]]`, `{"a":{"b":{"c":null}}}`,
		`"\ud800"`, "\"\xff\"", `{"a":1,}`, `01`, manyKeys(20, false), manyKeys(20, true),
		`{"k":1,"K":2}`, `  true  `, `nul`, `"\u00e9"`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		err := Validate(data, Limits{})
		if err == nil {
			if !json.Valid(data) {
				t.Fatalf("Validate accepted %q, json.Valid did not", data)
			}
			// Accepted documents decode without loss: every string is
			// valid UTF-8, and no object has case-folded duplicate keys.
			// UseNumber: out-of-range numbers are valid JSON.
			var v any
			d := json.NewDecoder(bytes.NewReader(data))
			d.UseNumber()
			if err := d.Decode(&v); err != nil {
				t.Fatalf("json.Unmarshal(%q): %v", data, err)
			}
			checkDecoded(t, data, v)
		} else {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Offset < 0 || se.Offset > int64(len(data)) {
				t.Fatalf("Validate(%q) = %v: bad error", data, err)
			}
			if errors.Is(err, ErrSyntax) && json.Valid(data) && !deeperThan(data, hardMaxDepth) {
				t.Fatalf("Validate(%q) = %v, but json.Valid accepts it", data, err)
			}
		}

		// ValidateObject agrees with Validate.
		objErr := ValidateObject(data, Limits{})
		switch {
		case err != nil:
			if objErr == nil || objErr.Error() != err.Error() {
				t.Fatalf("ValidateObject(%q) = %v, Validate = %v", data, objErr, err)
			}
		case objErr != nil && !errors.Is(objErr, ErrNotObject):
			t.Fatalf("ValidateObject(%q) = %v, Validate = nil", data, objErr)
		}

		// Limits only ever add errors.
		if err != nil {
			if err2 := Validate(data, Limits{MaxLength: 64, MaxDepth: 3, MaxKeys: 4}); err2 == nil {
				t.Fatalf("Validate(%q) with limits = nil, without = %v", data, err)
			}
		}
	})
}

// checkDecoded checks that the value decoded from an accepted document has
// valid UTF-8 strings and no keys that are equal under case folding.
func checkDecoded(t *testing.T, data []byte, v any) {
	switch v := v.(type) {
	case string:
		if !utf8.ValidString(v) {
			t.Fatalf("%q: decoded string %q is not valid UTF-8", data, v)
		}
	case []any:
		for _, e := range v {
			checkDecoded(t, data, e)
		}
	case map[string]any:
		seen := make(map[string]bool)
		for k, e := range v {
			if !utf8.ValidString(k) {
				t.Fatalf("%q: decoded key %q is not valid UTF-8", data, k)
			}
			if seen[foldKey([]byte(k))] {
				t.Fatalf("%q: case-folded duplicate key %q", data, k)
			}
			seen[foldKey([]byte(k))] = true
			checkDecoded(t, data, e)
		}
	}
}

// deeperThan reports whether the syntactically valid JSON in data nests
// deeper than max.
func deeperThan(data []byte, max int) bool {
	depth, inString, escaped := 0, false, false
	for _, c := range data {
		switch {
		case escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case inString:
		case c == '[' || c == '{':
			depth++
			if depth > max {
				return true
			}
		case c == ']' || c == '}':
			depth--
		}
	}
	return false
}

func FuzzFoldKey(f *testing.F) {
	f.Add("exp", "EXP")
	f.Add("ǅ", "ǆ")
	f.Add("k", "\u212a")
	f.Add("ß", "ss")
	f.Fuzz(func(t *testing.T, a, b string) {
		if !utf8.ValidString(a) || !utf8.ValidString(b) {
			return
		}
		want := bytes.EqualFold([]byte(a), []byte(b))
		if got := foldKey([]byte(a)) == foldKey([]byte(b)); got != want {
			t.Errorf("foldKey(%q) == foldKey(%q) is %v, want %v", a, b, got, want)
		}
		ascii := isASCII([]byte(a)) && isASCII([]byte(b))
		if got := equalKeys([]byte(a), []byte(b), ascii); got != want {
			t.Errorf("equalKeys(%q, %q) = %v, want %v", a, b, got, want)
		}
	})
}

func TestHasSpecial(t *testing.T) {
	check := func(w []byte) {
		t.Helper()
		want := false
		for _, c := range w {
			want = want || !plain[c]
		}
		if got := hasSpecial(binary.LittleEndian.Uint64(w)); got != want {
			t.Fatalf("hasSpecial(%q) = %v, want %v", w, got, want)
		}
	}
	for pos := range 8 {
		for c := range 256 {
			for _, fill := range []byte{'a', ' ', '~', '!', '#', '[', ']'} {
				w := bytes.Repeat([]byte{fill}, 8)
				w[pos] = byte(c)
				check(w)
			}
		}
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		var w [8]byte
		for j := range w {
			w[j] = byte(rnd.IntN(0x90))
		}
		check(w[:])
	}
}

func TestExactKeys(t *testing.T) {
	lim := Limits{ExactKeys: []string{"exp", "sub"}}
	tests := []struct {
		in   string
		want error
	}{
		{`{"exp":1,"sub":2}`, nil},
		{`{"EXP":1}`, ErrKeyCase},
		{`{"Sub":1}`, ErrKeyCase},
		{`{"\u0045xp":1}`, ErrKeyCase},
		{`{"ſub":1}`, ErrKeyCase}, // U+017F folds to 's', as encoding/json matches it
		{`{"a":{"EXP":1}}`, nil},  // only the top level is reserved
		{`{"expiry":1,"EX":2}`, nil},
	}
	for _, tt := range tests {
		err := ValidateObject([]byte(tt.in), lim)
		if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
			t.Errorf("%s: got %v, want %v", tt.in, err, tt.want)
		}
	}
}

func TestScanObject(t *testing.T) {
	var keys []string
	info, err := ScanObject([]byte(" {\"a\":1,\"b\\u0022\":{\"c\":[{\"d\":2}]},\"e\":\"}\"} \n"), Limits{}, func(k []byte) error {
		keys = append(keys, string(k))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if info.End != 41 || info.TopKeys != 3 || info.TotalKeys != 5 {
		t.Fatalf("got %+v", info)
	}
	if strings.Join(keys, ",") != `a,b",e` {
		t.Fatalf("keys %q", keys)
	}
	stop := errors.New("stop")
	if _, err := ScanObject([]byte(`{"a":1,"b":2}`), Limits{}, func(k []byte) error {
		if string(k) == "b" {
			return stop
		}
		return nil
	}); err != stop {
		t.Fatalf("callback error: %v", err)
	}
	if _, err := ScanObject([]byte(`[1]`), Limits{}, nil); !errors.Is(err, ErrNotObject) {
		t.Fatalf("array: %v", err)
	}
	if _, err := ScanObject([]byte(`{"a":1,"a":2}`), Limits{}, nil); !errors.Is(err, ErrDuplicateKey) {
		t.Fatalf("duplicate: %v", err)
	}
	if info, err := ScanObject([]byte(`{}`), Limits{}, nil); err != nil || info.End != 1 || info.TopKeys != 0 {
		t.Fatalf("empty: %+v %v", info, err)
	}
}
