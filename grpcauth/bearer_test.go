package grpcauth

import (
	"context"
	"strings"
	"testing"

	"github.com/pasetokit/pasetokit/internal/authscheme"
	"github.com/pasetokit/pasetokit/verifier"
)

// TestBearer: the rules of httpauth's "Authorization: Bearer" source,
// applied to gRPC metadata values.
func TestBearer(t *testing.T) {
	long := strings.Repeat("a", 100)
	for _, tc := range []struct {
		vals []string
		tok  string
		f    found
	}{
		{nil, "", absent},
		{[]string{}, "", absent},
		{[]string{"Bearer tok"}, "tok", present},
		{[]string{"bearer tok"}, "tok", present},
		{[]string{"BeArEr tok"}, "tok", present},
		{[]string{"Bearer    tok"}, "tok", present},
		{[]string{" \tBearer tok \t"}, "tok", present},
		{[]string{"Bearer tok with space"}, "tok with space", present}, // the verifier refuses it
		{[]string{"Bearer\ttok"}, "", absent},                          // 1*SP: a tab is not a separator
		{[]string{"Bearer"}, "", malformed},
		{[]string{"Bearer   "}, "", malformed},
		{[]string{"bearer"}, "", malformed},
		{[]string{""}, "", absent},
		{[]string{"   "}, "", absent},
		{[]string{"tok"}, "", absent},
		{[]string{"Basic dXNlcjpwYXNz"}, "", absent},
		{[]string{"Bearerx tok"}, "", absent},
		{[]string{"B\u212Aarer tok"}, "", absent}, // no Unicode folding
		{[]string{"Bearer a", "Bearer b"}, "", ambiguous},
		{[]string{"Bearer a", ""}, "", ambiguous},
		{[]string{"Bearer " + long[:64]}, long[:64], present},
		{[]string{"Bearer " + long[:65]}, "", tooLong},
		{[]string{"Bearer " + strings.Repeat(" ", 200) + "a"}, "", tooLong}, // the value is bounded before the scan
	} {
		tok, f := bearer(tc.vals, 64)
		if tok != tc.tok || f != tc.f {
			t.Errorf("bearer(%q) = %q, %d; want %q, %d", tc.vals, tok, f, tc.tok, tc.f)
		}
	}
}

func FuzzBearer(f *testing.F) {
	for _, s := range []string{"Bearer v4.public.x", "bearer  x ", "Bearer", "Basic x", "", " \t"} {
		f.Add(s, "")
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		vals := []string{a}
		if b != "" {
			vals = append(vals, b)
		}
		tok, f := bearer(vals, 128)
		switch f {
		case present:
			if len(vals) != 1 || tok == "" || len(tok) > 128 || tok[0] == ' ' || !strings.HasSuffix(authscheme.TrimOWS(a), tok) {
				t.Fatalf("bearer(%q) = %q", vals, tok)
			}
			if !authscheme.EqualFoldASCII(authscheme.TrimOWS(a)[:6], "bearer") {
				t.Fatalf("bearer(%q): no Bearer scheme", vals)
			}
		case ambiguous:
			if len(vals) < 2 {
				t.Fatalf("bearer(%q): ambiguous with one value", vals)
			}
		default:
			if tok != "" {
				t.Fatalf("bearer(%q) = %q with state %d", vals, tok, f)
			}
		}
	})
}

type named string

func (n named) Verify(context.Context, string, []byte) (*verifier.Token, error) { return nil, nil }

// TestRoute: a method's own entry wins over its service's, in Methods as
// in SkipMethods; everything else gets Verifier.
func TestRoute(t *testing.T) {
	a, err := New(Config{
		Verifier: named("default"),
		Methods: map[string]TokenVerifier{
			"/a.S/":      named("service"),
			"/a.S/Fresh": named("fresh"),
			"/b.S/Open":  named("open-overridden"),
		},
		SkipMethods: []string{"/b.S/", "/a.S/Health"},
	})
	if err != nil {
		t.Fatal(err)
	}
	for method, want := range map[string]TokenVerifier{
		"/a.S/Get":    named("service"),
		"/a.S/Fresh":  named("fresh"),
		"/a.S/Health": nil,
		"/b.S/Get":    nil,
		"/b.S/Open":   named("open-overridden"),
		"/c.S/Get":    named("default"),
		"/a.S":        named("default"),
		"":            named("default"),
		"/a.S/Get/x":  named("default"),
	} {
		if got := a.route(method); got != want {
			t.Errorf("route(%q) = %v, want %v", method, got, want)
		}
	}
}
