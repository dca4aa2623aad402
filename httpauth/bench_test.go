package httpauth

import (
	"context"
	"net/http"
	"testing"

	"github.com/pasetokit/pasetokit/verifier"
)

// discard is a minimal ResponseWriter that keeps the status.
type discard struct {
	h      http.Header
	status int
}

func newDiscard() *discard { return &discard{h: http.Header{}} }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(status int)      { d.status = status }

// instant returns a fixed token at once, so that benchmarks measure the
// middleware alone.
type instant struct{ tok *verifier.Token }

func (v instant) Verify(context.Context, string, []byte) (*verifier.Token, error) {
	return v.tok, nil
}

const benchToken = "v4.public.eyJzdWIiOiJhbGljZSIsImV4cCI6IjIwMzAtMDEtMDFUMDA6MDA6MDBaIn0" +
	"AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdEfGhIjKl" +
	".eyJraWQiOiJrNC5waWQuQWJDZEVmR2hJaktsTW5PcFFyU3RVdld4WXowMTIzNDU2Nzg5LV8ifQ"

// BenchmarkVerifyOnly is the baseline: the bare (fake) Verify call.
func BenchmarkVerifyOnly(b *testing.B) {
	var v TokenVerifier = instant{&verifier.Token{}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if tok, _ := v.Verify(ctx, benchToken, nil); tok == nil {
			b.Fatal("no token")
		}
	}
}

// BenchmarkMiddleware is a request through Require with the default source
// to a handler that reads the token.
func BenchmarkMiddleware(b *testing.B) {
	m, err := New(Config{Verifier: instant{&verifier.Token{}}})
	if err != nil {
		b.Fatal(err)
	}
	h := m.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := TokenFrom(r.Context()); !ok {
			b.Fatal("no token")
		}
	}))
	r := req("GET", "/", "Authorization: Bearer "+benchToken)
	w := newDiscard()
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, r)
	}
}

// BenchmarkMiddlewareSources: the token in a cookie behind a header and a
// query source that find nothing.
func BenchmarkMiddlewareSources(b *testing.B) {
	m, err := New(Config{
		Verifier: instant{&verifier.Token{}},
		Sources:  []Source{HeaderSource{}, QuerySource{Name: "token"}, CookieSource{Name: "paseto"}},
	})
	if err != nil {
		b.Fatal(err)
	}
	h := m.Require(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	r := req("GET", "/?a=b&c=d", "Cookie: theme=dark; paseto="+benchToken)
	w := newDiscard()
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, r)
	}
}

// BenchmarkMiddlewareRejected: a token the verifier rejects, through the
// default error handler.
func BenchmarkMiddlewareRejected(b *testing.B) {
	m, err := New(Config{Verifier: &fakeVerifier{err: verifier.ErrExpired}})
	if err != nil {
		b.Fatal(err)
	}
	h := m.Require(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	r := req("GET", "/", "Authorization: Bearer "+benchToken)
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(newDiscard(), r)
	}
}
