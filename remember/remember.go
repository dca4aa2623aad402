package remember

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pasetokit/pasetokit/internal/cookie"
	"github.com/pasetokit/pasetokit/internal/pysetolocal"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/observe"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/store"
)

// Defaults and limits.
const (
	// DefaultName is the cookie name used when [Config.Cookie] has no
	// Name.
	DefaultName = "remember"
	// DefaultLifetime is the lifetime of a remembered login when
	// [Config.Lifetime] is zero.
	DefaultLifetime = 30 * 24 * time.Hour
	// MaxLifetime is the longest [Config.Lifetime] accepted (browsers cap
	// cookie lifetimes at 400 days).
	MaxLifetime = 400 * 24 * time.Hour
	// DefaultGraceWindow is the grace window used when
	// [Config.GraceWindow] is zero.
	DefaultGraceWindow = 30 * time.Second
	// MaxGraceWindow is the longest [Config.GraceWindow] accepted: a longer
	// window would hide more theft.
	MaxGraceWindow = 5 * time.Minute
	// MaxDeviceLength bounds the device metadata kept per series; longer
	// values are truncated.
	MaxDeviceLength = 256
	// KeyPurpose is the keyderive purpose of the key derived from
	// [Config.Secret] ("remember-me"); it differs from
	// [session.KeyPurpose].
	KeyPurpose = "remember-me"
	// ImplicitPrefix is prepended to the cookie name to make the implicit
	// assertion of every remember-me token.
	ImplicitPrefix = "pasetokit-remember|"
)

const (
	tokenHeader    = "v4.local."
	maxTokenLength = 1024
	selectorBytes  = 16 // 128 bits
	validatorBytes = 32 // 256 bits
)

// Cookie is the cookie attributes of [Config.Cookie], shared with package
// session: Name, Path, Domain, Insecure, SameSite and Partitioned. The zero
// value is a Secure, HttpOnly, host-only cookie named [DefaultName] with
// SameSite=Lax on Path "/"; Insecure drops Secure (for development over
// plain HTTP only), and SameSite=None and Partitioned require Secure. The
// name must differ from the session cookie's. A name starting with "__Host-"
// (in any letter case) requires Secure, Path "/" and no Domain, and
// "__Secure-" requires Secure: [New] refuses other combinations, which
// browsers would silently drop. "__Host-remember" is recommended for HTTPS
// sites (see the package documentation on cookie tossing). The name is bound
// to every token as its implicit assertion ([ImplicitPrefix] + Name).
type Cookie = cookie.Cookie

// Config configures a Manager. The zero value of every field is a safe
// default, except that exactly one of Keys, KeySource and Secret must be
// set.
type Config struct {
	// Keys are the keys of remember-me tokens: k4.local PASERKs
	// ([keyring.Key.PASERK]; PEM keys and an Issuer are refused). The first
	// encrypts new cookies; all of them decrypt, chosen by the key id
	// (PASERK lid) in the token footer. Keys of another version or kind,
	// and two keys with the same PASERK id, are configuration errors.
	// Never use the keys of sessions or other tokens here.
	Keys []keyring.Key
	// Secret, used instead of Keys, is an application secret of at least
	// 32 bytes; the key is keyderive.SymmetricKey(Secret, paseto.V4,
	// [KeyPurpose]). The session secret may be reused: the purposes differ.
	Secret []byte
	// KeySource, used instead of Keys or Secret, is a live source of
	// v4.local keys, such as a [keyring.Ring] with Purpose paseto.Local
	// used for remember-me tokens only (never the sessions' ring): its
	// current key encrypts each cookie set, and its keys decrypt cookies
	// by their key id while they are next, current or retired, so a
	// rotation forgets nobody. A cookie whose key has been dropped is
	// [ErrUnknownKey]. New checks that the source keeps retired keys for
	// Lifetime ([keyring.Source.CheckLifetime]). When the source has no
	// current key ([keyring.ErrStale]), setting a cookie fails closed.
	KeySource keyring.Source

	// Store keeps the series. Nil means a new [store.MemoryRemember] with
	// default bounds, which only suits an application running as one
	// process (series are lost on restart: users must log in again).
	Store store.RememberStore

	// Lifetime of a remembered login from the password login; zero means
	// [DefaultLifetime] (30 days). It is not extended by use: rotation
	// keeps the series' expiry. It must be at least a minute and at most
	// [MaxLifetime].
	Lifetime time.Duration
	// GraceWindow is how long, after a rotation, the validator just
	// replaced is still accepted (see the package documentation); zero
	// means [DefaultGraceWindow] (30 s). At most [MaxGraceWindow].
	// Negative is an error, and so is a non-zero GraceWindow with
	// NoGraceWindow.
	GraceWindow time.Duration
	// NoGraceWindow turns the grace window off: every reuse of a
	// replaced validator is then treated as theft, which logs out users
	// whose browser sends parallel requests.
	NoGraceWindow bool

	// Cookie holds the attributes of the remember-me cookie; the zero
	// value is safe (see [Cookie]). The cookie is always HttpOnly.
	Cookie Cookie

	// Now is the clock; nil means time.Now.
	Now func() time.Time

	// OnTheft, if set, is called when a cookie of a known series comes
	// with a wrong validator (a copy of the cookie was used elsewhere),
	// after the series was deleted. Typical uses: log it, alert the user,
	// call [Manager.ForgetUser]. It runs synchronously in the request and
	// must be safe for concurrent use.
	OnTheft func(ctx context.Context, userID, selector string)
	// Events receives an [observe.KindTheft] event when a stolen cookie
	// is detected (after OnTheft, which still runs), and an
	// [observe.KindRememberLogin] event for each error [Manager.Handler]
	// cannot return (after OnError). Nil means [observe.Default]: slog
	// (level Error for thefts, Warn for the others), rate-limited.
	Events observe.Handler
	// OnBadCookie, if set, is called when a remember-me cookie (ours, or
	// the Flask one of FlaskSecret) is rejected (it is then deleted); err
	// is a [*CookieError] matching [ErrMalformed], [ErrTampered],
	// [ErrUnknownKey], [ErrExpired] or [ErrRevoked].
	OnBadCookie func(r *http.Request, err error)
	// OnError, if set, receives the errors [Manager.Handler] cannot
	// return: the store is unavailable (the request proceeds without a
	// login) or the session cannot be updated. Nil means none; the error
	// is reported through Events either way.
	OnError func(r *http.Request, err error)
	// ErrorHandler, if set, answers the requests on which
	// [Manager.Handler] could not decide: the store could not be reached
	// (err matches [store.ErrUnavailable]) or the session could not be
	// updated. It is called after OnError, and the next handler is not
	// called. Nil means the request proceeds without a login, so during a
	// store outage a remembered user sees a logged-out page; set it (to
	// answer 503 with a Retry-After header, say) to make the outage
	// visible instead.
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)

	// FlaskSecret, when not nil, accepts once per device the remember-me
	// cookie of a former Flask application using Flask-PASETO-Extended's
	// PasetoLoginManager: a v4.local token of the bare user id under
	// REMEMBER_COOKIE_PASETO_KEY, or the app's SECRET_KEY when that is
	// unset (their bytes; pyseto takes 1 to 64). A client without a
	// cookie of ours that presents one is logged in as that user (not
	// fresh), gets a new series and our cookie, and the Flask cookie is
	// deleted; the same cookie presented again is refused ([ErrRevoked]),
	// until FlaskUntil, even after the series it became is gone (Forget,
	// ForgetUser, theft, expiry). See the package documentation for why it
	// is not kept as it is.
	FlaskSecret []byte
	// FlaskUntil is the end of the migration, required with FlaskSecret:
	// Flask remember-me cookies are accepted only before it ([ErrExpired]
	// from then on), and the store keeps a mark of each one converted
	// until it. Keep it a few weeks ahead, well within Lifetime.
	FlaskUntil time.Time
	// FlaskCookieName is the Flask remember-me cookie's name (Flask-Login's
	// REMEMBER_COOKIE_NAME); empty means [DefaultFlaskCookieName]. Only
	// used with FlaskSecret.
	FlaskCookieName string
}

// Manager issues and checks remember-me cookies. Create it with [New]; it
// is safe for concurrent use.
type Manager struct {
	keys     *cookie.Ring
	name     string
	implicit []byte
	parser   paseto.Parser
	store    store.RememberStore
	lifetime time.Duration
	grace    time.Duration // 0: disabled
	now      func() time.Time
	tmpl     http.Cookie
	onTheft  func(context.Context, string, string)
	events   observe.Handler
	onBad    func(*http.Request, error)
	onError  func(*http.Request, error) // or nil
	errorH   func(http.ResponseWriter, *http.Request, error)

	flask      *pysetolocal.Key // Config.FlaskSecret, or nil
	flaskName  string
	flaskUntil time.Time
}

// New validates cfg and returns a Manager. Errors are [*ConfigError]s
// matching [ErrInvalidConfig]. New does not read the clock.
func New(cfg Config) (*Manager, error) {
	m := &Manager{
		store:    cfg.Store,
		lifetime: cfg.Lifetime,
		grace:    cfg.GraceWindow,
		now:      cfg.Now,
		onTheft:  cfg.OnTheft,
		events:   cfg.Events,
		onBad:    cfg.OnBadCookie,
		onError:  cfg.OnError,
		errorH:   cfg.ErrorHandler,
	}
	tmpl, err := cfg.Cookie.Template(DefaultName)
	if err != nil {
		return nil, configError(cookie.Field("Cookie.", err))
	}
	m.name, m.tmpl = tmpl.Name, tmpl
	if m.now == nil {
		m.now = time.Now
	}
	switch {
	case m.lifetime == 0:
		m.lifetime = DefaultLifetime
	case m.lifetime < time.Minute:
		return nil, configError("Lifetime", errors.New("under one minute"))
	case m.lifetime > MaxLifetime:
		return nil, configError("Lifetime", errors.New("over 400 days"))
	}
	switch {
	case cfg.NoGraceWindow && m.grace != 0:
		return nil, configError("GraceWindow", errors.New("set together with NoGraceWindow"))
	case cfg.NoGraceWindow:
	case m.grace == 0:
		m.grace = DefaultGraceWindow
	case m.grace < 0:
		return nil, configError("GraceWindow", errors.New("negative"))
	case m.grace > MaxGraceWindow:
		return nil, configError("GraceWindow", fmt.Errorf("over %v", MaxGraceWindow))
	}
	if m.store == nil {
		s, err := store.NewMemoryRemember(store.MemoryConfig{Now: m.now})
		if err != nil {
			return nil, configError("Store", err)
		}
		m.store = s
	}
	m.keys, err = cookie.NewRing(cfg.Keys, cfg.KeySource, cfg.Secret, KeyPurpose, footerFor)
	if err != nil {
		return nil, configError(cookie.Field("", err))
	}
	if cfg.KeySource != nil {
		if err := cfg.KeySource.CheckLifetime(m.lifetime); err != nil {
			return nil, configError("Lifetime", err)
		}
	}
	m.implicit = []byte(ImplicitPrefix + m.name)
	m.parser = paseto.Parser{MaxTokenLength: maxTokenLength, MaxFooterLength: 256}
	if cfg.FlaskSecret != nil {
		if m.flask, err = pysetolocal.NewKey(cfg.FlaskSecret); err != nil {
			return nil, configError("FlaskSecret", errors.New("must be 1 to 64 bytes, as pyseto requires"))
		}
		m.flaskName = cfg.FlaskCookieName
		if m.flaskName == "" {
			m.flaskName = DefaultFlaskCookieName
		}
		if (&http.Cookie{Name: m.flaskName, Value: "x"}).Valid() != nil || m.flaskName == m.name {
			return nil, configError("FlaskCookieName", errors.New("not a valid cookie name, or the name of Cookie.Name"))
		}
		if cfg.FlaskUntil.IsZero() {
			return nil, configError("FlaskUntil", errors.New("required with FlaskSecret: the end of the migration"))
		}
		m.flaskUntil = cfg.FlaskUntil
	} else if cfg.FlaskCookieName != "" {
		return nil, configError("FlaskCookieName", errors.New("needs FlaskSecret"))
	} else if !cfg.FlaskUntil.IsZero() {
		return nil, configError("FlaskUntil", errors.New("needs FlaskSecret"))
	}
	return m, nil
}

// footerFor returns the footer of tokens under key id: {"kid":…}.
func footerFor(id string) []byte {
	f, _ := json.Marshal(struct {
		Kid string `json:"kid"`
	}{id})
	return f
}

// Name returns the cookie name.
func (m *Manager) Name() string { return m.name }

// payload is the plaintext of a remember-me token.
type payload struct {
	Selector  string `json:"s"` // base64url, 128 bits
	Validator string `json:"v"` // base64url, 256 bits
	Expires   int64  `json:"x"` // Unix seconds
}

var b64 = base64.RawURLEncoding.Strict()

func randomB64(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return b64.EncodeToString(b)
}

func hashValidator(v string) []byte {
	h := sha256.Sum256([]byte(v))
	return h[:]
}

// Remember starts a remembered login for userID on the client of r: it
// creates a series in the store and sets the cookie on w. Call it after a
// successful password login when the user asked to be remembered. device
// is optional metadata kept with the series (such as a summary of the
// user agent), truncated to [MaxDeviceLength] bytes. A remember-me cookie
// that r already carries is forgotten first (best effort), so a device
// has one series at a time.
//
// Errors: [ErrNoUser], or a store error (matching [store.ErrUnavailable] when
// the store is unreachable or full); no cookie is set then.
func (m *Manager) Remember(w http.ResponseWriter, r *http.Request, userID, device string) error {
	if userID == "" {
		return ErrNoUser
	}
	ctx := r.Context()
	now := m.now()
	if c := m.cookie(r); c != "" {
		if p, err := m.decode(c, now); err == nil {
			_ = m.store.DeleteSeries(ctx, p.Selector)
		}
	}
	if len(device) > MaxDeviceLength {
		device = strings.ToValidUTF8(device[:MaxDeviceLength], "")
	} else if !utf8.ValidString(device) {
		device = strings.ToValidUTF8(device, "")
	}
	sel, val := randomB64(selectorBytes), randomB64(validatorBytes)
	exp := now.Add(m.lifetime).Truncate(time.Second)
	err := m.store.CreateSeries(ctx, store.Series{
		Selector:      sel,
		UserID:        userID,
		ValidatorHash: hashValidator(val),
		Expires:       exp,
		Created:       now,
		Device:        device,
	})
	if err != nil {
		return fmt.Errorf("remember: creating series: %w", err)
	}
	return m.setCookie(w, sel, val, exp, now)
}

// Login logs the client of r in with its remember-me cookie. It reports
// the user id and true when the cookie is valid; the cookie is then
// rotated (a new validator is set on w), except within the grace window
// of a concurrent rotation, where w is left alone (see the package
// documentation). Without a cookie it returns "", false, nil and touches
// nothing.
//
// A bad cookie (see the package documentation) returns "", false, nil,
// deletes the cookie and calls [Config.OnBadCookie]. A detected theft
// deletes the series, calls [Config.OnTheft], deletes the cookie and returns
// "", false, nil. The only errors are those of the store (matching
// [store.ErrUnavailable]): Login then fails closed with "", false, err.
//
// Login does not touch the session; Handler does that (see [SetUserAt]).
// Callers of Login who record the login time themselves must take it
// before calling Login, as Handler does, so that a cut-off recorded while
// Login read the series is not outlived.
func (m *Manager) Login(w http.ResponseWriter, r *http.Request) (userID string, ok bool, err error) {
	userID, _, ok, err = m.login(w, r)
	return userID, ok, err
}

// login is Login, also returning the instant, taken before the series was
// read, that dates the login.
func (m *Manager) login(w http.ResponseWriter, r *http.Request) (userID string, at time.Time, ok bool, err error) {
	now := m.now()
	userID, ok, err = m.loginAt(w, r, now)
	return userID, now, ok, err
}

func (m *Manager) loginAt(w http.ResponseWriter, r *http.Request, now time.Time) (userID string, ok bool, err error) {
	c := m.cookie(r)
	if c == "" {
		if fc := m.flaskCookie(r); fc != "" {
			return m.loginFlask(w, r, fc)
		}
		return "", false, nil
	}
	ctx := r.Context()
	p, berr := m.decode(c, now)
	if berr != nil {
		m.reject(w, r, berr)
		return "", false, nil
	}
	s, err := m.store.GetSeries(ctx, p.Selector)
	if errors.Is(err, store.ErrNotFound) {
		m.reject(w, r, ErrRevoked)
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("remember: %w", err)
	}
	if !now.Before(s.Expires) {
		if err := m.store.DeleteSeries(ctx, p.Selector); err != nil {
			return "", false, fmt.Errorf("remember: %w", err)
		}
		m.reject(w, r, ErrExpired)
		return "", false, nil
	}
	h := hashValidator(p.Validator)
	if subtle.ConstantTimeCompare(h, s.ValidatorHash) == 1 {
		val := randomB64(validatorBytes)
		rotated, err := m.store.RotateSeries(ctx, p.Selector, h, hashValidator(val), now.Add(m.grace))
		if errors.Is(err, store.ErrNotFound) {
			m.reject(w, r, ErrRevoked)
			return "", false, nil
		}
		if err != nil {
			return "", false, fmt.Errorf("remember: %w", err)
		}
		if rotated {
			if err := m.setCookie(w, p.Selector, val, s.Expires, now); err != nil {
				return "", false, err
			}
			return s.UserID, true, nil
		}
		// A concurrent request rotated first: our validator must now be
		// the previous one, within the grace window.
		s, err = m.store.GetSeries(ctx, p.Selector)
		if errors.Is(err, store.ErrNotFound) {
			m.reject(w, r, ErrRevoked)
			return "", false, nil
		}
		if err != nil {
			return "", false, fmt.Errorf("remember: %w", err)
		}
	}
	if len(s.PrevHash) > 0 && now.Before(s.PrevUntil) && subtle.ConstantTimeCompare(h, s.PrevHash) == 1 {
		return s.UserID, true, nil
	}

	// A known selector with a validator that is neither current nor just
	// replaced: someone else has used a copy of this cookie.
	derr := m.store.DeleteSeries(ctx, p.Selector)
	m.clearCookie(w)
	if m.onTheft != nil {
		m.onTheft(ctx, s.UserID, p.Selector)
	}
	m.theftEvent(ctx, derr)
	if derr != nil {
		return "", false, fmt.Errorf("remember: revoking a stolen series: %w", derr)
	}
	return "", false, nil
}

// Forget ends the remembered login of the client of r ("log out on this
// device"): it deletes its series and the cookie. Without a cookie it does
// nothing. The cookie is deleted even when the store fails; the error
// (matching [store.ErrUnavailable]) is then returned.
func (m *Manager) Forget(w http.ResponseWriter, r *http.Request) error {
	c := m.cookie(r)
	if c == "" {
		return nil
	}
	m.clearCookie(w)
	p, err := m.decode(c, m.now())
	if err != nil {
		return nil // nothing of ours to delete
	}
	if err := m.store.DeleteSeries(r.Context(), p.Selector); err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("remember: %w", err)
	}
	return nil
}

// ForgetUser ends every remembered login of userID ("log out everywhere";
// call it on a password change). Sessions are not affected: end them with
// their own mechanism.
func (m *Manager) ForgetUser(ctx context.Context, userID string) error {
	if err := m.store.DeleteUser(ctx, userID); err != nil {
		return fmt.Errorf("remember: %w", err)
	}
	return nil
}

// cookie returns the value of the first cookie of r named m.name, or "".
func (m *Manager) cookie(r *http.Request) string {
	cs := r.CookiesNamed(m.name)
	if len(cs) == 0 {
		return ""
	}
	if cs[0].Value == "" {
		return "\x00" // present but empty: a bad cookie to delete
	}
	return cs[0].Value
}

// decode opens a token and checks its form and its expiry at now. It never
// panics on any input.
func (m *Manager) decode(token string, now time.Time) (*payload, error) {
	if len(token) > maxTokenLength || !strings.HasPrefix(token, tokenHeader) {
		return nil, ErrMalformed
	}
	k := m.keys.ForToken(token, now)
	if k == nil {
		// Slow path: a footer we did not make; find the key by its id.
		u, err := m.parser.Unverified(token)
		if err != nil {
			return nil, ErrMalformed
		}
		id, err := paseto.FooterKeyID(u.UnverifiedFooter)
		if err != nil || id == "" {
			return nil, ErrMalformed
		}
		if k = m.keys.ByID(id, now); k == nil {
			return nil, ErrUnknownKey
		}
	}
	plain, _, err := m.parser.Decrypt(k.Key, token, m.implicit)
	if err != nil {
		if errors.Is(err, paseto.ErrInvalidMAC) {
			return nil, ErrTampered
		}
		return nil, ErrMalformed
	}
	p := new(payload)
	if err := json.Unmarshal(plain, p); err != nil {
		return nil, ErrMalformed
	}
	if sel, err := b64.DecodeString(p.Selector); err != nil || len(sel) != selectorBytes {
		return nil, ErrMalformed
	}
	if val, err := b64.DecodeString(p.Validator); err != nil || len(val) != validatorBytes {
		return nil, ErrMalformed
	}
	if p.Expires <= 0 || !now.Before(time.Unix(p.Expires, 0)) {
		return nil, ErrExpired
	}
	return p, nil
}

// setCookie encrypts a token for selector and validator and sets it on w,
// replacing a remember-me cookie set earlier in the same response.
func (m *Manager) setCookie(w http.ResponseWriter, selector, validator string, exp, now time.Time) error {
	b, _ := json.Marshal(payload{Selector: selector, Validator: validator, Expires: exp.Unix()})
	k, err := m.keys.Encrypting(now)
	if err != nil {
		return fmt.Errorf("remember: no key encrypts: %w", err)
	}
	token, err := paseto.Encrypt(k.Key, b, k.Footer, m.implicit)
	if err != nil {
		return fmt.Errorf("remember: %w", err)
	}
	c := m.tmpl
	c.Value = token
	c.MaxAge = max(int(exp.Sub(now)/time.Second), 1)
	c.Expires = exp.UTC()
	m.writeCookie(w.Header(), &c)
	return nil
}

// clearCookie deletes the cookie on the client.
func (m *Manager) clearCookie(w http.ResponseWriter) {
	c := m.tmpl
	cookie.Expire(&c)
	m.writeCookie(w.Header(), &c)
}

// reject deletes a bad cookie and reports it.
func (m *Manager) reject(w http.ResponseWriter, r *http.Request, err error) {
	m.clearCookie(w)
	if m.onBad != nil {
		m.onBad(r, &CookieError{Name: m.name, Kind: err})
	}
}

// writeCookie replaces any Set-Cookie of h for our name with c, and keeps
// shared caches from storing the response.
func (m *Manager) writeCookie(h http.Header, c *http.Cookie) {
	cookie.Write(h, func(name string) bool { return name == m.name }, c)
}
