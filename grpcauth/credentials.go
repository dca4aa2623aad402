package grpcauth

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pasetokit/pasetokit/issuer"
	"google.golang.org/grpc/credentials"
)

// DefaultLifetime is the lifetime of the tokens [Credentials] issues when
// [CredentialsConfig.Lifetime] is zero: short, as a service-to-service
// token is re-issued for free and a leaked one should die soon.
const DefaultLifetime = 5 * time.Minute

// TokenIssuer is what [Credentials] needs to make tokens; *[issuer.Issuer]
// implements it ([issuer.Issuer.IssueWith]). IssueWith must be safe for concurrent use.
type TokenIssuer interface {
	IssueWith(claims any, opts issuer.IssueOptions) (string, error)
}

// CredentialsConfig configures [Credentials]. TokenIssuer and Claims are
// required; the zero value of every other field is a safe default.
type CredentialsConfig struct {
	// TokenIssuer makes the tokens, typically an *issuer.Issuer holding
	// this service's signing key. It is required.
	TokenIssuer TokenIssuer

	// Claims are the claims of every token, as given to
	// issuer.Issuer.IssueWith: typically paseto.Claims with this service
	// as Subject and the called service as Audience. The issuer adds iss,
	// iat, exp and jti (so Claims must not hold them). It is required, and
	// must not be changed after NewCredentials: it is read at every issue.
	//
	// Set an audience naming the one service these Credentials call, and
	// have that service require it (verifier.Config.Audiences): the same
	// token goes to every target of these Credentials, so without an
	// audience a service that receives it (or anyone who reads it there)
	// can replay it at every other service trusting the same issuer until
	// it expires. Use one Credentials per target service.
	Claims any

	// Lifetime is the lifetime of each token. Zero means
	// [DefaultLifetime]; otherwise it must be at least one second.
	Lifetime time.Duration

	// RenewBefore is how long before its expiry a token is replaced by a
	// new one: a token is reused for calls until then. It leaves room for
	// the call's travel time and the clock skew between the two services.
	// Zero means a fifth of Lifetime (one minute for the default);
	// otherwise it must be positive and shorter than Lifetime.
	RenewBefore time.Duration

	// Implicit is an implicit assertion bound to every token (v3 and v4
	// only), which the server must supply identically (its
	// Config.Implicit). Nil means none. It is copied.
	Implicit []byte

	// AllowInsecure lets tokens be sent over connections without
	// transport security (no TLS). It is meant for tests on a loopback
	// address only: anyone who can read the traffic of a plaintext
	// connection can replay the token until it expires. By default
	// Credentials refuse such connections: grpc.NewClient fails with
	// insecure transport credentials, and a call is refused with
	// codes.Unauthenticated.
	AllowInsecure bool

	// Now returns the current time; nil means time.Now. It dates the
	// tokens (their iat and exp) and decides when to renew them. It must
	// be safe for concurrent use; NewCredentials never calls it.
	Now func() time.Time
}

// Credentials attach a token from a [TokenIssuer] to every call, as
// "authorization: Bearer <token>" metadata: gRPC per-RPC credentials
// ([credentials.PerRPCCredentials]), for grpc.WithPerRPCCredentials or the
// grpc.PerRPCCredentials call option. A token is reused until
// [CredentialsConfig.RenewBefore] before it expires; then the first call
// issues a new one while concurrent calls wait for it, so that one
// renewal makes one token. Make them with [NewCredentials]; they are safe
// for concurrent use.
//
// One token serves every call, whatever the target: gRPC's target URI is
// not looked at. Give each target service its own Credentials, with that
// service as the audience of [CredentialsConfig.Claims], and never share
// one Credentials between channels to different services: otherwise any
// of them can replay the token at the others.
type Credentials struct {
	iss           TokenIssuer
	claims        any
	lifetime      time.Duration
	renewBefore   time.Duration
	implicit      []byte
	allowInsecure bool
	now           func() time.Time

	mu  sync.Mutex // held while issuing
	cur atomic.Pointer[cachedToken]
}

// cachedToken is the token in use.
type cachedToken struct {
	value   string    // "Bearer <token>"
	exp     time.Time // the token's exp
	renewAt time.Time // exp - renewBefore
}

// NewCredentials validates cfg and returns Credentials. It issues no
// token: the first call does. Every error it returns is a *[ConfigError]
// matching [ErrInvalidConfig].
func NewCredentials(cfg CredentialsConfig) (*Credentials, error) {
	if cfg.TokenIssuer == nil {
		return nil, configError("TokenIssuer", errors.New("nil"))
	}
	if cfg.Claims == nil {
		return nil, configError("Claims", errors.New("nil"))
	}
	c := &Credentials{
		iss:           cfg.TokenIssuer,
		claims:        cfg.Claims,
		lifetime:      cfg.Lifetime,
		renewBefore:   cfg.RenewBefore,
		allowInsecure: cfg.AllowInsecure,
		now:           cfg.Now,
	}
	switch {
	case c.lifetime == 0:
		c.lifetime = DefaultLifetime
	case c.lifetime < time.Second:
		return nil, configError("Lifetime", errors.New("negative or under one second"))
	}
	switch {
	case c.renewBefore == 0:
		c.renewBefore = c.lifetime / 5
	case c.renewBefore < 0:
		return nil, configError("RenewBefore", errors.New("negative"))
	case c.renewBefore >= c.lifetime:
		return nil, configError("RenewBefore", errors.New("not shorter than Lifetime"))
	}
	if cfg.Implicit != nil {
		c.implicit = append([]byte{}, cfg.Implicit...)
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c, nil
}

// GetRequestMetadata returns the authorization metadata for one call,
// issuing a new token when the current one is due for renewal. Unless
// AllowInsecure is set it refuses, with an error matching
// [ErrInsecureTransport], a connection whose security level is below
// privacy and integrity (TLS). It implements
// credentials.PerRPCCredentials; gRPC calls it.
func (c *Credentials) GetRequestMetadata(ctx context.Context, _ ...string) (map[string]string, error) {
	if !c.allowInsecure {
		ri, _ := credentials.RequestInfoFromContext(ctx)
		if err := credentials.CheckSecurityLevel(ri.AuthInfo, credentials.PrivacyAndIntegrity); err != nil {
			return nil, ErrInsecureTransport
		}
	}
	v, err := c.token()
	if err != nil {
		return nil, err
	}
	return map[string]string{"authorization": v}, nil
}

// RequireTransportSecurity reports whether the token may only travel over
// a secure connection: true unless AllowInsecure is set. It implements
// credentials.PerRPCCredentials.
func (c *Credentials) RequireTransportSecurity() bool { return !c.allowInsecure }

// token returns the "Bearer <token>" value to send.
func (c *Credentials) token() (string, error) {
	if t := c.cur.Load(); t != nil && c.now().Before(t.renewAt) {
		return t.value, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	// Another call may have renewed the token while this one waited.
	now := c.now()
	t := c.cur.Load()
	if t != nil && now.Before(t.renewAt) {
		return t.value, nil
	}
	// The token is dated now, so that its exp is known here: the issuer
	// computes it from IssuedAt in whole seconds, as below.
	tok, err := c.iss.IssueWith(c.claims, issuer.IssueOptions{
		Lifetime: c.lifetime,
		IssuedAt: now,
		Implicit: c.implicit,
	})
	if err != nil {
		// The current token, if not yet expired, serves until it does:
		// the next call tries again.
		if t != nil && now.Before(t.exp) {
			return t.value, nil
		}
		return "", fmt.Errorf("grpcauth: issuing a token: %w", err)
	}
	exp := now.UTC().Truncate(time.Second).Add(c.lifetime).Truncate(time.Second)
	t = &cachedToken{value: "Bearer " + tok, exp: exp, renewAt: exp.Add(-c.renewBefore)}
	c.cur.Store(t)
	return t.value, nil
}

var _ credentials.PerRPCCredentials = (*Credentials)(nil)
