package authtoken

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/pasetokit/pasetokit/httpauth"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/observe"
	"github.com/pasetokit/pasetokit/store"
	"github.com/pasetokit/pasetokit/verifier"
)

// VerifierConfig configures a [Verifier], the verify-only side of a
// [Manager] for a process that does not issue tokens (a resource server).
// Keys, KeySource or KeySets, and Store, must be set: every other zero field has the
// safe behaviour its documentation gives.
type VerifierConfig struct {
	// Keys verify access tokens: the public keys of the issuing service's
	// access kind (k4.public…), or its local keys when access tokens are
	// local. Secret keys are refused: a process that only verifies should
	// not hold them. A key's [keyring.Key.Issuer] binds it to that issuer.
	Keys []keyring.Key
	// KeySource, used instead of Keys, is a live source of the access
	// kind's keys, such as a [keyring.Ring] on the issuing service's
	// backend ([Config.Access]'s KeySource): its next, current and
	// retired keys verify, as [verifier.Config.KeySource]. A ring holds
	// the secret keys too; where this process should not, use KeySets.
	KeySource keyring.Source
	// KeySets are key set documents the issuing service publishes, such
	// as its access keys' key set handler. Each must be bound to its
	// issuer ([verifier.KeySet.Issuer]). They are fetched when first
	// needed; see [verifier.KeySet] for refreshing and staleness.
	KeySets []verifier.KeySet

	// Issuers, when not empty, are the accepted iss values; the issuing
	// service's [Config.Issuer] belongs here.
	Issuers []string
	// Audiences, when not empty, are the accepted audiences: a token must
	// name at least one of them.
	Audiences []string

	// Store is the store the issuing service writes revocations, refresh
	// families and cutoffs to (a shared store such as redisstore). It is
	// required: without it, a logged-out or revoked token would still be
	// accepted here.
	Store store.Store

	// Leeway is the clock skew tolerated when checking exp, nbf and iat.
	// Zero means none; negative is an error.
	Leeway time.Duration
	// Rules are checks of the caller's own, run after every other check,
	// as [Config.Rules].
	Rules []verifier.Rule
	// CacheSize, if positive, keeps up to this many verified access
	// tokens, as [Config.CacheSize]: the signature or tag check and the
	// payload decoding are skipped for a token seen again, while exp, nbf
	// and iat (with the current clock), the issuer, the audiences, the key
	// still verifying, and the rules, among them the kind and the store's
	// revocation, family and cutoff checks, still run on every call. Zero
	// disables the cache; negative is an error. It bounds the cache's
	// memory as [Config.CacheSize] says.
	CacheSize int
	// Now returns the current time; nil means time.Now. It must be safe
	// for concurrent use and is not called by [NewVerifier].
	Now func() time.Time
	// Events receives the verifier's events: each verification's outcome
	// and each key set fetch, with its staleness (see package observe).
	// Nil means [observe.Default].
	Events observe.Handler
}

// Verifier verifies access tokens made by a [Manager] in another process,
// with the same checks as the Manager's own requirements: the kind first
// (a refresh or custom-kind token is [ErrWrongType], whatever else is
// wrong with it), a kid naming one of its keys, signature, claims, then
// revocation, refresh family and cutoff through the shared store
// ([ErrRevoked]; [store.ErrUnavailable] when it cannot answer: 503). Make
// one with [NewVerifier]; it is safe for concurrent use.
//
// A Verifier is itself the access-token requirement, an
// [httpauth.TokenVerifier]: give it to httpauth.Config.Verifier, or to
// other protocols' interceptors built on that interface. Read the token
// in handlers with [SubjectFrom], [ClaimsFrom] and the other accessors.
type Verifier struct {
	m *Manager // verify-only: the access kind, without an issuer
}

// NewVerifier validates cfg and returns a Verifier. It does no network
// I/O and does not read the clock. Its errors are *[ConfigError] values
// matching [ErrInvalidConfig], naming fields of [VerifierConfig].
func NewVerifier(cfg VerifierConfig) (*Verifier, error) {
	if cfg.Store == nil {
		return nil, configError("Store", errors.New("nil: the issuing service's shared store is needed to see revocations"))
	}
	if cfg.Leeway < 0 {
		return nil, configError("Leeway", errors.New("negative"))
	}
	if cfg.CacheSize < 0 {
		return nil, configError("CacheSize", errors.New("negative"))
	}
	if len(cfg.Keys) == 0 && len(cfg.KeySets) == 0 && cfg.KeySource == nil {
		return nil, configError("Keys", errors.New("no keys, no KeySource and no key sets"))
	}
	if len(cfg.Keys) != 0 && cfg.KeySource != nil {
		return nil, configError("KeySource", errors.New("set together with Keys: set one"))
	}
	for i, r := range cfg.Rules {
		if r == nil {
			return nil, configError("Rules["+strconv.Itoa(i)+"]", errors.New("nil rule"))
		}
	}
	m := &Manager{store: cfg.Store, now: cfg.Now, leeway: cfg.Leeway, custom: map[string]*kind{}, events: cfg.Events}
	if m.now == nil {
		m.now = time.Now
	}
	ver, err := verifier.New(verifier.Config{
		Keys:         cfg.Keys,
		KeySource:    cfg.KeySource,
		KeySets:      cfg.KeySets,
		Issuers:      cfg.Issuers,
		Audiences:    cfg.Audiences,
		Leeway:       cfg.Leeway,
		RequireKeyID: true,
		Rules:        append([]verifier.Rule{m.kindRule(TypeAccess)}, cfg.Rules...),
		CacheSize:    cfg.CacheSize,
		Now:          m.now,
		Events:       cfg.Events,
	})
	if err != nil {
		var ve *verifier.ConfigError
		if errors.As(err, &ve) {
			return nil, configError(ve.Field, ve.Err)
		}
		return nil, configError("Keys", err)
	}
	m.access = &kind{name: TypeAccess, ver: ver}
	return &Verifier{m: m}, nil
}

// Verify verifies token as an access token, fresh or not: it implements
// [httpauth.TokenVerifier]. implicit is the implicit assertion the token
// was made with ([IssueOptions.Implicit]), nil for none.
func (v *Verifier) Verify(ctx context.Context, token string, implicit []byte) (*verifier.Token, error) {
	if v == nil || v.m == nil {
		return nil, errNotNew
	}
	return requirement{k: v.m.access}.Verify(ctx, token, implicit)
}

// Access returns the verifier of access tokens, fresh or not: v itself,
// for symmetry with [Manager.Access].
func (v *Verifier) Access() httpauth.TokenVerifier {
	if v == nil || v.m == nil {
		return errVerifier{errNotNew}
	}
	return v
}

// FreshAccess returns a verifier of fresh access tokens only, as
// [Manager.FreshAccess]: a non-fresh one is [ErrNotFresh] (403).
func (v *Verifier) FreshAccess() httpauth.TokenVerifier {
	if v == nil || v.m == nil {
		return errVerifier{errNotNew}
	}
	return requirement{k: v.m.access, fresh: true}
}

// FetchKeySets fetches the configured key sets now and waits for them,
// as [verifier.Verifier.Refresh]: call it at start-up to fail early when
// they cannot be reached. Without it they are fetched when first needed.
func (v *Verifier) FetchKeySets(ctx context.Context) error {
	if v == nil || v.m == nil {
		return errNotNew
	}
	return v.m.access.ver.Refresh(ctx)
}

// A Verifier is what httpauth and other protocols' interceptors take.
var _ httpauth.TokenVerifier = (*Verifier)(nil)
