// Command login_manager shows "remember me" logins (package remember) on
// top of encrypted cookie sessions (package session): a password login
// that is fresh, a remember-me cookie that logs the user back in after the
// session ended (not fresh), logout on one device and logout everywhere.
//
// Usage:
//
//	go run ./examples/login_manager [-addr 127.0.0.1:8080]
//
// Endpoints:
//
//	GET  /                   an HTML page with the login form ("remember me") or the user
//	POST /login              form username, password (test/test), remember=on: logs in
//	                         (fresh) and, with remember=on, sets the remember-me cookie;
//	                         redirects to /
//	GET  /me                 {"user": "...", "fresh": true|false}, or 401 {"detail":"Not authenticated"}
//	POST /logout             forgets this device's remember-me login and ends the session
//	POST /logout-everywhere  forgets every remember-me login of the user and ends the session
//
// The secret is generated at start-up and the remember-me series are kept
// in memory, so nothing survives a restart; a real service loads the
// secret from a secret store and uses the Redis store when it runs as
// several processes. Cookies are not marked Secure so that the demo works
// over plain HTTP on 127.0.0.1.
package main

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"flag"
	"html/template"
	"log"
	"net"
	"net/http"
	"time"

	"github.com/pasetokit/pasetokit/remember"
	"github.com/pasetokit/pasetokit/session"
)

// me is what /me answers.
type me struct {
	User  string `json:"user"`
	Fresh bool   `json:"fresh"`
}

var page = template.Must(template.New("page").Parse(`<!doctype html>
<title>pasetokit login manager</title>
{{if .User}}<p>Logged in as {{.User}} ({{if .Fresh}}with your password{{else}}remembered: sensitive actions need your password{{end}}).</p>
<form method="post" action="/logout"><button>Log out</button></form>
<form method="post" action="/logout-everywhere"><button>Log out everywhere</button></form>
{{else}}<form method="post" action="/login">
<input name="username" placeholder="username"> <input name="password" type="password" placeholder="password">
<label><input type="checkbox" name="remember"> Remember me</label>
<button>Log in</button></form>{{end}}
`))

// config lets tests set the clock and watch thefts.
type config struct {
	secret  []byte // generated when nil
	now     func() time.Time
	onTheft func(ctx context.Context, userID, selector string)
}

// newHandler builds the application.
func newHandler(cfg config) (http.Handler, error) {
	if cfg.secret == nil {
		cfg.secret = make([]byte, 32)
		rand.Read(cfg.secret)
	}
	if cfg.onTheft == nil {
		cfg.onTheft = func(_ context.Context, userID, _ string) {
			log.Printf("remember-me cookie theft detected for user %q: series revoked", userID)
		}
	}
	sessions, err := session.New(session.Config{
		Secret: cfg.secret,
		Cookie: session.Cookie{Insecure: true}, // plain HTTP on 127.0.0.1; drop this behind HTTPS
		Now:    cfg.now,
	})
	if err != nil {
		return nil, err
	}
	rm, err := remember.New(remember.Config{
		Secret:  cfg.secret, // a different key is derived from it
		Cookie:  remember.Cookie{Insecure: true},
		Now:     cfg.now,
		OnTheft: cfg.onTheft,
		OnBadCookie: func(r *http.Request, err error) {
			log.Printf("bad remember-me cookie: %v", err)
		},
	})
	if err != nil {
		return nil, err
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		user, _ := remember.UserFrom(r.Context())
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		page.Execute(w, me{User: user, Fresh: remember.Fresh(r.Context())})
	})
	mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		user, ok := remember.UserFrom(r.Context())
		if !ok {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"detail": "Not authenticated"})
			return
		}
		writeJSON(w, http.StatusOK, me{User: user, Fresh: remember.Fresh(r.Context())})
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
		user, pass := r.PostFormValue("username"), r.PostFormValue("password")
		if subtle.ConstantTimeCompare([]byte(user), []byte("test"))&subtle.ConstantTimeCompare([]byte(pass), []byte("test")) != 1 {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"detail": "Bad username or password"})
			return
		}
		if err := remember.SetUser(r.Context(), user, true); err != nil {
			serverError(w, err)
			return
		}
		if r.PostFormValue("remember") == "on" {
			if err := rm.Remember(w, r, user, r.UserAgent()); err != nil {
				serverError(w, err)
				return
			}
		}
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	mux.HandleFunc("POST /logout", func(w http.ResponseWriter, r *http.Request) {
		err := rm.Forget(w, r) // deletes the cookie even on error
		session.FromContext(r.Context()).Destroy()
		if err != nil {
			serverError(w, err)
			return
		}
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	mux.HandleFunc("POST /logout-everywhere", func(w http.ResponseWriter, r *http.Request) {
		user, ok := remember.UserFrom(r.Context())
		if !ok {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"detail": "Not authenticated"})
			return
		}
		if err := rm.ForgetUser(r.Context(), user); err != nil {
			serverError(w, err)
			return
		}
		rm.Forget(w, r) // this device's cookie; its series is gone already
		session.FromContext(r.Context()).Destroy()
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	return sessions.Handler(rm.Handler(mux)), nil
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func serverError(w http.ResponseWriter, err error) {
	log.Printf("error: %v", err)
	writeJSON(w, http.StatusServiceUnavailable, map[string]string{"detail": "Service unavailable"})
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	flag.Parse()
	h, err := newHandler(config{})
	if err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("listening on http://%s (login test / test)", ln.Addr())
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	log.Fatal(srv.Serve(ln))
}
