// Package app is the pasetokit demo application served by the demo command
// (whose documentation lists the routes, keys, rotation and stores). Read it
// in this order:
//
//   - app.go: Config and New, which build the pieces every request uses: a
//     session.Manager for the web session cookie, a remember.Manager for
//     "remember me", an authtoken.Manager for the API's access and refresh
//     tokens, and the store they share for revocations and cut-offs.
//   - routes.go: every route in one table, with the middleware in front of
//     it (the web routes run inside the cookie middleware; the API routes
//     that need a token inside httpauth's).
//   - web.go: the pages and form posts of the web part; console.go: the
//     home page, a small console of the keys and the session.
//   - api.go: the token API handlers.
//   - errors.go: how failures become answers (401, 403, 503), always with a
//     fixed text, never a Go error's.
//   - keys.go: the key file; rings.go: the key rings (one per key family)
//     that the token and cookie managers follow, rotating while serving.
//   - outage.go: one log line per store outage, not one per request.
package app

import (
	"context"
	"errors"
	"log"
	"net/http"
	"time"

	"github.com/pasetokit/pasetokit/authtoken"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/observe"
	"github.com/pasetokit/pasetokit/remember"
	"github.com/pasetokit/pasetokit/session"
	"github.com/pasetokit/pasetokit/store"
)

const (
	// tokenIssuer is the iss claim of the API tokens and the issuer of
	// the published key set.
	tokenIssuer = "pasetokit-demo"
	// DefaultAccessLifetime is the lifetime of access tokens when
	// Config.AccessLifetime is zero; a retired signing key is kept this
	// long (plus Config.KeyGrace) after it stopped signing.
	DefaultAccessLifetime = 15 * time.Minute
	// refreshKeyPurpose derives the first refresh-token key from the
	// cookie secret (session and remember use other purposes).
	refreshKeyPurpose = "demo-refresh-token"
	// webCutoffPrefix names the per-user "log out everywhere" cut-off of
	// web sessions in the store.
	webCutoffPrefix = "websess:"
	// Session keys: the login time (Unix ns) and the visit counter.
	loginAtKey = "login_at"
	visitsKey  = "visits"
)

// Config configures New. The zero value is a working demo: generated keys,
// in-memory stores and key rings, cookies not Secure, keys rotated weekly.
type Config struct {
	// TokenKey is a k4.secret PASERK; empty means a generated key.
	TokenKey string
	// CookieSecret is at least 32 bytes; nil means a generated secret.
	CookieSecret []byte
	// Secure marks cookies Secure and names them __Host-… (serve behind
	// HTTPS).
	Secure bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logf logs; nil means log.Printf.
	Logf func(format string, args ...any)
	// Store holds revocations, one-time refresh tokens and the "log out
	// everywhere" cut-offs; nil means an in-memory store.
	Store store.Store
	// RememberStore holds the remember-me series; nil means an in-memory
	// store.
	RememberStore store.RememberStore
	// RotateEvery is how long an access-token signing key signs before
	// the next takes over ([App.Run] runs the schedule); zero means
	// keyring.DefaultRotateEvery (a week). The refresh, session and
	// remember-me rings rotate as often, or less often when their
	// lifetimes would make them hold too many keys.
	RotateEvery time.Duration
	// PublishAhead is how long a new key is published (and accepted by
	// every process sharing the rings) before it signs; zero means
	// DefaultPublishAhead, or half of RotateEvery when that is shorter.
	// It must exceed the refresh interval of every verifier following
	// the key set; the rings refuse one longer than RotateEvery.
	PublishAhead time.Duration
	// AccessLifetime and RefreshLifetime are the tokens' lifetimes; zero
	// means DefaultAccessLifetime and authtoken.DefaultRefreshLifetime.
	// Retired keys are kept that long plus a minute.
	AccessLifetime  time.Duration
	RefreshLifetime time.Duration
	// KeyGrace is how much longer than the lifetime of what they made
	// retired keys are kept (clock skew between the processes and
	// verifiers); zero means DefaultKeyGrace.
	KeyGrace time.Duration
	// MaxKeys caps the access ring's keys; zero means what its schedule
	// needs plus room for 16 manual rotations. The ring refuses a cap its
	// schedule cannot keep.
	MaxKeys int
	// VerifyCache is authtoken.Config.CacheSize: how many verified access
	// tokens are kept so that a token seen again skips its signature check
	// (expiry, issuer, audience, the type and the store's revocation and
	// cut-off checks still run on every request). Zero, the default here,
	// disables the cache; the demo command's -verify-cache sets 10000.
	VerifyCache int
	// RingBackend returns the backend of the key ring of one family
	// (RingAccess, RingRefresh, RingSession, RingRemember); nil keeps
	// every ring in memory. With a shared backend the secret keys are
	// wrapped with a key derived from CookieSecret, so the processes that
	// share it and the key file form one fleet.
	RingBackend func(family string) (keyring.Backend, error)
	// Events receives the events of every component the app builds (key
	// rings, token and cookie managers, the API's middleware); nil means
	// observe.Default() (slog, rate-limited). The demo command passes
	// observe.Multi(observe.Default(), counts) and serves the counts on
	// its metrics listener. A store given in Store takes its own.
	Events observe.Handler

	onRingError func(family string, err error)
}

// App is the demo application: an http.Handler.
type App struct {
	cfg            Config
	store          store.Store
	sessions       *session.Manager
	remember       *remember.Manager
	rememberCookie string // the remember-me cookie's name, for the console
	rings          *rings
	tokens         *authtoken.Manager
	outage         *outageLog
	handler        http.Handler
}

// New builds the application.
// MaxFamiliesPerUser is how many logins (refresh-token families) one user
// keeps in the demo's stores. A real application keeps the store's default
// (32: a login beyond it ends the user's oldest); the demo has one user,
// test, shared by every browser, script and load-test client, so it keeps
// many more.
const MaxFamiliesPerUser = 1 << 16

// MaxSeriesPerUser is how many remember-me logins (series) one user keeps
// in the demo's stores, for the same reason as [MaxFamiliesPerUser]: with
// the store's default of 32, the 33rd browser to tick "remember me" as
// test (a load test's clients, whose logouts fail while a demo is killed)
// would end the remembered login of the first.
const MaxSeriesPerUser = 1 << 16

func New(cfg Config) (*App, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logf == nil {
		cfg.Logf = log.Printf
	}
	if cfg.AccessLifetime == 0 {
		cfg.AccessLifetime = DefaultAccessLifetime
	}
	if cfg.RefreshLifetime == 0 {
		cfg.RefreshLifetime = authtoken.DefaultRefreshLifetime
	}
	if cfg.KeyGrace == 0 {
		cfg.KeyGrace = DefaultKeyGrace
	}
	if cfg.MaxKeys < 0 || cfg.RotateEvery < 0 || cfg.PublishAhead < 0 || cfg.AccessLifetime < 0 || cfg.RefreshLifetime < 0 || cfg.KeyGrace < 0 {
		return nil, errors.New("app: MaxKeys, RotateEvery, PublishAhead, KeyGrace and the lifetimes must not be negative")
	}
	var err error
	if cfg.CookieSecret == nil {
		if cfg.CookieSecret, err = newCookieSecret(); err != nil {
			return nil, err
		}
	}
	a := &App{cfg: cfg, store: cfg.Store, outage: &outageLog{now: cfg.Now, logf: cfg.Logf}}
	a.cfg.onRingError = func(family string, err error) { a.outage.fail(family+" key ring", err) }
	if a.rings, err = newRings(context.Background(), a.cfg); err != nil {
		return nil, err
	}
	if a.store == nil {
		if a.store, err = store.NewMemory(store.MemoryConfig{Now: cfg.Now, MaxFamiliesPerUser: MaxFamiliesPerUser}); err != nil {
			return nil, err
		}
	}
	rememberStore := cfg.RememberStore
	if rememberStore == nil {
		if rememberStore, err = store.NewMemoryRemember(store.MemoryConfig{Now: cfg.Now, MaxSeriesPerUser: MaxSeriesPerUser}); err != nil {
			return nil, err
		}
	}

	if err := a.newCookies(rememberStore); err != nil {
		return nil, err
	}
	if err := a.newTokens(); err != nil {
		return nil, err
	}
	if a.handler, err = a.routes(); err != nil {
		return nil, err
	}
	return a, nil
}

// newCookies makes the cookie managers of the web part: the session, and
// "remember me" with its series in rememberStore.
func (a *App) newCookies(rememberStore store.RememberStore) error {
	// On HTTPS, __Host- cookie names keep a sibling subdomain from
	// planting cookies for this host (cookie tossing).
	sessionName, rememberName := session.DefaultName, remember.DefaultName
	if a.cfg.Secure {
		sessionName, rememberName = "__Host-session", "__Host-remember"
	}
	a.rememberCookie = rememberName
	var err error
	if a.sessions, err = session.New(session.Config{
		KeySource: a.rings.session,
		Cookie:    session.Cookie{Name: sessionName, Insecure: !a.cfg.Secure},
		// A browser-session cookie: closing the browser ends the login
		// unless "remember me" was ticked.
		SessionCookie: true,
		Now:           a.cfg.Now,
		OnError:       func(_ *http.Request, err error) { a.logError("session", err) },
	}); err != nil {
		return err
	}
	a.remember, err = remember.New(remember.Config{
		KeySource: a.rings.remember,
		Store:     rememberStore,
		Cookie:    remember.Cookie{Name: rememberName, Insecure: !a.cfg.Secure},
		Now:       a.cfg.Now,
		OnTheft:   a.rememberTheft,
		Events:    a.cfg.Events,
		OnError:   func(_ *http.Request, err error) { a.logError("remember", err) },
		// A remembered user coming back while the store is down gets 503,
		// not a logged-out page.
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, _ error) { unavailable(w) },
	})
	return err
}

// newTokens makes the authtoken.Manager of the API: access tokens signed
// with the access ring's current key, refresh tokens under the refresh
// ring's, revocations in the store. The Manager follows the rings.
func (a *App) newTokens() error {
	var err error
	a.tokens, err = authtoken.New(authtoken.Config{
		Access:    authtoken.KindConfig{KeySource: a.rings.access, Lifetime: a.cfg.AccessLifetime},
		Refresh:   authtoken.KindConfig{KeySource: a.rings.refresh, Lifetime: a.cfg.RefreshLifetime},
		Issuer:    tokenIssuer,
		Store:     a.store,
		CacheSize: a.cfg.VerifyCache,
		Now:       a.cfg.Now,
		Events:    a.cfg.Events, // reuse, and the verifiers' outcomes
		OnReuse: func(_ context.Context, subject, _ string) {
			a.cfg.Logf("refresh token reused for user %q: family revoked", subject)
		},
	})
	return err
}

// logError logs err of what, or counts it in the current outage when the
// store or a key ring cannot answer.
func (a *App) logError(what string, err error) {
	if errors.Is(err, store.ErrUnavailable) || errors.Is(err, keyring.ErrStale) {
		a.outage.fail(what, err)
		return
	}
	a.cfg.Logf("%s: %v", what, err)
}

// ServeHTTP serves the demo's routes (routes.go).
func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.handler.ServeHTTP(w, r) }

// checkPassword checks the demo user's credentials.
func checkPassword(user, pass string) bool {
	// A real application compares password hashes (argon2id, bcrypt).
	return user == "test" && pass == "test"
}

// logoutEverywhere ends everything of user: remember-me logins, web
// sessions and API tokens.
func (a *App) logoutEverywhere(ctx context.Context, user string) error {
	// Remember-me series first, so that no remember-me login can start
	// after the web cut-off.
	if err := a.remember.ForgetUser(ctx, user); err != nil {
		return err
	}
	if err := a.cutOffWebSessions(ctx, user); err != nil {
		return err
	}
	return a.tokens.LogoutEverywhere(ctx, user)
}

// cutOffWebSessions ends the web sessions of user that logged in before
// now (see webCutoff). Session cookies are stateless, so the cut-off lives
// in the store.
func (a *App) cutOffWebSessions(ctx context.Context, user string) error {
	now := a.cfg.Now()
	return a.store.SetCutoff(ctx, webCutoffPrefix+user, now, now.Add(session.DefaultLifetime))
}

// rememberTheft is remember's OnTheft: the series is gone already; also end
// the web sessions started from the stolen cookie (and the victim's).
func (a *App) rememberTheft(ctx context.Context, user, _ string) {
	err := a.cutOffWebSessions(ctx, user)
	a.cfg.Logf("remember-me cookie theft detected for user %q: series revoked, web sessions cut off (err=%v)", user, err)
}
