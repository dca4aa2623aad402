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
// the reserved ones added. The issuer adds iss, iat, nbf, exp and jti.
func (m *Manager) payload(subject string, claims map[string]any, typ string, fresh *bool, fam string, gen *uint64) (map[string]any, error) {
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
	if m.aud != nil {
		p["aud"] = m.aud
	}
	return p, nil
}

// issue makes a token of kind k, dated at (issuer.IssueOptions.IssuedAt:
// iat and nbf are at in whole seconds, exp is iat plus the kind's
// lifetime, so exp-iat is the lifetime as for every token; the retention
// of cutoffs and family revocations relies on it). A zero at means now.
func (m *Manager) issue(k *kind, at time.Time, subject string, claims map[string]any, fresh *bool, fam string, gen *uint64) (string, error) {
	p, err := m.payload(subject, claims, k.name, fresh, fam, gen)
	if err != nil {
		return "", err
	}
	return k.iss.IssueWith(p, issuer.IssueOptions{IssuedAt: at})
}

// CreateAccessToken returns an access token for subject, fresh or not,
// carrying claims (which must not hold a reserved claim: see
// [issuer.ReservedClaimError]). It belongs to no refresh family, so Logout revokes
// only it. ctx is reserved for stores and hooks; it is not used yet.
func (m *Manager) CreateAccessToken(ctx context.Context, subject string, fresh bool, claims map[string]any) (string, error) {
	if m == nil || m.access == nil {
		return "", errNotNew
	}
	return m.issue(m.access, time.Time{}, subject, claims, &fresh, "", nil)
}

// CreateRefreshToken returns a refresh token for subject that starts a new
// family, carrying claims, and records the family in the store (see
// Login). Prefer Login, which also makes the access token of the family.
func (m *Manager) CreateRefreshToken(ctx context.Context, subject string, claims map[string]any) (string, error) {
	if m == nil || m.access == nil {
		return "", errNotNew
	}
	at := m.now()
	fam := newFamily()
	var gen uint64
	r, err := m.issue(m.refresh, at, subject, claims, nil, fam, &gen)
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

// CreateToken returns a token of the custom kind kindName for subject,
// carrying claims. Access and refresh tokens have their own methods;
// another kind is ErrUnknownKind.
func (m *Manager) CreateToken(ctx context.Context, kindName, subject string, claims map[string]any) (string, error) {
	if m == nil || m.access == nil {
		return "", errNotNew
	}
	k, ok := m.custom[kindName]
	if !ok {
		return "", ErrUnknownKind
	}
	return m.issue(k, time.Time{}, subject, claims, nil, "", nil)
}

// Login returns a fresh access token and a refresh token of a new family
// for subject, both carrying claims, and records the family in the store
// (one write): when the subject already has the store's bound of live
// families (store.DefaultMaxFamiliesPerUser unless the store is
// configured otherwise), the one that expires soonest is revoked, so that
// the state one subject keeps is bounded. A store error is returned
// wrapped (errors.Is(err, store.ErrUnavailable)), and no pair.
func (m *Manager) Login(ctx context.Context, subject string, claims map[string]any) (Pair, error) {
	if m == nil || m.access == nil {
		return Pair{}, errNotNew
	}
	at := m.now()
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
	a, err := m.issue(m.access, at, subject, claims, &fresh, fam, nil)
	if err != nil {
		return Pair{}, err
	}
	r, err := m.issue(m.refresh, at, subject, claims, nil, fam, &gen)
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
// verification read the subject's cutoff: iat and nbf are that instant in
// whole seconds, and exp is iat plus each kind's lifetime, as for every
// token. The tokens therefore reach the client with their lifetimes
// shortened by the time Refresh took (its store round trips). A
// LogoutEverywhere that runs concurrently either recorded its cutoff
// before that read, and Refresh fails with ErrRevoked, or has a cutoff at
// or after the new pair's iat, which revokes the pair: Refresh never
// returns tokens that outlive it. This assumes that the clocks of the
// processes sharing the store agree. (A Logout or reuse that revokes the
// family meanwhile revokes the new pair too: it belongs to the family.)
//
// Store errors are returned wrapped, so errors.Is(err,
// store.ErrUnavailable) holds when the store could not be reached; the
// client retries with the same refresh token.
func (m *Manager) Refresh(ctx context.Context, refreshToken string) (Pair, error) {
	if m == nil || m.access == nil {
		return Pair{}, errNotNew
	}
	// at dates the new pair. It is read before the verification reads the
	// subject's cutoff, so that a LogoutEverywhere recording its cutoff
	// after that read (too late for the verification to see it) has a
	// cutoff at or after the pair's iat and revokes the pair. Nothing is
	// read from the store after the rotation.
	at := m.now()
	t, err := m.refresh.ver.Verify(ctx, refreshToken, nil)
	if err != nil {
		return Pair{}, err
	}
	o, err := readOwn(t)
	if err != nil {
		return Pair{}, err
	}
	if t.Claims.TokenID == "" || o.fam == "" || !o.hasGen || o.gen == math.MaxUint64 {
		// Not made by this package's Login or CreateRefreshToken: it
		// cannot be rotated safely.
		return Pair{}, ErrWrongType
	}
	sub := t.Claims.Subject
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
func group(subject string) string {
	h := sha256.Sum256([]byte(subject))
	return "{" + base64.RawURLEncoding.EncodeToString(h[:12]) + "}"
}

func jtiKey(subject, jti string) string { return group(subject) + "jti:" + jti }
func famKey(subject, fam string) string { return group(subject) + "fam:" + fam }
func ownerKey(subject string) string    { return group(subject) + "fams" }
func cutoffKey(subject string) string   { return group(subject) + "sub:" + subject }

// Logout revokes accessToken and, when it belongs to a refresh family, the
// whole family: the refresh token made with it and every token rotated
// from it. accessToken must be a valid access token (fresh or not). An
// access token of a family is revoked by deleting the family's record (one
// store write, and no entry left behind); one without a family is
// denylisted by its jti until it expires.
func (m *Manager) Logout(ctx context.Context, accessToken string) error {
	if m == nil || m.access == nil {
		return errNotNew
	}
	t, err := m.access.ver.Verify(ctx, accessToken, nil)
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
// already revoked succeeds.
func (m *Manager) RevokeToken(ctx context.Context, token string) error {
	if m == nil || m.access == nil {
		return errNotNew
	}
	var firstErr, bestErr error
	for _, k := range m.kinds() {
		t, err := k.ver.Verify(ctx, token, nil)
		if err == nil {
			return m.revoke(ctx, t)
		}
		if errors.Is(err, ErrRevoked) {
			return nil // authentic, and revoked already
		}
		if firstErr == nil {
			firstErr = err
		}
		// Prefer an error that says something about the token itself
		// (expired, store unavailable) over one that only says this
		// kind's key or type does not fit.
		if bestErr == nil && !errors.Is(err, ErrWrongType) && !errors.Is(err, verifier.ErrUnknownKey) &&
			!errors.Is(err, verifier.ErrWrongKey) && !errors.Is(err, verifier.ErrInvalidSignature) && !errors.Is(err, verifier.ErrInvalidMAC) {
			bestErr = err
		}
	}
	if bestErr != nil {
		return bestErr
	}
	return firstErr
}

// LogoutEverywhere revokes every token of subject issued at or before now,
// of every kind. Tokens carry their issue time in whole seconds, so a token
// issued later in the same second as the call is revoked too: log in again
// after LogoutEverywhere returns, a second later at the earliest, or accept
// that such a token is refused. A Refresh of the subject that runs
// concurrently either sees the cutoff and fails with ErrRevoked, or mints
// tokens dated no later than its own read of the cutoff, which this
// cutoff therefore revokes: it never returns tokens that outlive the call
// (as long as the clocks of the processes sharing the store agree). A
// concurrent Login is a new authentication and is not undone.
func (m *Manager) LogoutEverywhere(ctx context.Context, subject string) error {
	if m == nil || m.access == nil {
		return errNotNew
	}
	if subject == "" {
		return ErrEmptySubject
	}
	now := m.now().UTC().Truncate(time.Second)
	until := farFuture
	if m.retention != 0 {
		until = now.Add(m.retention + m.leeway + time.Second)
	}
	if err := m.store.SetCutoff(ctx, cutoffKey(subject), now, until); err != nil {
		return fmt.Errorf("authtoken: recording the cutoff: %w", err)
	}
	return nil
}
