package grpcauth_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/authtoken"
	"github.com/pasetokit/pasetokit/grpcauth"
	"github.com/pasetokit/pasetokit/httpauth"
	"github.com/pasetokit/pasetokit/internal/testclock"
	"github.com/pasetokit/pasetokit/issuer"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/store"
	"github.com/pasetokit/pasetokit/verifier"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// checkRefused fails t unless err is the status of a call refused with
// code and reason, with a fixed message that names no check.
func checkRefused(t *testing.T, err error, code codes.Code, reason string) {
	t.Helper()
	st, ok := status.FromError(err)
	if !ok {
		t.Fatalf("err = %v, want a gRPC status", err)
	}
	if st.Code() != code || grpcauth.Reason(err) != reason {
		t.Fatalf("got %v %q (%q), want %v %q", st.Code(), grpcauth.Reason(err), st.Message(), code, reason)
	}
	// The message is one of the fixed texts: no error text of the
	// verifier, paseto or the store reaches the client.
	for _, leak := range []string{"verifier", "paseto", "store", "authtoken", "grpcauth", "kid", "k4."} {
		if strings.Contains(st.Message(), leak) {
			t.Errorf("status message %q leaks %q", st.Message(), leak)
		}
	}
	if len(st.Details()) == 0 {
		t.Error("no ErrorInfo detail")
	}
	var retry bool
	for _, d := range st.Details() {
		if r, ok := d.(*errdetails.RetryInfo); ok && r.GetRetryDelay().AsDuration() == grpcauth.RetryAfter {
			retry = true
		}
	}
	if retry != (code == codes.Unavailable) {
		t.Errorf("RetryInfo present: %v, for %v", retry, code)
	}
}

// TestVerifier runs the common cases against a server with a plain
// verifier: the handler sees the subject through httpauth.TokenFrom.
func TestVerifier(t *testing.T) {
	clock := testclock.New()
	k1, k2 := newKeys(t), newKeys(t)
	iss := newIssuer(t, clock, k1.secret)
	v, err := verifier.New(verifier.Config{Keys: []keyring.Key{k1.public}, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	var onError atomic.Pointer[grpcauth.Error]
	addr := serve(t, grpcauth.Config{
		Verifier:       v,
		MaxTokenLength: 4096,
		OnError:        func(_ context.Context, err *grpcauth.Error) { onError.Store(err) },
	}, nil)
	conn := dial(t, addr)

	good := issue(t, iss, "alice")
	expired, err := iss.IssueWith(paseto.Claims{Subject: "alice"}, issuer.IssueOptions{IssuedAt: clock.Now().Add(-2 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	otherKey := issue(t, newIssuer(t, clock, k2.secret), "alice")

	for _, tc := range []struct {
		name   string
		auth   []string
		reason string // "" for success
		cause  error
	}{
		{"valid", []string{"Bearer " + good}, "", nil},
		{"scheme in lower case, two spaces", []string{"bearer  " + good}, "", nil},
		{"scheme in upper case", []string{"BEARER " + good}, "", nil},
		{"missing", nil, "token_missing", grpcauth.ErrMissingToken},
		{"other scheme", []string{"Basic " + good}, "token_missing", grpcauth.ErrMissingToken},
		{"token without scheme", []string{good}, "token_missing", grpcauth.ErrMissingToken},
		{"scheme alone", []string{"Bearer"}, "token_malformed", paseto.ErrMalformed},
		{"scheme and spaces", []string{"Bearer   "}, "token_malformed", paseto.ErrMalformed},
		{"not a token", []string{"Bearer v4.public.AAAA"}, "token_malformed", paseto.ErrMalformed},
		{"too long", []string{"Bearer v4.public." + strings.Repeat("A", 5000)}, "token_malformed", paseto.ErrTokenTooLong},
		{"two values", []string{"Bearer " + good, "Bearer " + good}, "token_ambiguous", grpcauth.ErrAmbiguousToken},
		{"wrong key", []string{"Bearer " + otherKey}, "token_unknown_key", verifier.ErrUnknownKey},
		{"expired", []string{"Bearer " + expired}, "token_expired", verifier.ErrExpired},
		{"tampered", []string{"Bearer " + good[:len(good)-60] + strings.Repeat("A", 60)}, "token_", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			onError.Store(nil)
			got, err := call(conn, methodWhoami, tc.auth...)
			if tc.reason == "" {
				if err != nil || got != "alice" {
					t.Fatalf("got %q, %v; want alice", got, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("got %q, want refusal", got)
			}
			if tc.reason == "token_" { // the footer was cut: malformed or invalid
				if r := grpcauth.Reason(err); r != "token_malformed" && r != "token_invalid" {
					t.Fatalf("reason %q", r)
				}
				return
			}
			checkRefused(t, err, codes.Unauthenticated, tc.reason)
			if lastErr := onError.Load(); lastErr == nil || !errors.Is(lastErr, tc.cause) || lastErr.Method != methodWhoami || lastErr.Reason != tc.reason {
				t.Errorf("OnError got %v, want %v", onError.Load(), tc.cause)
			}
		})
	}

	// The token expires while in use (the injected clock moves on).
	clock.Advance(time.Minute)
	_, err = call(conn, methodWhoami, "Bearer "+good)
	checkRefused(t, err, codes.Unauthenticated, "token_expired")
}

// TestRotation: while the verifier holds both keys, tokens of either
// verify; once the old key is dropped, its tokens are refused.
func TestRotation(t *testing.T) {
	clock := testclock.New()
	k1, k2 := newKeys(t), newKeys(t)
	iss := newIssuer(t, clock, k1.secret)
	v, err := verifier.New(verifier.Config{Keys: []keyring.Key{k1.public}, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	conn := dial(t, serve(t, grpcauth.Config{Verifier: v}, nil))
	old := issue(t, iss, "alice")
	want := func(tok, sub string) {
		t.Helper()
		if got, err := call(conn, methodWhoami, "Bearer "+tok); err != nil || got != sub {
			t.Fatalf("got %q, %v; want %q", got, err, sub)
		}
	}
	want(old, "alice")

	// The verifier learns the new key first, then the issuer signs with it.
	if err := v.SetKeys([]keyring.Key{k2.public, k1.public}); err != nil {
		t.Fatal(err)
	}
	if err := iss.SetKeys([]keyring.Key{k2.secret, k1.secret}); err != nil {
		t.Fatal(err)
	}
	cur := issue(t, iss, "bob")
	want(cur, "bob")
	want(old, "alice")

	// The old key is dropped: its tokens are refused, the new ones pass.
	if err := v.SetKeys([]keyring.Key{k2.public}); err != nil {
		t.Fatal(err)
	}
	_, err = call(conn, methodWhoami, "Bearer "+old)
	checkRefused(t, err, codes.Unauthenticated, "token_unknown_key")
	want(cur, "bob")
}

// TestAuthtoken uses authtoken's requirements, which consult a store:
// revocation, a store outage, and a method that requires a fresh token.
func TestAuthtoken(t *testing.T) {
	ctx := context.Background()
	clock := testclock.New()
	mem, err := store.NewMemory(store.MemoryConfig{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	st := &flakyStore{Store: mem}
	m, err := authtoken.New(authtoken.Config{
		Access: authtoken.KindConfig{Keys: []keyring.Key{newKeys(t).secret}},
		Store:  st,
		Now:    clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	conn := dial(t, serve(t, grpcauth.Config{
		Verifier: m.Access(),
		Methods:  map[string]grpcauth.TokenVerifier{methodFresh: m.FreshAccess()},
	}, nil))

	pair, err := m.Login(ctx, "alice", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, method := range []string{methodWhoami, methodFresh} {
		if got, err := call(conn, method, "Bearer "+pair.Access); err != nil || got != "alice" {
			t.Fatalf("%s: got %q, %v", method, got, err)
		}
	}

	// A non-fresh access token passes Whoami, not Fresh.
	stale, err := m.CreateAccessToken(ctx, "bob", false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := call(conn, methodWhoami, "Bearer "+stale); err != nil || got != "bob" {
		t.Fatalf("got %q, %v", got, err)
	}
	_, err = call(conn, methodFresh, "Bearer "+stale)
	checkRefused(t, err, codes.PermissionDenied, "token_not_fresh")

	// The store is down: the server cannot tell whether the token is
	// revoked, and says so (Unavailable), rather than accepting it.
	st.down.Store(true)
	_, err = call(conn, methodWhoami, "Bearer "+pair.Access)
	checkRefused(t, err, codes.Unavailable, "temporarily_unavailable")
	st.down.Store(false)
	if _, err := call(conn, methodWhoami, "Bearer "+pair.Access); err != nil {
		t.Fatalf("after the store came back: %v", err)
	}

	// Revocation is seen at the next call.
	if err := m.RevokeToken(ctx, pair.Access); err != nil {
		t.Fatal(err)
	}
	_, err = call(conn, methodWhoami, "Bearer "+pair.Access)
	checkRefused(t, err, codes.Unauthenticated, "token_revoked")

	clock.Advance(time.Second)
	if err := m.LogoutEverywhere(ctx, "bob"); err != nil {
		t.Fatal(err)
	}
	_, err = call(conn, methodWhoami, "Bearer "+stale)
	checkRefused(t, err, codes.Unauthenticated, "token_revoked")
}

// errVerifier fails every token with err.
type errVerifier struct{ err error }

func (e errVerifier) Verify(context.Context, string, []byte) (*verifier.Token, error) {
	return nil, e.err
}

// TestErrorMapping: each sentinel, wrapped as a TokenVerifier of someone
// else's might wrap it, gets its code and reason; server-side failures
// win over what they wrap.
func TestErrorMapping(t *testing.T) {
	for _, tc := range []struct {
		err    error
		code   codes.Code
		reason string
	}{
		{authtoken.ErrWrongType, codes.PermissionDenied, "token_wrong_type"},
		{authtoken.ErrNotFresh, codes.PermissionDenied, "token_not_fresh"},
		{authtoken.ErrRevoked, codes.Unauthenticated, "token_revoked"},
		{authtoken.ErrRefreshReused, codes.Unauthenticated, "refresh_token_reused"},
		{httpauth.ErrRefreshReused, codes.Unauthenticated, "refresh_token_reused"},
		{httpauth.ErrTokenRevoked, codes.Unauthenticated, "token_revoked"},
		{httpauth.ErrWrongTokenType, codes.PermissionDenied, "token_wrong_type"},
		{httpauth.ErrNotFresh, codes.PermissionDenied, "token_not_fresh"},
		{store.ErrUnavailable, codes.Unavailable, "temporarily_unavailable"},
		{fmt.Errorf("%w: %w", store.ErrUnavailable, authtoken.ErrRevoked), codes.Unavailable, "temporarily_unavailable"},
		{verifier.ErrKeySetUnavailable, codes.Unavailable, "key_set_unavailable"},
		{fmt.Errorf("%w: %w", verifier.ErrKeySetUnavailable, context.DeadlineExceeded), codes.Unavailable, "key_set_unavailable"},
		{context.Canceled, codes.Unavailable, "temporarily_unavailable"},
		{verifier.ErrExpired, codes.Unauthenticated, "token_expired"},
		{verifier.ErrNotYetValid, codes.Unauthenticated, "token_not_yet_valid"},
		{verifier.ErrInvalidSignature, codes.Unauthenticated, "token_invalid"},
		{verifier.ErrWrongIssuer, codes.Unauthenticated, "token_wrong_issuer"},
		{verifier.ErrWrongAudience, codes.Unauthenticated, "token_wrong_audience"},
		{verifier.ErrMissingExpiration, codes.Unauthenticated, "token_rejected"},
		{&verifier.RuleError{Err: errors.New("no")}, codes.Unauthenticated, "token_rejected"},
		{errors.New("something else"), codes.Unauthenticated, "token_rejected"},
		{nil, codes.Unauthenticated, "token_rejected"}, // neither token nor error
	} {
		name := "nil"
		if tc.err != nil {
			name = tc.err.Error()
		}
		t.Run(name, func(t *testing.T) {
			var wrapped error
			if tc.err != nil {
				wrapped = fmt.Errorf("somebody's verifier: %w", tc.err)
			}
			auth, err := grpcauth.New(grpcauth.Config{Verifier: errVerifier{wrapped}})
			if err != nil {
				t.Fatal(err)
			}
			ctx := metadata.NewIncomingContext(context.Background(), metadata.Pairs("authorization", "Bearer x"))
			_, err = auth.Unary()(ctx, nil, &grpc.UnaryServerInfo{FullMethod: methodWhoami}, func(context.Context, any) (any, error) {
				t.Fatal("handler called")
				return nil, nil
			})
			var e *grpcauth.Error
			if !errors.As(err, &e) || e.Code != tc.code || e.Reason != tc.reason {
				t.Fatalf("got %v, want %v %s", err, tc.code, tc.reason)
			}
			if tc.err != nil && !errors.Is(err, tc.err) {
				t.Errorf("%v does not match %v", err, tc.err)
			}
			checkRefused(t, err, tc.code, tc.reason)
			if st, _ := status.FromError(err); strings.Contains(st.Message(), "somebody") {
				t.Errorf("message %q leaks the verifier's error", st.Message())
			}
		})
	}
}

// TestStream: a stream is authenticated when it opens, and its handler's
// context carries the token.
func TestStream(t *testing.T) {
	clock := testclock.New()
	k := newKeys(t)
	v, err := verifier.New(verifier.Config{Keys: []keyring.Key{k.public}, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	conn := dial(t, serve(t, grpcauth.Config{Verifier: v}, nil))
	good := issue(t, newIssuer(t, clock, k.secret), "alice")

	recv := func(auth ...string) ([]string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for _, a := range auth {
			ctx = metadata.AppendToOutgoingContext(ctx, "authorization", a)
		}
		s, err := conn.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true}, methodStream)
		if err != nil {
			return nil, err
		}
		if err := s.SendMsg(wrapperspb.String("hi")); err != nil {
			return nil, err
		}
		if err := s.CloseSend(); err != nil {
			return nil, err
		}
		var got []string
		for {
			out := new(wrapperspb.StringValue)
			if err := s.RecvMsg(out); err != nil {
				if errors.Is(err, io.EOF) {
					return got, nil
				}
				return got, err
			}
			got = append(got, out.GetValue())
		}
	}
	got, err := recv("Bearer " + good)
	if err != nil || strings.Join(got, ",") != "alice,alice" {
		t.Fatalf("got %q, %v", got, err)
	}
	got, err = recv()
	if len(got) != 0 {
		t.Errorf("got %q without a token", got)
	}
	checkRefused(t, err, codes.Unauthenticated, "token_missing")
	clock.Advance(time.Hour)
	_, err = recv("Bearer " + good)
	checkRefused(t, err, codes.Unauthenticated, "token_expired")
}

// TestSkipAndMethods: skipped methods are served without a token; a
// method's own verifier wins over its service's.
func TestSkipAndMethods(t *testing.T) {
	clock := testclock.New()
	k := newKeys(t)
	v, err := verifier.New(verifier.Config{Keys: []keyring.Key{k.public}, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	deny := errVerifier{authtoken.ErrWrongType}
	conn := dial(t, serve(t, grpcauth.Config{
		Verifier:    deny, // every method not routed below is refused
		SkipMethods: []string{"/grpc.health.v1.Health/"},
		Methods: map[string]grpcauth.TokenVerifier{
			"/test.Echo/":  v,
			methodFresh:    deny,
			"/other.Svc/X": v,
		},
	}, nil))
	good := issue(t, newIssuer(t, clock, k.secret), "alice")

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
	if err != nil || res.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("health check without a token: %v, %v", res, err)
	}
	if got, err := call(conn, methodWhoami, "Bearer "+good); err != nil || got != "alice" {
		t.Fatalf("service route: %q, %v", got, err)
	}
	_, err = call(conn, methodFresh, "Bearer "+good)
	checkRefused(t, err, codes.PermissionDenied, "token_wrong_type")
	_, err = call(conn, methodWhoami)
	checkRefused(t, err, codes.Unauthenticated, "token_missing")
}

// TestImplicit: the server's implicit assertion must be the one the token
// was issued with.
func TestImplicit(t *testing.T) {
	clock := testclock.New()
	k := newKeys(t)
	v, err := verifier.New(verifier.Config{Keys: []keyring.Key{k.public}, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	conn := dial(t, serve(t, grpcauth.Config{
		Verifier: v,
		Implicit: func(ctx context.Context, fullMethod string) []byte {
			if fullMethod != methodWhoami {
				t.Errorf("Implicit got %q", fullMethod)
			}
			return []byte("tenant-a")
		},
	}, nil))
	iss := newIssuer(t, clock, k.secret)
	for _, tc := range []struct {
		tenant string
		ok     bool
	}{{"tenant-a", true}, {"tenant-b", false}} {
		tok, err := iss.IssueWith(paseto.Claims{Subject: "alice"}, issuer.IssueOptions{Implicit: []byte(tc.tenant)})
		if err != nil {
			t.Fatal(err)
		}
		_, err = call(conn, methodWhoami, "Bearer "+tok)
		if tc.ok && err != nil {
			t.Fatal(err)
		}
		if !tc.ok {
			checkRefused(t, err, codes.Unauthenticated, "token_invalid")
		}

		// The same through Credentials.Implicit.
		creds, err := grpcauth.NewCredentials(grpcauth.CredentialsConfig{
			TokenIssuer:   iss,
			Claims:        paseto.Claims{Subject: "alice"},
			Implicit:      []byte(tc.tenant),
			AllowInsecure: true,
			Now:           clock.Now,
		})
		if err != nil {
			t.Fatal(err)
		}
		out := new(wrapperspb.StringValue)
		err = conn.Invoke(context.Background(), methodWhoami, wrapperspb.String("hi"), out, grpc.PerRPCCredentials(creds))
		if tc.ok && (err != nil || out.GetValue() != "alice") {
			t.Fatalf("Credentials.Implicit: %q, %v", out.GetValue(), err)
		}
		if !tc.ok {
			checkRefused(t, err, codes.Unauthenticated, "token_invalid")
		}
	}
}

func TestNewConfig(t *testing.T) {
	v := errVerifier{}
	for _, tc := range []struct {
		cfg   grpcauth.Config
		field string // "" for a valid config
	}{
		{grpcauth.Config{Verifier: v}, ""},
		{grpcauth.Config{}, "Verifier"},
		{grpcauth.Config{Verifier: v, MaxTokenLength: -1}, "MaxTokenLength"},
		{grpcauth.Config{Verifier: v, Methods: map[string]grpcauth.TokenVerifier{"/a.B/C": v, "/a.B/": v}}, ""},
		{grpcauth.Config{Verifier: v, Methods: map[string]grpcauth.TokenVerifier{"a.B/C": v}}, "Methods[a.B/C]"},
		{grpcauth.Config{Verifier: v, Methods: map[string]grpcauth.TokenVerifier{"/a.B": v}}, "Methods[/a.B]"},
		{grpcauth.Config{Verifier: v, Methods: map[string]grpcauth.TokenVerifier{"//C": v}}, "Methods[//C]"},
		{grpcauth.Config{Verifier: v, Methods: map[string]grpcauth.TokenVerifier{"/a.B/C/D": v}}, "Methods[/a.B/C/D]"},
		{grpcauth.Config{Verifier: v, Methods: map[string]grpcauth.TokenVerifier{"/a.B/C": nil}}, "Methods[/a.B/C]"},
		{grpcauth.Config{Verifier: v, SkipMethods: []string{"/a.B/C", "/a B/"}}, "SkipMethods[1]"},
		{grpcauth.Config{Verifier: v, SkipMethods: []string{""}}, "SkipMethods[0]"},
		{grpcauth.Config{Verifier: v, SkipMethods: []string{"/a.B/"}, Methods: map[string]grpcauth.TokenVerifier{"/a.B/": v}}, "SkipMethods[0]"},
	} {
		_, err := grpcauth.New(tc.cfg)
		var ce *grpcauth.ConfigError
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%+v: %v", tc.cfg, err)
		case tc.field != "" && (!errors.As(err, &ce) || ce.Field != tc.field || !errors.Is(err, grpcauth.ErrInvalidConfig)):
			t.Errorf("%+v: got %v, want a ConfigError for %s", tc.cfg, err, tc.field)
		}
	}
}

func TestReason(t *testing.T) {
	if grpcauth.Reason(nil) != "" || grpcauth.Reason(errors.New("x")) != "" || grpcauth.Reason(status.Error(codes.Unauthenticated, "x")) != "" {
		t.Error("Reason of a foreign error is not empty")
	}
	// An *Error made by hand still answers with a fixed message.
	e := &grpcauth.Error{Code: codes.PermissionDenied, Reason: "mine", Err: errors.New("secret detail")}
	st := e.GRPCStatus()
	if st.Code() != codes.PermissionDenied || strings.Contains(st.Message(), "secret") {
		t.Errorf("GRPCStatus() = %v", st)
	}
	if (&grpcauth.Error{}).GRPCStatus().Code() != codes.Unauthenticated {
		t.Error("a zero Error must not answer OK")
	}
}

// TestReasonsAgreeWithHTTP: every token failure gets the reason over gRPC
// that httpauth gives it over HTTP (the same Code constants).
func TestReasonsAgreeWithHTTP(t *testing.T) {
	for _, err := range []error{
		authtoken.ErrWrongType, authtoken.ErrNotFresh, authtoken.ErrRevoked, authtoken.ErrRefreshReused,
		verifier.ErrExpired, verifier.ErrNotYetValid, verifier.ErrInvalidSignature, verifier.ErrWrongIssuer,
		verifier.ErrWrongAudience, verifier.ErrUnknownKey, verifier.ErrMissingExpiration,
		store.ErrUnavailable, verifier.ErrKeySetUnavailable, errors.New("other"),
	} {
		wrapped := fmt.Errorf("somebody's verifier: %w", err)
		auth, e := grpcauth.New(grpcauth.Config{Verifier: errVerifier{wrapped}})
		if e != nil {
			t.Fatal(e)
		}
		ctx := metadata.NewIncomingContext(context.Background(), metadata.Pairs("authorization", "Bearer x"))
		_, got := auth.Unary()(ctx, nil, &grpc.UnaryServerInfo{FullMethod: methodWhoami}, func(context.Context, any) (any, error) {
			return nil, nil
		})
		if r, want := grpcauth.Reason(got), httpauth.Code(wrapped); r != want {
			t.Errorf("%v: gRPC reason %q, HTTP code %q", err, r, want)
		}
	}
}
