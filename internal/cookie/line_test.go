package cookie

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestLine: a Line writes what http.Cookie.String writes for the same
// cookie, for every kind of template, expiry and deletion, and Overhead is
// the exact length of everything but the value.
func TestLine(t *testing.T) {
	templates := []Cookie{
		{},
		{Name: "__Host-s"},
		{Name: "__Secure-s", Path: "/app", Domain: "example.com", SameSite: http.SameSiteNoneMode, Partitioned: true},
		{Name: "s", Domain: "example.com", SameSite: http.SameSiteStrictMode},
		{Insecure: true, Path: "/a b~"},
	}
	exp := time.Date(2026, 12, 2, 17, 4, 5, 0, time.FixedZone("x", 3600))
	token := "v4.local." + strings.Repeat("Ab-_9", 40) + ".eyJ4Ijox"
	for _, c := range templates {
		tmpl, err := c.Template("session")
		if err != nil {
			t.Fatal(err)
		}
		l := NewLine(tmpl)
		for _, name := range []string{tmpl.Name, tmpl.Name + ".7"} {
			for _, maxAge := range []int{0, 1, 9, 10, 86400, 999999999} {
				want := tmpl
				want.Name, want.Value = name, token
				if maxAge > 0 {
					want.MaxAge, want.Expires = maxAge, exp
				}
				got := string(l.Append(nil, name, token, maxAge, exp))
				if got != want.String() {
					t.Errorf("Append = %q\nwant     %q", got, want.String())
				}
				if n := l.Overhead(name, maxAge) + len(token); n != len(got) {
					t.Errorf("Overhead + value = %d, line is %d bytes", n, len(got))
				}
				if s := l.String(len(got), name, token, maxAge, exp); s != got {
					t.Errorf("String = %q, Append %q", s, got)
				}
			}
			del := tmpl
			del.Name = name
			Expire(&del)
			if got := l.Delete(name); got != del.String() || l.Overhead(name, -1) != len(got) {
				t.Errorf("Delete = %q (Overhead %d)\nwant     %q", got, l.Overhead(name, -1), del.String())
			}
		}
	}
}
