// Command onetime_refresh shows one-time refresh tokens with reuse
// detection: every refresh moves the token's family on and hands out a
// new pair, and presenting an earlier refresh token again revokes the
// whole family (the thief's tokens and the legitimate client's alike), so
// that both have to log in again. A retry with the same refresh token
// within authtoken's retry window (30 s), before the family moved on, is
// not reuse: the client may have lost the answer, and gets a pair again.
//
//	POST /token      form username=test&password=test       → {"access_token","refresh_token","token_type":"bearer"}
//	POST /refresh    Authorization: Bearer <refresh token>  → {"access_token","refresh_token","token_type":"bearer"}
//	GET  /protected  Authorization: Bearer <access token>   → {"message":"Welcome, test"}
//	POST /logout     Authorization: Bearer <access token>   → {"detail":"Logged out"} (the access token and its refresh family are revoked)
//
// Failures are answered with {"detail":"…"} and the status code: 401 for
// bad credentials and bad, expired, revoked or reused tokens, 503 when the
// store cannot be reached (a token whose revocation status is unknown is
// never accepted).
//
// The store is in memory by default. With -redis ADDR it is kept in Redis
// (package redisstore, a module of its own), as an application running on
// several machines needs: a refresh or a logout is then
// seen by every instance. Keys are generated at start-up, so tokens do
// not survive a restart; a real deployment loads them from a secret store
// and shares them between instances.
package main

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"flag"
	"log"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/pasetokit/pasetokit/authtoken"
	"github.com/pasetokit/pasetokit/httpauth"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/store"
	"github.com/pasetokit/pasetokit/store/redisstore"
	"github.com/redis/go-redis/v9"
)

// The only user of this example.
const (
	demoUser     = "test"
	demoPassword = "test"
)

// redisPrefix starts every Redis key this application writes.
const redisPrefix = "onetime_refresh:"

// maxTokenLength bounds a bearer token read by the handlers themselves.
const maxTokenLength = paseto.DefaultMaxTokenLength

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	redisAddr := flag.String("redis", "", "Redis address (host:port) for the token store; empty means in memory")
	flag.Parse()

	var st store.Store
	if *redisAddr != "" {
		c := newRedisClient(*redisAddr)
		defer c.Close()
		s, err := redisstore.New(c, redisstore.Config{Prefix: redisPrefix})
		if err != nil {
			log.Fatal(err)
		}
		st = s
		log.Printf("token store: Redis at %s", *redisAddr)
	} else {
		log.Printf("token store: in memory")
	}
	h, err := newHandler(options{Store: st, Logf: log.Printf})
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

// newRedisClient returns a client for the Redis server at addr that honours
// the store's per-operation timeout (ContextTimeoutEnabled) and gives up
// quickly on a server that is down.
func newRedisClient(addr string) *redis.Client {
	return redis.NewClient(&redis.Options{
		Addr:                  addr,
		ContextTimeoutEnabled: true,
		DialTimeout:           time.Second,
	})
}

// serve serves h on ln until the listener fails.
func serve(ln net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	return srv.Serve(ln)
}

// options configures newHandler.
type options struct {
	// Store keeps refresh families and revocations; nil means a new
	// in-memory store.
	Store store.Store
	// Logf logs events (reuse of a refresh token, unexpected errors); nil
	// means log.Printf.
	Logf func(format string, args ...any)
	// AccessKey and RefreshKey issue and verify the tokens; a zero key
	// means a new one. Instances that share a store must share keys.
	AccessKey, RefreshKey keyring.Key
}

// newLocalKey returns a new v4 local key as a PASERK.
func newLocalKey() (keyring.Key, error) {
	k, err := paseto.GenerateSymmetricKey(paseto.V4)
	if err != nil {
		return keyring.Key{}, err
	}
	s, err := paserk.Encode(k)
	return keyring.Key{PASERK: s}, err
}

// newHandler builds the application with keys of its own.
func newHandler(opts options) (http.Handler, error) {
	logf := opts.Logf
	if logf == nil {
		logf = log.Printf
	}
	accessKey, refreshKey := opts.AccessKey, opts.RefreshKey
	var err error
	if isZeroKey(accessKey) {
		if accessKey, err = newLocalKey(); err != nil {
			return nil, err
		}
	}
	if isZeroKey(refreshKey) {
		if refreshKey, err = newLocalKey(); err != nil {
			return nil, err
		}
	}
	m, err := authtoken.New(authtoken.Config{
		Access:  authtoken.KindConfig{Keys: []keyring.Key{accessKey}},
		Refresh: authtoken.KindConfig{Keys: []keyring.Key{refreshKey}},
		Store:   opts.Store,
		OnReuse: func(_ context.Context, subject, family string) {
			// Two parties held the same refresh token: one of them
			// stole it. The family is revoked already; a real
			// application would also alert the user.
			logf("refresh token reuse detected: subject %q, family %s revoked", subject, family)
		},
	})
	if err != nil {
		return nil, err
	}
	access, err := httpauth.New(httpauth.Config{
		Verifier: m.Access(),
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, e *httpauth.Error) {
			writeError(w, logf, e)
		},
	})
	if err != nil {
		return nil, err
	}

	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		user, ok := checkPassword(w, r)
		if !ok {
			return
		}
		pair, err := m.Login(r.Context(), user, nil)
		if err != nil {
			// Login does not touch the store: any error is a bug.
			logf("login: %v", err)
			writeJSON(w, http.StatusInternalServerError, detail("Internal server error"))
			return
		}
		writePair(w, pair)
	})
	// /refresh reads the refresh token itself rather than through an
	// httpauth middleware: Refresh verifies it (signature, type, expiry,
	// revocation) before consuming it, so it is verified once.
	mux.HandleFunc("POST /refresh", func(w http.ResponseWriter, r *http.Request) {
		tok, err := bearerToken(r)
		if err != nil {
			writeError(w, logf, err)
			return
		}
		pair, err := m.Refresh(r.Context(), tok)
		if err != nil {
			writeError(w, logf, err)
			return
		}
		writePair(w, pair)
	})
	mux.Handle("GET /protected", access.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"message": "Welcome, " + authtoken.Subject(r.Context())})
	})))
	mux.HandleFunc("POST /logout", func(w http.ResponseWriter, r *http.Request) {
		tok, err := bearerToken(r)
		if err != nil {
			writeError(w, logf, err)
			return
		}
		if err := m.Logout(r.Context(), tok); err != nil {
			writeError(w, logf, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"detail": "Logged out"})
	})
	return mux, nil
}

// checkPassword reads an OAuth2 password request (a form with username and
// password, and grant_type "password" when given) and checks the
// credentials, answering the request itself when they are wrong.
func checkPassword(w http.ResponseWriter, r *http.Request) (string, bool) {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<12)
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusUnprocessableEntity, detail("Invalid request body"))
		return "", false
	}
	if gt := r.PostForm.Get("grant_type"); gt != "" && gt != "password" {
		writeJSON(w, http.StatusBadRequest, detail("Unsupported grant type"))
		return "", false
	}
	user, password := r.PostForm.Get("username"), r.PostForm.Get("password")
	if user == "" || password == "" {
		writeJSON(w, http.StatusUnprocessableEntity, detail("Username and password are required"))
		return "", false
	}
	okUser := subtle.ConstantTimeCompare([]byte(user), []byte(demoUser))
	okPassword := subtle.ConstantTimeCompare([]byte(password), []byte(demoPassword))
	if okUser&okPassword != 1 {
		w.Header().Set("WWW-Authenticate", "Bearer")
		writeJSON(w, http.StatusUnauthorized, detail("Incorrect username or password"))
		return "", false
	}
	return user, true
}

// errNoBearer: the request has no usable Authorization: Bearer header.
var errNoBearer = errors.New("no bearer token")

// bearerToken returns the token of the request's single Authorization
// header with the Bearer scheme (in any letter case).
func bearerToken(r *http.Request) (string, error) {
	vals := r.Header.Values("Authorization")
	if len(vals) != 1 {
		return "", errNoBearer
	}
	scheme, tok, ok := strings.Cut(vals[0], " ")
	tok = strings.TrimSpace(tok)
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" || len(tok) > maxTokenLength {
		return "", errNoBearer
	}
	return tok, nil
}

func detail(s string) map[string]string { return map[string]string{"detail": s} }

// writePair answers with a new pair of tokens.
func writePair(w http.ResponseWriter, p authtoken.Pair) {
	writeJSON(w, http.StatusOK, map[string]string{
		"access_token":  p.Access,
		"refresh_token": p.Refresh,
		"token_type":    "bearer",
	})
}

// writeJSON writes v as a JSON response with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError answers a failed authentication with a fixed text for err,
// never the text of err itself.
func writeError(w http.ResponseWriter, logf func(string, ...any), err error) {
	status, text := describe(err)
	switch status {
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		if errors.Is(err, errNoBearer) || errors.Is(err, httpauth.ErrMissingToken) {
			w.Header().Set("WWW-Authenticate", "Bearer")
		}
	case http.StatusServiceUnavailable:
		w.Header().Set("Retry-After", "1")
		logf("token store unavailable: %v", err)
	}
	writeJSON(w, status, detail(text))
}

// describe maps an error of the middleware or of a Manager method to a
// status and a fixed text.
func describe(err error) (int, string) {
	switch code := httpauth.Code(err); {
	case errors.Is(err, errNoBearer), code == "token_missing":
		return http.StatusUnauthorized, "Not authenticated"
	case code == "temporarily_unavailable" || code == "key_set_unavailable":
		// Checked before the token errors: a reuse whose family could
		// not be revoked is the store's failure.
		return http.StatusServiceUnavailable, "Service temporarily unavailable"
	case errors.Is(err, authtoken.ErrRefreshReused):
		return http.StatusUnauthorized, "Refresh token already used; please log in again"
	case errors.Is(err, authtoken.ErrRevoked):
		return http.StatusUnauthorized, "Token has been revoked"
	case code == "token_expired":
		return http.StatusUnauthorized, "Token has expired"
	case errors.Is(err, authtoken.ErrWrongType):
		return http.StatusUnauthorized, "Wrong token type"
	case code == "token_ambiguous":
		return http.StatusBadRequest, "More than one token"
	}
	// Every other error is a token that failed verification: httpauth
	// classifies anything it does not know as token_rejected, so that
	// authentication fails closed.
	return http.StatusUnauthorized, "Invalid token"
}

func isZeroKey(k keyring.Key) bool { return k.PASERK == "" && len(k.PEM) == 0 }
