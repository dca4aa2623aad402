package authtoken

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pasetokit/pasetokit/issuer"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/observe"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/store"
	"github.com/pasetokit/pasetokit/verifier"
)

// Default lifetimes, used when a [KindConfig]'s Lifetime is zero and
// NoExpiration is false.
const (
	DefaultAccessLifetime  = 15 * time.Minute
	DefaultRefreshLifetime = 30 * 24 * time.Hour
	DefaultCustomLifetime  = 30 * 24 * time.Hour
)

// Names of the built-in kinds, written in the "type" claim.
const (
	TypeAccess  = "access"
	TypeRefresh = "refresh"
)

// farFuture is how long the store keeps entries about tokens that never
// expire.
var farFuture = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// KindConfig configures one kind of token: its keys, which decide the
// version and purpose of its tokens, and its lifetime.
type KindConfig struct {
	// Keys are this kind's keys. The first issues its tokens: a secret
	// key (PASERK or PEM) makes public tokens of its version, a local key
	// local tokens. All of them verify: a secret key through its public
	// half, a local key itself, and a public key, which can only verify
	// and so may not be first. List the previous key after the first
	// while keys rotate. Every key must have the version and purpose of
	// the first (a public key counts as its secret half), or New fails;
	// a token of another version or purpose is refused. A key whose
	// [keyring.Key.Issuer] is empty is bound to [Config.Issuer]. Empty
	// means the access kind's Keys (or KeySource); [Config.Access] must
	// set Keys or KeySource. [Manager.SetKeys] replaces them.
	Keys []keyring.Key
	// KeySource, used instead of Keys, is a live source of this kind's
	// keys, such as a [keyring.Ring]: its current key issues, its next,
	// current and retired keys verify, and the Manager follows its
	// rotations without being rebuilt (see [issuer.Config.KeySource] and
	// [verifier.Config.KeySource]). A public ring makes public tokens, a
	// local ring local tokens. New checks that the source keeps retired
	// keys for Lifetime and refuses NoExpiration with it. Kinds may share
	// a source.
	KeySource keyring.Source
	// Lifetime is how long tokens of this kind are valid. Zero means the
	// kind's default ([DefaultAccessLifetime], [DefaultRefreshLifetime]
	// or [DefaultCustomLifetime]); otherwise it must be at least one
	// second.
	Lifetime time.Duration
	// NoExpiration makes tokens of this kind without exp, valid until
	// revoked or until their key is retired. It is the only way to drop
	// exp, and setting it together with Lifetime is an error. Store
	// entries about such tokens are kept until year 9999.
	NoExpiration bool
}

// Config configures a [Manager]. Only Access.Keys must be set: every other
// zero field has the safe behaviour its documentation gives.
type Config struct {
	// Access configures access tokens (claim type "access", with a fresh
	// claim). Access.Keys is required.
	Access KindConfig
	// Refresh configures refresh tokens (claim type "refresh", with a fam
	// claim naming the family). Empty Refresh.Keys means Access.Keys;
	// the tokens stay bound to their kind (see the package documentation,
	// "Kinds cannot be confused").
	Refresh KindConfig
	// Custom configures custom kinds by name (claim type "<name>"). Names
	// are 1 to 64 characters among ASCII letters, digits, '-', '_' and
	// '.', and not "access" or "refresh". Empty Keys mean Access.Keys,
	// with the tokens bound to their kind as refresh tokens are.
	Custom map[string]KindConfig

	// Issuer, when not empty, is written as the iss claim of every token.
	// Unless Issuers is set, it is also the one issuer accepted of every
	// verified token, and the issuer a key is bound to when its
	// [keyring.Key.Issuer] is empty.
	Issuer string
	// Issuers, when not empty, are the iss values accepted of a verified
	// token instead of Issuer alone (for example the old and the new name
	// while the service is renamed); it must then hold Issuer, so that the
	// Manager accepts its own tokens. Keys are then bound to an issuer only
	// by their own [keyring.Key.Issuer].
	Issuers []string
	// Audiences, when not empty, are written as the aud claim of every
	// token (a string for one value, a list for several), and a verified
	// token must name at least one of them.
	Audiences []string

	// AllowSharedV2Keys lets a v2 kind other than access share a key with
	// the access kind (by an empty Keys, or by listing it). v2 tokens
	// cannot be bound to their kind by an implicit assertion, so those
	// tokens are then told apart by their type alone, which plain
	// verifiers do not read: a verifier other than this package's, given
	// the access key, accepts them as access tokens. Set it only where
	// nothing but this package verifies the tokens, such as a port of a
	// fastapi-paseto v2 service that used one key for every kind.
	AllowSharedV2Keys bool

	// AllowMissingKeyID lets this package's verifiers accept a token
	// whose footer names no key (no kid): it is then tried against the
	// kind's key. Tokens issued here always carry a kid; only tokens made
	// elsewhere lack one, such as those of a fastapi-paseto service being
	// ported (compat/fastapipaseto sets it). It is refused unless every
	// kind has exactly one key in Keys and no KeySource, so that a token
	// without a kid is never tried against several keys; [Manager.SetKeys]
	// then takes one key only. Leave it false otherwise.
	AllowMissingKeyID bool
	// AllowUnboundKinds lets kinds other than access also accept tokens
	// made without this package's kind binding: tokens with no footer at
	// all, verified without the kind's implicit assertion, whose "type"
	// claim alone says their kind (it is still checked). Tokens of
	// fastapi-paseto, which a port must keep accepting until they expire,
	// are such tokens (compat/fastapipaseto sets it). Tokens issued here
	// stay bound, and a token with a footer must still name its kind
	// there. A refresh token without "fam" (not made by Login) is then
	// rotated into a family of its own, derived from its jti, so that its
	// reuse is still detected. Plain verifiers given the access key accept
	// such unbound tokens of other kinds as access tokens: leave it false
	// once the old tokens have expired.
	AllowUnboundKinds bool

	// Store keeps revocations, refresh families and logout cutoffs. Nil
	// means a new [store.NewMemory], which is right for a single process;
	// use a shared store when the application runs on several machines.
	Store store.Store

	// Leeway is the clock skew tolerated when checking exp, nbf and iat.
	// Zero means none; negative is an error.
	Leeway time.Duration

	// Rules are checks of the caller's own, run on every verification of
	// every kind after the built-in and this package's checks (type,
	// revocation, cutoff) have passed. Their errors are returned wrapped in
	// a *[verifier.RuleError].
	Rules []verifier.Rule

	// CacheSize, if positive, keeps up to this many verified access
	// tokens ([verifier.Config.CacheSize]) so that verifying one again
	// skips the signature or tag check and payload decoding, the larger
	// part of a verification's CPU. Every other check still runs on every
	// call: exp, nbf and iat with the current clock and Leeway, the
	// issuer and audiences, the key still verifying (an entry is dropped
	// once its key has left Access.Keys or Access.KeySource), and the
	// rules, among them this package's own: the type, and the store's
	// revocation, family and cutoff checks, so that a revoked or logged
	// out token is refused on the next call, cached or not. Zero disables
	// the cache; negative is an error. Only access tokens are cached:
	// refresh tokens are single-use, and custom kinds are left uncached.
	// Each entry holds the token's payload and footer, so the cache holds
	// at most about CacheSize times twice the verifier's MaxTokenLength
	// ([paseto.DefaultMaxTokenLength]) bytes; a typical access token's
	// entry is well under one kilobyte.
	CacheSize int

	// AllowNumericDates makes every kind's verifier accept iat, nbf and
	// exp written as integer Unix seconds, as tokens from some Python
	// issuers carry them ([verifier.Config.AllowNumericDates]). Tokens
	// this package issues always write RFC 3339 strings. By default a
	// numeric time claim is refused.
	AllowNumericDates bool

	// Now returns the current time; nil means time.Now. It must be safe
	// for concurrent use. It is used for issuing, verifying, and (for the
	// default store) expiring store entries.
	Now func() time.Time

	// KeySetMaxAge is the Cache-Control max-age of [Manager.KeySetHandler]'s
	// responses, in whole seconds. Zero means [issuer.DefaultKeySetMaxAge]
	// (five minutes), or with Access.KeySource its
	// [keyring.Snapshot.MaxAge] (only access keys are published, see
	// [Manager.PublicKeys]); a longer value than
	// that is an error, since verifiers could then miss a next key before
	// it signs. Otherwise it must be at least one second.
	KeySetMaxAge time.Duration

	// OnReuse, if not nil, is called when Refresh detects the reuse of a
	// refresh token, after the family has been revoked, with the token's
	// subject and family id: log it, alert, or notify the user. It runs
	// synchronously in the Refresh call and must be safe for concurrent
	// use.
	OnReuse func(ctx context.Context, subject, family string)

	// Events receives an [observe.KindRefreshReuse] event when Refresh
	// detects a reused refresh token (after OnReuse, which still runs),
	// and the [observe.KindVerify] events of the Manager's verifiers. Nil
	// means [observe.Default]: slog, rate-limited, reuse at level Error.
	Events observe.Handler
	// RetryWindow is how long after a refresh the client may present the
	// same refresh token again and get a working pair instead of a reuse
	// (its first attempt may have succeeded with an answer it never saw:
	// a timeout, a lost response, a store that answered late). Zero means
	// [DefaultRetryWindow]; negative is an error. A retry within the
	// window hands out the same successor again (see [Manager.Refresh]);
	// a reuse after it is taken as theft.
	RetryWindow time.Duration
}

// DefaultRetryWindow is the [Config.RetryWindow] of a zero Config: long
// enough for a client to time out and retry, short enough that a thief
// must use a stolen refresh token within seconds of its owner.
const DefaultRetryWindow = 30 * time.Second

// kind is one configured kind of token.
type kind struct {
	name     string
	iss      *issuer.Issuer // nil on the verify-only side
	ver      *verifier.Verifier
	lifetime time.Duration // 0 for NoExpiration
	version  paseto.Version
	purpose  paseto.Purpose
	// assertion is the implicit assertion binding tokens to this kind,
	// and the footer names the kind ("type"): nil for access tokens,
	// which plain verifiers must accept, and for v2 kinds, which cannot
	// have one and must have keys of their own instead. Both hold for
	// every key of the kind, from Keys or from a KeySource alike.
	assertion []byte
	footer    bool   // the footer carries "type": every kind but access
	unbound   bool   // Config.AllowUnboundKinds, for kinds other than access
	field     string // "Access", "Custom[reset]", …

	src     keyring.Source                      // KindConfig.KeySource, or nil
	mu      sync.Mutex                          // serializes SetKeys
	publics atomic.Pointer[[]*paseto.PublicKey] // without a source: the public keys of Keys
	vkeys   atomic.Pointer[[]keyring.Key]       // without a source: the verifying keys of Keys
}

// Manager issues, verifies, rotates and revokes tokens. Make one with [New];
// it is safe for concurrent use.
type Manager struct {
	access, refresh *kind
	custom          map[string]*kind
	customNames     []string // sorted
	store           store.Store
	now             func() time.Time
	leeway          time.Duration
	aud             any // nil, a string or a []string
	onReuse         func(ctx context.Context, subject, family string)
	events          observe.Handler
	retryWindow     time.Duration
	retention       time.Duration // longest lifetime; 0 when one kind never expires
	allowSharedV2   bool          // Config.AllowSharedV2Keys
	allowNoKeyID    bool          // Config.AllowMissingKeyID

	issuerName string
	keyIssuer  string                 // the issuer keys without one of their own are bound to
	keySetCC   string                 // Cache-Control of KeySetHandler
	keysGen    atomic.Uint64          // counts SetKeys calls, for the key set cache
	keySetDoc  atomic.Pointer[setDoc] // the last key set document
}

// New validates cfg and returns a Manager. Every key and option is checked
// here, so that a bad configuration fails at start-up. New does not call
// cfg.Now. Its errors are *[ConfigError] values matching
// [ErrInvalidConfig].
func New(cfg Config) (*Manager, error) {
	if cfg.Leeway < 0 {
		return nil, configError("Leeway", errors.New("negative"))
	}
	if cfg.RetryWindow < 0 {
		return nil, configError("RetryWindow", errors.New("negative"))
	}
	if cfg.CacheSize < 0 {
		return nil, configError("CacheSize", errors.New("negative"))
	}
	if err := checkIssuers(cfg.Issuer, cfg.Issuers); err != nil {
		return nil, err
	}
	for i, r := range cfg.Rules {
		if r == nil {
			return nil, configError("Rules["+strconv.Itoa(i)+"]", errors.New("nil rule"))
		}
	}
	for i, a := range cfg.Audiences {
		if a == "" {
			return nil, configError("Audiences["+strconv.Itoa(i)+"]", errors.New("empty"))
		}
	}
	m := &Manager{
		store:       cfg.Store,
		now:         cfg.Now,
		leeway:      cfg.Leeway,
		onReuse:     cfg.OnReuse,
		events:      cfg.Events,
		retryWindow: cfg.RetryWindow,
		custom:      make(map[string]*kind, len(cfg.Custom)),
	}
	if m.now == nil {
		m.now = time.Now
	}
	if m.retryWindow == 0 {
		m.retryWindow = DefaultRetryWindow
	}
	switch len(cfg.Audiences) {
	case 0:
	case 1:
		m.aud = cfg.Audiences[0]
	default:
		m.aud = append([]string(nil), cfg.Audiences...)
	}
	if m.store == nil {
		s, err := store.NewMemory(store.MemoryConfig{Now: cfg.Now})
		if err != nil {
			return nil, configError("Store", err)
		}
		m.store = s
	}
	m.issuerName = cfg.Issuer
	_, m.keyIssuer = acceptedIssuers(cfg.Issuer, cfg.Issuers)
	m.allowSharedV2 = cfg.AllowSharedV2Keys
	m.allowNoKeyID = cfg.AllowMissingKeyID
	if len(cfg.Access.Keys) == 0 && cfg.Access.KeySource == nil {
		return nil, configError("Access.Keys", errors.New("no keys and no KeySource"))
	}
	var err error
	if m.access, err = m.newKind(cfg, "Access", TypeAccess, cfg.Access, DefaultAccessLifetime); err != nil {
		return nil, err
	}
	if m.refresh, err = m.newKind(cfg, "Refresh", TypeRefresh, cfg.Refresh, DefaultRefreshLifetime); err != nil {
		return nil, err
	}
	for name, kc := range cfg.Custom {
		if !validKindName(name) {
			return nil, configError("Custom", errors.New("invalid kind name"))
		}
		if m.custom[name], err = m.newKind(cfg, "Custom["+name+"]", name, kc, DefaultCustomLifetime); err != nil {
			return nil, err
		}
		m.customNames = append(m.customNames, name)
	}
	sort.Strings(m.customNames)
	if err := m.keySetMaxAge(cfg.KeySetMaxAge); err != nil {
		return nil, err
	}
	m.retention = m.access.lifetime
	for _, k := range m.kinds() {
		if k.lifetime == 0 {
			m.retention = 0
			break
		}
		m.retention = max(m.retention, k.lifetime)
	}
	return m, nil
}

// kinds returns every kind: access, refresh, then the custom kinds by name.
func (m *Manager) kinds() []*kind {
	ks := []*kind{m.access, m.refresh}
	for _, n := range m.customNames {
		ks = append(ks, m.custom[n])
	}
	return ks
}

// validKindName reports whether name may name a custom kind.
func validKindName(name string) bool {
	if name == "" || len(name) > 64 || name == TypeAccess || name == TypeRefresh {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// checkIssuers checks Config.Issuer and Config.Issuers.
func checkIssuers(iss string, issuers []string) error {
	if len(issuers) == 0 {
		return nil
	}
	found := false
	for i, s := range issuers {
		if s == "" {
			return configError("Issuers["+strconv.Itoa(i)+"]", errors.New("empty"))
		}
		found = found || s == iss
	}
	if iss != "" && !found {
		return configError("Issuers", errors.New("does not hold Issuer: the Manager would refuse its own tokens"))
	}
	return nil
}

// acceptedIssuers returns the issuers a verified token may name, and the
// issuer keys without one of their own are bound to.
func acceptedIssuers(iss string, issuers []string) (accepted []string, bind string) {
	if len(issuers) > 0 {
		return append([]string(nil), issuers...), ""
	}
	if iss != "" {
		return []string{iss}, iss
	}
	return nil, ""
}

// kindAssertion is the implicit assertion of the tokens of kind name
// (other than access): a fixed prefix, the name (which cannot hold a NUL)
// and a NUL, followed by the caller's own assertion, if any.
func kindAssertion(name string) []byte {
	return []byte("pasetokit/authtoken kind:" + name + "\x00")
}

// implicit returns the implicit assertion tokens of k are made and
// verified with, given the caller's own.
func (k *kind) implicit(user []byte) []byte {
	if k.assertion == nil {
		return user
	}
	if len(user) == 0 {
		return k.assertion
	}
	b := make([]byte, 0, len(k.assertion)+len(user))
	return append(append(b, k.assertion...), user...)
}

// newKind builds the issuer and verifier of one kind. field names the
// configuration field in errors.
func (m *Manager) newKind(cfg Config, field, name string, kc KindConfig, def time.Duration) (*kind, error) {
	keys, src, keysField := kc.Keys, kc.KeySource, field+".Keys"
	switch {
	case len(keys) != 0 && src != nil:
		return nil, configError(field+".KeySource", errors.New("set together with Keys: set one"))
	case src != nil:
		keysField = field + ".KeySource"
	case len(keys) == 0 && cfg.Access.KeySource != nil:
		src, keysField = cfg.Access.KeySource, "Access.KeySource"
	case len(keys) == 0:
		keys, keysField = cfg.Access.Keys, "Access.Keys"
	}
	k := &kind{name: name, field: field, src: src, footer: name != TypeAccess, unbound: cfg.AllowUnboundKinds && name != TypeAccess}
	if cfg.AllowMissingKeyID && (src != nil || len(keys) != 1) {
		return nil, configError("AllowMissingKeyID", fmt.Errorf("%s has more than one key or a KeySource: a token without a kid would be tried against several keys", keysField))
	}
	switch {
	case kc.Lifetime < 0:
		return nil, configError(field+".Lifetime", errors.New("negative"))
	case kc.NoExpiration && kc.Lifetime != 0:
		return nil, configError(field+".NoExpiration", errors.New("set together with Lifetime"))
	case kc.NoExpiration:
	case kc.Lifetime == 0:
		k.lifetime = def
	case kc.Lifetime < time.Second:
		return nil, configError(field+".Lifetime", errors.New("under one second"))
	default:
		k.lifetime = kc.Lifetime
	}

	var vkeys []keyring.Key
	if src != nil {
		snap := src.Snapshot()
		if snap == nil {
			return nil, configError(keysField, errors.New("has no snapshot"))
		}
		k.version, k.purpose = snap.Version(), snap.Purpose()
	} else {
		var publics []*paseto.PublicKey
		var err error
		vkeys, publics, k.version, k.purpose, err = verifyKeys(keys, keysField, m.keyIssuer)
		if err != nil {
			return nil, err
		}
		k.publics.Store(&publics)
		k.vkeys.Store(&vkeys)
		keys = keys[:1]
	}

	if name != TypeAccess {
		if k.version == paseto.V2 {
			// v2 has no implicit assertion: only keys of its own keep
			// this kind from passing as an access token.
			if !m.allowSharedV2 && sharesKey(k, m.access) {
				return nil, configError(keysField, errSharedV2)
			}
		} else {
			k.assertion = kindAssertion(name)
		}
	}

	var err error
	k.iss, err = issuer.New(issuer.Config{
		Keys:         keys,
		KeySource:    src,
		Issuer:       cfg.Issuer,
		Lifetime:     k.lifetime,
		NoExpiration: kc.NoExpiration,
		AddNotBefore: true,
		// This package writes iat itself, to the millisecond, so that
		// a token issued after a cutoff in the same second passes.
		NoIssuedAt: true,
		Now:        m.now,
	})
	if err != nil {
		return nil, nested(field, keysField, err)
	}
	issuers, _ := acceptedIssuers(cfg.Issuer, cfg.Issuers)
	cache := 0
	if name == TypeAccess {
		cache = cfg.CacheSize // refresh tokens are single-use: nothing to gain
	}
	k.ver, err = verifier.New(verifier.Config{
		Keys:                   vkeys,
		KeySource:              src,
		Issuers:                issuers,
		Audiences:              cfg.Audiences,
		AllowMissingExpiration: kc.NoExpiration,
		AllowNumericDates:      cfg.AllowNumericDates,
		Leeway:                 cfg.Leeway,
		// This package's tokens always name their key: a token without
		// a kid would be tried against every key (AllowMissingKeyID
		// only with one key).
		RequireKeyID: !cfg.AllowMissingKeyID,
		Rules:        append([]verifier.Rule{m.kindRule(name)}, cfg.Rules...),
		CacheSize:    cache,
		Now:          m.now,
		Events:       cfg.Events,
	})
	if err != nil {
		return nil, nested(field, keysField, err)
	}
	return k, nil
}

// errSharedV2 is the error of a v2 kind other than access sharing a key
// with the access kind.
var errSharedV2 = errors.New("a v2 kind other than access shares a key with the access kind; give it keys of its own (v2 tokens cannot be bound to their kind)")

// sharesKey reports whether kinds a and b may verify with a common key:
// the same KeySource, or a key of one among the keys of the other (for a
// source, its keys now).
func sharesKey(a, b *kind) bool {
	if a == nil || b == nil {
		return false
	}
	if a.src != nil && b.src != nil && reflect.TypeOf(a.src).Comparable() && reflect.TypeOf(b.src).Comparable() && a.src == b.src {
		return true
	}
	ids := a.keyIDs()
	for id := range b.keyIDs() {
		if ids[id] {
			return true
		}
	}
	return false
}

// keyIDs returns the PASERK ids of the keys k verifies with now.
func (k *kind) keyIDs() map[string]bool {
	ids := make(map[string]bool)
	if k.src != nil {
		for _, e := range k.src.Snapshot().Keys() {
			ids[e.ID()] = true
		}
		return ids
	}
	if p := k.vkeys.Load(); p != nil {
		for _, key := range *p {
			if loaded, err := key.Parse(); err == nil {
				if id, err := paserk.ID(loaded); err == nil {
					ids[id] = true
				}
			}
		}
	}
	return ids
}

// verifyKeys checks a kind's keys (at keysField) and returns what its
// verifier is configured with (every key verifies: a secret key through
// its public half, bound to issuer unless bound already), the public keys
// to publish, and the version and purpose of the first key, which every
// key must share.
func verifyKeys(keys []keyring.Key, keysField, issuerName string) (vkeys []keyring.Key, publics []*paseto.PublicKey, v paseto.Version, p paseto.Purpose, err error) {
	if len(keys) == 0 {
		return nil, nil, 0, 0, configError(keysField, errors.New("no keys"))
	}
	vkeys = make([]keyring.Key, len(keys))
	for i, key := range keys {
		kf := keysField + "[" + strconv.Itoa(i) + "]"
		loaded, err := key.Parse()
		if err != nil {
			return nil, nil, 0, 0, configError(kf, err)
		}
		kv, kp := loaded.Version(), loaded.Purpose()
		if i == 0 {
			if _, public := loaded.(*paseto.PublicKey); public {
				return nil, nil, 0, 0, configError(kf, issuer.ErrPublicKey)
			}
			v, p = kv, kp
		} else if kv != v || kp != p {
			return nil, nil, 0, 0, configError(kf, fmt.Errorf("%w: not of the version and purpose of %s[0]", paseto.ErrWrongKey, keysField))
		}
		vk := keyring.Key{Issuer: key.Issuer}
		if vk.Issuer == "" {
			vk.Issuer = issuerName
		}
		switch lk := loaded.(type) {
		case *paseto.SecretKey:
			vk.PASERK, err = paserk.Encode(lk.Public())
			publics = append(publics, lk.Public())
		case *paseto.PublicKey:
			vk.PASERK, err = paserk.Encode(lk)
			publics = append(publics, lk)
		default:
			vk.PASERK, err = paserk.Encode(lk)
		}
		if err != nil { // unreachable for a key keyring parsed
			return nil, nil, 0, 0, configError(kf, err)
		}
		vkeys[i] = vk
	}
	return vkeys, publics, v, p, nil
}

// nested turns a *ConfigError of the issuer or verifier of a kind (at
// field, "Refresh"), whose keys are at keysField ("Refresh.Keys"), into one
// of this package naming the field of Config: "Keys[1]" becomes
// "Refresh.Keys[1]", "Lifetime" "Refresh.Lifetime".
func nested(field, keysField string, err error) error {
	var name string
	var cause error
	var ie *issuer.ConfigError
	var ve *verifier.ConfigError
	switch {
	case errors.As(err, &ie):
		name, cause = ie.Field, ie.Err
	case errors.As(err, &ve):
		name, cause = ve.Field, ve.Err
	default:
		return configError(keysField, err)
	}
	if rest, ok := strings.CutPrefix(name, "Keys"); ok {
		return configError(keysField+rest, cause)
	}
	switch name {
	case "Lifetime", "NoExpiration":
		return configError(field+"."+name, cause)
	case "KeySource":
		return configError(keysField, cause)
	}
	return configError(keysField, err)
}

// Version returns the PASETO version and purpose of the tokens of kind
// ("access", "refresh" or a custom kind), and false for an unknown kind.
func (m *Manager) Version(kind string) (paseto.Version, paseto.Purpose, bool) {
	k := m.kind(kind)
	if k == nil {
		return 0, 0, false
	}
	return k.version, k.purpose, true
}

// kind returns the kind named name, or nil.
func (m *Manager) kind(name string) *kind {
	if m == nil || m.access == nil {
		return nil
	}
	switch name {
	case TypeAccess:
		return m.access
	case TypeRefresh:
		return m.refresh
	}
	return m.custom[name]
}
