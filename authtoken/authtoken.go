package authtoken

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pasetokit/pasetokit/issuer"
	"github.com/pasetokit/pasetokit/keyring"
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
	// means the access kind's Keys; [Config.Access].Keys must be set.
	Keys []keyring.Key
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
	// claim naming the family). Empty Refresh.Keys means Access.Keys.
	Refresh KindConfig
	// Custom configures custom kinds by name (claim type "<name>"). Names
	// are 1 to 64 characters among ASCII letters, digits, '-', '_' and
	// '.', and not "access" or "refresh". Empty Keys mean Access.Keys.
	Custom map[string]KindConfig

	// Issuer, when not empty, is written as the iss claim of every token
	// and required of every verified token.
	Issuer string
	// Audiences, when not empty, are written as the aud claim of every
	// token (a string for one value, a list for several), and a verified
	// token must name at least one of them.
	Audiences []string

	// Store keeps revocations, refresh families and logout cutoffs. Nil
	// means a new [store.NewMemory], which is right for a single process;
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
	iss      *issuer.Issuer
	ver      *verifier.Verifier
	lifetime time.Duration // 0 for NoExpiration
	version  paseto.Version
	purpose  paseto.Purpose
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
	retryWindow     time.Duration
	retention       time.Duration // longest lifetime; 0 when one kind never expires
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
	for i, a := range cfg.Audiences {
		if a == "" {
			return nil, configError("Audiences["+strconv.Itoa(i)+"]", errors.New("empty"))
		}
	}
	m := &Manager{
		store:   cfg.Store,
		now:     cfg.Now,
		leeway:  cfg.Leeway,
		onReuse: cfg.OnReuse,

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
	if len(cfg.Access.Keys) == 0 {
		return nil, configError("Access.Keys", errors.New("no keys"))
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

// newKind builds the issuer and verifier of one kind. field names the
// configuration field in errors.
func (m *Manager) newKind(cfg Config, field, name string, kc KindConfig, def time.Duration) (*kind, error) {
	keys, keysField := kc.Keys, field+".Keys"
	if len(keys) == 0 {
		keys, keysField = cfg.Access.Keys, "Access.Keys"
	}
	k := &kind{name: name}
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

	// Every key verifies: a secret key through its public half.
	vkeys := make([]keyring.Key, len(keys))
	for i, key := range keys {
		kf := keysField + "[" + strconv.Itoa(i) + "]"
		loaded, err := key.Parse()
		if err != nil {
			return nil, configError(kf, err)
		}
		v, p := loaded.Version(), loaded.Purpose()
		if i == 0 {
			if _, public := loaded.(*paseto.PublicKey); public {
				return nil, configError(kf, issuer.ErrPublicKey)
			}
			k.version, k.purpose = v, p
		} else if v != k.version || p != k.purpose {
			return nil, configError(kf, fmt.Errorf("%w: not of the version and purpose of %s[0]", paseto.ErrWrongKey, keysField))
		}
		vk := keyring.Key{Issuer: key.Issuer}
		if vk.Issuer == "" {
			vk.Issuer = cfg.Issuer
		}
		switch lk := loaded.(type) {
		case *paseto.SecretKey:
			vk.PASERK, err = paserk.Encode(lk.Public())
		default:
			vk.PASERK, err = paserk.Encode(lk)
		}
		if err != nil { // unreachable for a key keyring parsed
			return nil, configError(kf, err)
		}
		vkeys[i] = vk
	}

	var err error
	k.iss, err = issuer.New(issuer.Config{
		Keys:         keys[:1],
		Issuer:       cfg.Issuer,
		Lifetime:     k.lifetime,
		NoExpiration: kc.NoExpiration,
		AddNotBefore: true,
		Now:          m.now,
	})
	if err != nil {
		return nil, nested(keysField, err)
	}
	var issuers []string
	if cfg.Issuer != "" {
		issuers = []string{cfg.Issuer}
	}
	k.ver, err = verifier.New(verifier.Config{
		Keys:                   vkeys,
		Issuers:                issuers,
		Audiences:              cfg.Audiences,
		AllowMissingExpiration: kc.NoExpiration,
		Leeway:                 cfg.Leeway,
		Rules:                  []verifier.Rule{typeRule(name), m.revocationRule},
		Now:                    m.now,
	})
	if err != nil {
		return nil, nested(keysField, err)
	}
	return k, nil
}

// nested turns a *ConfigError of the issuer or verifier of a kind, whose
// keys are at keysField ("Refresh.Keys"), into one of this package naming
// the field of Config: "Keys[1]" becomes "Refresh.Keys[1]".
func nested(keysField string, err error) error {
	var field string
	var cause error
	var ie *issuer.ConfigError
	var ve *verifier.ConfigError
	switch {
	case errors.As(err, &ie):
		field, cause = ie.Field, ie.Err
	case errors.As(err, &ve):
		field, cause = ve.Field, ve.Err
	default:
		return configError(keysField, err)
	}
	if rest, ok := strings.CutPrefix(field, "Keys"); ok {
		return configError(keysField+rest, cause)
	}
	return configError(keysField, err)
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
