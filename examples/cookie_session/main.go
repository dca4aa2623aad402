// Command cookie_session shows encrypted cookie sessions (package session):
// a visit counter, a login that renews the session and leaves a flash
// message, and a logout that destroys it.
//
// Usage:
//
//	go run ./examples/cookie_session [-addr 127.0.0.1:8080] [-flask-secret-file FILE [-flask-until DATE]]
//
// Endpoints:
//
//	GET  /         an HTML page with the visit counter and the user
//	GET  /state    the same as JSON {"count": N, "user": "...", "flashes": [...]};
//	               count rises by one per request, flashes are consumed when shown
//	POST /login    form username, password (test/test): renews the session
//	               (a new session id against fixation) and adds the flash "welcome"
//	POST /logout   destroys the session
//
// The session secret is generated at start-up, so sessions do not survive a
// restart; a real service loads it from a secret store. Cookies are not
// marked Secure so that the demo works over plain HTTP on 127.0.0.1.
//
// # Porting a Flask app with Flask-PASETO-Extended sessions
//
// With -flask-secret-file FILE (the Flask SECRET_KEY, its raw bytes), a
// browser that arrives with the session cookie of the Flask original keeps
// its session: the cookie "session" is read once (session.Config.FlaskSecret)
// and answered with a cookie of this server, which replaces it. The Python
// original and its port side by side:
//
//	# Flask (examples/cookie_session.py of Flask-PASETO-Extended)
//	app = flask.Flask(__name__)
//	app.secret_key = "super secret string"
//	app.session_interface = PasetoCookieSessionInterface()
//	flask.session["count"] = flask.session.get("count", 0) + 1
//
//	// Go
//	m, err := session.New(session.Config{Secret: secret, FlaskSecret: []byte("super secret string"), FlaskUntil: switchDate.AddDate(0, 0, 31)})
//	n, _ := session.Get[int](s, "count")
//	s.Set("count", n+1)
//
// Flask cookies are accepted until -flask-until (RFC 3339; by default 31
// days, Flask's PERMANENT_SESSION_LIFETIME, after the server starts:
// session.Config.FlaskUntil). Remove the flags after it.
package main

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"flag"
	"html/template"
	"log"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/pasetokit/pasetokit/session"
)

// state is what /state answers.
type state struct {
	Count   int      `json:"count"`
	User    string   `json:"user"`
	Flashes []string `json:"flashes"`
}

var page = template.Must(template.New("page").Parse(`<!doctype html>
<title>pasetokit cookie session</title>
<h1>Visits: {{.Count}}</h1>
{{range .Flashes}}<p class="flash">{{.}}</p>{{end}}
{{if .User}}<p>Logged in as {{.User}}.</p>
<form method="post" action="/logout"><button>Log out</button></form>
{{else}}<form method="post" action="/login">
<input name="username" placeholder="username"> <input name="password" type="password" placeholder="password">
<button>Log in</button></form>{{end}}
`))

// flaskUntil is the -flask-until flag: the end of the Flask migration, or
// zero for 31 days after start.
var flaskUntil time.Time

// newHandler builds the application around a session manager made from
// secret (generated when nil). flaskSecret, when not nil, is the SECRET_KEY
// of the Flask original, whose session cookies are then read once.
func newHandler(secret, flaskSecret []byte, now func() time.Time) (http.Handler, error) {
	if secret == nil {
		secret = make([]byte, 32)
		rand.Read(secret)
	}
	var until time.Time
	if flaskSecret != nil {
		if until = flaskUntil; until.IsZero() {
			clock := now
			if clock == nil {
				clock = time.Now
			}
			until = clock().AddDate(0, 0, 31)
		}
	}
	m, err := session.New(session.Config{
		Secret:      secret,
		FlaskSecret: flaskSecret,
		FlaskUntil:  until,
		Cookie:      session.Cookie{Insecure: true}, // plain HTTP on 127.0.0.1; drop this behind HTTPS
		Now:         now,
		OnBadCookie: func(r *http.Request, err error) {
			log.Printf("bad session cookie: %v", err)
		},
	})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		st := visit(r)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		page.Execute(w, st)
	})
	mux.HandleFunc("GET /state", func(w http.ResponseWriter, r *http.Request) {
		st := visit(r)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(st)
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
		user, pass := r.PostFormValue("username"), r.PostFormValue("password")
		if subtle.ConstantTimeCompare([]byte(user), []byte("test"))&subtle.ConstantTimeCompare([]byte(pass), []byte("test")) != 1 {
			http.Error(w, "Bad username or password", http.StatusUnauthorized)
			return
		}
		s := session.FromContext(r.Context())
		if err := errors.Join(s.Renew(), s.Set("user", user), s.AddFlash("welcome")); err != nil {
			http.Error(w, "Internal Server Error", http.StatusInternalServerError)
			return
		}
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	mux.HandleFunc("POST /logout", func(w http.ResponseWriter, r *http.Request) {
		if err := session.FromContext(r.Context()).Destroy(); err != nil {
			http.Error(w, "Internal Server Error", http.StatusInternalServerError)
			return
		}
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	return m.Handler(mux), nil
}

// visit counts a visit and reads the state, consuming the flashes.
func visit(r *http.Request) state {
	s := session.FromContext(r.Context())
	n, _ := session.Get[int](s, "count")
	n++
	s.Set("count", n)
	user, _ := session.Get[string](s, "user")
	st := state{Count: n, User: user, Flashes: []string{}}
	for _, f := range s.Flashes() {
		if text, ok := f.(string); ok {
			st.Flashes = append(st.Flashes, text)
		}
	}
	return st
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	flaskFile := flag.String("flask-secret-file", "", "`FILE` holding the SECRET_KEY of a Flask-PASETO-Extended app (raw bytes) whose session cookies to take over")
	until := flag.String("flask-until", "", "`DATE` (RFC 3339) from which Flask session cookies are refused; default 31 days after start")
	flag.Parse()
	if *until != "" {
		t, err := time.Parse(time.RFC3339, *until)
		if err != nil {
			log.Fatalf("-flask-until: %v", err)
		}
		flaskUntil = t
	}
	var flaskSecret []byte
	if *flaskFile != "" {
		b, err := os.ReadFile(*flaskFile)
		if err != nil {
			log.Fatalf("-flask-secret-file: %v", err)
		}
		flaskSecret = b
	}
	h, err := newHandler(nil, flaskSecret, nil)
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
