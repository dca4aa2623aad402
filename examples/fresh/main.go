// Command fresh is the Go counterpart of fastapi-paseto's "fresh tokens"
// example. A fresh access token comes from a password check; a token
// obtained with a refresh token is not fresh, and routes that change
// sensitive data require a fresh one.
//
//	POST /login           {"username":"test","password":"test"} → {"access_token","refresh_token"} (fresh access)
//	POST /refresh         Authorization: Bearer <refresh token> → {"access_token"} (non-fresh; the refresh token stays valid)
//	POST /fresh-login     {"username":"test","password":"test"} → {"access_token"} (fresh)
//	GET  /protected       any access token       → {"user":"test"}
//	GET  /protected-fresh a fresh access token   → {"user":"test"}
//
// Failures are answered with {"detail":"…"} and the status code. Keys are
// generated at start-up, so tokens do not survive a restart, unless the
// AUTHPASETO_* variables of the Python original are set: they are then
// loaded with package compat/fastapipaseto (key, purpose, lifetimes,
// issuer, audiences, where tokens are read).
//
// # The Python original and its port
//
//	# fastapi-paseto, examples/freshness.py
//	@AuthPASETO.load_config
//	def get_config():
//	    return {"authpaseto_secret_key": SECRET}  # 32 bytes here
//	access_token = Authorize.create_access_token(subject=user.username, fresh=True)
//	Authorize.fresh_paseto_required()
//
//	// Go, the same variable (AUTHPASETO_SECRET_KEY of 32 bytes, or a k4.local PASERK)
//	s, err := fastapipaseto.FromEnv()
//	m, err := authtoken.New(s.AuthToken)
//	tok, err := m.CreateAccessToken(ctx, user, true, nil)
//	fresh, err := httpauth.New(httpauth.Config{Verifier: m.FreshAccess(), Sources: s.Sources})
//	mux.Handle("GET /protected-fresh", fresh.Require(handler))
//
//	AUTHPASETO_SECRET_KEY=k4.local.… go run ./examples/fresh
package main

import (
	"encoding/json"
	"flag"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/pasetokit/pasetokit/authtoken"
	"github.com/pasetokit/pasetokit/compat/fastapipaseto"
	"github.com/pasetokit/pasetokit/httpauth"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	flag.Parse()
	h, err := newHandler(fastapiEnv())
	if err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("listening on http://%s", ln.Addr())
	log.Fatal(serve(ln, h))
}

// serve serves h on ln until the listener fails.
func serve(ln net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	return srv.Serve(ln)
}

// newKey returns a new v4 key as a PASERK: a local key, or a secret key
// for public tokens.
func newKey(p paseto.Purpose) (keyring.Key, error) {
	var k paseto.Key
	var err error
	if p == paseto.Public {
		k, err = paseto.GenerateSecretKey(paseto.V4)
	} else {
		k, err = paseto.GenerateSymmetricKey(paseto.V4)
	}
	if err != nil {
		return keyring.Key{}, err
	}
	s, err := paserk.Encode(k)
	return keyring.Key{PASERK: s}, err
}

// fastapiEnv returns the AUTHPASETO_* variables of the environment.
func fastapiEnv() map[string]string {
	env := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, _ := strings.Cut(kv, "="); strings.HasPrefix(k, fastapipaseto.Prefix) {
			env[k] = v
		}
	}
	return env
}

// newHandler builds the application: from the fastapi-paseto variables in
// env, or with a fresh local key when env is empty.
func newHandler(env map[string]string) (http.Handler, error) {
	var (
		cfg     authtoken.Config
		sources []httpauth.Source
	)
	if len(env) > 0 {
		s, err := fastapipaseto.FromMap(env)
		if err != nil {
			return nil, err
		}
		cfg, sources = s.AuthToken, s.Sources
	} else {
		accessKey, err := newKey(paseto.Local)
		if err != nil {
			return nil, err
		}
		// Refresh tokens share the access key: the type claim keeps the
		// kinds apart, so a refresh token is "Wrong token type" on an
		// access route and the other way round.
		cfg = authtoken.Config{Access: authtoken.KindConfig{Keys: []keyring.Key{accessKey}}}
	}
	m, err := authtoken.New(cfg)
	if err != nil {
		return nil, err
	}
	access, err := httpauth.New(httpauth.Config{Verifier: m.Access(), Sources: sources, ErrorHandler: writeAuthError})
	if err != nil {
		return nil, err
	}
	fresh, err := httpauth.New(httpauth.Config{Verifier: m.FreshAccess(), Sources: sources, ErrorHandler: writeAuthError})
	if err != nil {
		return nil, err
	}
	refresh, err := httpauth.New(httpauth.Config{Verifier: m.RefreshTokens(), Sources: sources, ErrorHandler: writeAuthError})
	if err != nil {
		return nil, err
	}

	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		user, ok := checkLogin(w, r)
		if !ok {
			return
		}
		pair, err := m.Login(r.Context(), user, nil)
		if err != nil {
			log.Printf("login: %v", err)
			writeJSON(w, http.StatusInternalServerError, map[string]string{"detail": "Internal server error"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"access_token": pair.Access, "refresh_token": pair.Refresh})
	})
	mux.HandleFunc("POST /fresh-login", func(w http.ResponseWriter, r *http.Request) {
		user, ok := checkLogin(w, r)
		if !ok {
			return
		}
		tok, err := m.CreateAccessToken(r.Context(), user, true, nil)
		if err != nil {
			log.Printf("fresh login: %v", err)
			writeJSON(w, http.StatusInternalServerError, map[string]string{"detail": "Internal server error"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"access_token": tok})
	})
	// As in the FastAPI original, a refresh token is reusable until it
	// expires: /refresh only mints a new, non-fresh access token. The
	// one-time rotating refresh token is examples/onetime_refresh.
	mux.Handle("POST /refresh", refresh.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		access, err := m.CreateAccessToken(r.Context(), subject(r), false, nil)
		if err != nil {
			log.Printf("refresh: %v", err)
			writeJSON(w, http.StatusInternalServerError, map[string]string{"detail": "Internal server error"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"access_token": access})
	})))
	user := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"user": subject(r)})
	})
	mux.Handle("GET /protected", access.Require(user))
	mux.Handle("GET /protected-fresh", fresh.Require(user))
	return mux, nil
}

// checkLogin reads the credentials of a login request and checks them,
// answering the request itself when they are wrong.
func checkLogin(w http.ResponseWriter, r *http.Request) (string, bool) {
	var in struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<12)).Decode(&in); err != nil {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"detail": "Invalid request body"})
		return "", false
	}
	if in.Username != "test" || in.Password != "test" {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"detail": "Bad username or password"})
		return "", false
	}
	return in.Username, true
}

// writeJSON writes v as a JSON response with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// details are the fixed texts of the Python original, by httpauth code:
// the codes, not error strings, tell the failures apart.
var details = map[string]string{
	httpauth.CodeMissing:           "Missing token",
	httpauth.CodeAmbiguous:         "More than one token",
	httpauth.CodeExpired:           "Token has expired",
	httpauth.CodeWrongType:         "Wrong token type",
	httpauth.CodeNotFresh:          "Fresh token required",
	httpauth.CodeRevoked:           "Token has been revoked",
	httpauth.CodeRefreshReused:     "Refresh token already used; please log in again",
	httpauth.CodeUnavailable:       "Service temporarily unavailable",
	httpauth.CodeKeySetUnavailable: "Service temporarily unavailable",
}

// writeAuthError is the httpauth ErrorHandler: the status httpauth chose
// (403 for a token that is not fresh, 503 with Retry-After when the store
// is down) and a fixed detail text per code, never the text of a Go error.
func writeAuthError(w http.ResponseWriter, _ *http.Request, e *httpauth.Error) {
	detail, ok := details[e.Code]
	if !ok {
		detail = "Invalid token"
	}
	writeJSON(w, e.Status, map[string]string{"detail": detail})
}

// subject is the sub claim of the request's token; the middleware in
// front of the handler has verified that there is one.
func subject(r *http.Request) string {
	sub, _ := authtoken.SubjectFrom(r.Context())
	return sub
}
