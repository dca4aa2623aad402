package session

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/pasetokit/pasetokit/internal/cookie"
	"github.com/pasetokit/pasetokit/internal/pysetolocal"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/observe"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/serializer"
)

// Defaults and limits.
const (
	// DefaultName is the cookie name used when [Config.Cookie] has no
	// Name.
	DefaultName = "session"
	// DefaultLifetime is the absolute lifetime used when
	// [Config.Lifetime] is zero.
	DefaultLifetime = 24 * time.Hour
	// DefaultIdleTimeout is the idle timeout used when
	// [Config.IdleTimeout] is zero.
	DefaultIdleTimeout = 2 * time.Hour
	// MaxCookieSize is the budget of one Set-Cookie header value (name,
	// value and attributes), the size browsers are required to accept.
	MaxCookieSize = 4096
	// DefaultMaxCookieParts is the number of cookies a session may span
	// with [Config.AllowSplitCookies] when [Config.MaxCookieParts] is zero.
	DefaultMaxCookieParts = 8
	// KeyPurpose is the keyderive purpose of the key derived from
	// [Config.Secret]. Other features (remember-me cookies, API tokens) must
	// use other purposes, so that their keys differ.
	KeyPurpose = "session"
	// ImplicitPrefix is prepended to the cookie name to make the implicit
	// assertion of every session token.
	ImplicitPrefix = "pasetokit-session|"
)

// Cookie is the cookie attributes of [Config.Cookie], shared with package
// remember: Name, Path, Domain, Insecure, SameSite and Partitioned. The zero
// value is a Secure, HttpOnly, host-only cookie named [DefaultName] with
// SameSite=Lax on Path "/"; Insecure drops Secure (for development over
// plain HTTP only), and SameSite=None and Partitioned require Secure. A name
// starting with "__Host-" (in any letter case) requires Secure, Path "/" and
// no Domain, and "__Secure-" requires Secure: [New] refuses other
// combinations, which browsers would silently drop. "__Host-session" is
// recommended for HTTPS sites (see the package documentation on cookie
// tossing). The name is bound to every token as its implicit assertion
// ([ImplicitPrefix] + Name), so a token moved to another cookie is rejected.
type Cookie = cookie.Cookie

// Config configures a Manager. The zero value of every field is a safe
// default, except that exactly one of Keys, KeySource and Secret must be
// set.
type Config struct {
	// Keys are the keys of the sessions: k4.local PASERKs
	// ([keyring.Key.PASERK]; PEM keys and an Issuer are refused). The first
	// encrypts new cookies; all of them decrypt, each chosen by the key
	// reference in the token footer (the first [KeyRefLength] characters
	// of its PASERK id after "k4.lid."). To rotate, put the new key first
	// and keep the old one until the last cookies it made have expired.
	// Keys of another version or kind, two keys with the same PASERK id,
	// and (with odds of 2^-48 per pair) two keys with the same reference
	// are configuration errors.
	Keys []keyring.Key
	// Secret, used instead of Keys, is an application secret of at least
	// 32 bytes; the key is keyderive.SymmetricKey(Secret, paseto.V4,
	// [KeyPurpose]). Derive keys for other uses with other purposes.
	Secret []byte
	// KeySource, used instead of Keys or Secret, is a live source of
	// v4.local keys, such as a [keyring.Ring] with Purpose paseto.Local
	// used for sessions only: its current key encrypts each cookie saved,
	// and its keys decrypt cookies by their key id while they are next,
	// current or retired, so a rotation logs nobody out. A cookie whose
	// key has been dropped is [ErrUnknownKey]. New checks that the source
	// keeps retired keys for Lifetime ([keyring.Source.CheckLifetime]).
	// When the source has no current key ([keyring.ErrStale]), saving
	// fails closed ([Config.OnError]) and loading keeps working.
	KeySource keyring.Source

	// Cookie holds the attributes of the session cookie; the zero value
	// is safe (see [Cookie]).
	Cookie Cookie
	// SessionCookie makes browser-session cookies (no Max-Age or
	// Expires), removed when the browser closes. By default cookies are
	// persistent and expire with the session (the earlier of the absolute
	// and the idle deadline). Either way the deadlines are enforced from
	// inside the token, not only by the browser. Cookies are always
	// HttpOnly.
	SessionCookie bool

	// Lifetime is the absolute lifetime of a session from its creation;
	// zero means [DefaultLifetime] (24h). Negative is an error.
	Lifetime time.Duration
	// IdleTimeout ends a session not used for that long; zero means
	// [DefaultIdleTimeout] (2h), or Lifetime when that is shorter.
	// Negative is an error, and so is a non-zero IdleTimeout with
	// NoIdleTimeout. It must not exceed Lifetime. A session in use is re-issued (sliding expiry) when its
	// last-seen time is older than IdleTimeout/10 (and at least one
	// second), even if nothing in it changed, so an active user loses at
	// most a tenth of the idle window.
	IdleTimeout time.Duration
	// NoIdleTimeout turns the idle timeout off: a session then lasts its
	// Lifetime however long it goes unused.
	NoIdleTimeout bool

	// Serializer encodes the session; nil means JSON with the default
	// limits. For that JSON ([serializer.IsDefaultJSON]) the package uses
	// its own fast JSON path: values are
	// kept as their encoded JSON, and a payload is only parsed after the
	// token authenticated. Other serializers (serializer.CBOR, or a
	// serializer.NewJSON with other limits) are used through the
	// Serializer interface. CBOR tokens are smaller but only readable by
	// this package; with strict serializers, value keys that differ only
	// in letter case may be rejected as duplicates.
	Serializer serializer.Serializer

	// AllowSplitCookies lets a session larger than one cookie span several:
	// Name, Name.1, Name.2 … up to MaxCookieParts. Parts that are no
	// longer needed when the session shrinks are deleted.
	AllowSplitCookies bool
	// MaxCookieParts bounds the number of cookies with AllowSplitCookies; zero
	// means [DefaultMaxCookieParts] (8). Without AllowSplitCookies it is 1.
	MaxCookieParts int

	// Now is the clock; nil means time.Now.
	Now func() time.Time

	// Events receives an [observe.KindSessionSave] event for each error
	// the handler cannot return (those OnError gets, after OnError). Nil
	// means [observe.Default]: slog at level Warn, rate-limited; set
	// [observe.Discard] to drop them.
	Events observe.Handler
	// OnError, if set, receives the errors the handler cannot get as
	// return values: an automatic save that fails ([*SizeError],
	// [ErrEncode], [keyring.ErrStale]) and changes made after the response
	// was committed ([ErrCommitted]). Nil means none; the error is
	// reported through Events either way. Errors never hold session
	// values.
	OnError func(r *http.Request, err error)
	// OnBadCookie, if set, is called when a request carries a session
	// cookie that is rejected; err is a [*CookieError]. The request then
	// gets a new empty session and the bad cookie is deleted.
	OnBadCookie func(r *http.Request, err error)

	// GorillaFallback are codecs of a former gorilla/sessions CookieStore
	// (securecookie.New(hashKey, blockKey) …). A cookie that is not a
	// session token but decodes with one of them is accepted, its values
	// (which must have string keys and be encodable by Serializer) are
	// taken over, and it is re-issued as a session token in the same
	// response. Read-only: they never encode. The upgraded session's
	// Lifetime starts again at the upgrade (see the package
	// documentation): remove the fallback once the old codecs' MaxAge has
	// passed since the switch.
	GorillaFallback []securecookie.Codec

	// FlaskSecret, when not nil, is the SECRET_KEY (its bytes) of a
	// former Flask application that kept its sessions with
	// Flask-PASETO-Extended's PasetoCookieSessionInterface. A cookie of
	// that form (a v4.local token without footer, as the one cookie named
	// [Cookie.Name], not split in parts) that opens with it is accepted
	// before FlaskUntil: its values are taken over (tagged values
	// converted as the package documentation lists; Flask-Login's _fresh
	// is set to false) and it is re-issued as a session token in the same
	// response, so users stay logged in across the port. Read-only: such
	// cookies are never written. pyseto takes keys of 1 to 64 bytes; other
	// lengths are an error. Requires FlaskUntil.
	FlaskSecret []byte
	// FlaskUntil is the end of the migration, required with FlaskSecret:
	// Flask session cookies are refused from then on ([ErrExpired]). A
	// Flask cookie holds no time, so this deadline is the only bound on
	// how long a copy of one (kept after logout, say) opens. Set it to the
	// switch plus Flask's PERMANENT_SESSION_LIFETIME (31 days by default),
	// or less.
	FlaskUntil time.Time
}

// Manager loads and saves sessions. Create it with [New]; it is safe for
// concurrent use.
type Manager struct {
	keys      *cookie.Ring
	name      string
	implicit  []byte
	vc        valueCodec
	parser    paseto.Parser
	now       func() time.Time
	lifetime  time.Duration
	idle      time.Duration // 0: off
	touch     time.Duration
	maxParts  int
	partNames []string    // name, name.1, …
	line      cookie.Line // Set-Cookie writer of the checked attributes
	persist   bool
	onError   func(*http.Request, error) // or nil
	events    observe.Handler
	onBad     func(*http.Request, error)
	fallback  []securecookie.Codec
	flask     *pysetolocal.Key // Config.FlaskSecret, or nil
	flaskEnd  time.Time        // Config.FlaskUntil
}

// New validates cfg and returns a Manager. Errors are [*ConfigError]s
// matching [ErrInvalidConfig]. New does not read the clock.
func New(cfg Config) (*Manager, error) {
	m := &Manager{
		vc:       newValueCodec(cfg.Serializer),
		now:      cfg.Now,
		lifetime: cfg.Lifetime,
		idle:     cfg.IdleTimeout,
		onError:  cfg.OnError,
		events:   cfg.Events,
		onBad:    cfg.OnBadCookie,
		persist:  !cfg.SessionCookie,
	}
	tmpl, err := cfg.Cookie.Template(DefaultName)
	if err != nil {
		return nil, configError(cookie.Field("Cookie.", err))
	}
	m.name, m.line = tmpl.Name, cookie.NewLine(tmpl)
	if m.now == nil {
		m.now = time.Now
	}
	switch {
	case m.lifetime < 0:
		return nil, configError("Lifetime", errors.New("negative"))
	case m.lifetime == 0:
		m.lifetime = DefaultLifetime
	case m.lifetime < time.Second:
		return nil, configError("Lifetime", errors.New("under one second"))
	}
	switch {
	case cfg.NoIdleTimeout && m.idle != 0:
		return nil, configError("IdleTimeout", errors.New("set together with NoIdleTimeout"))
	case cfg.NoIdleTimeout:
	case m.idle < 0:
		return nil, configError("IdleTimeout", errors.New("negative"))
	case m.idle == 0:
		m.idle = min(DefaultIdleTimeout, m.lifetime)
	case m.idle > m.lifetime:
		return nil, configError("IdleTimeout", errors.New("exceeds Lifetime"))
	case m.idle < time.Second:
		return nil, configError("IdleTimeout", errors.New("under one second"))
	}
	m.touch = max(m.idle/10, time.Second)

	m.keys, err = cookie.NewRing(cfg.Keys, cfg.KeySource, cfg.Secret, KeyPurpose, keyRef)
	if err != nil {
		return nil, configError(cookie.Field("", err))
	}
	if cfg.KeySource != nil {
		if err := cfg.KeySource.CheckLifetime(m.lifetime); err != nil {
			return nil, configError("Lifetime", err)
		}
	}
	m.implicit = []byte(ImplicitPrefix + m.name)

	// Parts.
	m.maxParts = 1
	if cfg.AllowSplitCookies {
		m.maxParts = cfg.MaxCookieParts
		if m.maxParts == 0 {
			m.maxParts = DefaultMaxCookieParts
		}
		if m.maxParts < 1 || m.maxParts > 64 {
			return nil, configError("MaxCookieParts", errors.New("must be between 1 and 64"))
		}
	} else if cfg.MaxCookieParts != 0 && cfg.MaxCookieParts != 1 {
		return nil, configError("MaxCookieParts", errors.New("needs AllowSplitCookies"))
	}
	m.partNames = make([]string, m.maxParts)
	m.partNames[0] = m.name
	for i := 1; i < m.maxParts; i++ {
		m.partNames[i] = fmt.Sprintf("%s.%d", m.name, i)
	}
	m.parser = paseto.Parser{MaxTokenLength: m.maxParts * MaxCookieSize, MaxFooterLength: 64}
	// The cookie name and attributes share [MaxCookieSize] with the value: a
	// long Path or Domain can leave too little room for even the smallest
	// token (a nonce and a tag, no payload), so that every save would
	// fail.
	room := m.valueRoom()
	minToken := len(tokenHeader) + base64.RawURLEncoding.EncodedLen(64) + 1 + m.keys.FooterB64Len()
	if room <= 0 || room*m.maxParts < minToken {
		return nil, configError("Cookie", fmt.Errorf("name, Path and Domain leave no room for the session in %d bytes", MaxCookieSize))
	}
	for i, c := range cfg.GorillaFallback {
		if c == nil {
			return nil, configError(fmt.Sprintf("GorillaFallback[%d]", i), errors.New("nil"))
		}
	}
	m.fallback = cfg.GorillaFallback
	if cfg.FlaskSecret != nil {
		k, err := newFlaskKey(cfg.FlaskSecret)
		if err != nil {
			return nil, configError("FlaskSecret", errors.New("must be 1 to 64 bytes, as pyseto requires"))
		}
		if cfg.FlaskUntil.IsZero() {
			return nil, configError("FlaskUntil", errors.New("required with FlaskSecret: the end of the migration"))
		}
		m.flask, m.flaskEnd = k, cfg.FlaskUntil
	} else if !cfg.FlaskUntil.IsZero() {
		return nil, configError("FlaskUntil", errors.New("needs FlaskSecret"))
	}
	return m, nil
}

// Name returns the cookie name.
func (m *Manager) Name() string { return m.name }

// valueRoom returns the bytes left for the value of one cookie (the last
// part, whose name is the longest) once its name and every attribute are
// counted, with Max-Age and Expires as long as they can be.
func (m *Manager) valueRoom() int {
	maxAge := 0
	if m.persist {
		maxAge = int(m.lifetime / time.Second)
	}
	return MaxCookieSize - m.line.Overhead(m.partNames[m.maxParts-1], maxAge)
}

// KeyRefLength is the length of the key reference that is the footer of
// every session token: the first [KeyRefLength] characters of the
// encrypting key's PASERK id after "k4.lid." (48 bits of a public hash of
// the key; see [Config.Keys]).
const KeyRefLength = 8

// keyRef is the footer of the tokens of the key whose PASERK id is id:
// its first [KeyRefLength] characters after the header. It only selects
// the key; the token's MAC under that key authenticates it.
func keyRef(id string) []byte {
	const header = "k4.lid."
	return []byte(id[len(header) : len(header)+KeyRefLength])
}
