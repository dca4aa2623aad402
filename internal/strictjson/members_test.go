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
