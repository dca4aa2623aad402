package remember

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/pasetokit/pasetokit/internal/pysetolocal"
	"github.com/pasetokit/pasetokit/store"
)

// DefaultFlaskCookieName is the remember-me cookie name of Flask-Login
// (and so of Flask-PASETO-Extended's PasetoLoginManager) when
// Config.FlaskCookieName is empty: Flask-Login's REMEMBER_COOKIE_NAME
// default.
const DefaultFlaskCookieName = "remember_token"

// FlaskDevice is the device metadata of a series made from a
// Flask-PASETO-Extended remember-me cookie.
const FlaskDevice = "migrated from a Flask-PASETO-Extended remember-me cookie"

// maxFlaskToken bounds a Flask remember-me cookie: a user id of at most
// maxFlaskUserID bytes makes a much shorter token.
const (
	maxFlaskToken  = 1024
	maxFlaskUserID = 256
)

// flaskCookie returns the value of the Flask remember-me cookie of r, or
// "" when there is none or the fallback is off.
func (m *Manager) flaskCookie(r *http.Request) string {
	if m.flask == nil {
		return ""
	}
	cs := r.CookiesNamed(m.flaskName)
	if len(cs) == 0 || cs[0].Value == "" {
		return ""
	}
	return cs[0].Value
}

// loginFlask turns the Flask remember-me cookie c into a series: see
// Config.FlaskSecret.
func (m *Manager) loginFlask(w http.ResponseWriter, r *http.Request, c string) (string, bool, error) {
	plain, err := m.flask.Open(c, maxFlaskToken)
	if err != nil {
		m.clearFlaskCookie(w)
		if errors.Is(err, pysetolocal.ErrInvalidMAC) {
			m.rejectFlask(r, ErrTampered)
		} else {
			m.rejectFlask(r, ErrMalformed)
		}
		return "", false, nil
	}
	userID := string(plain)
	if !validFlaskUserID(userID) {
		m.clearFlaskCookie(w)
		m.rejectFlask(r, ErrMalformed)
		return "", false, nil
	}
	// The selector is derived from the cookie, so the store itself makes
	// the cookie work once: a second use finds the selector taken.
	sum := sha256.Sum256([]byte("pasetokit-remember-flask|" + c))
	sel := b64.EncodeToString(sum[:selectorBytes])
	val := randomB64(validatorBytes)
	now := m.now()
	exp := now.Add(m.lifetime).Truncate(time.Second)
	err = m.store.CreateSeries(r.Context(), store.Series{
		Selector:      sel,
		UserID:        userID,
		ValidatorHash: hashValidator(val),
		Expires:       exp,
		Created:       now,
		Device:        FlaskDevice,
	})
	if errors.Is(err, store.ErrSelectorInUse) {
		m.clearFlaskCookie(w)
		m.rejectFlask(r, ErrRevoked)
		return "", false, nil
	}
	if err != nil {
		// Fail closed, and keep the cookie for a later attempt.
		return "", false, fmt.Errorf("remember: %w", err)
	}
	m.clearFlaskCookie(w)
	if err := m.setCookie(w, sel, val, exp, now); err != nil {
		return "", false, err
	}
	return userID, true, nil
}

// validFlaskUserID accepts what str(user.get_id()) sensibly is: valid
// UTF-8 of 1 to maxFlaskUserID bytes without control characters.
func validFlaskUserID(s string) bool {
	if s == "" || len(s) > maxFlaskUserID || !utf8.ValidString(s) {
		return false
	}
	return strings.IndexFunc(s, unicode.IsControl) < 0
}

func (m *Manager) rejectFlask(r *http.Request, err error) {
	if m.onBad != nil {
		m.onBad(r, &CookieError{Name: m.flaskName, Kind: err})
	}
}

// clearFlaskCookie deletes the Flask remember-me cookie (Path "/", no
// Domain: Flask-Login's defaults).
func (m *Manager) clearFlaskCookie(w http.ResponseWriter) {
	c := http.Cookie{Name: m.flaskName, Path: "/", MaxAge: -1, Expires: time.Unix(1, 0).UTC(), HttpOnly: true, Secure: m.tmpl.Secure, SameSite: m.tmpl.SameSite}
	h := w.Header()
	for _, l := range h["Set-Cookie"] {
		if name, _, _ := strings.Cut(l, "="); name == m.flaskName {
			return // already deleted in this response
		}
	}
	h.Add("Set-Cookie", c.String())
}
