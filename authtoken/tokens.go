package authtoken

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/pasetokit/pasetokit/httpauth"
	"github.com/pasetokit/pasetokit/issuer"
	"github.com/pasetokit/pasetokit/store"
	"github.com/pasetokit/pasetokit/verifier"
)

// Pair is an access token and a refresh token of the same family.
type Pair struct {
	Access  string
	Refresh string
}

// reserved are the claims this package and the issuer set themselves.
var reserved = [...]string{"sub", "jti", "iat", "nbf", "exp", "type", "fresh", "fam", "gen", "iss", "aud"}

// newFamily returns a random refresh family id: 128 bits, base64url.
func newFamily() string {
	var b [16]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// payload builds the claims of a token: a copy of the caller's claims with
// the reserved ones added, iat dated at to the millisecond, gen (the
// generation of a refresh token in its family) when gen is not nil. The
// issuer adds iss, nbf, exp and jti. aud is nil for the configured
// audiences.
func (m *Manager) payload(at time.Time, subject string, claims map[string]any, typ string, fresh *bool, fam string, gen *uint64, aud any) (map[string]any, error) {
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
	if gen != nil {
		p["gen"] = *gen
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
// A zero at means now. gen, for a refresh token, is its generation in fam.
func (m *Manager) issue(k *kind, at time.Time, subject string, claims map[string]any, fresh *bool, fam string, gen *uint64, opts *IssueOptions) (string, error) {
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
	p, err := m.payload(at, subject, claims, k.name, fresh, fam, gen, aud)
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

// IssueWith returns a token of kind kind ("access", "refresh" or a
// custom kind) for subject, carrying claims, with per-call options. A
// refresh token starts a new family, as [Manager.CreateRefreshToken]
// does. Options that would let the token outlive its revocation are
// [ErrInvalidOptions]; see [IssueOptions].
func (m *Manager) IssueWith(ctx context.Context, kind, subject string, claims map[string]any, opts IssueOptions) (string, error) {
	if !m.issuing() {
		return "", errNotNew
	}
	k := m.kind(kind)
	if k == nil {
		return "", ErrUnknownKind
	}
	var fresh *bool
	if k == m.access {
		fresh = &opts.Fresh
	}
	if k == m.refresh {
		return m.newRefresh(ctx, subject, claims, &opts)
	}
	return m.issue(k, time.Time{}, subject, claims, fresh, "", nil, &opts)
}

// CreateAccessToken returns an access token for subject, fresh or not,
// carrying claims (which must not hold a reserved claim: see
// [issuer.ReservedClaimError]). It belongs to no refresh family, so Logout revokes
// only it. ctx is reserved for stores and hooks; it is not used yet.
func (m *Manager) CreateAccessToken(ctx context.Context, subject string, fresh bool, claims map[string]any) (string, error) {
	if !m.issuing() {
		return "", errNotNew
	}
	return m.issue(m.access, time.Time{}, subject, claims, &fresh, "", nil, nil)
}

// CreateRefreshToken returns a refresh token for subject that starts a new
// family, carrying claims, and records the family in the store (see
// Login). Prefer Login, which also makes the access token of the family.
func (m *Manager) CreateRefreshToken(ctx context.Context, subject string, claims map[string]any) (string, error) {
	if !m.issuing() {
		return "", errNotNew
	}
	return m.newRefresh(ctx, subject, claims, nil)
}

// newRefresh returns a refresh token of generation 0 of a new family,
// made with opts (nil for none), and records the family in the store.
func (m *Manager) newRefresh(ctx context.Context, subject string, claims map[string]any, opts *IssueOptions) (string, error) {
	at := m.now()
	if at.IsZero() {
		return "", errors.New("authtoken: Config.Now returned the zero time")
	}
	fam := newFamily()
	var gen uint64
	r, err := m.issue(m.refresh, at, subject, claims, nil, fam, &gen, opts)
	if err != nil {
		return "", err
	}
	if err := m.createFamily(ctx, at, subject, fam); err != nil {
		return "", err
	}
	return r, nil
}

// createFamily records the new family fam of subject, dated at, in the
// store.
func (m *Manager) createFamily(ctx context.Context, at time.Time, subject, fam string) error {
	if err := m.store.CreateFamily(ctx, ownerKey(subject), famKey(subject, fam), "0", m.familyUntil(at)); err != nil {
		return fmt.Errorf("authtoken: recording the refresh family: %w", err)
	}
	return nil
}

// CreateToken returns a token of the custom kind kind for subject,
// carrying claims. Access and refresh tokens have their own methods;
// another kind is ErrUnknownKind.
func (m *Manager) CreateToken(ctx context.Context, kind, subject string, claims map[string]any) (string, error) {
	if !m.issuing() {
		return "", errNotNew
	}
	k, ok := m.custom[kind]
	if !ok {
		return "", ErrUnknownKind
	}
	return m.issue(k, time.Time{}, subject, claims, nil, "", nil, nil)
}

// Login returns a fresh access token and a refresh token of a new family
// for subject, both carrying claims, and records the family in the store
// (one write): when the subject already has the store's bound of live
// families (store.DefaultMaxFamiliesPerUser unless the store is
// configured otherwise), the one that expires soonest is revoked, so that
// the state one subject keeps is bounded. A store error is returned
// wrapped (errors.Is(err, store.ErrUnavailable)), and no pair.
func (m *Manager) Login(ctx context.Context, subject string, claims map[string]any) (Pair, error) {
	if !m.issuing() {
		return Pair{}, errNotNew
	}
	at := m.now()
	if at.IsZero() {
		return Pair{}, errors.New("authtoken: Config.Now returned the zero time")
	}
	fam := newFamily()
	p, err := m.pair(at, subject, claims, true, fam, 0)
	if err != nil {
		return Pair{}, err
	}
	if err := m.createFamily(ctx, at, subject, fam); err != nil {
		return Pair{}, err
	}
	return p, nil
}

// pair makes an access and a refresh token of family fam, the refresh
// token of generation gen, dated at (see issue).
func (m *Manager) pair(at time.Time, subject string, claims map[string]any, fresh bool, fam string, gen uint64) (Pair, error) {
	a, err := m.issue(m.access, at, subject, claims, &fresh, fam, nil, nil)
	if err != nil {
		return Pair{}, err
	}
	r, err := m.issue(m.refresh, at, subject, claims, nil, fam, &gen, nil)
	if err != nil {
		return Pair{}, err
	}
	return Pair{Access: a, Refresh: r}, nil
}

// Refresh rotates a refresh token: it verifies refreshToken (signature,
// type, expiry and revocation), moves its family on to the next
// generation, and returns a new non-fresh access token and a new refresh
// token of the same family, carrying the claims of the old one other than
// the reserved ones. Of concurrent calls with the same token, exactly one
// rotates the family. Refresh costs two store round trips: the
// verification (one [store.Store.Check]) and the rotation (one
// [store.Store.RotateFamily]).
//
// # Retries
//
// A client may not see the answer to a refresh that succeeded (a timeout,
// a lost response, a store that ran the rotation after the call gave up).
// Its retry with the same refresh token within [Config.RetryWindow]
// (default [DefaultRetryWindow]) of that rotation, while the family has
// not moved on since, is not taken as theft: Refresh hands out the same
// successor again, a pair of the same generation as the one the client
// missed, dated at the retry. Only one branch of the family exists: the
// two copies of the successor are one generation, and whichever is
// presented first moves the family on, after which the other counts as
// reuse (outside the window) or as the same retry (within it). This is
// the trade of every retry window: a thief who presents a stolen refresh
// token within the window of its owner's refresh is not detected at that
// moment, but must then keep within the window of every later rotation of
// the owner, or be detected. The alternative design, revoking the
// successor the client did not see, would need the store to remember
// every token handed out; handing out the same generation again keeps one
// record per family.
//
// # Reuse
//
// Presenting a refresh token of an earlier generation outside the window
// (or after the family moved on) is taken as theft: the whole family is
// revoked in the same store operation (the tokens made from it, including
// the ones the first use returned, stop working), Config.OnReuse is
// called, and the error is ErrRefreshReused. A family that is gone
// (revoked, expired, or evicted by the per-subject bound) is ErrRevoked.
//
// # Dating
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
// # Tokens made elsewhere
//
// With [Config.AllowUnboundKinds], a refresh token made without this
// package's binding and without "fam" (a fastapi-paseto one) enters the
// family model at its first use: its jti is marked used
// ([store.Store.Consume], until the token expires), a family
// "jti-<jti>" is created at generation 0 for it, and that family is
// rotated to generation 1 as any other; the pair returned is of that
// family. A retry of the same token within the window gets generation 1
// again, a later presentation is reuse (the family is revoked), and once
// the family is gone the token stays refused (its mark outlives it). This
// path costs three store writes instead of one.
//
// An empty refreshToken means the one the httpauth middleware verified for
// this request ([httpauth.RawTokenFrom] of ctx), as on a route protected
// with [Manager.RefreshTokens]; with none there, the error is
// [ErrMissingToken].
//
// Store errors are returned wrapped, so errors.Is(err,
// store.ErrUnavailable) holds when the store could not be reached; the
// client retries with the same refresh token.
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
	// cutoff at or after the pair's iat and revokes the pair. Nothing is
	// read from the store after the rotation.
	at := m.now()
	t, err := m.refresh.verify(ctx, refreshToken, nil)
	if err != nil {
		return Pair{}, err
	}
	o, err := readOwn(t)
	if err != nil {
		return Pair{}, err
	}
	sub := t.Claims.Subject
	if o.fam == "" && m.refresh.unbound && t.Claims.TokenID != "" && unbound(refreshToken) {
		// Config.AllowUnboundKinds: a refresh token of another library
		// (fastapi-paseto's have no fam) enters a family named after
		// it, at generation 0, so that its reuse revokes what its first
		// use made.
		o.fam, o.gen, o.hasGen = "jti-"+t.Claims.TokenID, 0, true
		if err := m.adoptFamily(ctx, at, t, o.fam); err != nil {
			return Pair{}, err
		}
	}
	if t.Claims.TokenID == "" || o.fam == "" || !o.hasGen || o.gen == math.MaxUint64 {
		// Not made by this package's Login or CreateRefreshToken: it
		// cannot be rotated safely.
		return Pair{}, ErrWrongType
	}
	from, to := strconv.FormatUint(o.gen, 10), strconv.FormatUint(o.gen+1, 10)
	r, err := m.store.RotateFamily(ctx, ownerKey(sub), famKey(sub, o.fam), from, to, at.Add(m.retryWindow), m.familyUntil(at))
	if err != nil {
		return Pair{}, fmt.Errorf("authtoken: rotating the refresh family: %w", err)
	}
	switch r {
	case store.FamilyRotated, store.FamilyRetried:
	case store.FamilyReused:
		if m.onReuse != nil {
			m.onReuse(ctx, sub, o.fam)
		}
		m.reuseEvent(ctx)
		return Pair{}, ErrRefreshReused
	default:
		return Pair{}, ErrRevoked
	}
	claims, err := userClaims(t)
	if err != nil {
		return Pair{}, err
	}
	return m.pair(at, sub, claims, false, o.fam, o.gen+1)
}

// adoptFamily brings the unbound refresh token t (made elsewhere, without
// a family) into the family fam at generation 0, at its first use: the
// first presentation of its jti (one Consume, so that of concurrent or
// repeated presentations exactly one creates the family) creates fam. A
// later presentation finds the family as the first one left it, and the
// rotation that follows tells a retry from reuse; a family that is gone
// by then stays gone (the token is refused, never adopted again).
func (m *Manager) adoptFamily(ctx context.Context, at time.Time, t *verifier.Token, fam string) error {
	sub := t.Claims.Subject
	first, err := m.store.Consume(ctx, jtiKey(sub, "adopted:"+t.Claims.TokenID), m.until(t.Claims.Expiration.Time))
	if err != nil {
		return fmt.Errorf("authtoken: adopting the refresh token: %w", err)
	}
	if !first {
		return nil
	}
	return m.createFamily(ctx, at, sub, fam)
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

// familyUntil returns how long the record of a family whose latest tokens
// are dated at is kept: none of its tokens outlives at plus the longest of
// the access and refresh lifetimes (plus leeway, and a second for the
// rounding of iat).
func (m *Manager) familyUntil(at time.Time) time.Time {
	if m.access.lifetime == 0 || m.refresh.lifetime == 0 {
		return farFuture
	}
	return at.Add(max(m.access.lifetime, m.refresh.lifetime) + m.leeway + time.Second)
}

// Store keys. Every key of a subject carries the group {h}, h a hash of
// the subject, so that a store spreading keys over servers (Redis Cluster)
// keeps them together and the check of one token is one round trip.
func group(subject string) groupTag {
	h := sha256.Sum256([]byte(subject))
	var g groupTag
	g[0] = '{'
	base64.RawURLEncoding.Encode(g[1:len(g)-1], h[:12])
	g[len(g)-1] = '}'
	return g
}

// groupTag is a subject's group: "{" + 16 base64url letters + "}".
type groupTag [18]byte

// key returns the group followed by kind and id, in one allocation.
func (g *groupTag) key(kind, id string) string { return string(g[:]) + kind + id }

// The store keys of a subject's group: a revoked jti, a refresh family,
// the subject's index of families, and its cutoff.
func (g *groupTag) jti(id string) string     { return g.key("jti:", id) }
func (g *groupTag) fam(id string) string     { return g.key("fam:", id) }
func (g *groupTag) owner() string            { return g.key("fams", "") }
func (g *groupTag) cutoff(sub string) string { return g.key("sub:", sub) }

func jtiKey(subject, jti string) string { g := group(subject); return g.jti(jti) }
func famKey(subject, fam string) string { g := group(subject); return g.fam(fam) }
func ownerKey(subject string) string    { g := group(subject); return g.owner() }
func cutoffKey(subject string) string   { g := group(subject); return g.cutoff(subject) }

// Logout revokes accessToken and, when it belongs to a refresh family, the
// whole family: the refresh token made with it and every token rotated
// from it. accessToken must be a valid access token (fresh or not); empty
// means the one the httpauth middleware verified for this request
// ([httpauth.RawTokenFrom] of ctx), or [ErrMissingToken] without one. An
// access token of a family is revoked by deleting the family's record (one
// store write, and no entry left behind); one without a family is
// denylisted by its jti until it expires.
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
	if o.fam == "" {
		return m.revoke(ctx, t)
	}
	sub := t.Claims.Subject
	if err := m.store.RevokeFamily(ctx, ownerKey(sub), famKey(sub, o.fam)); err != nil {
		return fmt.Errorf("authtoken: revoking the family: %w", err)
	}
	return nil
}

// revoke denylists the jti of the verified token t until it expires.
func (m *Manager) revoke(ctx context.Context, t *verifier.Token) error {
	if t.Claims.TokenID == "" {
		return ErrWrongType // not made by this package
	}
	if err := m.store.Revoke(ctx, jtiKey(t.Claims.Subject, t.Claims.TokenID), m.until(t.Claims.Expiration.Time)); err != nil {
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
	if err := m.store.SetCutoff(ctx, cutoffKey(subject), now, until); err != nil {
		return fmt.Errorf("authtoken: recording the cutoff: %w", err)
	}
	return nil
}
