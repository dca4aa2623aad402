package flaskjson

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"
)

// The tagged forms below are what Flask's TaggedJSONSerializer.dumps
// writes (pallets/flask src/flask/json/tag.py: TagTuple " t" writes a list,
// TagBytes " b" standard base64, TagMarkup " m" the __html__ text, TagUUID
// " u" UUID.hex, TagDateTime " d" werkzeug.http.http_date, TagDict " di"
// the key suffixed with "__"), compact with separators (",", ":").
func TestParse(t *testing.T) {
	date := time.Date(2015, 10, 21, 7, 28, 0, 0, time.UTC)
	for _, c := range []struct {
		name, in string
		want     map[string]any
	}{
		{"plain", `{"user":"alice","count":5,"ok":true,"n":null,"l":[1,"a"],"o":{"a":1,"b":2}}`,
			map[string]any{"user": "alice", "count": json.Number("5"), "ok": true, "n": nil,
				"l": []any{json.Number("1"), "a"}, "o": map[string]any{"a": json.Number("1"), "b": json.Number("2")}}},
		{"tuple", `{"t":{" t":[1,{" b":"aGk="}]}}`, map[string]any{"t": []any{json.Number("1"), []byte("hi")}}},
		{"bytes", `{"b":{" b":"AAEC/w=="}}`, map[string]any{"b": []byte{0, 1, 2, 255}}},
		{"markup", `{"m":{" m":"<b>hi</b>"}}`, map[string]any{"m": "<b>hi</b>"}},
		{"uuid", `{"u":{" u":"12345678123456781234567812345678"}}`, map[string]any{"u": "12345678-1234-5678-1234-567812345678"}},
		{"uuid forms", `{"u":{" u":"{urn:uuid:ABCDEF00-1234-5678-1234-567812345678}"}}`, map[string]any{"u": "abcdef00-1234-5678-1234-567812345678"}},
		{"datetime", `{"d":{" d":"Wed, 21 Oct 2015 07:28:00 GMT"}}`, map[string]any{"d": date}},
		{"bad datetime is None", `{"d":{" d":"yesterday"}}`, map[string]any{"d": nil}},
		{"dict with a tag key", `{"x":{" di":{" t__":{" t":[1]}}}}`, map[string]any{"x": map[string]any{" t": []any{json.Number("1")}}}},
		{"one-key object without tag", `{"x":{"a":1}}`, map[string]any{"x": map[string]any{"a": json.Number("1")}}},
		{"unknown tag", `{"x":{" z":1}}`, map[string]any{"x": map[string]any{" z": json.Number("1")}}},
		{"nested lists", `{"x":[[{" u":"12345678123456781234567812345678"}]]}`, map[string]any{"x": []any{[]any{"12345678-1234-5678-1234-567812345678"}}}},
		{"duplicate keys keep the last", `{"a":1,"a":2}`, map[string]any{"a": json.Number("2")}},
		{"empty", `{}`, map[string]any{}},
		{"flask-login keys", `{"_fresh":true,"_id":"abc","_user_id":"1"}`, map[string]any{"_fresh": true, "_id": "abc", "_user_id": "1"}},
	} {
		got, err := Parse([]byte(c.in))
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %#v, want %#v", c.name, got, c.want)
		}
	}
}

func TestParseRejects(t *testing.T) {
	for name, in := range map[string]string{
		"not json":         `{`,
		"not an object":    `[1]`,
		"a string":         `"x"`,
		"trailing":         `{} {}`,
		"bad base64":       `{"b":{" b":"***"}}`,
		"bytes not string": `{"b":{" b":1}}`,
		"bad uuid":         `{"u":{" u":"xyz"}}`,
		"uuid not string":  `{"u":{" u":[]}}`,
		"tuple not list":   `{"t":{" t":"ab"}}`,
		"markup not text":  `{"m":{" m":1}}`,
		"date not text":    `{"d":{" d":1}}`,
		"di not object":    `{"x":{" di":1}}`,
		"di two keys":      `{"x":{" di":{"a__":1,"b__":2}}}`,
		"di short key":     `{"x":{" di":{"a":1}}}`,
		"NaN":              `{"x":NaN}`,
		"top-level tag":    `{" t":[1]}`,
	} {
		if _, err := Parse([]byte(in)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := Parse(make([]byte, MaxSize+1)); !errors.Is(err, ErrMalformed) {
		t.Error("oversized payload accepted")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{"user":"alice","count":5}`,
		`{"t":{" t":[1,{" b":"aGk="}]},"d":{" d":"Wed, 21 Oct 2015 07:28:00 GMT"}}`,
		`{"x":{" di":{" t__":{" t":[1]}}}}`,
		`{"u":{" u":"12345678123456781234567812345678"},"m":{" m":"<b>"}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data)
		if err == nil && m == nil {
			t.Fatal("nil map without error")
		}
		if err == nil {
			// What Parse returns must be storable as JSON.
			if _, err := json.Marshal(m); err != nil {
				t.Fatalf("result not encodable: %v", err)
			}
		}
	})
}
