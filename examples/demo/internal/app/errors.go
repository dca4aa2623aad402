package app

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/pasetokit/pasetokit/authtoken"
	"github.com/pasetokit/pasetokit/httpauth"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/store"
)

// Every failure is answered {"detail": "<fixed text>"}: never the text of a
// Go error, which may name a claim or a store address.

// authError is httpauth's ErrorHandler for the API routes.
func (a *App) authError(w http.ResponseWriter, _ *http.Request, e *httpauth.Error) {
	a.tokenError(w, e)
}

// tokenError answers a token failure: 503 when the store cannot answer, or
// when the key ring has gone stale (its backend away for longer than its
// current key may sign): fail closed, 403 for a token that is not fresh enough, 400 for a
// request with two tokens, 401 otherwise.
func (a *App) tokenError(w http.ResponseWriter, err error) {
	code := httpauth.Code(err)
	switch {
	case errors.Is(err, store.ErrUnavailable) || errors.Is(err, keyring.ErrStale) || code == "temporarily_unavailable" || code == "key_set_unavailable",
		code == "token_unknown_key" && a.ringBehind():
		// A key this process does not know may be one the fleet
		// published while this process could not read the ring: fail
		// closed as unavailable, not as a bad token.
		a.logError("token", err)
		unavailable(w)
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

// authDetail is the text of a 401.
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

// webError logs err and answers 503: the web part's failures are the
// store's.
func (a *App) webError(w http.ResponseWriter, err error) {
	a.logError("web", err)
	unavailable(w)
}

// unavailable answers 503 with a fixed text, and asks the client to try
// again in a second.
func unavailable(w http.ResponseWriter) {
	w.Header().Set("Retry-After", "1")
	writeJSON(w, http.StatusServiceUnavailable, map[string]any{"detail": "Service temporarily unavailable"})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
