package authscheme

import (
	"strings"
	"testing"
)

func TestValue(t *testing.T) {
	long := strings.Repeat("a", 20)
	for _, c := range []struct {
		name   string
		values []string
		scheme string
		max    int
		tok    string
		found  Found
	}{
		{"none", nil, "Bearer", 0, "", Absent},
		{"two", []string{"Bearer a", "Bearer b"}, "Bearer", 0, "", Ambiguous},
		{"plain", []string{"Bearer abc"}, "Bearer", 0, "abc", Present},
		{"case and spaces", []string{" \tbEaReR   abc \t"}, "Bearer", 0, "abc", Present},
		{"tab after scheme", []string{"Bearer\tabc"}, "Bearer", 0, "", Absent},
		{"other scheme", []string{"Basic abc"}, "Bearer", 0, "", Absent},
		{"prefix of scheme", []string{"Bear abc"}, "Bearer", 0, "", Absent},
		{"scheme alone", []string{"Bearer"}, "Bearer", 0, "", Malformed},
		{"scheme and spaces", []string{"Bearer   "}, "Bearer", 0, "", Malformed},
		{"kelvin", []string{"\u212aey abc"}, "Key", 0, "", Absent},
		{"no scheme", []string{" abc "}, "", 0, "abc", Present},
		{"no scheme empty", []string{"  "}, "", 0, "", Absent},
		{"token too long", []string{"Bearer " + long}, "Bearer", 19, "", TooLong},
		{"token at max", []string{"Bearer " + long}, "Bearer", 20, long, Present},
		{"value too long", []string{"Bearer " + long + strings.Repeat(" ", MaxOverhead)}, "Bearer", 20, "", TooLong},
	} {
		tok, f := Value(c.values, c.scheme, c.max)
		if tok != c.tok || f != c.found {
			t.Errorf("%s: Value = %q, %v; want %q, %v", c.name, tok, f, c.tok, c.found)
		}
	}
}

func FuzzValue(f *testing.F) {
	f.Add("Bearer abc", 0)
	f.Add(" bearer  x ", 3)
	f.Fuzz(func(t *testing.T, v string, max int) {
		tok, found := Value([]string{v}, "Bearer", max)
		if found != Present {
			if tok != "" {
				t.Fatalf("%v with a token %q", found, tok)
			}
			return
		}
		if tok == "" || tok[0] == ' ' || !strings.HasSuffix(TrimOWS(v), tok) {
			t.Fatalf("Value(%q) = %q", v, tok)
		}
		if max > 0 && len(tok) > max {
			t.Fatalf("token of %d bytes over max %d", len(tok), max)
		}
	})
}
