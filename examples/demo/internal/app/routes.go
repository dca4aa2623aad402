package app

import (
	"fmt"
	"net/http"

	"github.com/pasetokit/pasetokit/httpauth"
)

// routes is the demo's one route table. Each route names the middleware in
// front of its handler:
//
//   - web: cross-origin POSTs refused (on top of SameSite=Lax cookies),
//     then the session cookie, the remember-me cookie and the "log out
//     everywhere" cut-off, in that order;
//   - access / fresh: an access token (any, or fresh from a password
//     login) verified by httpauth, answered with the demo's errors.
func (a *App) routes() (http.Handler, error) {
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusForbidden, map[string]any{"detail": "Cross-origin request refused"})
	}))
	web := func(h http.HandlerFunc) http.Handler {
		return csrf.Handler(a.sessions.Handler(a.remember.Handler(a.webCutoff(h))))
	}
	access, err := httpauth.New(httpauth.Config{Verifier: a.tokens.Access(), Realm: "api", ErrorHandler: a.authError, Events: a.cfg.Events})
	if err != nil {
		return nil, err
	}
	fresh, err := httpauth.New(httpauth.Config{Verifier: a.tokens.FreshAccess(), Realm: "api", ErrorHandler: a.authError, Events: a.cfg.Events})
	if err != nil {
		return nil, err
	}

	mux := http.NewServeMux()
	for _, route := range []struct {
		pattern string
		handler http.Handler
	}{
		// Web (cookies): web.go, console.go.
		{"GET /{$}", web(a.home)},
		{"GET /whoami", web(a.whoami)},
		{"POST /login", web(a.login)},
		// Log out needs no store to clear the cookies: it runs
		// without the remember-me and cut-off middleware, which answer
		// 503 while the store is down.
		{"POST /logout", csrf.Handler(a.sessions.Handler(http.HandlerFunc(a.logout)))},
		{"POST /logout-everywhere", web(a.logoutEverywhereWeb)},

		// API (tokens): api.go. Refresh verifies the refresh token
		// itself, so no middleware verifies it first.
		{"POST /api/token", http.HandlerFunc(a.apiToken)},
		{"POST /api/refresh", http.HandlerFunc(a.apiRefresh)},
		{"GET /api/me", access.Require(http.HandlerFunc(a.apiMe))},
		{"POST /api/sensitive", fresh.Require(http.HandlerFunc(a.apiSensitive))},
		{"POST /api/logout", access.Require(http.HandlerFunc(a.apiLogout))},
		{"POST /api/logout-everywhere", access.Require(http.HandlerFunc(a.apiLogoutEverywhere))},
		{"GET /.well-known/paseto-keys", a.tokens.KeySetHandler()},
		{"POST /admin/rotate", http.HandlerFunc(a.adminRotate)},
		{"GET /api/keyring", http.HandlerFunc(a.keyringJSON)},

		{"GET /healthz", http.HandlerFunc(healthz)},
		{"/", http.HandlerFunc(notFound)},
	} {
		mux.Handle(route.pattern, route.handler)
	}
	return mux, nil
}

func healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprint(w, "ok")
}

func notFound(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusNotFound, map[string]any{"detail": "Not found"})
}
