package authtoken

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/pasetokit/pasetokit/httpauth"
	"github.com/pasetokit/pasetokit/internal/strictjson"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/store"
	"github.com/pasetokit/pasetokit/verifier"
)

// kindRule is the first rule of a kind's verifier: the token's type claim
// must be name ([ErrWrongType] otherwise), then the revocation checks of
// checkRevocation. One rule for both, so that the payload's own claims are
// read once.
func (m *Manager) kindRule(name string) verifier.Rule {
	return func(ctx context.Context, t *verifier.Token) error {
		o, err := readOwn(t)
		if err != nil {
			return err
		}
		if o.typ != name {
			return ErrWrongType
		}
		return m.checkRevocation(ctx, t, o)
	}
}

// checkRevocation checks the store in one round trip ([store.Store.Check]):
// the token's jti must not be revoked, its family (when it has one) must be
// live, and it must have been issued after its subject's cutoff. Store
// errors are returned wrapped (fail closed).
func (m *Manager) checkRevocation(ctx context.Context, t *verifier.Token, o own) error {
	sub := t.Claims.Subject
	g := group(sub)
	c := store.Check{Cutoff: g.cutoff(sub)}
	if t.Claims.TokenID != "" {
		c.Keys = []string{g.jti(t.Claims.TokenID)}
	}
	if o.fam != "" {
		c.Family = g.fam(o.fam)
	}
	st, err := m.store.Check(ctx, c)
	if err != nil {
		return fmt.Errorf("authtoken: revocation check: %w", err)
	}
	if st.Revoked {
		return ErrRevoked
	}
	// A token without iat cannot be placed after the cutoff: fail closed.
	if !st.Cutoff.IsZero() && (t.Claims.IssuedAt.IsZero() || !t.Claims.IssuedAt.After(st.Cutoff)) {
		return ErrRevoked
	}
	return nil
}

// footerType returns the "type" of the token's footer, read before
// verification: the kind the token claims to be, which its signature or
// tag binds (footers are authenticated). It is "" when the footer has no
// type (access tokens, and tokens not made by this package), and ok is
// false when the footer cannot be read, which the verifier then reports.
func footerType(token string) (typ string, ok bool) {
	u, err := paseto.Unverified(token)
	if err != nil {
		return "", false
	}
	if len(u.UnverifiedFooter) == 0 || kidOnly(u.UnverifiedFooter) {
		return "", true
	}
	return footerTypeJSON(u.UnverifiedFooter)
}

// footerTypeJSON is footerType of a non-empty footer, through the JSON
// decoder (FuzzFooterType holds kidOnly's shortcut to it).
func footerTypeJSON(footer []byte) (typ string, ok bool) {
	// A map, not a struct: the name must be exactly "type", where
	// encoding/json would also take "TYPE" into a struct field.
	var f map[string]json.RawMessage
	if (paseto.FooterLimits{}).Unmarshal(footer, &f) != nil {
		return "", false
	}
	raw, found := f["type"]
	if !found {
		return "", true
	}
	if json.Unmarshal(raw, &typ) != nil || typ == "" || typ == TypeAccess {
		return "\x00", true // never written by this package: no kind's
	}
	return typ, true
}

// kidOnly reports whether footer is exactly {"kid":"s"}, s of printable
// ASCII other than '"' and '\', within the default footer limits: the
// footer of every access token, which has no type and needs no decoder
// (FooterLimits would accept it, and find no "type" in it).
func kidOnly(footer []byte) bool {
	if len(footer) > paseto.DefaultMaxFooterJSONLength {
		return false
	}
	_, ok := strictjson.OnlyPlainString(footer, "kid")
	return ok
}

// verify verifies token as a token of k: first its kind, from the footer,
// so that nothing else (a missing exp, a revocation) can mask a token of
// another kind; then the signature or tag with k's implicit assertion and
// the rest.
func (k *kind) verify(ctx context.Context, token string, implicit []byte) (*verifier.Token, error) {
	if typ, ok := footerType(token); ok && typ != k.footerType() {
		if k.unbound && typ == "" && unbound(token) {
			// Config.AllowUnboundKinds: a token made elsewhere, with
			// no footer; its type claim is checked by kindRule.
			return k.ver.Verify(ctx, token, implicit)
		}
		return nil, ErrWrongType
	}
	return k.ver.Verify(ctx, token, k.implicit(implicit))
}

// unbound reports whether token has no footer at all, as the tokens of
// other libraries that [Config.AllowUnboundKinds] lets through.
func unbound(token string) bool {
	u, err := paseto.Unverified(token)
	return err == nil && len(u.UnverifiedFooter) == 0
}

// footerType is the footer type of k's tokens.
func (k *kind) footerType() string {
	if !k.footer {
		return ""
	}
	return k.name
}

// requirement is an httpauth.TokenVerifier for one kind of token.
type requirement struct {
	k     *kind
	fresh bool
}

// Verify implements httpauth.TokenVerifier.
func (r requirement) Verify(ctx context.Context, token string, implicit []byte) (*verifier.Token, error) {
	t, err := r.k.verify(ctx, token, implicit)
	if err != nil {
		return nil, err
	}
	if r.fresh {
		o, err := readOwn(t)
		if err != nil {
			return nil, err
		}
		if !o.fresh {
			return nil, ErrNotFresh
		}
	}
	return t, nil
}

// errVerifier is a TokenVerifier that rejects everything, for Type with an
// unknown kind and for Managers not made by New.
type errVerifier struct{ err error }

func (e errVerifier) Verify(context.Context, string, []byte) (*verifier.Token, error) {
	return nil, e.err
}

// Access returns a verifier of access tokens, fresh or not, for
// httpauth.Config.Verifier: use it with Require, or with Optional for
// routes that also serve anonymous clients.
func (m *Manager) Access() httpauth.TokenVerifier {
	if m == nil || m.access == nil {
		return errVerifier{errNotNew}
	}
	return requirement{k: m.access}
}

// FreshAccess returns a verifier of fresh access tokens only: those made
// by Login or CreateAccessToken with fresh set, not by Refresh. A
// non-fresh access token is ErrNotFresh.
func (m *Manager) FreshAccess() httpauth.TokenVerifier {
	if m == nil || m.access == nil {
		return errVerifier{errNotNew}
	}
	return requirement{k: m.access, fresh: true}
}

// RefreshTokens returns a verifier of refresh tokens only.
func (m *Manager) RefreshTokens() httpauth.TokenVerifier {
	if m == nil || m.access == nil {
		return errVerifier{errNotNew}
	}
	return requirement{k: m.refresh}
}

// Kind returns a verifier of tokens of the custom kind. For a kind that
// is not configured, every token is rejected with [ErrUnknownKind] (the
// route then always answers 401), so check names at start-up with
// [Manager.Version].
func (m *Manager) Kind(kind string) httpauth.TokenVerifier {
	if m == nil || m.access == nil {
		return errVerifier{errNotNew}
	}
	k, ok := m.custom[kind]
	if !ok {
		return errVerifier{fmt.Errorf("%w: %w", verifier.ErrRule, ErrUnknownKind)}
	}
	return requirement{k: k}
}

// Verify verifies token as a token of kind ("access", "refresh" or a
// custom kind), including the revocation checks, outside of HTTP
// middleware. The kind is checked first, from the footer: a token of
// another kind is [ErrWrongType] whatever else is wrong with it. Tokens
// made with an implicit assertion of the caller's ([IssueOptions.Implicit])
// do not verify here; use the requirements ([Manager.Access] …), whose
// Verify takes one.
func (m *Manager) Verify(ctx context.Context, kind, token string) (*verifier.Token, error) {
	k := m.kind(kind)
	if k == nil {
		return nil, ErrUnknownKind
	}
	return k.verify(ctx, token, nil)
}

// SubjectFrom returns the sub claim of the request's verified token, and
// whether there is a token with a subject.
func SubjectFrom(ctx context.Context) (string, bool) {
	t, ok := httpauth.TokenFrom(ctx)
	if !ok || t.Claims.Subject == "" {
		return "", false
	}
	return t.Claims.Subject, true
}

// TokenIDFrom returns the jti claim ([paseto.Claims.TokenID]) of the
// request's verified token, and whether there is a token with one.
func TokenIDFrom(ctx context.Context) (string, bool) {
	t, ok := httpauth.TokenFrom(ctx)
	if !ok || t.Claims.TokenID == "" {
		return "", false
	}
	return t.Claims.TokenID, true
}

// TypeFrom returns the type claim of the request's verified token: the
// name of its kind ("access", "refresh" or a custom kind), and whether
// there is a token of this package.
func TypeFrom(ctx context.Context) (string, bool) {
	t, ok := httpauth.TokenFrom(ctx)
	if !ok {
		return "", false
	}
	o, err := readOwn(t)
	if err != nil || o.typ == "" {
		return "", false
	}
	return o.typ, true
}

// Fresh reports whether the request's verified token is a fresh access
// token.
func Fresh(ctx context.Context) bool {
	t, ok := httpauth.TokenFrom(ctx)
	if !ok {
		return false
	}
	o, err := readOwn(t)
	return err == nil && o.typ == TypeAccess && o.fresh
}

// ClaimsFrom returns every claim of the request's verified token,
// registered and reserved ones included, and whether there is a token.
// Numbers are json.Number values. The map is the caller's.
func ClaimsFrom(ctx context.Context) (map[string]any, bool) {
	t, ok := httpauth.TokenFrom(ctx)
	if !ok {
		return nil, false
	}
	var m map[string]any
	if t.Decode(&m) != nil {
		return nil, false
	}
	return m, true
}

// FooterFrom returns the JSON footer of the request's verified token as a
// map (its "kid" included), and whether there is a token with a JSON
// footer. The map is the caller's.
func FooterFrom(ctx context.Context) (map[string]any, bool) {
	t, ok := httpauth.TokenFrom(ctx)
	if !ok || len(t.Footer) == 0 {
		return nil, false
	}
	var m map[string]any
	if json.Unmarshal(t.Footer, &m) != nil {
		return nil, false
	}
	return m, true
}
