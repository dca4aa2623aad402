package grpcauth_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/grpcauth"
	"github.com/pasetokit/pasetokit/httpauth"
	"github.com/pasetokit/pasetokit/internal/testclock"
	"github.com/pasetokit/pasetokit/issuer"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/store"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// The test service, "test.Echo", is described by hand so that no protoc
// is needed: its messages are protobuf's well-known StringValue. Whoami
// and Fresh answer the subject of the call's token (as the handler reads
// it with httpauth.TokenFrom), or "anonymous"; WhoamiStream sends it
// twice.
const (
	methodWhoami = "/test.Echo/Whoami"
	methodFresh  = "/test.Echo/Fresh"
	methodStream = "/test.Echo/WhoamiStream"
	methodHealth = "/grpc.health.v1.Health/Check"
)

func whoami(ctx context.Context) string {
	tok, ok := httpauth.TokenFrom(ctx)
	if !ok {
		return "anonymous"
	}
	return tok.Claims.Subject
}

func unaryHandler(fullMethod string) func(any, context.Context, func(any) error, grpc.UnaryServerInterceptor) (any, error) {
	return func(srv any, ctx context.Context, dec func(any) error, interceptor grpc.UnaryServerInterceptor) (any, error) {
		in := new(wrapperspb.StringValue)
		if err := dec(in); err != nil {
			return nil, err
		}
		h := func(ctx context.Context, _ any) (any, error) { return wrapperspb.String(whoami(ctx)), nil }
		if interceptor == nil {
			return h(ctx, in)
		}
		return interceptor(ctx, in, &grpc.UnaryServerInfo{Server: srv, FullMethod: fullMethod}, h)
	}
}

var echoDesc = grpc.ServiceDesc{
	ServiceName: "test.Echo",
	HandlerType: (*any)(nil),
	Methods: []grpc.MethodDesc{
		{MethodName: "Whoami", Handler: unaryHandler(methodWhoami)},
		{MethodName: "Fresh", Handler: unaryHandler(methodFresh)},
	},
	Streams: []grpc.StreamDesc{{
		StreamName:    "WhoamiStream",
		ServerStreams: true,
		Handler: func(_ any, stream grpc.ServerStream) error {
			in := new(wrapperspb.StringValue)
			if err := stream.RecvMsg(in); err != nil {
				return err
			}
			for range 2 {
				if err := stream.SendMsg(wrapperspb.String(whoami(stream.Context()))); err != nil {
					return err
				}
			}
			return nil
		},
	}},
}

// serve starts a gRPC server on 127.0.0.1 with the interceptors of cfg,
// the test service and the health service, and returns its address. With
// a non-nil tlsCfg the server speaks TLS. It is stopped at the end of the
// test.
func serve(t *testing.T, cfg grpcauth.Config, tlsCfg *tls.Config) string {
	t.Helper()
	auth, err := grpcauth.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	opts := []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(auth.Unary()),
		grpc.ChainStreamInterceptor(auth.Stream()),
	}
	if tlsCfg != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(tlsCfg)))
	}
	srv := grpc.NewServer(opts...)
	srv.RegisterService(&echoDesc, struct{}{})
	healthpb.RegisterHealthServer(srv, health.NewServer())
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return lis.Addr().String()
}

// dial connects to addr without TLS, with opts added.
func dial(t *testing.T, addr string, opts ...grpc.DialOption) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient(addr, append([]grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// call calls method on conn with an "authorization" metadata value per
// element of auth, and returns the answer.
func call(conn *grpc.ClientConn, method string, auth ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, a := range auth {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", a)
	}
	out := new(wrapperspb.StringValue)
	err := conn.Invoke(ctx, method, wrapperspb.String("hi"), out)
	return out.GetValue(), err
}

// keys holds one v4 key pair as keyring entries.
type keys struct {
	secret, public keyring.Key
}

func newKeys(t testing.TB) keys {
	t.Helper()
	sk, err := paseto.GenerateSecretKey(paseto.V4)
	if err != nil {
		t.Fatal(err)
	}
	s, err := paserk.Encode(sk)
	if err != nil {
		t.Fatal(err)
	}
	p, err := paserk.Encode(sk.Public())
	if err != nil {
		t.Fatal(err)
	}
	return keys{secret: keyring.Key{PASERK: s}, public: keyring.Key{PASERK: p}}
}

func newIssuer(t testing.TB, clock *testclock.Clock, k ...keyring.Key) *issuer.Issuer {
	t.Helper()
	iss, err := issuer.New(issuer.Config{Keys: k, Issuer: "https://auth.test", Lifetime: time.Minute, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return iss
}

func issue(t testing.TB, iss *issuer.Issuer, subject string) string {
	t.Helper()
	tok, err := iss.Issue(paseto.Claims{Subject: subject})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// countingIssuer counts the tokens it issues, and fails while fail is set.
type countingIssuer struct {
	iss  *issuer.Issuer
	n    atomic.Int64
	fail atomic.Bool
}

func (c *countingIssuer) IssueWith(claims any, opts issuer.IssueOptions) (string, error) {
	if c.fail.Load() {
		return "", issuer.ErrInvalidOptions
	}
	c.n.Add(1)
	return c.iss.IssueWith(claims, opts)
}

// flakyStore fails every call with store.ErrUnavailable while down is set.
type flakyStore struct {
	store.Store
	down atomic.Bool
}

func (f *flakyStore) Revoked(ctx context.Context, keys ...string) (bool, error) {
	if f.down.Load() {
		return false, store.ErrUnavailable
	}
	return f.Store.Revoked(ctx, keys...)
}

func (f *flakyStore) Check(ctx context.Context, c store.Check) (store.Status, error) {
	if f.down.Load() {
		return store.Status{}, store.ErrUnavailable
	}
	return f.Store.Check(ctx, c)
}

func (f *flakyStore) Cutoff(ctx context.Context, key string) (time.Time, error) {
	if f.down.Load() {
		return time.Time{}, store.ErrUnavailable
	}
	return f.Store.Cutoff(ctx, key)
}

// selfSigned returns a server TLS config for 127.0.0.1 and a client TLS
// config that trusts it, made for the test.
func selfSigned(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "grpcauth test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS13}
	client = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS13}
	return server, client
}
