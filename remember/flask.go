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
// [Config.FlaskCookieName] is empty: Flask-Login's REMEMBER_COOKIE_NAME
// default.
const DefaultFlaskCookieName = "remember_token"

// FlaskDevice is the device metadata of a series made from a
// Flask-PASETO-Extended remember-me cookie.
const FlaskDevice = "migrated from a Flask-PASETO-Extended remember-me cookie"

// FlaskUsedDevice is the device metadata of the mark a converted Flask
// remember-me cookie leaves in the store until [Config.FlaskUntil]: a
// series that no cookie names and no validator opens, under its own user
// id ([FlaskUsedUserPrefix] and its selector), so that neither
// [Manager.ForgetUser] nor theft detection deletes it.
const FlaskUsedDevice = "used Flask-PASETO-Extended remember-me cookie (mark)"

// FlaskUsedUserPrefix starts the user id of a mark (see [FlaskUsedDevice]).
// No user of the application should have an id starting with it.
const FlaskUsedUserPrefix = "pasetokit-flask-used:"

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
// [Config.FlaskSecret].
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
	now := m.now()
	if !now.Before(m.flaskUntil) {
		// The migration is over: a Flask cookie carries no expiry of its
		// own, and the marks of used ones are gone from the store.
		m.clearFlaskCookie(w)
		m.rejectFlask(r, ErrExpired)
		return "", false, nil
	}
	// The mark's selector is derived from the cookie, so the store itself
	// makes the cookie work once: a second use finds the selector taken.
	// The mark is not the login's series: no cookie names it, so Forget,
	// ForgetUser and theft detection, which end the series, leave it, and
	// a copy of the Flask cookie stays refused until FlaskUntil.
	sum := sha256.Sum256([]byte("pasetokit-remember-flask|" + c))
	mark := b64.EncodeToString(sum[:selectorBytes])
	ctx := r.Context()
	err = m.store.CreateSeries(ctx, store.Series{
		Selector:      mark,
		UserID:        FlaskUsedUserPrefix + mark,
		ValidatorHash: hashValidator(randomB64(validatorBytes)), // opens nothing
		Expires:       m.flaskUntil,
		Created:       now,
		Device:        FlaskUsedDevice,
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
	sel, val := randomB64(selectorBytes), randomB64(validatorBytes)
	exp := now.Add(m.lifetime).Truncate(time.Second)
	err = m.store.CreateSeries(ctx, store.Series{
		Selector:      sel,
		UserID:        userID,
		ValidatorHash: hashValidator(val),
		Expires:       exp,
		Created:       now,
		Device:        FlaskDevice,
	})
	if err != nil {
		// Fail closed; give the cookie back its one use (best effort).
		_ = m.store.DeleteSeries(ctx, mark)
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
