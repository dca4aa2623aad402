package session

import (
	"encoding/json"
	"reflect"
	"testing"
	"unicode/utf8"
)

// slowParse decodes a JSON payload with encoding/json, the reference for
// parseJSONPayload.
func slowParse(b []byte) (payload, bool) {
	var w jsonPayload
	if json.Unmarshal(b, &w) != nil {
		return payload{}, false
	}
	p := payload{ID: w.ID, Created: w.Created, Seen: w.Seen}
	if len(w.Values) > 0 {
		p.Values = map[string]any{}
		for k, v := range w.Values {
			p.Values[k] = v
		}
	}
	for _, f := range w.Flashes {
		p.Flashes = append(p.Flashes, f)
	}
	return p, true
}

func checkParse(t *testing.T, b []byte) {
	if !json.Valid(b) {
		return
	}
	if !utf8.Valid(b) {
		// The codec refuses these before either parser runs.
		if (jsonCodec{}).unmarshal(b, &payload{}) == nil {
			t.Fatalf("codec accepted invalid UTF-8: %q", b)
		}
		return
	}
	var fast payload
	if !parseJSONPayload(b, &fast) {
		return
	}
	slow, ok := slowParse(b)
	if !ok {
		t.Fatalf("fast parser accepted what encoding/json rejects: %q", b)
	}
	norm := func(p payload) payload {
		// Compare raw values by their compact form.
		for k, v := range p.Values {
			p.Values[k] = string(v.(json.RawMessage))
		}
		for i, v := range p.Flashes {
			p.Flashes[i] = string(v.(json.RawMessage))
		}
		return p
	}
	if f, s := norm(fast), norm(slow); !reflect.DeepEqual(f, s) {
		t.Fatalf("fast %#v\nslow %#v\ninput %q", f, s, b)
	}
}

func TestJSONCodecRoundTrip(t *testing.T) {
	vc := jsonCodec{}
	vals := map[string]any{}
	for k, v := range map[string]any{
		"s": "x", "esc\"key\\": "va\"l\u2028", "ü": []any{1, "a", map[string]any{"b": nil}},
		"n": -12.5e3, "t": true, "null": nil, "obj": map[string]any{"a": []int{}, "b": "}]\","},
	} {
		sv, err := vc.store(v)
		if err != nil {
			t.Fatal(err)
		}
		vals[k] = sv
	}
	f1, _ := vc.store("flash,1")
	f2, _ := vc.store(map[string]int{"x": 1})
	p := payload{ID: "abc", Created: 1, Seen: 2, Values: vals, Flashes: []any{f1, f2}}
	b, err := vc.marshal(&p)
	if err != nil {
		t.Fatal(err)
	}
	var fast payload
	if !json.Valid(b) || !parseJSONPayload(b, &fast) {
		t.Fatalf("fast path not taken for %s", b)
	}
	checkParse(t, b)
	var got payload
	if err := vc.unmarshal(b, &got); err != nil || got.ID != "abc" || got.Seen != 2 || len(got.Values) != len(vals) || len(got.Flashes) != 2 {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	for _, in := range []string{
		`{"id":"a","ct":1,"ls":2}`,
		`{"id":"a","ct":1,"ls":2,"v":{}}`,
		`{"id":"a","ct":1,"ls":2,"f":[]}`,
		`{"id":"a", "ct":1}`,
		`{"id":"a","ct":1.5}`,
		`{"id":"a","zz":1}`,
		`{"v":{"a":[1,[2,{"x":"]"}]],"b":"\"}"}}`,
		`{"id":"\u0041","v":{"\u00fc":1}}`,
	} {
		checkParse(t, []byte(in))
	}
}

func FuzzParsePayload(f *testing.F) {
	f.Add([]byte(`{"id":"a","ct":1,"ls":2,"v":{"a":[1,[2,{"x":"]"}]],"b":"\"}"},"f":[1,"x"]}`))
	f.Add([]byte(`{"id":"\u0041","v":{"\u00fc":1}}`))
	f.Fuzz(func(t *testing.T, b []byte) { checkParse(t, b) })
}
