// Command demo is the pasetokit demo application: a web part with
// encrypted cookie sessions and "remember me" logins, and an API part with
// signed access tokens, one-time rotating refresh tokens, a published key
// set and key rotation while serving.
//
// Usage:
//
//	go run ./examples/demo [-addr 127.0.0.1:8080] [-key-file keys.json] [-secure]
//	                       [-rotate-every 1h] [-max-keys 32] [-redis 127.0.0.1:6379]
//
// The demo user is test / test.
//
// # Web (cookies)
//
//	GET  /                   a small console: the signing keys as this process sees
//	                         them (id, state, times, next rotation); the login form
//	                         (username, password, "remember me"), or the session's
//	                         facts (user, fresh or not, login time, end, remembered or
//	                         not, a visit counter), flash messages and logout buttons
//	GET  /whoami             {"user":"…","fresh":bool,"visits":n} or 401 {"detail":…}
//	POST /login              form username, password, remember=on: password login
//	                         (fresh), remember-me cookie if asked; redirects to /
//	POST /logout             forgets this device's remember-me login, ends the session
//	POST /logout-everywhere  forgets every remember-me login of the user, revokes
//	                         every API token of the user, ends every web session of
//	                         the user (see below) and this one
//
// The session cookie is a browser-session cookie: closing the browser ends
// the login. A remember-me cookie logs the user back in (not fresh) when the
// session has ended. Session cookies are stateless, so to make "log out
// everywhere" end the other browsers' sessions too, the demo records a
// per-user cut-off time in the store and drops sessions whose login is
// older; a detected remember-me cookie theft sets the same cut-off, which
// ends the session the thief opened with the stolen cookie.
//
// Cross-site form posts are refused: SameSite=Lax keeps the cookies out of
// them, and http.CrossOriginProtection answers them 403 (Sec-Fetch-Site, or
// Origin against Host; behind a proxy that rewrites Host, add the site's
// origin with AddTrustedOrigin).
//
// # API (tokens)
//
//	POST /api/token               {"username","password"} → {"access_token","refresh_token","token_type":"bearer"}
//	POST /api/refresh             Authorization: Bearer <refresh token> → a new pair; the
//	                              refresh token works once (reuse revokes its family)
//	GET  /api/me                  any access token → {"user","fresh","kid"}
//	POST /api/sensitive           fresh access token only (403 otherwise)
//	POST /api/logout              revokes the access token and its refresh family
//	POST /api/logout-everywhere   revokes every token of the user
//	GET  /.well-known/paseto-keys the published key set of the access-token keys
//	POST /admin/rotate            loopback clients only, not relayed by a proxy and not
//	                              from a browser: new signing key → {"kid":…}
//	GET  /healthz                 200 "ok"
//
// Errors are {"detail":"…"} with 400, 401, 403 or 503; client input never
// causes a 500.
//
// Access tokens are v4.public tokens signed with the current signing key
// (Ed25519), whose public halves are published at /.well-known/paseto-keys.
// Refresh tokens are v4.local tokens under a key derived from the cookie
// secret with its own purpose: only this server reads them, so they are not
// published and key rotation does not affect them.
//
// # Keys
//
// Without -key-file the keys are generated at start-up, so nothing survives
// a restart. With -key-file the file is JSON:
//
//	{"token_key": "k4.secret.…", "cookie_secret": "<standard base64 of at least 32 bytes>"}
//
// (make a token key with `go run ./cmd/pasetokit keygen v4.public` or any
// PASERK tool, and a secret with `openssl rand -base64 48`). Keys made by
// rotation live in memory only.
//
// # Rotation
//
// POST /admin/rotate (or -rotate-every) makes a new Ed25519 key the signer
// at once and keeps the previous keys for verification, and published,
// until every access token they signed has expired. The authtoken.Manager
// cannot change its keys at run time, so each rotation builds a new Manager
// (new signing key first in Keys, the previous ones after it, the same Store) and
// swaps it in atomically; a separate issuer.Issuer holds the same key list
// only to publish it. Verifiers elsewhere that cache the key set may refuse
// new tokens until they refetch it (at most KeySetMaxAge, one minute); a
// production rotation publishes the next key before it signs.
//
// /admin/rotate refuses requests that carry a proxy's forwarding headers
// (Forwarded, X-Forwarded-For, X-Real-IP) or a browser's (Origin, Referer,
// Sec-Fetch-Site), because behind a reverse proxy on the same host every
// client looks like loopback, and any web page can post a form to
// 127.0.0.1. A production service keeps such endpoints on a separate,
// authenticated listener.
//
// The rotation is hand-written (internal/app/rotation.go); the key ring
// replaces it. -max-keys caps the keys kept (the oldest beyond it are
// dropped early, whatever their tokens). Rotation changes the keys of this
// process only. Several processes can share the key file and Redis, but
// then rotate by replacing the key file and restarting them, not with
// /admin/rotate or -rotate-every.
//
// # Cookies and stores
//
// Cookies are not Secure by default, because browsers do not send Secure
// cookies to http://127.0.0.1; pass -secure when serving behind HTTPS,
// which also names them __Host-session and __Host-remember (a sibling
// subdomain cannot plant such cookies).
// The stores are in memory (one process) unless -redis names a Redis
// server: then revocations, one-time refresh tokens, "log out everywhere"
// cut-offs and remember-me series live there (store/redisstore), and several
// demo processes sharing the keys (-key-file) and the Redis server act as
// one (they compare login and issue times with the cut-offs, so their
// clocks must agree). While Redis is unreachable, requests that need it,
// including a remembered user's return, fail closed with 503. The demo is its own module (examples/demo/go.mod) so that go-redis
// stays out of the library's module; the repository's go.work lets
// `go run ./examples/demo` work from the repository root.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/pasetokit/pasetokit/examples/demo/internal/app"
	"github.com/pasetokit/pasetokit/store/redisstore"
	"github.com/redis/go-redis/v9"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	keyPath := flag.String("key-file", "", `JSON file {"token_key":"k4.secret…","cookie_secret":"base64…"}; empty generates keys at start`)
	secure := flag.Bool("secure", false, "mark cookies Secure (serve behind HTTPS)")
	rotateEvery := flag.Duration("rotate-every", 0, "rotate the access-token signing key this often (0: never; at least 1s)")
	redisAddr := flag.String("redis", "", "Redis server address (host:port) for the stores; empty keeps them in memory")
	maxKeys := flag.Int("max-keys", app.DefaultMaxKeys, "the most access-token keys kept by rotation; the oldest beyond it are dropped early")
	flag.Parse()

	cfg := app.Config{Secure: *secure}
	if *keyPath != "" {
		if err := app.LoadKeyFile(*keyPath, &cfg); err != nil {
			log.Fatal(err)
		}
	} else {
		log.Print("no -key-file: keys generated at start-up; sessions and tokens end with the process")
	}
	if !*secure {
		log.Print("cookies are not Secure (plain HTTP demo); pass -secure behind HTTPS")
	}
	if *rotateEvery != 0 && *rotateEvery < time.Second {
		log.Fatal("-rotate-every must be at least 1s")
	}
	if *redisAddr != "" {
		client, s, err := redisStore(*redisAddr)
		if err != nil {
			log.Fatal(err)
		}
		defer client.Close()
		cfg.Store, cfg.RememberStore = s, s
		log.Printf("stores on redis %s", *redisAddr)
	}
	cfg.RotateEvery, cfg.MaxKeys = *rotateEvery, *maxKeys
	a, err := app.New(cfg)
	if err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go a.Run(ctx) // the scheduled rotation
	srv := &http.Server{Handler: a, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	log.Printf("listening on http://%s (demo user test / test, signing key %s)", ln.Addr(), a.KeyIDs()[0])
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}

// redisStore connects to the Redis server at addr and makes the store the
// demo keeps its revocations, refresh tokens, cut-offs and remember-me
// series in.
func redisStore(addr string) (*redis.Client, *redisstore.Store, error) {
	client := redis.NewClient(&redis.Options{Addr: addr})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		client.Close()
		return nil, nil, fmt.Errorf("redis %s: %w", addr, err)
	}
	s, err := redisstore.New(client, redisstore.Config{Prefix: "pasetokit-demo:", MaxFamiliesPerUser: app.MaxFamiliesPerUser})
	if err != nil {
		client.Close()
		return nil, nil, err
	}
	return client, s, nil
}
