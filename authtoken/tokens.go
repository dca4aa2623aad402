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
// the reserved ones added. The issuer adds iss, iat, nbf, exp and jti.
func (m *Manager) payload(subject string, claims map[string]any, typ string, fresh *bool, fam string) (map[string]any, error) {
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
	if m.aud != nil {
		p["aud"] = m.aud
	}
	return p, nil
}

// issue makes a token of kind k, dated at (issuer.IssueOptions.IssuedAt:
// iat and nbf are at in whole seconds, exp is iat plus the kind's
// lifetime, so exp-iat is the lifetime as for every token; the retention
// of cutoffs and family revocations relies on it). A zero at means now.
func (m *Manager) issue(k *kind, at time.Time, subject string, claims map[string]any, fresh *bool, fam string) (string, error) {
	p, err := m.payload(subject, claims, k.name, fresh, fam)
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
	return m.issue(m.access, time.Time{}, subject, claims, &fresh, "")
}

// CreateRefreshToken returns a refresh token for subject that starts a new
// family, carrying claims. Prefer Login, which also makes the access token
// of the family.
func (m *Manager) CreateRefreshToken(ctx context.Context, subject string, claims map[string]any) (string, error) {
	if m == nil || m.access == nil {
		return "", errNotNew
	}
	return m.issue(m.refresh, time.Time{}, subject, claims, nil, newFamily())
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
	return m.issue(k, time.Time{}, subject, claims, nil, "")
}

// Login returns a fresh access token and a refresh token of a new family
// for subject, both carrying claims.
func (m *Manager) Login(ctx context.Context, subject string, claims map[string]any) (Pair, error) {
	if m == nil || m.access == nil {
		return Pair{}, errNotNew
	}
	return m.pair(time.Time{}, subject, claims, true, newFamily())
}

// pair makes an access and a refresh token of family fam, dated at (see
// issue).
func (m *Manager) pair(at time.Time, subject string, claims map[string]any, fresh bool, fam string) (Pair, error) {
	a, err := m.issue(m.access, at, subject, claims, &fresh, fam)
	if err != nil {
		return Pair{}, err
	}
	r, err := m.issue(m.refresh, at, subject, claims, nil, fam)
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
// Nothing is read from the store after the refresh token is consumed, so
// a store failure cannot use up the token without returning its successor
// (the client's retry would then be taken as reuse and revoke the family).
//
// Store errors are returned wrapped, so errors.Is(err,
// store.ErrUnavailable) holds when the store could not be reached.
func (m *Manager) Refresh(ctx context.Context, refreshToken string) (Pair, error) {
	if m == nil || m.access == nil {
		return Pair{}, errNotNew
	}
	// at dates the new pair. It is read before the verification reads the
	// subject's cutoff, so that a LogoutEverywhere recording its cutoff
	// after that read (too late for the verification to see it) has a
	// cutoff at or after the pair's iat and revokes the pair. Nothing may
	// read the store after Consume: a failure there would lose the refresh
	// token without handing out the new pair, and the client's retry would
	// count as reuse and revoke the family.
	at := m.now()
	t, err := m.refresh.ver.Verify(ctx, refreshToken, nil)
	if err != nil {
		return Pair{}, err
	}
	o, err := readOwn(t)
	if err != nil {
		return Pair{}, err
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
// from it. accessToken must be a valid access token (fresh or not).
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
	if err := m.store.SetCutoff(ctx, "sub:"+subject, now, until); err != nil {
		return fmt.Errorf("authtoken: recording the cutoff: %w", err)
	}
	return nil
}
