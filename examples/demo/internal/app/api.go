package app

import (
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/pasetokit/pasetokit/authtoken"
	"github.com/pasetokit/pasetokit/httpauth"
)

// apiToken is the password login of the API: a new access and refresh pair.
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
	pair, err := a.tokens.Login(r.Context(), in.Username, nil)
	if err != nil {
		a.tokenError(w, err)
		return
	}
	writePair(w, pair)
}

// apiRefresh trades a refresh token, once, for a new pair.
func (a *App) apiRefresh(w http.ResponseWriter, r *http.Request) {
	tok, ok := bearerToken(r)
	if !ok {
		a.tokenError(w, httpauth.ErrMissingToken)
		return
	}
	pair, err := a.tokens.Refresh(r.Context(), tok)
	if err != nil {
		a.tokenError(w, err)
		return
	}
	writePair(w, pair)
}

// meAnswer is the answer of GET /api/me. A struct rather than a map: it is
// the busiest route, and a struct encodes without a map, boxed values or
// sorting. Its fields keep the map's (sorted) order, so the bytes are the
// same.
type meAnswer struct {
	Fresh bool   `json:"fresh"`
	KeyID string `json:"kid"`
	User  string `json:"user"`
}

// apiMe answers who the access token is for.
func (a *App) apiMe(w http.ResponseWriter, r *http.Request) {
	tok, _ := httpauth.TokenFrom(r.Context())
	writeJSON(w, http.StatusOK, &meAnswer{
		User:  subject(r),
		Fresh: authtoken.Fresh(r.Context()),
		KeyID: tok.KeyID,
	})
}

// apiSensitive stands for an action that needs a fresh token.
func (a *App) apiSensitive(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"user": subject(r), "done": true})
}

// apiLogout revokes the access token and its refresh family.
func (a *App) apiLogout(w http.ResponseWriter, r *http.Request) {
	tok, _ := bearerToken(r) // Require has found and verified it
	if err := a.tokens.Logout(r.Context(), tok); err != nil {
		a.tokenError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"detail": "Logged out"})
}

// apiLogoutEverywhere ends every login of the token's user.
func (a *App) apiLogoutEverywhere(w http.ResponseWriter, r *http.Request) {
	if err := a.logoutEverywhere(r.Context(), subject(r)); err != nil {
		a.tokenError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"detail": "Logged out everywhere"})
}

// adminRotate starts a staged rotation of every key ring (fleet-wide with a
// shared backend), for programs on this machine only; it answers the
// access-token key that will sign and when.
func (a *App) adminRotate(w http.ResponseWriter, r *http.Request) {
	if !isLoopback(r.RemoteAddr) || !isDirect(r) {
		writeJSON(w, http.StatusForbidden, map[string]any{"detail": "Forbidden"})
		return
	}
	next, err := a.Rotate()
	if err != nil {
		a.cfg.Logf("rotate: %v", err)
		w.Header().Set("Retry-After", "1")
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"detail": "Rotation failed"})
		return
	}
	a.cfg.Logf("rotation started: access-token key %s published, signs from %s", next.ID, next.Activates.UTC().Format(time.RFC3339))
	writeJSON(w, http.StatusOK, map[string]any{"kid": next.ID, "activates": next.Activates.UTC().Format(time.RFC3339Nano)})
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

// subject is the sub claim of the request's token; the middleware in
// front of the handler has verified that there is one.
func subject(r *http.Request) string {
	sub, _ := authtoken.SubjectFrom(r.Context())
	return sub
}
