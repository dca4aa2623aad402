package paseto

import (
	"errors"
	"strings"
	"testing"
)

func TestFooterKeyID(t *testing.T) {
	tests := []struct {
		footer string
		kid    string
		want   error
	}{
		{"", "", nil},
		{"plain text footer", "", nil},
		{`{}`, "", nil},
		{`{"kid":"k4.pid.abc"}`, "k4.pid.abc", nil},
		{`{"kid":"k4.lid.abc","wpk":"x"}`, "k4.lid.abc", nil},
		{`{"kid":"gandalf0"}`, "gandalf0", nil},
		{`{"kid":""}`, "", nil},
		{`{"kid":"a\"b"}`, `a"b`, nil},
		{`{"kid":"a\u0062"}`, "ab", nil},
		{`{"kid":"é"}`, "é", nil},
		{"{\"kid\":\"a\x01\"}", "", ErrInvalidFooter},
		{"{\"kid\":\"\xff\"}", "", ErrInvalidFooter},
		{`{"kid":"a"} `, "a", nil},
		{`{"kid":"a"}}`, "", ErrInvalidFooter},
		{`{"kid":"a","b":"c"}`, "a", nil},
		{`{"KID":"k4.pid.abc"}`, "", ErrInvalidFooter},         // a case variant of kid is refused, not "no kid"
		{`{"\u212aid":"k4.local.AAAA"}`, "", ErrInvalidFooter}, // Kelvin sign folds to k
		{` {"kid":"k4.pid.abc"}`, "k4.pid.abc", nil},           // white space before the object
		{"\n{\"kid\":\"k4.local.AAAA\"}", "", ErrKeyInFooter},
		{`{"kid":1}`, "", ErrInvalidFooter},
		{`{"kid":"a","kid":"b"}`, "", ErrInvalidFooter},
		{`{"kid":"a","KID":"b"}`, "", ErrInvalidFooter},
		{`{"kid":{"x":1}}`, "", ErrInvalidFooter}, // depth 2 over the default of 1
		{`{"kid":"k4.local.AAAA"}`, "", ErrKeyInFooter},
		{`{"kid":"k4.secret.AAAA"}`, "", ErrKeyInFooter},
		{`{"kid":"k4.public.AAAA"}`, "", ErrKeyInFooter},
		{`{"kid":"k3.seal.AAAA"}`, "", ErrKeyInFooter},
		{`{"kid":"k2.local-wrap.pie.AAAA"}`, "", ErrKeyInFooter},
		{`{"kid":"k4.pid.x"`, "", ErrInvalidFooter},
		{`{"a":"` + strings.Repeat("x", DefaultMaxFooterJSONLength) + `"}`, "", ErrInvalidFooter},
	}
	for _, tt := range tests {
		kid, err := FooterKeyID([]byte(tt.footer))
		if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) || kid != tt.kid {
			t.Errorf("%.40q: got %q, %v; want %q, %v", tt.footer, kid, err, tt.kid, tt.want)
		}
	}
	var many strings.Builder
	many.WriteString("{")
	for i := 0; i <= DefaultMaxFooterJSONKeys; i++ {
		if i > 0 {
			many.WriteString(",")
		}
		many.WriteString(`"k` + strings.Repeat("x", i) + `":1`)
	}
	many.WriteString("}")
	if _, err := FooterKeyID([]byte(many.String())); !errors.Is(err, ErrInvalidFooter) {
		t.Errorf("too many keys: %v", err)
	}
	// The plain {"kid":"…"} form skips the decoder, not the limits.
	short := FooterLimits{MaxLength: 16}
	if kid, err := short.KeyID([]byte(`{"kid":"k4.pid.abc"}`)); !errors.Is(err, ErrInvalidFooter) || kid != "" {
		t.Errorf("plain footer over MaxLength: %q %v", kid, err)
	}
	if kid, err := short.KeyID([]byte(`{"kid":"abc"}`)); err != nil || kid != "abc" {
		t.Errorf("plain footer within MaxLength: %q %v", kid, err)
	}
	deep := FooterLimits{MaxDepth: 2}
	if kid, err := deep.KeyID([]byte(`{"kid":"a","x":{"y":1}}`)); err != nil || kid != "a" {
		t.Errorf("configured depth: %q %v", kid, err)
	}
}

func TestUnmarshalFooter(t *testing.T) {
	var f struct {
		KID string `json:"kid"`
		N   int    `json:"n"`
	}
	if err := UnmarshalFooter([]byte(`{"kid":"a","n":3}`), &f); err != nil || f.KID != "a" || f.N != 3 {
		t.Fatalf("%+v %v", f, err)
	}
	if err := UnmarshalFooter([]byte(`{"n":"3"}`), &f); !errors.Is(err, ErrInvalidFooter) {
		t.Fatal(err)
	}
}
