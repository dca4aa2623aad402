package authtoken

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/pasetokit/pasetokit/internal/keyload"
	"github.com/pasetokit/pasetokit/issuer"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/store"
	"github.com/pasetokit/pasetokit/verifier"
)

// Default lifetimes, used when a KindConfig's Lifetime is zero and NoExpiry
// is false.
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

// KindConfig configures one kind of token: its key, which decides the
// version and purpose of its tokens, and its lifetime.
type KindConfig struct {
	// Key issues this kind's tokens: a secret PASERK or PEM key makes
	// public tokens of its version, a local PASERK local tokens. The
	// tokens of this kind are then verified with its public half, or the
	// same local key, and with nothing else (plus VerifyKeys): a token of
	// another version or purpose is refused. The zero Key means the
	// access kind's key; Config.Access.Key must be set.
	Key issuer.Key
	// VerifyKeys are extra public or local keys whose tokens of this kind
	// are still accepted, for key rotation (the previous key, or one
	// being introduced). Each must have the version and purpose of Key;
	// anything else is an error. A key with an empty Issuer is bound to
	// Config.Issuer.
	VerifyKeys []verifier.Key
	// Lifetime is how long tokens of this kind are valid. Zero means the
	// kind's default (DefaultAccessLifetime, DefaultRefreshLifetime or
	// DefaultCustomLifetime); otherwise it must be at least one second.
	Lifetime time.Duration
	// NoExpiry makes tokens of this kind without exp, valid until
	// revoked or until their key is retired. It is the only way to drop
	// exp, and setting it together with Lifetime is an error. Store
	// entries about such tokens are kept until year 9999.
	NoExpiry bool
}

// Config configures a Manager. Only Access.Key must be set: every other
// zero field has the safe behaviour its documentation gives.
type Config struct {
	// Access configures access tokens (claim type "access", with a fresh
	// claim). Access.Key is required.
	Access KindConfig
	// Refresh configures refresh tokens (claim type "refresh", with a fam
	// claim naming the family). A zero Refresh.Key means Access.Key.
	Refresh KindConfig
	// Custom configures custom kinds by name (claim type "<name>"). Names
	// are 1 to 64 characters among ASCII letters, digits, '-', '_' and
	// '.', and not "access" or "refresh". A zero Key means Access.Key.
	Custom map[string]KindConfig

	// Issuer, when not empty, is written as the iss claim of every token
	// and required of every verified token.
	Issuer string
	// Audience, when not empty, is written as the aud claim of every token
	// (a string for one value, a list for several), and a verified token
	// must name at least one of them.
	Audience []string

	// Store keeps revocations, used refresh tokens and logout cutoffs. Nil
	// means a new store.NewMemory, which is right for a single process;
	// use a shared store when the application runs on several machines.
	Store store.Store

	// Leeway is the clock skew tolerated when checking exp, nbf and iat.
	// Zero means none; negative is an error.
	Leeway time.Duration

	// Now returns the current time; nil means time.Now. It must be safe
	// for concurrent use. It is used for issuing, verifying, and (for the
	// default store) expiring store entries.
	Now func() time.Time

	// OnReuse, if not nil, is called when Refresh detects the reuse of a
	// refresh token, after the family has been revoked, with the token's
	// subject and family id: log it, alert, or notify the user. It runs
	// synchronously in the Refresh call and must be safe for concurrent
	// use.
	OnReuse func(ctx context.Context, subject, family string)
}

// kind is one configured kind of token.
type kind struct {
	name     string
	iss      *issuer.Issuer
	ver      *verifier.Verifier
	lifetime time.Duration // 0 for NoExpiry
	version  paseto.Version
	purpose  paseto.Purpose
}

// Manager issues, verifies, rotates and revokes tokens. Make one with New;
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
	retention       time.Duration // longest lifetime; 0 when one kind never expires
}

// New validates cfg and returns a Manager. Every key and option is checked
// here, so that a bad configuration fails at start-up. New does not call
// cfg.Now.
func New(cfg Config) (*Manager, error) {
	if cfg.Leeway < 0 {
		return nil, fmt.Errorf("%w: Leeway is negative", ErrInvalidConfig)
	}
	for i, a := range cfg.Audience {
		if a == "" {
			return nil, fmt.Errorf("%w: Audience[%d] is empty", ErrInvalidConfig, i)
		}
	}
	m := &Manager{
		store:   cfg.Store,
		now:     cfg.Now,
		leeway:  cfg.Leeway,
		onReuse: cfg.OnReuse,
		custom:  make(map[string]*kind, len(cfg.Custom)),
	}
	if m.now == nil {
		m.now = time.Now
	}
	switch len(cfg.Audience) {
	case 0:
	case 1:
		m.aud = cfg.Audience[0]
	default:
		m.aud = append([]string(nil), cfg.Audience...)
	}
	if m.store == nil {
		s, err := store.NewMemory(store.MemoryConfig{Now: cfg.Now})
		if err != nil {
			return nil, fmt.Errorf("%w: Store: %w", ErrInvalidConfig, err)
		}
		m.store = s
	}
	if isZeroKey(cfg.Access.Key) {
		return nil, fmt.Errorf("%w: Access.Key is not set", ErrInvalidConfig)
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
			return nil, fmt.Errorf("%w: Custom: invalid kind name", ErrInvalidConfig)
		}
		if m.custom[name], err = m.newKind(cfg, "Custom["+name+"]", name, kc, DefaultCustomLifetime); err != nil {
			return nil, err
		}
		m.customNames = append(m.customNames, name)
	}
	sort.Strings(m.customNames)
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

func isZeroKey(k issuer.Key) bool { return k.PASERK == "" && len(k.PEM) == 0 }

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

// newKind builds the issuer and verifier of one kind. field names the
// configuration field in errors.
func (m *Manager) newKind(cfg Config, field, name string, kc KindConfig, def time.Duration) (*kind, error) {
	key := kc.Key
	if isZeroKey(key) {
		key = cfg.Access.Key
	}
	k := &kind{name: name}
	switch {
	case kc.Lifetime < 0:
		return nil, fmt.Errorf("%w: %s.Lifetime is negative", ErrInvalidConfig, field)
	case kc.NoExpiry && kc.Lifetime != 0:
		return nil, fmt.Errorf("%w: %s: NoExpiry and Lifetime are both set", ErrInvalidConfig, field)
	case kc.NoExpiry:
	case kc.Lifetime == 0:
		k.lifetime = def
	case kc.Lifetime < time.Second:
		return nil, fmt.Errorf("%w: %s.Lifetime is under one second", ErrInvalidConfig, field)
	default:
		k.lifetime = kc.Lifetime
	}

	loaded, err := keyload.Load(key.PASERK, key.PEM, key.Version)
	if err != nil {
		return nil, fmt.Errorf("%w: %s.Key: %w", ErrInvalidConfig, field, err)
	}
	var verifyKey string
	switch lk := loaded.(type) {
	case *paseto.SecretKey:
		verifyKey, err = paserk.Encode(lk.Public())
	case *paseto.SymmetricKey:
		verifyKey, err = paserk.Encode(lk)
	default:
		return nil, fmt.Errorf("%w: %s.Key is a public key, which cannot issue tokens", ErrInvalidConfig, field)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s.Key: %w", ErrInvalidConfig, field, err)
	}
	k.version, k.purpose = loaded.Version(), loaded.Purpose()

	k.iss, err = issuer.New(issuer.Config{
		Keys:         []issuer.Key{key},
		Issuer:       cfg.Issuer,
		Expiration:   k.lifetime,
		NoExpiration: kc.NoExpiry,
		NotBefore:    true,
		Now:          m.now,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInvalidConfig, field, err)
	}

	vkeys := []verifier.Key{{PASERK: verifyKey, Issuer: cfg.Issuer}}
	for i, vk := range kc.VerifyKeys {
		l, err := keyload.Load(vk.PASERK, vk.PEM, vk.Version)
		if err != nil {
			return nil, fmt.Errorf("%w: %s.VerifyKeys[%d]: %w", ErrInvalidConfig, field, i, err)
		}
		if l.Version() != k.version || l.Purpose() != k.purpose {
			return nil, fmt.Errorf("%w: %s.VerifyKeys[%d]: not of the version and purpose of Key", ErrInvalidConfig, field, i)
		}
		if vk.Issuer == "" {
			vk.Issuer = cfg.Issuer
		}
		vkeys = append(vkeys, vk)
	}
	var issuers []string
	if cfg.Issuer != "" {
		issuers = []string{cfg.Issuer}
	}
	k.ver, err = verifier.New(verifier.Config{
		Keys:                   vkeys,
		Issuers:                issuers,
		Audiences:              cfg.Audience,
		AllowMissingExpiration: kc.NoExpiry,
		Leeway:                 cfg.Leeway,
		Rules:                  []verifier.Rule{typeRule(name), m.revocationRule},
		Now:                    m.now,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInvalidConfig, field, err)
	}
	return k, nil
}

// Version returns the PASETO version and purpose of the tokens of kind
// ("access", "refresh" or a custom kind), and false for an unknown kind.
func (m *Manager) Version(kindName string) (paseto.Version, paseto.Purpose, bool) {
	k := m.kind(kindName)
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
