package app

import (
	"net/http"

	"github.com/pasetokit/pasetokit/remember"
	"github.com/pasetokit/pasetokit/session"
)

// whoami is the web session as JSON.
func (a *App) whoami(w http.ResponseWriter, r *http.Request) {
	user, ok := remember.UserFrom(r.Context())
	if !ok {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"detail": "Not authenticated"})
		return
	}
	n, _ := session.Get[int](session.FromContext(r.Context()), visitsKey)
	writeJSON(w, http.StatusOK, map[string]any{"user": user, "fresh": remember.Fresh(r.Context()), "visits": n})
}

// login is the password login of the web part.
func (a *App) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if err := r.ParseForm(); err != nil {
		a.render(w, http.StatusBadRequest, pageData{Error: "Invalid form"})
		return
	}
	user := r.PostForm.Get("username")
	if !checkPassword(user, r.PostForm.Get("password")) {
		a.render(w, http.StatusUnauthorized, pageData{Error: "Bad username or password"})
		return
	}
	s := session.FromContext(r.Context())
	if prev, ok := remember.UserFrom(r.Context()); ok && prev != user {
		// Nothing of another user's session carries over.
		if err := s.Clear(); err != nil {
			a.webError(w, err)
			return
		}
	}
	if r.PostForm.Get("remember") == "on" {
		// Before the login, so that a store failure logs nobody in.
		if err := a.remember.Remember(w, r, user, r.UserAgent()); err != nil {
			a.webError(w, err)
			return
		}
	} else if err := a.remember.Forget(w, r); err != nil {
		// A remember-me cookie already on this device (perhaps another
		// user's) must not log it back in after the browser closes.
		// Forget deletes the cookie even when the store fails.
		a.cfg.Logf("web: %v", err)
	}
	// SetUser renews the session id (against fixation) and marks it fresh.
	if err := remember.SetUser(r.Context(), user, true); err != nil {
		a.webError(w, err)
		return
	}
	if err := s.Set(loginAtKey, a.cfg.Now().UnixNano()); err != nil {
		a.webError(w, err)
		return
	}
	_ = s.AddFlash("Welcome back, " + user + "!")
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// logout forgets this device and ends the session. The cookies go even
// when the store cannot forget the remember-me series (it then expires
// unused: its cookie is gone).
func (a *App) logout(w http.ResponseWriter, r *http.Request) {
	if err := a.remember.Forget(w, r); err != nil { // deletes the cookie even on error
		a.logError("web logout", err)
	}
	s := session.FromContext(r.Context())
	if err := s.Destroy(); err != nil {
		a.logError("web logout", err)
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// logoutEverywhereWeb ends every login of the user: remember-me series,
// API tokens and the web sessions of other browsers.
func (a *App) logoutEverywhereWeb(w http.ResponseWriter, r *http.Request) {
	user, ok := remember.UserFrom(r.Context())
	if !ok {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	if err := a.logoutEverywhere(r.Context(), user); err != nil {
		a.webError(w, err)
		return
	}
	_ = a.remember.Forget(w, r) // this device's cookie; its series is gone
	_ = session.FromContext(r.Context()).Destroy()
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// webCutoff ends sessions that logged in before the user's last "log out
// everywhere". It runs inside the remember-me middleware, so a login by
// remember-me cookie in this request is stamped now.
func (a *App) webCutoff(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, ok := remember.UserFrom(r.Context())
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		s := session.FromContext(r.Context())
		at, ok := session.Get[int64](s, loginAtKey)
		if !ok {
			at = a.cfg.Now().UnixNano()
			if err := s.Set(loginAtKey, at); err != nil {
				a.webError(w, err)
				return
			}
		}
		cut, err := a.store.Cutoff(r.Context(), webCutoffPrefix+user)
		if err != nil { // fail closed
			a.webError(w, err)
			return
		}
		if !cut.IsZero() && at <= cut.UnixNano() {
			if err := s.Destroy(); err != nil {
				a.webError(w, err)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
