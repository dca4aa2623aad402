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

// fastGetAgrees checks that fastGet, when it answers, answers as
// encoding/json does for the same raw value and type.
func fastGetAgrees[T comparable](t *testing.T, raw string) {
	t.Helper()
	got, ok := fastGet[T](json.RawMessage(raw))
	if !ok {
		return
	}
	var want T
	if err := json.Unmarshal([]byte(raw), &want); err != nil || got != want {
		t.Errorf("fastGet[%T](%s) = %v; encoding/json: %v, %v", want, raw, got, want, err)
	}
}

// TestFastPaths: the values Set stores without encoding/json, and the
// values Get reads without it, are those encoding/json gives.
func TestFastPaths(t *testing.T) {
	raws := []string{`"abc"`, `""`, `"a\"b"`, `"\u00e9"`, `"é"`, `"<&>"`, `0`, `-0`, `42`, `-7`,
		`9223372036854775807`, `-9223372036854775808`, `9223372036854775808`, `1e3`, `1.0`, `true`,
		`false`, `null`, `"true"`, `"42"`, `[]`, `{}`}
	for _, raw := range raws {
		fastGetAgrees[string](t, raw)
		fastGetAgrees[int](t, raw)
		fastGetAgrees[int64](t, raw)
		fastGetAgrees[bool](t, raw)
	}
	m, _ := testManager(t, Config{})
	s := &Session{m: m}
	values := []any{"", "plain", "quote\"back\\slash", "<script>&", "tab\tnewline\n", "é ü 日本", "bad \xff utf8",
		0, -1, 1 << 62, int64(-1 << 63), true, false}
	for i, v := range values {
		stored, err := m.vc.store(v)
		if err != nil {
			t.Fatal(err)
		}
		raw := stored.(json.RawMessage)
		if !json.Valid(raw) {
			t.Fatalf("store(%#v) = %s, not JSON", v, raw)
		}
		want, _ := json.Marshal(v)
		var a, b any
		json.Unmarshal(raw, &a)
		json.Unmarshal(want, &b)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("store(%#v) = %s, decodes unlike encoding/json's %s", v, raw, want)
		}
		key := string(rune('a' + i))
		if err := s.Set(key, v); err != nil {
			t.Fatal(err)
		}
		var ok bool
		switch x := v.(type) {
		case string:
			var got string
			got, ok = Get[string](s, key)
			if x == "bad \xff utf8" {
				x = "bad \ufffd utf8" // as encoding/json stores it
			}
			ok = ok && got == x
		case int:
			var got int
			got, ok = Get[int](s, key)
			ok = ok && got == x
		case int64:
			var got int64
			got, ok = Get[int64](s, key)
			ok = ok && got == x
		case bool:
			var got bool
			got, ok = Get[bool](s, key)
			ok = ok && got == x
		}
		if !ok {
			t.Errorf("Get after Set(%#v) does not give it back", v)
		}
	}
}
