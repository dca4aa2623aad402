package httpauth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pasetokit/pasetokit/verifier"
)

func TestCustomSource(t *testing.T) {
	// values reads every X-Gateway-Token line, as a gateway might send it.
	values := func(r *http.Request) ([]string, error) {
		if r.Header.Get("X-Fail") != "" {
			return nil, errors.New("broken")
		}
		return r.Header.Values("X-Gateway-Token"), nil
	}
	src := CustomSource{Name: "gateway", Values: values}
	tests := []struct {
		name    string
		sources []Source
		headers []string
		status  int
		body    string // for 200, else the code
		source  string
	}{
		{"one value", []Source{src}, []string{"X-Gateway-Token: ok1"}, 200, "token:ok1", ""},
		{"pointer", []Source{&src}, []string{"X-Gateway-Token: ok1"}, 200, "token:ok1", ""},
		{"none", []Source{src}, nil, 401, CodeMissing, ""},
		{"empty counts as absent", []Source{src}, []string{"X-Gateway-Token: "}, 401, CodeMissing, ""},
		{"empty and one", []Source{src}, []string{"X-Gateway-Token: ", "X-Gateway-Token: ok2"}, 200, "token:ok2", ""},
		{"two values are ambiguous", []Source{src}, []string{"X-Gateway-Token: ok1", "X-Gateway-Token: ok2"}, 400, CodeAmbiguous, "custom:gateway"},
		{"two equal values are ambiguous", []Source{src}, []string{"X-Gateway-Token: ok1", "X-Gateway-Token: ok1"}, 400, CodeAmbiguous, "custom:gateway"},
		{"error is malformed", []Source{src}, []string{"X-Fail: 1", "X-Gateway-Token: ok1"}, 401, CodeMalformed, "custom:gateway"},
		{"space inside", []Source{src}, []string{"X-Gateway-Token: Bearer ok1"}, 401, CodeMalformed, "custom:gateway"},
		{"control byte", []Source{src}, []string{"X-Gateway-Token: ok\x7f"}, 401, CodeMalformed, "custom:gateway"},
		{"too long", []Source{src}, []string{"X-Gateway-Token: ok" + strings.Repeat("a", 100)}, 401, CodeMalformed, "custom:gateway"},
		{"after the header", []Source{HeaderSource{}, src}, []string{"Authorization: Bearer ok1", "X-Gateway-Token: ok2"}, 200, "token:ok1", ""},
		{"absent lets the next try", []Source{src, HeaderSource{}}, []string{"Authorization: Bearer ok1"}, 200, "token:ok1", ""},
		{"broken ends the search", []Source{src, HeaderSource{}}, []string{"X-Fail: 1", "Authorization: Bearer ok1"}, 401, CodeMalformed, "custom:gateway"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *Error
			m := mustNew(t, Config{Verifier: &fakeVerifier{}, Sources: tt.sources, MaxTokenLength: 64,
				ErrorHandler: func(w http.ResponseWriter, r *http.Request, e *Error) {
					got = e
					DefaultErrorHandler(w, r, e)
				}})
			w := httptest.NewRecorder()
			m.Require(echo).ServeHTTP(w, req("GET", "/", tt.headers...))
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d (%s)", w.Code, tt.status, w.Body)
			}
			if tt.status == 200 {
				if w.Body.String() != tt.body {
					t.Fatalf("body %q, want %q", w.Body, tt.body)
				}
				return
			}
			if got == nil || got.Code != tt.body || got.Source != tt.source {
				t.Fatalf("error %+v, want code %s from %q", got, tt.body, tt.source)
			}
		})
	}
}

func TestCustomSourceConfig(t *testing.T) {
	values := func(*http.Request) ([]string, error) { return nil, nil }
	tests := []struct {
		name    string
		sources []Source
	}{
		{"no name", []Source{CustomSource{Values: values}}},
		{"bad name", []Source{CustomSource{Name: "a\nb", Values: values}}},
		{"no values", []Source{CustomSource{Name: "a"}}},
		{"nil pointer", []Source{(*CustomSource)(nil)}},
		{"twice", []Source{CustomSource{Name: "a", Values: values}, CustomSource{Name: "a", Values: values}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(Config{Verifier: &fakeVerifier{}, Sources: tt.sources}); !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("New: %v", err)
			}
		})
	}
	if _, err := New(Config{Verifier: &fakeVerifier{}, Sources: []Source{CustomSource{Name: "a", Values: values}, CustomSource{Name: "b", Values: values}}}); err != nil {
		t.Fatalf("two custom sources: %v", err)
	}
}

// The raw token in the context is the one the sources found, without the
// scheme, whichever source found it.
func TestRawTokenFrom(t *testing.T) {
	tests := []struct {
		name    string
		sources []Source
		r       *http.Request
		want    string
	}{
		{"bearer", nil, req("GET", "/", "Authorization: Bearer   ok-1"), "ok-1"},
		{"cookie", []Source{CookieSource{Name: "t"}}, req("GET", "/", "Cookie: t=ok-2"), "ok-2"},
		{"query", []Source{QuerySource{Name: "t"}}, req("GET", "/?t=ok-3"), "ok-3"},
		{"bare", []Source{BareHeaderSource{Name: "X-T"}}, req("GET", "/", "X-T: ok-4"), "ok-4"},
		{"anonymous", nil, req("GET", "/"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustNew(t, Config{Verifier: &fakeVerifier{}, Sources: tt.sources})
			var got string
			var ok bool
			m.Optional(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got, ok = RawTokenFrom(r.Context())
				// The context still answers the parent's values and
				// cancellation.
				if r.Context().Value(ctxProbe{}) != "probe" {
					t.Error("parent value lost")
				}
			})).ServeHTTP(httptest.NewRecorder(), tt.r.WithContext(context.WithValue(tt.r.Context(), ctxProbe{}, "probe")))
			if got != tt.want || ok != (tt.want != "") {
				t.Fatalf("RawTokenFrom = %q, %v; want %q", got, ok, tt.want)
			}
		})
	}
}

type ctxProbe struct{}

func TestNewContext(t *testing.T) {
	//lint:ignore SA1012 RawTokenFrom must cope with a nil context.
	if s, ok := RawTokenFrom(nil); ok || s != "" {
		t.Error("nil context")
	}
	parent, cancel := context.WithCancel(context.Background())
	tok := &verifier.Token{KeyID: "k"}
	ctx := NewContextWithRaw(parent, tok, "v4.public.x")
	if _, ok := RawTokenFrom(NewContext(ctx, tok)); ok {
		t.Error("NewContext must not carry the raw token of ctx on")
	}
	if _, ok := RawTokenFrom(NewContextWithRaw(ctx, nil, "x")); ok {
		t.Error("a nil token must hide the raw token")
	}
	if _, ok := TokenFrom(NewContextWithRaw(ctx, nil, "x")); ok {
		t.Error("a nil token must hide the token")
	}
	if got, ok := TokenFrom(ctx); !ok || got != tok {
		t.Error("TokenFrom")
	}
	if got, ok := RawTokenFrom(ctx); !ok || got != "v4.public.x" {
		t.Error("RawTokenFrom")
	}
	child, stop := context.WithCancel(ctx)
	defer stop()
	cancel()
	<-child.Done() // cancellation still flows through
}
