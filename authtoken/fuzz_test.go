package authtoken

import (
	"encoding/json"
	"testing"

	"github.com/pasetokit/pasetokit/paseto"
)

// FuzzFooterType feeds arbitrary tokens to footerType, the one parser of
// this package that reads untrusted input before verification: it must
// never panic, and a kind it reports must be the footer's own string.
func FuzzFooterType(f *testing.F) {
	k, err := paseto.GenerateSymmetricKey(paseto.V4)
	if err != nil {
		f.Fatal(err)
	}
	for _, footer := range []string{``, `{"kid":"k4.lid.x"}`, `{"kid":"k4.lid.x","type":"refresh"}`, `{"type":""}`, `{"type":1}`, `{"type":"access"}`, `not json`, `{"type":"a","type":"b"}`, `{"TYPE":"refresh"}`, `{"kid":"k4.pid.\u0041"}`, `{"kid":"a\"b"}`, `{"kid":"k4.pid.x"} `, `{"kid":""}`} {
		tok, err := paseto.Encrypt(k, []byte(`{}`), []byte(footer), nil)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(tok)
	}
	f.Add("v4.local.")
	f.Add("v4.public.AAAA.eyJ0eXBlIjoicmVmcmVzaCJ9")
	f.Fuzz(func(t *testing.T, token string) {
		typ, ok := footerType(token)
		if !ok && typ != "" {
			t.Fatalf("not ok, but kind %q", typ)
		}
		if u, err := paseto.Unverified(token); err == nil && len(u.UnverifiedFooter) > 0 {
			// The shortcut for {"kid":"…"} answers as the decoder does.
			if typ2, ok2 := footerTypeJSON(u.UnverifiedFooter); typ2 != typ || ok2 != ok {
				t.Fatalf("footerType %q %v, through the decoder %q %v", typ, ok, typ2, ok2)
			}
		}
		if typ != "" && typ != "\x00" {
			u, err := paseto.Unverified(token)
			var m map[string]any
			if err != nil || json.Unmarshal(u.UnverifiedFooter, &m) != nil || m["type"] != typ {
				t.Fatalf("kind %q, not the footer's own", typ)
			}
		}
	})
}
