package issuer

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/pasetokit/pasetokit/internal/strictjson"
)

const allClaims = claimISS | claimIAT | claimNBF | claimEXP | claimJTI

func TestScanObject(t *testing.T) {
	tests := []struct {
		in         string
		end        int // -1: error
		top, total int
		name       string
	}{
		{`{}`, 1, 0, 0, ""},
		{` { } `, 3, 0, 0, ""},
		{`{"a":1}`, 6, 1, 1, ""},
		{`{"a":1,"exp":2}`, 14, 2, 2, "exp"},
		{"{ \"a\" : [1,{\"exp\":\"}:\"}] ,\n\"b\":null }", 34, 2, 3, ""},
		{`{"a":"\"exp\":","IAT":true}`, 25, 2, 2, "iat"},
		{`{"\u006a\u0074\u0069":1}`, 23, 1, 1, "jti"},
		{`{"ſub":1,"iſs":2}`, 19, 2, 2, "iss"},
		{`{"a":{"b":{"c":[[]]}},"nbf":-1.5e3}`, 35, 2, 4, "nbf"},
		{`{"exp":1,"jti":2}`, 16, 2, 2, "exp"},
		{`[]`, -1, 0, 0, ""},
		{`"x"`, -1, 0, 0, ""},
		{``, -1, 0, 0, ""},
		{`{`, -1, 0, 0, ""},
		{`{"a`, -1, 0, 0, ""},
		{`{"a"`, -1, 0, 0, ""},
		{`{"a":`, -1, 0, 0, ""},
		{`{"a":1`, -1, 0, 0, ""},
		{`{"a":1,`, -1, 0, 0, ""},
		{`{"a":[1`, -1, 0, 0, ""},
		{`{"a":"x`, -1, 0, 0, ""},
		{`{"a":1}x`, -1, 0, 0, ""},
		{`{a:1}`, -1, 0, 0, ""},
		{`{"a" 1}`, -1, 0, 0, ""},
		{`{"a":}`, -1, 0, 0, ""},
		{`{"\u00":1}`, -1, 0, 0, ""},
	}
	for _, tt := range tests {
		sc, err := scanObject([]byte(tt.in), allClaims)
		if tt.end < 0 {
			if err == nil {
				t.Errorf("%s: no error", tt.in)
			}
			continue
		}
		if tt.end > 0 {
			tt.end = strings.LastIndexByte(tt.in, '}')
		}
		want := objectScan{end: tt.end, top: tt.top, total: tt.total, name: tt.name}
		if err != nil || sc != want {
			t.Errorf("%s: %+v %v, want %+v", tt.in, sc, err, want)
		}
	}
	if _, err := scanObject([]byte(`[1]`), allClaims); !errors.Is(err, ErrNotObject) {
		t.Errorf("array: %v", err)
	}
	// Only the claims being added conflict.
	if sc, _ := scanObject([]byte(`{"exp":1,"jti":2}`), claimJTI); sc.name != "jti" {
		t.Errorf("got %q", sc.name)
	}
	if sc, _ := scanObject([]byte(`{"exp":1,"jti":2}`), claimISS); sc.name != "" {
		t.Errorf("got %q", sc.name)
	}
}

// FuzzScanObject checks scanObject against encoding/json: it never panics,
// and on valid objects it finds the closing brace and the same conflicts.
func FuzzScanObject(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1,"exp":[{"x":"}"}]}`, `{"\u0069at":null}`, ` {"b" : "\\\""} `, `[1]`, `{"a":1`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := scanObject(data, allClaims)
		var m map[string]json.RawMessage
		trimmed := bytes.TrimSpace(data)
		if len(trimmed) == 0 || trimmed[0] != '{' || json.Unmarshal(data, &m) != nil ||
			strictjson.ValidateObject(data, strictjson.Limits{}) != nil {
			return // not what the serializer hands over: only the absence of a panic matters
		}
		if err != nil {
			t.Fatalf("valid object refused: %v", err)
		}
		if data[sc.end] != '}' || len(bytes.TrimSpace(data[sc.end+1:])) != 0 || (sc.top == 0) != (len(m) == 0) {
			t.Fatalf("scan %+v for %d keys", sc, len(m))
		}
		if total := countKeys(t, data); sc.total != total {
			t.Fatalf("total keys %d, want %d", sc.total, total)
		}
		want := ""
		// encoding/json keeps the last of duplicate keys; the serializer
		// refuses duplicates, so compare the set of names only.
		for k := range m {
			for _, c := range claimNames {
				if strings.EqualFold(k, c) {
					want = c
				}
			}
		}
		if (want == "") != (sc.name == "") {
			t.Fatalf("conflict %q, want %q", sc.name, want)
		}
	})
}

// countKeys counts the object keys of a valid JSON document at every depth.
func countKeys(t *testing.T, data []byte) int {
	dec := json.NewDecoder(bytes.NewReader(data))
	n := 0
	var value func() bool
	value = func() bool {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		switch tok {
		case json.Delim('{'):
			for dec.More() {
				if _, err := dec.Token(); err != nil { // the key
					return false
				}
				n++
				if !value() {
					return false
				}
			}
			_, err = dec.Token()
			return err == nil
		case json.Delim('['):
			for dec.More() {
				if !value() {
					return false
				}
			}
			_, err = dec.Token()
			return err == nil
		}
		return true
	}
	if !value() {
		t.Fatal("countKeys: invalid JSON")
	}
	return n
}
