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
	"flag"
	"log"
	"net"
	"net/http"
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

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	redisAddr := flag.String("redis", "", "Redis address (host:port) for the token store; empty means in memory")
	flag.Parse()

	var st store.Store
	if *redisAddr != "" {
		c, err := newRedisClient(*redisAddr, 0)
		if err != nil {
			log.Fatal(err)
		}
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

// newRedisClient returns a client for the Redis server at addr built by
// redisstore.NewClient, as the Store needs it: it honours the Store's
// per-operation deadline, bounds every dial, read and write by timeout
// (the Store's Config.Timeout; 0 means redisstore.DefaultTimeout, the
// Store's default), so that a hung server costs at most that per request,
// and never retries a command that may have reached Redis (a retried
// refresh could find its own first attempt and be taken as reuse).
func newRedisClient(addr string, timeout time.Duration) (redis.UniversalClient, error) {
	return redisstore.NewClient(redisstore.ClientConfig{Addrs: []string{addr}, Timeout: timeout})
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
	onError := func(w http.ResponseWriter, _ *http.Request, e *httpauth.Error) { writeError(w, logf, e) }
	access, err := httpauth.New(httpauth.Config{Verifier: m.Access(), ErrorHandler: onError})
	if err != nil {
		return nil, err
	}
	refresh, err := httpauth.New(httpauth.Config{Verifier: m.RefreshTokens(), ErrorHandler: onError})
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
	// Refresh and Logout take the token the middleware found from the
	// request context (an empty token argument): no header parsing of
	// our own. Their errors go through the middleware's WriteError, so
	// they are answered like the middleware's own.
	mux.Handle("POST /refresh", refresh.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pair, err := m.Refresh(r.Context(), "")
		if err != nil {
			refresh.WriteError(w, r, err)
			return
		}
		writePair(w, pair)
	})))
	mux.Handle("GET /protected", access.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"message": "Welcome, " + subject(r)})
	})))
	mux.Handle("POST /logout", access.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := m.Logout(r.Context(), ""); err != nil {
			access.WriteError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"detail": "Logged out"})
	})))
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

// details are the fixed texts of the failures, by httpauth code: the codes,
// not error strings, tell them apart. Any other code is "Invalid token".
var details = map[string]string{
	httpauth.CodeMissing:           "Not authenticated",
	httpauth.CodeAmbiguous:         "More than one token",
	httpauth.CodeExpired:           "Token has expired",
	httpauth.CodeWrongType:         "Wrong token type",
	httpauth.CodeRevoked:           "Token has been revoked",
	httpauth.CodeRefreshReused:     "Refresh token already used; please log in again",
	httpauth.CodeUnavailable:       "Service temporarily unavailable",
	httpauth.CodeKeySetUnavailable: "Service temporarily unavailable",
}

// writeError is the middlewares' ErrorHandler: the status httpauth chose
// (it has set WWW-Authenticate, and Retry-After on a 503) and a fixed text
// for the code, never the text of the error itself. A reuse whose family
// could not be revoked is the store's failure: a 503.
func writeError(w http.ResponseWriter, logf func(string, ...any), e *httpauth.Error) {
	if e.Status == http.StatusServiceUnavailable {
		logf("token store unavailable: %v", e.Err)
	}
	text, ok := details[e.Code]
	if !ok {
		text = "Invalid token"
	}
	writeJSON(w, e.Status, detail(text))
}

func isZeroKey(k keyring.Key) bool { return k.PASERK == "" && len(k.PEM) == 0 }

// subject is the sub claim of the request's token; the middleware in
// front of the handler has verified that there is one.
func subject(r *http.Request) string {
	sub, _ := authtoken.SubjectFrom(r.Context())
	return sub
}
