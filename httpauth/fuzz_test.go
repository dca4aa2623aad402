package httpauth

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pasetokit/pasetokit/internal/authscheme"
	"github.com/pasetokit/pasetokit/verifier"
)

// FuzzExtract runs arbitrary header values, cookies and queries through
// every kind of source and the middleware. Nothing may panic, a token is
// never empty nor longer than its input, and every failure is a known code
// with a 4xx or 503 status.
func FuzzExtract(f *testing.F) {
	f.Add("Bearer v4.public.abc", "paseto=v4.local.x", "token=v4.public.y", "websocket", "Upgrade", "X")
	f.Add("bearer    a", "", "token=a&token=b", "", "", "")
	f.Add("Bearer", "paseto=\"\"", "token=%zz;", "h2c, websocket", "keep-alive,upgrade", "Bearer  ")
	f.Add("BEARER\t x ", "a=b; paseto=c; paseto=d", "t%6fken=Bearer+x", "WebSocket", "UPGRADE", "bearer x")
	f.Add("\u212aearer x", ";;=", "&&=&", ",,,", ",", "\x00")
	sources := []Source{
		WebSocketSource{Header: "X-Ws", Prefix: "Bearer "},
		HeaderSource{},
		HeaderSource{Name: "X-Token"},
		HeaderSource{Name: "X-Typed", Scheme: "PASETO"},
		CookieSource{Name: "paseto"},
		QuerySource{Name: "token"},
	}
	var codes = map[string]bool{}
	for _, c := range classes {
		codes[c.code] = true
	}
	f.Fuzz(func(t *testing.T, auth, cookie, query, upgrade, connection, other string) {
		var got string
		m, err := New(Config{
			Sources:        sources,
			MaxTokenLength: 64,
			Verifier: verifyFunc(func(_ context.Context, tok string, _ []byte) (*verifier.Token, error) {
				got = tok
				if strings.HasPrefix(tok, "ok") {
					return &verifier.Token{}, nil
				}
				return nil, errors.New("no")
			}),
		})
		if err != nil {
			t.Fatal(err)
		}
		r := &http.Request{
			Method: "GET",
			URL:    &url.URL{Path: "/", RawQuery: query},
			Header: http.Header{
				"Authorization": {auth},
				"Cookie":        {cookie},
				"Upgrade":       {upgrade},
				"Connection":    {connection},
				"X-Ws":          {other},
				"X-Token":       []string{other, auth}[:1+len(other)%2],
				"X-Typed":       {other},
			},
		}
		tok, f, at := extract(m.exs, r)
		switch f {
		case present:
			if tok == "" || at < 0 {
				t.Fatalf("present %q at %d", tok, at)
			}
			if len(tok) > max(len(auth), len(cookie), len(query), len(other)) {
				t.Fatalf("token %q longer than its input", tok)
			}
			switch at {
			case 2: // header without a type
				if tok != authscheme.TrimOWS(tok) {
					t.Fatalf("token %q has surrounding whitespace", tok)
				}
			case 1, 3: // typed headers: the spaces after the scheme are skipped
				if tok[0] == ' ' {
					t.Fatalf("token %q starts with a space", tok)
				}
			}
		case absent:
			if tok != "" || at != -1 {
				t.Fatalf("absent %q at %d", tok, at)
			}
		default:
			if tok != "" || at < 0 {
				t.Fatalf("%d %q at %d", f, tok, at)
			}
		}

		// The same request through the middleware.
		w := newDiscard()
		m.Optional(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})).ServeHTTP(w, r)
		if w.status != 0 {
			if w.status < 400 || w.status > 503 {
				t.Fatalf("status %d", w.status)
			}
			if w.status == 401 && w.h.Get("WWW-Authenticate") == "" {
				t.Fatal("401 without a challenge")
			}
		}
		if f == present && len(tok) <= 64 && got != tok {
			t.Fatalf("verifier got %q, extracted %q", got, tok)
		}
		_, err = m.Authenticate(r)
		if c := Code(err); err != nil && !codes[c] {
			t.Fatalf("code %q", c)
		}
	})
}
