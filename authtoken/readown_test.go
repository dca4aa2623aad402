package authtoken

import (
	"errors"
	"testing"

	"github.com/pasetokit/pasetokit/verifier"
)

// readOwnCases are payloads for readOwn: its fast path must answer them as
// the map path does, and the fields must be read by exact name.
var readOwnCases = []struct {
	payload string
	want    own
	err     bool
}{
	{`{"type":"access"}`, own{typ: "access"}, false},
	{`{"type":"access","fresh":true,"fam":"f1","jti":"j"}`, own{typ: "access", fresh: true, fam: "f1"}, false},
	{`{"sub":"u","type":"refresh","fam":"abc"}`, own{typ: "refresh", fam: "abc"}, false},
	{`{"type":"access","fresh":null,"fam":null}`, own{typ: "access"}, false},
	{`{"type":"access","fresh":false}`, own{typ: "access"}, false},
	{` { "type" : "a\u0063cess" } `, own{typ: "access"}, false},
	{`{"typ\u0065":"access"}`, own{typ: "access"}, false},
	{`{"type":"refresh","fam":"f","gen":3}`, own{typ: "refresh", fam: "f", gen: 3, hasGen: true}, false},
	{`{"type":"refresh","gen":18446744073709551615}`, own{typ: "refresh", gen: 1<<64 - 1, hasGen: true}, false},
	{`{"type":"refresh","gen":null}`, own{typ: "refresh", hasGen: true}, false},
	{`{"type":"refresh","Gen":3}`, own{typ: "refresh"}, false},
	{`{"type":"refresh","gen":-1}`, own{}, true},
	{`{"type":"refresh","gen":1.5}`, own{}, true},
	{`{"type":"refresh","gen":"3"}`, own{}, true},
	{`{"type":"refresh","gen":18446744073709551616}`, own{}, true},
	// Other spellings are not the claims.
	{`{"Type":"access"}`, own{}, true},
	{`{"TYPE":"access","fresh":true}`, own{}, true},
	{`{"type":"access","Fresh":true,"FAM":"x"}`, own{typ: "access"}, false},
	{`{"type":"access","FRESH":"not a bool"}`, own{typ: "access"}, false},
	{`{"type":"access","nested":{"fresh":true,"fam":"x"}}`, own{typ: "access"}, false},
	{` { "a" : [ {"type":"x"} , "]}" , 1.5e3 ] , "type"	:	"access" ,
	  "n":null, "fresh" : true , "fam" : "f\"1" } `, own{typ: "access", fresh: true, fam: `f"1`}, false},
	{`{"x":{"y":[[]]},"z":"\\","type":"refresh","fresh":false,"fam":"\u00e9"}`, own{typ: "refresh", fam: "é"}, false},
	{`{"fam":"a","type":"access"}`, own{typ: "access", fam: "a"}, false},
	{`{"type":"access","fresh":true,"num":-0.5}`, own{typ: "access", fresh: true}, false},
	{`{"\u0074ype":"access","fresh":true}`, own{typ: "access", fresh: true}, false},
	// Wrong types, missing or empty type.
	{`{}`, own{}, true},
	{`{"type":""}`, own{}, true},
	{`{"type":null}`, own{}, true},
	{`{"type":1}`, own{}, true},
	{`{"type":["access"]}`, own{}, true},
	{`{"type":"access","fresh":"yes"}`, own{}, true},
	{`{"type":"access","fresh":1}`, own{}, true},
	{`{"type":"access","fam":7}`, own{}, true},
	{`{"type":"access","fam":{}}`, own{}, true},
	// Not a strict JSON object.
	{`{"type":"access","type":"refresh"}`, own{}, true},
	{`{"type":"access","Type":"refresh"}`, own{}, true},
	{`["type","access"]`, own{}, true},
	{`{"type":"access"`, own{}, true},
	{``, own{}, true},
	{"\xa1dtypefaccess", own{}, true}, // CBOR
}

func TestReadOwn(t *testing.T) {
	for _, c := range readOwnCases {
		tok := &verifier.Token{Payload: []byte(c.payload)}
		got, err := readOwn(tok)
		if (err != nil) != c.err || got != c.want {
			t.Errorf("readOwn(%s) = %+v, %v; want %+v, error %v", c.payload, got, err, c.want, c.err)
		}
		if err != nil && !errors.Is(err, ErrWrongType) {
			t.Errorf("readOwn(%s): %v, want ErrWrongType", c.payload, err)
		}
		mgot, merr := readOwnMap(tok)
		if mgot != got || (merr == nil) != (err == nil) {
			t.Errorf("%s: readOwn = %+v, %v; readOwnMap = %+v, %v", c.payload, got, err, mgot, merr)
		}
	}
}

// FuzzReadOwn holds readOwn's fast path to the answers of the map path.
func FuzzReadOwn(f *testing.F) {
	for _, c := range readOwnCases {
		f.Add([]byte(c.payload))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		tok := &verifier.Token{Payload: payload}
		got, err := readOwn(tok)
		want, werr := readOwnMap(tok)
		if got != want || (err == nil) != (werr == nil) {
			t.Fatalf("%q: readOwn = %+v, %v; readOwnMap = %+v, %v", payload, got, err, want, werr)
		}
	})
}

// TestReadOwnAllocs keeps readOwn from going back to decoding the whole
// payload into a map: it runs up to three times per request.
func TestReadOwnAllocs(t *testing.T) {
	tok := &verifier.Token{Payload: []byte(`{"iss":"pasetokit-demo","sub":"test","aud":["a","b"],"exp":"2026-12-02T19:00:00Z","iat":"2026-12-02T18:45:00Z","nbf":"2026-12-02T18:45:00Z","jti":"0123456789abcdef","type":"access","fresh":true,"fam":"family"}`)}
	fast := testing.AllocsPerRun(100, func() { _, _ = readOwn(tok) })
	slow := testing.AllocsPerRun(100, func() { _, _ = readOwnMap(tok) })
	if fast > 6 || fast*5 > slow {
		t.Errorf("readOwn: %v allocations, the map path %v", fast, slow)
	}
}
