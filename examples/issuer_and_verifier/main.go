// Command issuer_and_verifier is Flask-PASETO-Extended's PasetoIssuer /
// PasetoVerifier usage example, in Go with pasetokit: a login form issues a
// signed v4.public token into an HttpOnly cookie, and a protected page shows
// the user claim of a verified token.
//
// Usage:
//
//	go run ./examples/issuer_and_verifier [-addr 127.0.0.1:8080]
//
// Endpoints:
//
//	POST /login          form fields email and password; on success sets the
//	                     HttpOnly cookie "paseto" and redirects (303) to
//	                     /protected/me; otherwise 401 "Unauthorized".
//	GET  /protected/me   the token's "user" claim as JSON; a missing or bad
//	                     token gets 401 "Unauthorized" and the cookie deleted.
//
// The demo account is foo@bar.example with the password "mysecret". The
// signing key is generated at start-up, so tokens do not survive a restart;
// a real service loads its key from a secret store (keyring.Key{PASERK: …}).
//
// Try it:
//
//	curl -i -c jar -d email=foo@bar.example -d password=mysecret http://127.0.0.1:8080/login
//	curl -i -b jar http://127.0.0.1:8080/protected/me
//
// # The Python original and its port
//
// With -flask-config FILE (the PASETO_* entries of the Flask app.config as
// JSON), or with PASETO_* variables in the environment, the keys and
// settings of the Flask original are loaded with package
// compat/flaskpaseto, and tokens it issued keep working, also with
// PASETO_USE_KID when the public key's entry declares the issuer's sid:
//
//	# Flask-PASETO-Extended, examples/issuer_and_verifier.py
//	app.config["PASETO_ISS"] = "https://issuer.example"
//	app.config["PASETO_PRIVATE_KEYS"] = [{"version": 4, "key": PRIVATE_PEM}]
//	app.config["PASETO_PUBLIC_KEYS"] = [{"iss": "https://issuer.example", "version": 4, "key": PUBLIC_PEM}]
//	issuer, verifier = PasetoIssuer(app), PasetoVerifier(app)
//	token = issuer.issue(payload={"user": {"email": email}})
//
//	// Go, the same settings in flask.json (add "kid": "k4.sid.…" to the public
//	// key's entry if the original had PASETO_USE_KID)
//	s, err := flaskpaseto.FromJSON(data)
//	iss, err := issuer.New(*s.Issuer)
//	ver, err := verifier.New(*s.Verifier)
//	token, err := iss.Issue(claims{User: user{Email: email}})
//
//	go run ./examples/issuer_and_verifier -flask-config flask.json
package main

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/pasetokit/pasetokit/compat/flaskpaseto"
	"github.com/pasetokit/pasetokit/httpauth"
	"github.com/pasetokit/pasetokit/issuer"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/verifier"
)

const (
	cookieName = "paseto"
	issuerName = "https://issuer-and-verifier.example"
	demoEmail  = "foo@bar.example"
	demoPass   = "mysecret"
)

// config is what the server needs; tests fill it without flags.
type config struct {
	secretKey    string                // PASERK of the signing key; "" generates one
	flask        *flaskpaseto.Settings // the Flask original's settings, or nil
	secureCookie bool
	now          func() time.Time
}

// server holds the issuer, the verifier and the middleware.
type server struct {
	cfg    config
	issuer *issuer.Issuer
	auth   *httpauth.Middleware
}

// user is the "user" claim.
type user struct {
	Email string `json:"email"`
}

// claims is the token payload: the registered claims the issuer adds, and
// the user.
type claims struct {
	User user `json:"user"`
}

func newServer(cfg config) (*server, error) {
	iss, ver, err := build(cfg)
	if err != nil {
		return nil, err
	}
	s := &server{cfg: cfg, issuer: iss}
	s.auth, err = httpauth.New(httpauth.Config{
		Verifier:     ver,
		Sources:      []httpauth.Source{httpauth.CookieSource{Name: cookieName}},
		ErrorHandler: s.unauthorized,
	})
	if err != nil {
		return nil, fmt.Errorf("httpauth: %w", err)
	}
	return s, nil
}

// build makes the issuer and the verifier: from the Flask original's
// settings when given, else from cfg.secretKey (generated when empty).
func build(cfg config) (*issuer.Issuer, *verifier.Verifier, error) {
	if cfg.flask != nil {
		if cfg.flask.Issuer == nil {
			return nil, nil, errors.New("flask settings: PASETO_PRIVATE_KEYS is required: this example issues tokens")
		}
		ic := *cfg.flask.Issuer
		ic.Now = cfg.now
		iss, err := issuer.New(ic)
		if err != nil {
			return nil, nil, fmt.Errorf("issuer: %w", err)
		}
		var vc verifier.Config
		if cfg.flask.Verifier != nil {
			vc = *cfg.flask.Verifier
		} else if vc.Keys, err = publicKeys(iss, ic.Issuer); err != nil {
			return nil, nil, err
		}
		vc.Now = cfg.now
		ver, err := verifier.New(vc)
		if err != nil {
			return nil, nil, fmt.Errorf("verifier: %w", err)
		}
		return iss, ver, nil
	}
	if cfg.secretKey == "" {
		sk, err := paseto.GenerateSecretKey(paseto.V4)
		if err != nil {
			return nil, nil, err
		}
		if cfg.secretKey, err = paserk.Encode(sk); err != nil {
			return nil, nil, err
		}
	}
	iss, err := issuer.New(issuer.Config{
		Keys:     []keyring.Key{{PASERK: cfg.secretKey}},
		Issuer:   issuerName,
		Lifetime: time.Hour,
		Now:      cfg.now,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("issuer: %w", err)
	}
	// The verifier gets the public half only, bound to the issuer name.
	keys, err := publicKeys(iss, issuerName)
	if err != nil {
		return nil, nil, err
	}
	ver, err := verifier.New(verifier.Config{Keys: keys, Now: cfg.now})
	if err != nil {
		return nil, nil, fmt.Errorf("verifier: %w", err)
	}
	return iss, ver, nil
}

// publicKeys returns the public halves of the issuer's keys, bound to name.
func publicKeys(iss *issuer.Issuer, name string) ([]keyring.Key, error) {
	var keys []keyring.Key
	for _, pk := range iss.PublicKeys() {
		s, err := paserk.Encode(pk)
		if err != nil {
			return nil, err
		}
		keys = append(keys, keyring.Key{PASERK: s, Issuer: name})
	}
	return keys, nil
}

func (s *server) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", s.login)
	mux.Handle("GET /protected/me", s.auth.Require(http.HandlerFunc(s.me)))
	return mux
}

func (s *server) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	email, pass := r.PostFormValue("email"), r.PostFormValue("password")
	ok := subtle.ConstantTimeCompare([]byte(email), []byte(demoEmail)) &
		subtle.ConstantTimeCompare([]byte(pass), []byte(demoPass))
	if ok != 1 {
		http.Error(w, "Unauthorized", http.StatusUnauthorized)
		return
	}
	token, err := s.issuer.Issue(claims{User: user{Email: email}})
	if err != nil {
		log.Printf("issue: %v", err)
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name:     cookieName,
		Value:    token,
		Path:     "/",
		MaxAge:   int(time.Hour / time.Second),
		HttpOnly: true,
		Secure:   s.cfg.secureCookie,
		SameSite: http.SameSiteLaxMode,
	})
	http.Redirect(w, r, "/protected/me", http.StatusSeeOther)
}

func (s *server) me(w http.ResponseWriter, r *http.Request) {
	tok, _ := httpauth.TokenFrom(r.Context())
	var c claims
	if err := tok.Decode(&c); err != nil || c.User.Email == "" {
		s.unauthorized(w, r, nil)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(c.User)
}

// unauthorized answers every authentication failure the same way: 401
// "Unauthorized" and the cookie deleted, never the reason.
func (s *server) unauthorized(w http.ResponseWriter, r *http.Request, e *httpauth.Error) {
	if e != nil && e.Status == http.StatusServiceUnavailable {
		http.Error(w, "Service Unavailable", e.Status)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.cfg.secureCookie, SameSite: http.SameSiteLaxMode})
	http.Error(w, "Unauthorized", http.StatusUnauthorized)
}

func serve(ln net.Listener, cfg config) error {
	s, err := newServer(cfg)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: s.handler(), ReadHeaderTimeout: 5 * time.Second}
	err = srv.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	key := flag.String("key", "", "signing key as a k4.secret PASERK (default: generate one at start)")
	secure := flag.Bool("secure-cookie", false, "mark the cookie Secure (set this behind HTTPS)")
	flaskConfig := flag.String("flask-config", "", "`FILE` with the PASETO_* settings of the Flask-PASETO-Extended original, as JSON (PASETO_* environment variables are read too)")
	flag.Parse()
	var flask *flaskpaseto.Settings
	switch {
	case *flaskConfig != "":
		data, err := os.ReadFile(*flaskConfig)
		if err == nil {
			flask, err = flaskpaseto.FromJSON(data)
		}
		if err != nil {
			log.Fatalf("-flask-config: %v", err)
		}
	case hasFlaskEnv():
		var err error
		if flask, err = flaskpaseto.FromEnv(); err != nil {
			log.Fatal(err)
		}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("listening on http://%s (demo login %s / %s)", ln.Addr(), demoEmail, demoPass)
	if err := serve(ln, config{secretKey: *key, flask: flask, secureCookie: *secure}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// hasFlaskEnv reports whether a PASETO_ variable is set.
func hasFlaskEnv() bool {
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, flaskpaseto.Prefix) {
			return true
		}
	}
	return false
}
