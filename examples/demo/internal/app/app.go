// Package app is the pasetokit demo application served by the demo command
// (see its documentation for the routes, keys, rotation and stores).
package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pasetokit/pasetokit/authtoken"
	"github.com/pasetokit/pasetokit/httpauth"
	"github.com/pasetokit/pasetokit/issuer"
	"github.com/pasetokit/pasetokit/keyderive"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
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
	// loginAtKey is the session key holding the login time (Unix ns).
	loginAtKey = "login_at"
	visitsKey  = "visits"
)

// Config configures New.
type Config struct {
	// TokenKey is a k4.secret PASERK; empty means a generated key.
	TokenKey string
	// CookieSecret is at least 32 bytes; nil means a generated secret.
	CookieSecret []byte
	// Secure marks cookies Secure (serve behind HTTPS).
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
	// MaxKeys is the most access-token keys kept (the signer and the
	// retired keys whose tokens may still be live); zero means
	// DefaultMaxKeys. Rotating faster than MaxKeys per access-token
	// lifetime drops keys whose tokens have not expired yet.
	MaxKeys int
}

// keyFile is the format of -key-file.
type keyFile struct {
	TokenKey     string `json:"token_key"`
	CookieSecret string `json:"cookie_secret"`
}

// LoadKeyFile reads a key file (see the demo command) into cfg.
func LoadKeyFile(path string, cfg *Config) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var kf keyFile
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&kf); err != nil {
		return fmt.Errorf("key file %s: invalid JSON: %w", path, err)
	}
	secret, err := base64.StdEncoding.DecodeString(strings.TrimSpace(kf.CookieSecret))
	if err != nil {
		return fmt.Errorf("key file %s: cookie_secret is not standard base64", path)
	}
	if len(secret) < keyderive.MinSecretLength {
		return fmt.Errorf("key file %s: cookie_secret must hold at least %d bytes", path, keyderive.MinSecretLength)
	}
	if _, err := paserk.ParseSecret(paseto.V4, strings.TrimSpace(kf.TokenKey)); err != nil {
		return fmt.Errorf("key file %s: token_key must be a k4.secret PASERK", path)
	}
	cfg.TokenKey = strings.TrimSpace(kf.TokenKey)
	cfg.CookieSecret = secret
	return nil
}

// signingKey is one access-token key: its secret PASERK, its public PASERK
// and id, and when it stopped signing (zero for the current signer).
type signingKey struct {
	secret  string
	public  string
	kid     string
	retired time.Time
}

func newSigningKey(secretPASERK string) (signingKey, error) {
	var sk *paseto.SecretKey
	var err error
	if secretPASERK == "" {
		sk, err = paseto.GenerateSecretKey(paseto.V4)
	} else {
		sk, err = paserk.ParseSecret(paseto.V4, secretPASERK)
	}
	if err != nil {
		return signingKey{}, err
	}
	k := signingKey{}
	if k.secret, err = paserk.Encode(sk); err != nil {
		return signingKey{}, err
	}
	if k.public, err = paserk.Encode(sk.Public()); err != nil {
		return signingKey{}, err
	}
	if k.kid, err = paserk.ID(sk.Public()); err != nil {
		return signingKey{}, err
	}
	return k, nil
}

// tokens is one generation of the API token machinery: a Manager for one
// key list and the handlers built on it. Generations share the Store.
type tokens struct {
	m   *authtoken.Manager
	kid string

	me, sensitive, refresh, logout, logoutEverywhere http.Handler
}

// App is the demo application.
type App struct {
	cfg        Config
	store      store.Store
	sessions   *session.Manager
	remember   *remember.Manager
	publisher  *issuer.Issuer
	refreshKey keyring.Key

	mu   sync.Mutex // serializes rotations; guards keys
	keys []signingKey
	cur  atomic.Pointer[tokens]
}

// New builds the application and returns its handler.
func New(cfg Config) (http.Handler, *App, error) {
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
		return nil, nil, errors.New("app: MaxKeys must be positive")
	}
	// On HTTPS, __Host- cookie names keep a sibling subdomain from
	// planting cookies for this host (cookie tossing).
	sessionName, rememberName := "", ""
	if cfg.Secure {
		sessionName, rememberName = "__Host-session", "__Host-remember"
	}
	if cfg.CookieSecret == nil {
		cfg.CookieSecret = make([]byte, 32)
		if _, err := rand.Read(cfg.CookieSecret); err != nil {
			return nil, nil, err
		}
	}
	a := &App{cfg: cfg}
	var err error
	a.store = cfg.Store
	if a.store == nil {
		if a.store, err = store.NewMemory(store.MemoryConfig{Now: cfg.Now}); err != nil {
			return nil, nil, err
		}
	}
	rs := cfg.RememberStore
	if rs == nil {
		if rs, err = store.NewMemoryRemember(store.MemoryConfig{Now: cfg.Now}); err != nil {
			return nil, nil, err
		}
	}
	if a.sessions, err = session.New(session.Config{
		Secret: cfg.CookieSecret,
		Cookie: session.Cookie{Name: sessionName, Insecure: !cfg.Secure},
		// A browser-session cookie: closing the browser ends the login
		// unless "remember me" was ticked.
		SessionCookie: true,
		Now:           cfg.Now,
		OnError:       func(_ *http.Request, err error) { cfg.Logf("session: %v", err) },
	}); err != nil {
		return nil, nil, err
	}
	if a.remember, err = remember.New(remember.Config{
		Secret: cfg.CookieSecret,
		Store:  rs,
		Cookie: remember.Cookie{Name: rememberName, Insecure: !cfg.Secure},
		Now:    cfg.Now,
		OnTheft: func(ctx context.Context, userID, _ string) {
			// The series is gone; also end the web sessions already
			// started from the stolen cookie (and the victim's).
			now := cfg.Now()
			err := a.store.SetCutoff(ctx, webCutoffPrefix+userID, now, now.Add(session.DefaultLifetime))
			cfg.Logf("remember-me cookie theft detected for user %q: series revoked, web sessions cut off (err=%v)", userID, err)
		},
		OnError: func(_ *http.Request, err error) { cfg.Logf("remember: %v", err) },
		// A remembered user coming back while the store is down gets 503,
		// not a logged-out page.
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, _ error) { unavailable(w) },
	}); err != nil {
		return nil, nil, err
	}
	rk, err := keyderive.SymmetricKey(cfg.CookieSecret, paseto.V4, refreshKeyPurpose)
	if err != nil {
		return nil, nil, err
	}
	rkPASERK, err := paserk.Encode(rk)
	if err != nil {
		return nil, nil, err
	}
	a.refreshKey = keyring.Key{PASERK: rkPASERK}

	first, err := newSigningKey(cfg.TokenKey)
	if err != nil {
		return nil, nil, fmt.Errorf("token key: %w", err)
	}
	a.keys = []signingKey{first}
	if a.publisher, err = issuer.New(issuer.Config{
		Keys:         []keyring.Key{{PASERK: first.secret}},
		Issuer:       tokenIssuer,
		KeySetMaxAge: time.Minute,
	}); err != nil {
		return nil, nil, err
	}
	t, err := a.buildTokens(a.keys)
	if err != nil {
		return nil, nil, err
	}
	a.cur.Store(t)
	return a.routes(), a, nil
}

// buildTokens makes a generation for keys (signer first).
func (a *App) buildTokens(keys []signingKey) (*tokens, error) {
	// The signer first; the previous keys only verify, so their public
	// halves are enough.
	accessKeys := []keyring.Key{{PASERK: keys[0].secret}}
	for _, k := range keys[1:] {
		accessKeys = append(accessKeys, keyring.Key{PASERK: k.public})
	}
	m, err := authtoken.New(authtoken.Config{
		Access:  authtoken.KindConfig{Keys: accessKeys, Lifetime: accessLifetime},
		Refresh: authtoken.KindConfig{Keys: []keyring.Key{a.refreshKey}},
		Issuer:  tokenIssuer,
		Store:   a.store,
		Now:     a.cfg.Now,
		OnReuse: func(_ context.Context, subject, _ string) {
			a.cfg.Logf("refresh token reused for user %q: family revoked", subject)
		},
	})
	if err != nil {
		return nil, err
	}
	mw := func(v httpauth.TokenVerifier) (*httpauth.Middleware, error) {
		return httpauth.New(httpauth.Config{Verifier: v, Realm: "api", ErrorHandler: a.authError})
	}
	access, err := mw(m.Access())
	if err != nil {
		return nil, err
	}
	fresh, err := mw(m.FreshAccess())
	if err != nil {
		return nil, err
	}
	t := &tokens{m: m, kid: keys[0].kid}
	t.me = access.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, _ := httpauth.TokenFrom(r.Context())
		writeJSON(w, http.StatusOK, map[string]any{
			"user":  authtoken.Subject(r.Context()),
			"fresh": authtoken.Fresh(r.Context()),
			"kid":   tok.KeyID,
		})
	}))
	t.sensitive = fresh.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"user": authtoken.Subject(r.Context()), "done": true})
	}))
	// Refresh verifies the refresh token itself (with its revocation and
	// cut-off checks), so this route has no middleware verifying it first.
	t.refresh = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, ok := bearerToken(r)
		if !ok {
			a.tokenError(w, httpauth.ErrMissingToken)
			return
		}
		pair, err := m.Refresh(r.Context(), tok)
		if err != nil {
			a.tokenError(w, err)
			return
		}
		writePair(w, pair)
	})
	t.logout = access.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, _ := bearerToken(r) // Require has found and verified it
		if err := m.Logout(r.Context(), tok); err != nil {
			a.tokenError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"detail": "Logged out"})
	}))
	t.logoutEverywhere = access.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := a.logoutEverywhere(r.Context(), authtoken.Subject(r.Context())); err != nil {
			a.tokenError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"detail": "Logged out everywhere"})
	}))
	return t, nil
}

// Rotate makes a new signing key the signer, keeps the previous keys for
// verification until their tokens have expired, and returns the new kid.
func (a *App) Rotate() (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	k, err := newSigningKey("")
	if err != nil {
		return "", err
	}
	now := a.cfg.Now()
	keys := []signingKey{k}
	for i, old := range a.keys {
		if i == 0 {
			old.retired = now
		}
		if now.Sub(old.retired) < accessLifetime+keyGrace && len(keys) < a.cfg.MaxKeys {
			keys = append(keys, old)
		}
	}
	t, err := a.buildTokens(keys)
	if err != nil {
		return "", err
	}
	ik := make([]keyring.Key, len(keys))
	for i, k := range keys {
		ik[i] = keyring.Key{PASERK: k.secret}
	}
	if err := a.publisher.SetKeys(ik); err != nil {
		return "", err
	}
	a.cur.Store(t)
	a.keys = keys
	return k.kid, nil
}

// KeyIDs returns the ids of the access-token keys, signer first.
func (a *App) KeyIDs() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	ids := make([]string, len(a.keys))
	for i, k := range a.keys {
		ids[i] = k.kid
	}
	return ids
}

// logoutEverywhere ends everything of user: API tokens, remember-me logins
// and web sessions.
func (a *App) logoutEverywhere(ctx context.Context, user string) error {
	// Remember-me series first, so that no remember-me login can start
	// after the web cut-off.
	if err := a.remember.ForgetUser(ctx, user); err != nil {
		return err
	}
	now := a.cfg.Now()
	if err := a.store.SetCutoff(ctx, webCutoffPrefix+user, now, now.Add(session.DefaultLifetime)); err != nil {
		return err
	}
	return a.cur.Load().m.LogoutEverywhere(ctx, user)
}

func (a *App) routes() http.Handler {
	mux := http.NewServeMux()
	web := http.NewServeMux()
	web.HandleFunc("GET /{$}", a.home)
	web.HandleFunc("GET /whoami", a.whoami)
	web.HandleFunc("POST /login", a.login)
	web.HandleFunc("POST /logout", a.logout)
	web.HandleFunc("POST /logout-everywhere", a.logoutEverywhereWeb)
	// Cross-site POSTs are refused (Sec-Fetch-Site, or Origin against
	// Host), on top of the SameSite=Lax cookies.
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusForbidden, map[string]any{"detail": "Cross-origin request refused"})
	}))
	webHandler := csrf.Handler(a.sessions.Handler(a.remember.Handler(a.webCutoff(web))))
	for _, p := range []string{"GET /{$}", "GET /whoami", "POST /login", "POST /logout", "POST /logout-everywhere"} {
		mux.Handle(p, webHandler)
	}

	mux.HandleFunc("POST /api/token", a.apiToken)
	cur := func(pick func(*tokens) http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			pick(a.cur.Load()).ServeHTTP(w, r)
		})
	}
	mux.Handle("POST /api/refresh", cur(func(t *tokens) http.Handler { return t.refresh }))
	mux.Handle("GET /api/me", cur(func(t *tokens) http.Handler { return t.me }))
	mux.Handle("POST /api/sensitive", cur(func(t *tokens) http.Handler { return t.sensitive }))
	mux.Handle("POST /api/logout", cur(func(t *tokens) http.Handler { return t.logout }))
	mux.Handle("POST /api/logout-everywhere", cur(func(t *tokens) http.Handler { return t.logoutEverywhere }))
	mux.Handle("GET /.well-known/paseto-keys", a.publisher.KeySetHandler())
	mux.HandleFunc("POST /admin/rotate", a.adminRotate)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprint(w, "ok")
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]any{"detail": "Not found"})
	})
	return mux
}

// checkPassword checks the demo user's credentials.
func checkPassword(user, pass string) bool {
	// A real application compares password hashes (argon2id, bcrypt).
	return user == "test" && pass == "test"
}

// ---- API ----

func (a *App) apiToken(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<10)).Decode(&in); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"detail": "Invalid request body"})
		return
	}
	if !checkPassword(in.Username, in.Password) {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"detail": "Bad username or password"})
		return
	}
	pair, err := a.cur.Load().m.Login(r.Context(), in.Username, nil)
	if err != nil {
		a.tokenError(w, err)
		return
	}
	writePair(w, pair)
}

func writePair(w http.ResponseWriter, p authtoken.Pair) {
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token":  p.Access,
		"refresh_token": p.Refresh,
		"token_type":    "bearer",
	})
}

// bearerToken returns the token of an "Authorization: Bearer <token>"
// header (the scheme in any case, RFC 6750); ok is false when there is
// none.
func bearerToken(r *http.Request) (string, bool) {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	tok = strings.TrimSpace(tok)
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return "", false
	}
	return tok, true
}

func (a *App) adminRotate(w http.ResponseWriter, r *http.Request) {
	if !isLoopback(r.RemoteAddr) || !isDirect(r) {
		writeJSON(w, http.StatusForbidden, map[string]any{"detail": "Forbidden"})
		return
	}
	kid, err := a.Rotate()
	if err != nil {
		a.cfg.Logf("rotate: %v", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"detail": "Rotation failed"})
		return
	}
	a.cfg.Logf("rotated the access-token signing key: %s", kid)
	writeJSON(w, http.StatusOK, map[string]any{"kid": kid})
}

// isDirect reports whether r looks like a request made directly by a
// program on this machine: not relayed by a proxy (which would make every
// client look local) and not sent by a browser (a page on any site can post
// a form to 127.0.0.1). Browsers send Sec-Fetch-Site, and Origin on POST;
// proxies add Forwarded, X-Forwarded-For or X-Real-IP.
func isDirect(r *http.Request) bool {
	for _, h := range []string{"Origin", "Referer", "Sec-Fetch-Site", "Forwarded", "X-Forwarded-For", "X-Real-Ip"} {
		if _, ok := r.Header[h]; ok {
			return false
		}
	}
	return true
}

// isLoopback reports whether the remote address is a loopback IP.
func isLoopback(remoteAddr string) bool {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// authError is the httpauth ErrorHandler: a fixed detail per failure.
func (a *App) authError(w http.ResponseWriter, _ *http.Request, e *httpauth.Error) {
	a.tokenError(w, e)
}

// tokenError answers a token failure with a status and a fixed text,
// never the text of a Go error.
func (a *App) tokenError(w http.ResponseWriter, err error) {
	code := httpauth.Code(err)
	switch {
	case errors.Is(err, store.ErrUnavailable) || code == "temporarily_unavailable" || code == "key_set_unavailable":
		a.cfg.Logf("token: %v", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"detail": "Service temporarily unavailable"})
	case errors.Is(err, authtoken.ErrNotFresh):
		w.Header().Set("WWW-Authenticate", `Bearer realm="api", error="insufficient_scope", error_description="A fresh access token is required."`)
		writeJSON(w, http.StatusForbidden, map[string]any{"detail": "Fresh token required"})
	case code == "token_ambiguous":
		writeJSON(w, http.StatusBadRequest, map[string]any{"detail": "More than one token"})
	default:
		if w.Header().Get("WWW-Authenticate") == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="api", error="invalid_token"`)
		}
		writeJSON(w, http.StatusUnauthorized, map[string]any{"detail": authDetail(err, code)})
	}
}

func authDetail(err error, code string) string {
	switch {
	case errors.Is(err, authtoken.ErrRefreshReused):
		return "Refresh token already used; please log in again"
	case errors.Is(err, authtoken.ErrRevoked):
		return "Token has been revoked"
	case errors.Is(err, authtoken.ErrWrongType):
		return "Wrong token type"
	case code == "token_missing":
		return "Not authenticated"
	case code == "token_expired":
		return "Token has expired"
	case code == "token_unknown_key":
		return "Token signed by an unknown key"
	default:
		return "Invalid token"
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
