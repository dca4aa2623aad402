package grpcauth_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/grpcauth"
	"github.com/pasetokit/pasetokit/internal/testclock"
	"github.com/pasetokit/pasetokit/issuer"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/verifier"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// service is a server that accepts the tokens of a service key, and an
// issuer of that key.
type service struct {
	clock *testclock.Clock
	iss   *countingIssuer
	addr  string
}

func newService(t *testing.T, withTLS bool) (*service, *grpc.ClientConn) {
	t.Helper()
	clock := testclock.New()
	k := newKeys(t)
	v, err := verifier.New(verifier.Config{
		Keys:      []keyring.Key{k.public},
		Audiences: []string{"accounts"},
		Now:       clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	s := &service{clock: clock, iss: &countingIssuer{iss: newIssuer(t, clock, k.secret)}}
	if !withTLS {
		s.addr = serve(t, grpcauth.Config{Verifier: v}, nil)
		return s, nil
	}
	srvTLS, cliTLS := selfSigned(t)
	s.addr = serve(t, grpcauth.Config{Verifier: v}, srvTLS)
	conn, err := grpc.NewClient(s.addr, grpc.WithTransportCredentials(credentials.NewTLS(cliTLS)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return s, conn
}

func (s *service) creds(t *testing.T, cfg grpcauth.CredentialsConfig) *grpcauth.Credentials {
	t.Helper()
	cfg.TokenIssuer = s.iss
	cfg.Claims = paseto.Claims{Subject: "billing", Audience: paseto.Audience{"accounts"}}
	cfg.Now = s.clock.Now
	c, err := grpcauth.NewCredentials(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// invoke calls Whoami on conn with the given call options.
func invoke(conn *grpc.ClientConn, opts ...grpc.CallOption) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out := new(wrapperspb.StringValue)
	err := conn.Invoke(ctx, methodWhoami, wrapperspb.String("hi"), out, opts...)
	return out.GetValue(), err
}

// TestCredentialsTLS: over TLS, the credentials' token reaches the
// handler; it is reused until RenewBefore before its exp, then renewed.
func TestCredentialsTLS(t *testing.T) {
	s, conn := newService(t, true)
	creds := s.creds(t, grpcauth.CredentialsConfig{Lifetime: time.Minute, RenewBefore: 10 * time.Second})
	if !creds.RequireTransportSecurity() {
		t.Fatal("RequireTransportSecurity() = false by default")
	}
	want := func(issued int64) {
		t.Helper()
		got, err := invoke(conn, grpc.PerRPCCredentials(creds))
		if err != nil || got != "billing" {
			t.Fatalf("got %q, %v", got, err)
		}
		if n := s.iss.n.Load(); n != issued {
			t.Fatalf("%d tokens issued, want %d", n, issued)
		}
	}
	for range 3 {
		want(1)
	}
	// testclock starts on a whole second, so exp is T0+60s and the
	// token is renewed from T0+50s on.
	s.clock.Advance(49*time.Second + 999*time.Millisecond)
	want(1)
	s.clock.Advance(time.Millisecond)
	want(2)
	want(2)
	// Far past the expiry of every token issued so far.
	s.clock.Advance(time.Hour)
	want(3)
}

// TestCredentialsConcurrent: many calls at once when a token is due make
// one token.
func TestCredentialsConcurrent(t *testing.T) {
	s, conn := newService(t, true)
	creds := s.creds(t, grpcauth.CredentialsConfig{})
	for round := int64(1); round <= 2; round++ {
		start := make(chan struct{})
		var wg sync.WaitGroup
		errs := make(chan error, 32)
		for range 32 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if _, err := invoke(conn, grpc.PerRPCCredentials(creds)); err != nil {
					errs <- err
				}
			}()
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if n := s.iss.n.Load(); n != round {
			t.Fatalf("round %d: %d tokens issued", round, n)
		}
		s.clock.Advance(grpcauth.DefaultLifetime) // every token is due
	}
}

// TestCredentialsInsecure: tokens are not sent without TLS unless
// AllowInsecure is set.
func TestCredentialsInsecure(t *testing.T) {
	s, _ := newService(t, false)
	creds := s.creds(t, grpcauth.CredentialsConfig{})

	// grpc-go refuses the connection itself...
	if _, err := grpc.NewClient(s.addr, grpc.WithTransportCredentials(insecure.NewCredentials()), grpc.WithPerRPCCredentials(creds)); err == nil {
		t.Fatal("NewClient accepted insecure transport with credentials that require security")
	}
	// ...and a call with per-call credentials.
	conn := dial(t, s.addr)
	_, err := invoke(conn, grpc.PerRPCCredentials(creds))
	if status.Code(err) != codes.Unauthenticated {
		t.Fatalf("call on an insecure connection: %v", err)
	}
	// The credentials refuse too, whoever calls them.
	if _, err := creds.GetRequestMetadata(context.Background(), "https://"+s.addr); !errors.Is(err, grpcauth.ErrInsecureTransport) {
		t.Fatalf("GetRequestMetadata without transport security: %v", err)
	}
	if n := s.iss.n.Load(); n != 0 {
		t.Fatalf("%d tokens issued for an insecure connection", n)
	}

	// With AllowInsecure, on loopback.
	open := s.creds(t, grpcauth.CredentialsConfig{AllowInsecure: true})
	if open.RequireTransportSecurity() {
		t.Fatal("RequireTransportSecurity() with AllowInsecure")
	}
	conn = dial(t, s.addr, grpc.WithPerRPCCredentials(open))
	if got, err := invoke(conn); err != nil || got != "billing" {
		t.Fatalf("with AllowInsecure: %q, %v", got, err)
	}
}

// TestCredentialsIssueFailure: when a renewal fails, the current token
// serves until its expiry; after that the error is returned.
func TestCredentialsIssueFailure(t *testing.T) {
	s, _ := newService(t, false)
	creds := s.creds(t, grpcauth.CredentialsConfig{AllowInsecure: true, Lifetime: time.Minute, RenewBefore: 30 * time.Second})
	ctx := context.Background()
	md, err := creds.GetRequestMetadata(ctx)
	if err != nil || len(md) != 1 || len(md["authorization"]) < len("Bearer v4.public.") {
		t.Fatalf("%v, %v", md, err)
	}
	s.iss.fail.Store(true)
	s.clock.Advance(45 * time.Second) // due, not expired
	md2, err := creds.GetRequestMetadata(ctx)
	if err != nil || md2["authorization"] != md["authorization"] {
		t.Fatalf("within the margin, after a failed renewal: %v", err)
	}
	s.clock.Advance(15 * time.Second) // expired
	if _, err := creds.GetRequestMetadata(ctx); !errors.Is(err, issuer.ErrInvalidOptions) {
		t.Fatalf("after expiry: %v", err)
	}
	s.iss.fail.Store(false)
	md3, err := creds.GetRequestMetadata(ctx)
	if err != nil || md3["authorization"] == md["authorization"] {
		t.Fatalf("after recovery: %v", err)
	}
}

func TestNewCredentialsConfig(t *testing.T) {
	iss := &countingIssuer{}
	claims := paseto.Claims{Subject: "s"}
	for _, tc := range []struct {
		cfg   grpcauth.CredentialsConfig
		field string
	}{
		{grpcauth.CredentialsConfig{TokenIssuer: iss, Claims: claims}, ""},
		{grpcauth.CredentialsConfig{TokenIssuer: iss, Claims: claims, Lifetime: time.Second, RenewBefore: time.Second - 1}, ""},
		{grpcauth.CredentialsConfig{Claims: claims}, "TokenIssuer"},
		{grpcauth.CredentialsConfig{TokenIssuer: iss}, "Claims"},
		{grpcauth.CredentialsConfig{TokenIssuer: iss, Claims: claims, Lifetime: -time.Minute}, "Lifetime"},
		{grpcauth.CredentialsConfig{TokenIssuer: iss, Claims: claims, Lifetime: time.Millisecond}, "Lifetime"},
		{grpcauth.CredentialsConfig{TokenIssuer: iss, Claims: claims, RenewBefore: -1}, "RenewBefore"},
		{grpcauth.CredentialsConfig{TokenIssuer: iss, Claims: claims, RenewBefore: grpcauth.DefaultLifetime}, "RenewBefore"},
		{grpcauth.CredentialsConfig{TokenIssuer: iss, Claims: claims, Lifetime: time.Minute, RenewBefore: 2 * time.Minute}, "RenewBefore"},
	} {
		_, err := grpcauth.NewCredentials(tc.cfg)
		var ce *grpcauth.ConfigError
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%+v: %v", tc.cfg, err)
		case tc.field != "" && (!errors.As(err, &ce) || ce.Field != tc.field || !errors.Is(err, grpcauth.ErrInvalidConfig)):
			t.Errorf("%+v: got %v, want a ConfigError for %s", tc.cfg, err, tc.field)
		}
	}
	if iss.n.Load() != 0 {
		t.Error("NewCredentials issued a token")
	}
}
