// Command purpose is the Go counterpart of fastapi-paseto's "purpose"
// example: access tokens are local (v4.local, encrypted, readable only by
// this server) while refresh tokens are public (v4.public, signed).
//
//	POST /login     {"username":"test","password":"test"} → {"access_token","refresh_token"}
//	POST /refresh   Authorization: Bearer <refresh token> → {"access_token"} (the refresh token stays valid until it expires)
//	GET  /protected Authorization: Bearer <access token>  → {"user":"test"}
//
// Failures are answered with {"detail":"…"} and the status code. Keys are
// generated at start-up, so tokens do not survive a restart, unless the
// AUTHPASETO_* variables of the Python original are set: they are then
// loaded with package compat/fastapipaseto (AUTHPASETO_SECRET_KEY makes
// the access tokens, AUTHPASETO_PRIVATE_KEY the refresh tokens, and the
// lifetimes, issuer, audiences and token locations follow the variables).
//
// # The Python original and its port
//
//	# fastapi-paseto, examples/purpose.py
//	@AuthPASETO.load_config
//	def get_config():
//	    return {"authpaseto_secret_key": "secret",          # refused here: not 32 bytes
//	            "authpaseto_private_key": PRIVATE_PEM,
//	            "authpaseto_public_key": PUBLIC_PEM}
//	access_token = Authorize.create_access_token(subject=user.username, purpose="local")
//	refresh_token = Authorize.create_refresh_token(subject=user.username, purpose="public")
//
//	// Go, the same variables (AUTHPASETO_SECRET_KEY of 32 bytes, or a k4.local PASERK)
//	s, err := fastapipaseto.FromEnv()
//	cfg := s.AuthToken
//	cfg.Access.Keys, cfg.Refresh.Keys = []keyring.Key{s.LocalKey}, []keyring.Key{s.SecretKey}
//	m, err := authtoken.New(cfg)
//	pair, err := m.Login(ctx, user, nil)
//
//	# local: the k4.local line of `pasetokit keygen v4.local`; secret: a PEM file or a k4.secret PASERK
//	AUTHPASETO_SECRET_KEY=k4.local.… AUTHPASETO_PRIVATE_KEY="$(cat private.pem)" go run ./examples/purpose
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

// tokenConfig is the authtoken configuration and token sources: from the
// fastapi-paseto variables in env when there are any, else with fresh
// keys (local access tokens, public refresh tokens).
func tokenConfig(env map[string]string) (authtoken.Config, []httpauth.Source, error) {
	if len(env) > 0 {
		s, err := fastapipaseto.FromMap(env)
		if err != nil {
			return authtoken.Config{}, nil, err
		}
		cfg := s.AuthToken
		// As the Python original: access tokens local, refresh tokens
		// public, whatever AUTHPASETO_PURPOSE says, when both keys are set.
		if s.LocalKey.PASERK != "" {
			cfg.Access.Keys = []keyring.Key{s.LocalKey}
		}
		if s.SecretKey.PASERK != "" || s.SecretKey.PEM != nil {
			cfg.Refresh.Keys = []keyring.Key{s.SecretKey}
		}
		return cfg, s.Sources, nil
	}
	accessKey, err := newKey(paseto.Local)
	if err != nil {
		return authtoken.Config{}, nil, err
	}
	refreshKey, err := newKey(paseto.Public)
	if err != nil {
		return authtoken.Config{}, nil, err
	}
	return authtoken.Config{
		Access:  authtoken.KindConfig{Keys: []keyring.Key{accessKey}},
		Refresh: authtoken.KindConfig{Keys: []keyring.Key{refreshKey}},
	}, nil, nil
}

// newHandler builds the application: from the fastapi-paseto variables in
// env, or with fresh keys when env is empty.
func newHandler(env map[string]string) (http.Handler, error) {
	cfg, sources, err := tokenConfig(env)
	if err != nil {
		return nil, err
	}
	m, err := authtoken.New(cfg)
	if err != nil {
		return nil, err
	}
	access, err := httpauth.New(httpauth.Config{Verifier: m.Access(), Sources: sources, ErrorHandler: writeAuthError})
	if err != nil {
		return nil, err
	}
	refresh, err := httpauth.New(httpauth.Config{Verifier: m.RefreshTokens(), Sources: sources, ErrorHandler: writeAuthError})
	if err != nil {
		return nil, err
	}

	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Username string `json:"username"`
			Password string `json:"password"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<12)).Decode(&in); err != nil {
			writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"detail": "Invalid request body"})
			return
		}
		if in.Username != "test" || in.Password != "test" {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"detail": "Bad username or password"})
			return
		}
		pair, err := m.Login(r.Context(), in.Username, nil)
		if err != nil {
			log.Printf("login: %v", err)
			writeJSON(w, http.StatusInternalServerError, map[string]string{"detail": "Internal server error"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"access_token": pair.Access, "refresh_token": pair.Refresh})
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
	mux.Handle("GET /protected", access.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"user": subject(r)})
	})))
	return mux, nil
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
