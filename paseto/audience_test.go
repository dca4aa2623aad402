package paseto

import (
	"encoding/json"
	"slices"
	"testing"
)

// audienceByJSON is what UnmarshalJSON gave before plainStrings: a string
// or a list of strings, through encoding/json.
func audienceByJSON(b []byte) ([]string, bool) {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if json.Unmarshal(b, &s) != nil {
			return nil, false
		}
		return []string{s}, true
	}
	var l []string
	if json.Unmarshal(b, &l) != nil {
		return nil, false
	}
	return l, true
}

var audienceCases = []string{
	`"api"`, `""`, `["a","b"]`, `[]`, `[ ]`, ` ["a"]`, `["a"] `, `[ "a" , "b" ]`, "[\"a\",\n\t\"b\"]",
	`["a",]`, `["a" "b"]`, `["a"`, `[`, `"a`, `"a"x`, `["a"]]`, `[,]`, `[null]`, `["a",null]`, `[1]`,
	`["\u00e9"]`, `["é"]`, `"\n"`, "[\"a\x01\"]", `["a\"b"]`, "\"\xff\"", `[["a"]]`, `{}`, `null`, ``,
	`["https://api.example.com","https://admin.example.com"]`,
}

func TestAudienceUnmarshalJSON(t *testing.T) {
	for _, in := range audienceCases {
		want, wantOK := audienceByJSON([]byte(in))
		if l, ok := plainStrings([]byte(in)); ok && (!wantOK || !slices.Equal(l, want) || (l == nil) != (want == nil)) {
			t.Errorf("plainStrings(%q) = %q, encoding/json gives %q, %t", in, l, want, wantOK)
		}
		var a Audience
		err := a.UnmarshalJSON([]byte(in))
		if in == "null" {
			continue
		}
		if (err == nil) != wantOK || !slices.Equal(a, want) {
			t.Errorf("UnmarshalJSON(%q) = %q, %v; encoding/json gives %q, %t", in, a, err, want, wantOK)
		}
	}
	// The fast path must be taken for the common forms.
	for _, in := range []string{`"api"`, `["a","b"]`, `[]`} {
		if _, ok := plainStrings([]byte(in)); !ok {
			t.Errorf("plainStrings(%q) not taken", in)
		}
	}
}

// FuzzAudience holds the fast path to encoding/json: whatever plainStrings
// accepts, encoding/json accepts with the same strings.
func FuzzAudience(f *testing.F) {
	for _, in := range audienceCases {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		l, ok := plainStrings(in)
		if !ok {
			return
		}
		want, wantOK := audienceByJSON(in)
		if !wantOK || !slices.Equal(l, want) || (l == nil) != (want == nil) {
			t.Fatalf("plainStrings(%q) = %q, encoding/json gives %q, %t", in, l, want, wantOK)
		}
	})
}
