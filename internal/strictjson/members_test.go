package strictjson

import (
	"strings"
	"testing"
)

// TestTopMembers walks validated objects: keys and raw values in order,
// nested values whole, and a stop at an escaped key or when f says so.
func TestTopMembers(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want string // key=value|…
		ok   bool
	}{
		{`{}`, ``, true},
		{` { "a" : 1 , "b":"x\"}" ,"c":{"d":[1,{"e":"]"}]},"f":[],"g":true}`, `a=1 |b="x\"}"|c={"d":[1,{"e":"]"}]}|f=[]|g=true`, true},
		{`{"a":null,"b\u0041":2}`, `a=null`, false},
		{`{"a":1,"stop":2,"c":3}`, `a=1|stop=2`, false},
	} {
		if err := ValidateObject([]byte(tt.in), Limits{}); err != nil {
			t.Fatalf("%s: %v", tt.in, err)
		}
		var got []string
		ok := TopMembers([]byte(tt.in), func(key, value []byte) bool {
			got = append(got, string(key)+"="+string(value))
			return string(key) != "stop"
		})
		if g := strings.Join(got, "|"); g != tt.want || ok != tt.ok {
			t.Errorf("%s: %q %v, want %q %v", tt.in, g, ok, tt.want, tt.ok)
		}
	}
}

func TestOnlyPlainString(t *testing.T) {
	for _, tt := range []struct {
		in, want string
		ok       bool
	}{
		{`{"kid":"k4.pid.abc"}`, "k4.pid.abc", true},
		{`{"kid":""}`, "", true},
		{`{"kid":"a b~"}`, "a b~", true},
		{`{"kid":"a\"b"}`, "", false},
		{`{"kid":"a\\b"}`, "", false},
		{"{\"kid\":\"a\x7fb\"}", "", false},
		{"{\"kid\":\"\xc3\xa9\"}", "", false},
		{`{"kid": "x"}`, "", false},
		{`{"kid":"x"} `, "", false},
		{`{"kid":"x","type":"y"}`, "", false},
		{`{"KID":"x"}`, "", false},
		{`{"kid":1}`, "", false},
		{`{"kid":"`, "", false},
		{``, "", false},
	} {
		s, ok := OnlyPlainString([]byte(tt.in), "kid")
		if ok != tt.ok || string(s) != tt.want {
			t.Errorf("OnlyPlainString(%q) = %q, %v; want %q, %v", tt.in, s, ok, tt.want, tt.ok)
		}
	}
}
