package authtoken

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pasetokit/pasetokit/httpauth"
	"github.com/pasetokit/pasetokit/issuer"
	"github.com/pasetokit/pasetokit/verifier"
)

// Pair is an access token and a refresh token of the same family.
type Pair struct {
	Access  string
	Refresh string
}

// reserved are the claims this package and the issuer set themselves.
var reserved = [...]string{"sub", "jti", "iat", "nbf", "exp", "type", "fresh", "fam", "iss", "aud"}

// newFamily returns a random refresh family id: 128 bits, base64url.
func newFamily() string {
	var b [16]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// payload builds the claims of a token: a copy of the caller's claims with
// the reserved ones added, iat dated at to the millisecond. The issuer adds
// iss, nbf, exp and jti. aud is nil for the configured audiences.
func (m *Manager) payload(at time.Time, subject string, claims map[string]any, typ string, fresh *bool, fam string, aud any) (map[string]any, error) {
	if subject == "" {
		return nil, ErrEmptySubject
	}
	p := make(map[string]any, len(claims)+5)
	for k, v := range claims {
		for _, r := range reserved {
			if strings.EqualFold(k, r) {
				return nil, &issuer.ReservedClaimError{Claim: r}
			}
		}
		p[k] = v
	}
	p["sub"] = subject
	p["iat"] = at.UTC().Truncate(time.Millisecond).Format(iatLayout)
	p["type"] = typ
	if fresh != nil {
		p["fresh"] = *fresh
	}
	if fam != "" {
		p["fam"] = fam
	}
	if aud == nil {
		aud = m.aud
	}
	if aud != nil {
		p["aud"] = aud
	}
	return p, nil
}

// iatLayout writes iat to the millisecond, RFC 3339 in UTC.
const iatLayout = "2006-01-02T15:04:05.000Z07:00"

// IssueOptions adjusts a single [Manager.IssueWith] call, as
// [issuer.IssueOptions] does for an issuer. The zero value changes
// nothing.
type IssueOptions struct {
	// Fresh makes a fresh access token; it is an error for other kinds.
	Fresh bool
	// Lifetime, when not zero, is the lifetime of this one token instead
	// of the kind's, at least one second. It may not exceed the longest
	// configured lifetime (of the access and refresh kinds, for a refresh
	// token), for which the store keeps revocations and cutoffs: a
	// longer-lived token would outlive its own revocation.
	Lifetime time.Duration
	// NoExpiration leaves exp out of this one token. It is only allowed
	// for a kind with [KindConfig.NoExpiration], whose verifier accepts
	// tokens without exp and whose revocations the store keeps forever:
	// it undoes a Lifetime given to other calls, nothing more. It is an
	// error together with Lifetime.
	NoExpiration bool
	// Audiences, when not empty, are written as this token's aud instead
	// of [Config.Audiences]; a verifier of this Manager accepts the token
	// only if they share one with Config.Audiences.
	Audiences []string
	// Footer holds footer claims for this token, next to the kid and,
	// for every kind but access, the "type" naming the kind: "kid" and
	// "type", in any letter case, are an *[issuer.ReservedClaimError].
	// The footer is sent in clear; see [issuer.IssueOptions.Footer] for
	// its limits.
	Footer map[string]any
	// Implicit is an implicit assertion (v3 and v4), bytes bound to the
	// token and supplied again by the verifier, such as
	// [httpauth.Config.Implicit] on the routes. Tokens made with one can
	// only be verified where the assertion is given: through
	// [Manager.Access] and the other requirements, not through Verify,
	// Refresh, Logout or RevokeToken, which verify without one.
	Implicit []byte
}

// issue makes a token of kind k, dated at: iat is at to the millisecond
// (written by this package), nbf at in whole seconds and exp nbf plus the
// lifetime (issuer.IssueOptions.IssuedAt), so exp-iat is at most the
// lifetime; the retention of cutoffs and family revocations relies on it.
// A zero at means now.
func (m *Manager) issue(k *kind, at time.Time, subject string, claims map[string]any, fresh *bool, fam string, opts *IssueOptions) (string, error) {
	if at.IsZero() {
		if at = m.now(); at.IsZero() {
			return "", errors.New("authtoken: Config.Now returned the zero time")
		}
	}
	var iopts issuer.IssueOptions
	var aud any
	if opts != nil {
		var err error
		if iopts, aud, err = m.options(k, fam != "", opts); err != nil {
			return "", err
		}
	}
	p, err := m.payload(at, subject, claims, k.name, fresh, fam, aud)
	if err != nil {
		return "", err
	}
	iopts.IssuedAt = at
	iopts.Implicit = k.implicit(iopts.Implicit)
	if k.footer {
		f := make(map[string]any, len(iopts.Footer)+1)
		for n, v := range iopts.Footer {
			f[n] = v
		}
		f["type"] = k.name
		iopts.Footer = f
	}
	return k.iss.IssueWith(p, iopts)
}

// options checks opts for a token of kind k (of a refresh family when
// family is set) and converts them.
func (m *Manager) options(k *kind, family bool, opts *IssueOptions) (issuer.IssueOptions, any, error) {
	io := issuer.IssueOptions{Footer: opts.Footer, Implicit: opts.Implicit}
	if opts.Fresh && k != m.access {
		return io, nil, fmt.Errorf("%w: Fresh is for access tokens", ErrInvalidOptions)
	}
	// bound is the longest lifetime the store's records cover for this
	// token, 0 for no bound.
	bound := m.retention
	if family {
		bound = 0
		if m.access.lifetime != 0 && m.refresh.lifetime != 0 {
			bound = max(m.access.lifetime, m.refresh.lifetime)
		}
	}
	switch {
	case opts.NoExpiration && opts.Lifetime != 0:
		return io, nil, fmt.Errorf("%w: NoExpiration and Lifetime are both set", ErrInvalidOptions)
	case opts.NoExpiration && (k.lifetime != 0 || bound != 0):
		return io, nil, fmt.Errorf("%w: NoExpiration for a kind whose tokens expire (KindConfig.NoExpiration is not set)", ErrInvalidOptions)
	case opts.Lifetime < 0 || (opts.Lifetime > 0 && opts.Lifetime < time.Second):
		return io, nil, fmt.Errorf("%w: Lifetime is negative or under one second", ErrInvalidOptions)
	case bound != 0 && opts.Lifetime > bound:
		return io, nil, fmt.Errorf("%w: Lifetime exceeds the longest configured lifetime, for which the store keeps revocations", ErrInvalidOptions)
	}
	io.Lifetime, io.NoExpiration = opts.Lifetime, opts.NoExpiration
	for n := range opts.Footer {
		if strings.EqualFold(n, "type") {
			return io, nil, &issuer.ReservedClaimError{Claim: "type", Footer: true}
		}
	}
	var aud any
	switch len(opts.Audiences) {
	case 0:
	case 1:
		aud = opts.Audiences[0]
	default:
		aud = append([]string(nil), opts.Audiences...)
	}
	for _, a := range opts.Audiences {
		if a == "" {
			return io, nil, fmt.Errorf("%w: an empty audience", ErrInvalidOptions)
		}
	}
	return io, aud, nil
}

// issuing reports whether m was made by New, with issuing keys.
func (m *Manager) issuing() bool { return m != nil && m.access != nil && m.access.iss != nil }

// rawToken returns token, or when it is empty the raw token of the
// request that the httpauth middleware put in ctx.
func rawToken(ctx context.Context, token string) (string, error) {
	if token != "" {
		return token, nil
	}
	if t, ok := httpauth.RawTokenFrom(ctx); ok {
		return t, nil
	}
	return "", ErrMissingToken
}

// IssueWith returns a token of kind kindName ("access", "refresh" or a
// custom kind) for subject, carrying claims, with per-call options. A
// refresh token starts a new family, as [Manager.CreateRefreshToken]
// does. Options that would let the token outlive its revocation are
// [ErrInvalidOptions]; see [IssueOptions].
func (m *Manager) IssueWith(ctx context.Context, kindName, subject string, claims map[string]any, opts IssueOptions) (string, error) {
	if !m.issuing() {
		return "", errNotNew
	}
	k := m.kind(kindName)
	if k == nil {
		return "", ErrUnknownKind
	}
	var fresh *bool
	if k == m.access {
		fresh = &opts.Fresh
	}
	fam := ""
	if k == m.refresh {
		fam = newFamily()
	}
	return m.issue(k, time.Time{}, subject, claims, fresh, fam, &opts)
}

// CreateAccessToken returns an access token for subject, fresh or not,
// carrying claims (which must not hold a reserved claim: see
// [issuer.ReservedClaimError]). It belongs to no refresh family, so Logout revokes
// only it. ctx is reserved for stores and hooks; it is not used yet.
func (m *Manager) CreateAccessToken(ctx context.Context, subject string, fresh bool, claims map[string]any) (string, error) {
	if !m.issuing() {
		return "", errNotNew
	}
	return m.issue(m.access, time.Time{}, subject, claims, &fresh, "", nil)
}

// CreateRefreshToken returns a refresh token for subject that starts a new
// family, carrying claims. Prefer Login, which also makes the access token
// of the family.
func (m *Manager) CreateRefreshToken(ctx context.Context, subject string, claims map[string]any) (string, error) {
	if !m.issuing() {
		return "", errNotNew
	}
	return m.issue(m.refresh, time.Time{}, subject, claims, nil, newFamily(), nil)
}

// CreateToken returns a token of the custom kind kindName for subject,
// carrying claims. Access and refresh tokens have their own methods;
// another kind is ErrUnknownKind.
func (m *Manager) CreateToken(ctx context.Context, kindName, subject string, claims map[string]any) (string, error) {
	if !m.issuing() {
		return "", errNotNew
	}
	k, ok := m.custom[kindName]
	if !ok {
		return "", ErrUnknownKind
	}
	return m.issue(k, time.Time{}, subject, claims, nil, "", nil)
}

// Login returns a fresh access token and a refresh token of a new family
// for subject, both carrying claims.
func (m *Manager) Login(ctx context.Context, subject string, claims map[string]any) (Pair, error) {
	if !m.issuing() {
		return Pair{}, errNotNew
	}
	return m.pair(time.Time{}, subject, claims, true, newFamily())
}

// pair makes an access and a refresh token of family fam, dated at (see
// issue).
func (m *Manager) pair(at time.Time, subject string, claims map[string]any, fresh bool, fam string) (Pair, error) {
	a, err := m.issue(m.access, at, subject, claims, &fresh, fam, nil)
	if err != nil {
		return Pair{}, err
	}
	r, err := m.issue(m.refresh, at, subject, claims, nil, fam, nil)
	if err != nil {
		return Pair{}, err
	}
	return Pair{Access: a, Refresh: r}, nil
}

// Refresh rotates a refresh token: it verifies refreshToken (signature,
// type, expiry and revocation), marks it used, and returns a new non-fresh
// access token and a new refresh token of the same family, carrying the
// claims of the old one other than the reserved ones. A refresh token can
// be used once: of concurrent calls with the same token, exactly one
// succeeds.
//
// Presenting a used refresh token again is taken as theft: the whole
// family is revoked (the tokens made from it, including the ones the first
// use returned, stop working), Config.OnReuse is called, and the error is
// ErrRefreshReused.
//
// The new pair is dated at the instant Refresh started, before its
// verification read the subject's cutoff: iat is that instant to the
// millisecond, nbf that instant in whole seconds, and exp nbf plus each
// kind's lifetime, as for every token. The tokens therefore reach the client with their lifetimes
// shortened by the time Refresh took (its store round trips). A
// LogoutEverywhere that runs concurrently either recorded its cutoff
// before that read, and Refresh fails with ErrRevoked, or has a cutoff at
// or after the new pair's iat, which revokes the pair: Refresh never
// returns tokens that outlive it. This assumes that the clocks of the
// processes sharing the store agree. (A Logout or reuse that revokes the
// family meanwhile revokes the new pair too: it belongs to the family.)
//
// Nothing is read from the store after the refresh token is consumed, so
// a store failure cannot use up the token without returning its successor
// (the client's retry would then be taken as reuse and revoke the family).
//
// An empty refreshToken means the one the httpauth middleware verified for
// this request ([httpauth.RawTokenFrom] of ctx), as on a route protected
// with [Manager.RefreshToken]; with none there, the error is
// [ErrMissingToken].
//
// Store errors are returned wrapped, so errors.Is(err,
// store.ErrUnavailable) holds when the store could not be reached.
func (m *Manager) Refresh(ctx context.Context, refreshToken string) (Pair, error) {
	if !m.issuing() {
		return Pair{}, errNotNew
	}
	refreshToken, err := rawToken(ctx, refreshToken)
	if err != nil {
		return Pair{}, err
	}
	// at dates the new pair. It is read before the verification reads the
	// subject's cutoff, so that a LogoutEverywhere recording its cutoff
	// after that read (too late for the verification to see it) has a
	// cutoff at or after the pair's iat and revokes the pair. Nothing may
	// read the store after Consume: a failure there would lose the refresh
	// token without handing out the new pair, and the client's retry would
	// count as reuse and revoke the family.
	at := m.now()
	t, err := m.refresh.verify(ctx, refreshToken, nil)
	if err != nil {
		return Pair{}, err
	}
	o, err := readOwn(t)
	if err != nil {
		return Pair{}, err
	}
	if o.fam == "" && m.refresh.unbound && t.Claims.TokenID != "" && unbound(refreshToken) {
		// Config.AllowUnboundKinds: a refresh token of another library
		// (fastapi-paseto's have no fam) starts a family named after
		// it, so that its reuse revokes what its first use made.
		o.fam = "jti-" + t.Claims.TokenID
	}
	if t.Claims.TokenID == "" || o.fam == "" {
		// Not made by this package's Login or CreateRefreshToken: it
		// cannot be rotated safely.
		return Pair{}, ErrWrongType
	}
	first, err := m.store.Consume(ctx, "used:"+t.Claims.TokenID, m.until(t.Claims.Expiration.Time))
	if err != nil {
		return Pair{}, fmt.Errorf("authtoken: marking the refresh token used: %w", err)
	}
	if !first {
		err := m.store.Revoke(ctx, "fam:"+o.fam, m.familyUntil())
		if m.onReuse != nil {
			m.onReuse(ctx, t.Claims.Subject, o.fam)
		}
		m.reuseEvent(ctx, err)
		if err != nil {
			return Pair{}, fmt.Errorf("%w: revoking the family: %w", ErrRefreshReused, err)
		}
		return Pair{}, ErrRefreshReused
	}
	claims, err := userClaims(t)
	if err != nil {
		return Pair{}, err
	}
	return m.pair(at, t.Claims.Subject, claims, false, o.fam)
}

// userClaims returns the claims of t that are not reserved, undecoded.
func userClaims(t *verifier.Token) (map[string]any, error) {
	var raw map[string]json.RawMessage
	if err := t.Decode(&raw); err != nil {
		return nil, err
	}
	out := make(map[string]any, len(raw))
	for k, v := range raw {
		if !isReserved(k) {
			out[k] = v
		}
	}
	return out, nil
}

func isReserved(k string) bool {
	for _, r := range reserved {
		if strings.EqualFold(k, r) {
			return true
		}
	}
	return false
}

// until returns how long the store must remember a token expiring at exp:
// past exp by the leeway, or until year 9999 for a token without exp.
func (m *Manager) until(exp time.Time) time.Time {
	if exp.IsZero() {
		return farFuture
	}
	return exp.Add(m.leeway)
}

// familyUntil returns how long a family revocation is kept: every token of
// the family was issued by now, so none outlives now plus the longest of
// the access and refresh lifetimes (plus leeway).
func (m *Manager) familyUntil() time.Time {
	if m.access.lifetime == 0 || m.refresh.lifetime == 0 {
		return farFuture
	}
	return m.now().Add(max(m.access.lifetime, m.refresh.lifetime) + m.leeway)
}

// Logout revokes accessToken and, when it belongs to a refresh family, the
// whole family: the refresh token made with it and every token rotated
// from it. accessToken must be a valid access token (fresh or not); empty
// means the one the httpauth middleware verified for this request
// ([httpauth.RawTokenFrom] of ctx), or [ErrMissingToken] without one.
func (m *Manager) Logout(ctx context.Context, accessToken string) error {
	if !m.issuing() {
		return errNotNew
	}
	accessToken, err := rawToken(ctx, accessToken)
	if err != nil {
		return err
	}
	t, err := m.access.verify(ctx, accessToken, nil)
	if err != nil {
		return err
	}
	o, err := readOwn(t)
	if err != nil {
		return err
	}
	if err := m.revoke(ctx, t); err != nil {
		return err
	}
	if o.fam != "" {
		if err := m.store.Revoke(ctx, "fam:"+o.fam, m.familyUntil()); err != nil {
			return fmt.Errorf("authtoken: revoking the family: %w", err)
		}
	}
	return nil
}

// revoke denylists the jti of the verified token t until it expires.
func (m *Manager) revoke(ctx context.Context, t *verifier.Token) error {
	if t.Claims.TokenID == "" {
		return ErrWrongType // not made by this package
	}
	if err := m.store.Revoke(ctx, "jti:"+t.Claims.TokenID, m.until(t.Claims.Expiration.Time)); err != nil {
		return fmt.Errorf("authtoken: revoking the token: %w", err)
	}
	return nil
}

// RevokeToken denylists one valid token of any kind (access, refresh or
// custom) by its jti, until it expires. Revoking a refresh token does not
// revoke its family; use Logout for that. Revoking a token that is
// already revoked succeeds. The token's kind is the one its footer names,
// checked with that kind's key and binding. An empty token means the one
// the httpauth middleware verified for this request
// ([httpauth.RawTokenFrom] of ctx), or [ErrMissingToken] without one.
func (m *Manager) RevokeToken(ctx context.Context, token string) error {
	if !m.issuing() {
		return errNotNew
	}
	token, err := rawToken(ctx, token)
	if err != nil {
		return err
	}
	// The footer names the kind (none: access); its signature or tag,
	// checked with that kind's key and implicit assertion, binds it.
	k := m.access
	if typ, ok := footerType(token); ok && typ != "" {
		if k = m.kind(typ); k == nil || k == m.access {
			return ErrWrongType
		}
	}
	t, err := k.verify(ctx, token, nil)
	if errors.Is(err, ErrRevoked) {
		return nil // authentic, and revoked already
	}
	if err != nil {
		return err
	}
	return m.revoke(ctx, t)
}

// LogoutEverywhere revokes every token of subject issued at or before now,
// of every kind. Tokens carry their issue time (iat) to the millisecond and
// the cutoff is the instant of the call, so a login right after
// LogoutEverywhere returns gets tokens that work; only a token issued in
// the very millisecond of the cutoff is refused with the older ones (a
// store keeping cutoffs to the millisecond rounds them up). A Refresh of the subject that runs
// concurrently either sees the cutoff and fails with ErrRevoked, or mints
// tokens dated no later than its own read of the cutoff, which this
// cutoff therefore revokes: it never returns tokens that outlive the call
// (as long as the clocks of the processes sharing the store agree). A
// concurrent Login is a new authentication and is not undone.
func (m *Manager) LogoutEverywhere(ctx context.Context, subject string) error {
	if !m.issuing() {
		return errNotNew
	}
	if subject == "" {
		return ErrEmptySubject
	}
	now := m.now()
	until := farFuture
	if m.retention != 0 {
		until = now.Add(m.retention + m.leeway + time.Second)
	}
	if err := m.store.SetCutoff(ctx, "sub:"+subject, now, until); err != nil {
		return fmt.Errorf("authtoken: recording the cutoff: %w", err)
	}
	return nil
}
