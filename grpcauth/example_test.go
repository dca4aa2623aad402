package grpcauth_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"log"
	"net"
	"time"

	"github.com/pasetokit/pasetokit/grpcauth"
	"github.com/pasetokit/pasetokit/httpauth"
	"github.com/pasetokit/pasetokit/issuer"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/verifier"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

// The package documentation's path for most users, compiled.
func Example_forMostUsers() {
	var (
		v         *verifier.Verifier // the service's verifier
		iss       *issuer.Issuer     // the calling service's issuer
		tlsConfig *tls.Config
	)

	auth, err := grpcauth.New(grpcauth.Config{
		Verifier:    v,
		SkipMethods: []string{"/grpc.health.v1.Health/"},
	})
	if err != nil {
		log.Fatal(err)
	}
	srv := grpc.NewServer(
		grpc.Creds(credentials.NewTLS(tlsConfig)),
		grpc.ChainUnaryInterceptor(auth.Unary()),
		grpc.ChainStreamInterceptor(auth.Stream()),
	)
	_ = srv

	handler := func(ctx context.Context) string {
		// in a handler:
		tok, _ := httpauth.TokenFrom(ctx)
		caller := tok.Claims.Subject
		return caller
	}
	_ = handler

	creds, err := grpcauth.NewCredentials(grpcauth.CredentialsConfig{
		TokenIssuer: iss, // an *issuer.Issuer
		Claims: paseto.Claims{
			Subject:  "billing",
			Audience: paseto.Audience{"https://accounts.example.com"},
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	conn, err := grpc.NewClient("accounts.example.com:443",
		grpc.WithTransportCredentials(credentials.NewTLS(nil)),
		grpc.WithPerRPCCredentials(creds),
	)
	_, _ = conn, err
}

// Example runs a server that requires tokens, with the health service as
// the protected method, and calls it on a loopback address with and without
// credentials. AllowInsecure is set because this loopback test has no TLS;
// a real client keeps the default, which refuses to send tokens without
// TLS.
func Example() {
	// The calling service's key; the server knows its public half.
	secret, _ := paseto.GenerateSecretKey(paseto.V4)
	sk, _ := paserk.Encode(secret)
	pk, _ := paserk.Encode(secret.Public())

	v, err := verifier.New(verifier.Config{
		Keys:      []keyring.Key{{PASERK: pk, Issuer: "billing"}},
		Audiences: []string{"accounts"},
	})
	if err != nil {
		log.Fatal(err)
	}
	auth, err := grpcauth.New(grpcauth.Config{Verifier: v})
	if err != nil {
		log.Fatal(err)
	}
	srv := grpc.NewServer(grpc.ChainUnaryInterceptor(auth.Unary()), grpc.ChainStreamInterceptor(auth.Stream()))
	healthpb.RegisterHealthServer(srv, health.NewServer())
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go func() { _ = srv.Serve(lis) }()
	defer srv.Stop()

	iss, err := issuer.New(issuer.Config{Keys: []keyring.Key{{PASERK: sk}}, Issuer: "billing"})
	if err != nil {
		log.Fatal(err)
	}
	creds, err := grpcauth.NewCredentials(grpcauth.CredentialsConfig{
		TokenIssuer:   iss,
		Claims:        paseto.Claims{Subject: "billing", Audience: paseto.Audience{"accounts"}},
		AllowInsecure: true, // loopback test only
	})
	if err != nil {
		log.Fatal(err)
	}
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	client := healthpb.NewHealthClient(conn)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	res, err := client.Check(ctx, &healthpb.HealthCheckRequest{}, grpc.PerRPCCredentials(creds))
	fmt.Println(res.GetStatus(), err)

	_, err = client.Check(ctx, &healthpb.HealthCheckRequest{})
	fmt.Println(status.Code(err), grpcauth.Reason(err))
	// Output:
	// SERVING <nil>
	// Unauthenticated token_missing
}
