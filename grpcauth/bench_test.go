package grpcauth_test

import (
	"context"
	"testing"

	"github.com/pasetokit/pasetokit/grpcauth"
	"github.com/pasetokit/pasetokit/internal/testclock"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/verifier"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// tokenVerifier returns the same token for every call: the benchmarks
// measure what the interceptor adds around Verify.
type tokenVerifier struct{ tok *verifier.Token }

func (v tokenVerifier) Verify(context.Context, string, []byte) (*verifier.Token, error) {
	return v.tok, nil
}

func benchUnary(b *testing.B, v grpcauth.TokenVerifier, token string) {
	auth, err := grpcauth.New(grpcauth.Config{Verifier: v})
	if err != nil {
		b.Fatal(err)
	}
	unary := auth.Unary()
	ctx := metadata.NewIncomingContext(context.Background(), metadata.Pairs("authorization", "Bearer "+token))
	info := &grpc.UnaryServerInfo{FullMethod: methodWhoami}
	handler := func(context.Context, any) (any, error) { return nil, nil }
	b.ReportAllocs()
	for b.Loop() {
		if _, err := unary(ctx, nil, info, handler); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUnaryOverhead: the interceptor around a Verify that costs
// nothing (metadata lookup, Bearer parsing, the context value).
func BenchmarkUnaryOverhead(b *testing.B) {
	benchUnary(b, tokenVerifier{&verifier.Token{KeyID: "k"}}, "v4.public.x")
}

// BenchmarkUnaryVerify: the interceptor with a real v4.public verifier.
func BenchmarkUnaryVerify(b *testing.B) {
	clock := testclock.New()
	k := newKeys(b)
	v, err := verifier.New(verifier.Config{Keys: []keyring.Key{k.public}, Now: clock.Now})
	if err != nil {
		b.Fatal(err)
	}
	benchUnary(b, v, issue(b, newIssuer(b, clock, k.secret), "alice"))
}

// BenchmarkCredentialsReuse: GetRequestMetadata while the token is
// reused (no issue).
func BenchmarkCredentialsReuse(b *testing.B) {
	clock := testclock.New()
	k := newKeys(b)
	creds, err := grpcauth.NewCredentials(grpcauth.CredentialsConfig{
		TokenIssuer:   newIssuer(b, clock, k.secret),
		Claims:        map[string]any{"sub": "billing"},
		AllowInsecure: true,
		Now:           clock.Now,
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := creds.GetRequestMetadata(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
