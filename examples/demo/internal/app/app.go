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
//   - keys.go: the key file and the key material; rotation.go: the
//     hand-written rotation of the signing key, which the key ring replaces.
package app

import (
	"context"
	"errors"
	"log"
	"net/http"
	"time"

	"github.com/pasetokit/pasetokit/authtoken"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/remember"
	"github.com/pasetokit/pasetokit/session"
	"github.com/pasetokit/pasetokit/store"
)

const (
	// tokenIssuer is the iss claim of the API tokens and the issuer of
	// the published key set.
	tokenIssuer = "pasetokit-demo"
	// accessLifetime is the lifetime of access tokens; a retired signing
	// key is kept this long (plus keyGrace) after it stopped signing.
	accessLifetime = 15 * time.Minute
	keyGrace       = time.Minute
	// DefaultMaxKeys bounds the keys kept for verification, whatever the
	// rotation rate; the oldest beyond it are dropped early.
	DefaultMaxKeys = 32
	// refreshKeyPurpose derives the refresh-token key from the cookie
	// secret (session and remember use other purposes).
	refreshKeyPurpose = "demo-refresh-token"
	// webCutoffPrefix names the per-user "log out everywhere" cut-off of
	// web sessions in the store.
	webCutoffPrefix = "websess:"
	// Session keys: the login time (Unix ns) and the visit counter.
	loginAtKey = "login_at"
	visitsKey  = "visits"
)

// Config configures New. The zero value is a working demo: generated keys,
// in-memory stores, cookies not Secure, no scheduled rotation.
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
	// RotateEvery rotates the signing key on a timer while [App.Run]
	// runs; zero means only [App.Rotate] (POST /admin/rotate) rotates.
	RotateEvery time.Duration
	// MaxKeys is the most access-token keys kept (the signer and the
	// retired keys whose tokens may still be live); zero means
	// DefaultMaxKeys. Rotating faster than MaxKeys per access-token
	// lifetime drops keys whose tokens have not expired yet.
	MaxKeys int
}

// App is the demo application: an http.Handler.
type App struct {
	cfg            Config
	store          store.Store
	sessions       *session.Manager
	remember       *remember.Manager
	rememberCookie string // the remember-me cookie's name, for the console
	keys           *tokenKeys
	handler        http.Handler
}

// New builds the application.
// MaxFamiliesPerUser is how many logins (refresh-token families) one user
// keeps in the demo's stores. A real application keeps the store's default
// (32: a login beyond it ends the user's oldest); the demo has one user,
// test, shared by every browser, script and load-test client, so it keeps
// many more.
const MaxFamiliesPerUser = 1 << 16

func New(cfg Config) (*App, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logf == nil {
		cfg.Logf = log.Printf
	}
	if cfg.MaxKeys == 0 {
		cfg.MaxKeys = DefaultMaxKeys
	}
	if cfg.MaxKeys < 1 {
		return nil, errors.New("app: MaxKeys must be positive")
	}
	if cfg.RotateEvery < 0 {
		return nil, errors.New("app: RotateEvery must not be negative")
	}
	var err error
	if cfg.CookieSecret == nil {
		if cfg.CookieSecret, err = newCookieSecret(); err != nil {
			return nil, err
		}
	}
	a := &App{cfg: cfg, store: cfg.Store}
	if a.store == nil {
		if a.store, err = store.NewMemory(store.MemoryConfig{Now: cfg.Now, MaxFamiliesPerUser: MaxFamiliesPerUser}); err != nil {
			return nil, err
		}
	}
	rememberStore := cfg.RememberStore
	if rememberStore == nil {
		if rememberStore, err = store.NewMemoryRemember(store.MemoryConfig{Now: cfg.Now}); err != nil {
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
		Secret: a.cfg.CookieSecret,
		Cookie: session.Cookie{Name: sessionName, Insecure: !a.cfg.Secure},
		// A browser-session cookie: closing the browser ends the login
		// unless "remember me" was ticked.
		SessionCookie: true,
		Now:           a.cfg.Now,
		OnError:       func(_ *http.Request, err error) { a.cfg.Logf("session: %v", err) },
	}); err != nil {
		return err
	}
	a.remember, err = remember.New(remember.Config{
		Secret:  a.cfg.CookieSecret,
		Store:   rememberStore,
		Cookie:  remember.Cookie{Name: rememberName, Insecure: !a.cfg.Secure},
		Now:     a.cfg.Now,
		OnTheft: a.rememberTheft,
		OnError: func(_ *http.Request, err error) { a.cfg.Logf("remember: %v", err) },
		// A remembered user coming back while the store is down gets 503,
		// not a logged-out page.
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, _ error) { unavailable(w) },
	})
	return err
}

// newTokens makes the API's token keys and the authtoken.Manager on them:
// access tokens signed by the signing key (rotation.go), refresh tokens
// under a key derived from the cookie secret, revocations in the store.
func (a *App) newTokens() error {
	refresh, err := refreshKey(a.cfg.CookieSecret)
	if err != nil {
		return err
	}
	first, err := newSigningKey(a.cfg.TokenKey, a.cfg.Now())
	if err != nil {
		return errors.New("app: TokenKey is not a k4.secret PASERK")
	}
	newManager := func(accessKeys []keyring.Key) (*authtoken.Manager, error) {
		return authtoken.New(authtoken.Config{
			Access:  authtoken.KindConfig{Keys: accessKeys, Lifetime: accessLifetime},
			Refresh: authtoken.KindConfig{Keys: []keyring.Key{refresh}},
			Issuer:  tokenIssuer,
			Store:   a.store,
			Now:     a.cfg.Now,
			OnReuse: func(_ context.Context, subject, _ string) {
				a.cfg.Logf("refresh token reused for user %q: family revoked", subject)
			},
		})
	}
	a.keys, err = newTokenKeys(first, a.cfg.MaxKeys, a.cfg.Now, newManager)
	return err
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
	return a.keys.manager().LogoutEverywhere(ctx, user)
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
