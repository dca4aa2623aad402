package remember

import (
	"context"
	"net/http"
	"time"

	"github.com/pasetokit/pasetokit/session"
)

// Session keys used by [SetUser], [UserFrom], [Fresh] and
// [Manager.Handler]. Do not set them directly; call [SetUser].
const (
	// UserKey holds the logged-in user id (a string).
	UserKey = "user"
	// FreshKey holds whether the user proved their password in this
	// session (a bool): true after a password login, false after a login
	// by the remember-me cookie.
	FreshKey = "fresh"
	// LoginAtKey holds when the user logged in (an int64 of Unix
	// nanoseconds); read it with [LoginTimeFrom].
	LoginAtKey = "login_at"
)

// SetUser logs userID into the session in ctx, a request's context under
// package session's middleware (pass r.Context()): it renews the session
// id (against session fixation) and stores the user id and whether the
// login is fresh. Call it with fresh true after checking a password
// (including a re-authentication before a sensitive action);
// [Manager.Handler] calls it with fresh false for logins by the
// remember-me cookie. The session it changes is written by the session
// middleware, so [SetUser] needs no request or response. Errors:
// [ErrNoUser], [session.ErrNoSession] outside the session middleware, or
// those of [session.Session.Set].
//
// [SetUser] records the login time as the current time (time.Now); call
// [SetUserAt] to give it, such as the instant before the password check
// by the application's own clock.
func SetUser(ctx context.Context, userID string, fresh bool) error {
	return SetUserAt(ctx, userID, fresh, time.Now())
}

// SetUserAt is [SetUser] with the login time given: at, which
// [LoginTimeFrom] returns. Date it no later than the check that
// authenticated the user, so that a "log out everywhere" cut-off recorded
// while the check ran is not outlived (at <= cut-off ends the session).
// [Manager.Handler] dates remember-me logins at the instant before it
// read the series.
func SetUserAt(ctx context.Context, userID string, fresh bool, at time.Time) error {
	if userID == "" {
		return ErrNoUser
	}
	s := session.FromContext(ctx)
	if err := s.Renew(); err != nil {
		return err
	}
	if err := s.Set(UserKey, userID); err != nil {
		return err
	}
	if err := s.Set(FreshKey, fresh); err != nil {
		return err
	}
	return s.Set(LoginAtKey, at.UnixNano())
}

// LoginTimeFrom returns when the user of the session in ctx logged in, as
// recorded by [SetUser], [SetUserAt] or [Manager.Handler], and whether
// there is such a time. Compare it with a per-user cut-off ("log out
// everywhere", theft): a session whose login time is at or before the
// cut-off must end. For a login by remember-me cookie it is the instant
// before the series was read, so a cut-off recorded while the login ran
// is never outlived.
func LoginTimeFrom(ctx context.Context) (time.Time, bool) {
	if _, ok := UserFrom(ctx); !ok {
		return time.Time{}, false
	}
	at, ok := session.Get[int64](session.FromContext(ctx), LoginAtKey)
	if !ok {
		return time.Time{}, false
	}
	return time.Unix(0, at), true
}

// UserFrom returns the user id stored by [SetUser] in the session in ctx
// (a request's context under the session middleware), and whether there
// is one.
func UserFrom(ctx context.Context) (string, bool) {
	s := session.FromContext(ctx)
	u, ok := session.Get[string](s, UserKey)
	return u, ok && u != ""
}

// Fresh reports whether the session in ctx has a user who logged in with
// their password (not only with the remember-me cookie). Sensitive routes
// must require it and otherwise ask for the password again.
func Fresh(ctx context.Context) bool {
	if _, ok := UserFrom(ctx); !ok {
		return false
	}
	f, ok := session.Get[bool](session.FromContext(ctx), FreshKey)
	return ok && f
}

// Handler returns middleware that logs users in with their remember-me
// cookie. It must run inside package session's middleware:
//
//	sessions.Handler(rm.Handler(mux))
//
// When the session of a request has no user and the request carries a
// remember-me cookie, Handler calls [Manager.Login]; on success it calls
// [SetUserAt] with fresh false and the instant (by [Config.Now]) taken
// before the series was read (renewing the session id and storing the
// user and the login time, see [LoginTimeFrom]), and the rotated cookie
// is set on the response. Requests whose
// session already has a user are passed through untouched. Store failures
// and session errors go to [Config.OnError], then to
// [Config.ErrorHandler] if it is set (which answers the request); without
// one the request proceeds without a login (fail closed). Bad cookies are
// deleted.
func (m *Manager) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := UserFrom(r.Context()); !ok && (m.cookie(r) != "" || m.flaskCookie(r) != "") {
			var err error
			if session.FromContext(r.Context()) == nil {
				err = session.ErrNoSession
			} else if userID, at, ok, lerr := m.login(w, r); lerr != nil {
				err = lerr
			} else if ok {
				err = SetUserAt(r.Context(), userID, false, at)
			}
			if err != nil {
				m.reportError(r, err)
				if m.errorH != nil {
					m.errorH(w, r, err)
					return
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}
