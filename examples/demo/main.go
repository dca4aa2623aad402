// Command demo is the pasetokit demo application: a web part with
// encrypted cookie sessions and "remember me" logins, and an API part with
// signed access tokens, one-time rotating refresh tokens, a published key
// set and key rotation while serving.
//
// Usage:
//
//	go run ./examples/demo [-addr 127.0.0.1:8080] [-key-file keys.json] [-secure]
//	                       [-redis ADDR[,ADDR...]] [-redis-master NAME] [-redis-replica]
//	                       [-rotate-every 168h] [-publish-ahead 2m] [-max-keys 0]
//	                       [-access-lifetime 15m] [-refresh-lifetime 720h] [-key-grace 1m]
//	                       [-metrics-addr 127.0.0.1:0] [-verify-cache 10000]
//
// The demo user is test / test.
//
// # Web (cookies)
//
//	GET  /                   a small console: the key rings as this process sees
//	                         them (each key's id, state, times, the next rotation;
//	                         JSON at GET /api/keyring); the login form
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
//	                              from a browser: starts a staged rotation of every
//	                              key ring → {"kid":…,"activates":…} (the access-token
//	                              key published now, signing from "activates")
//	GET  /api/keyring             the key rings as this process sees them (JSON)
//	GET  /healthz                 200 "ok"
//
// Errors are {"detail":"…"} with 400, 401, 403 or 503; client input never
// causes a 500.
//
// Access tokens are v4.public tokens signed with the current key of the
// access ring (Ed25519), whose public halves are published at
// /.well-known/paseto-keys. Refresh tokens are v4.local tokens under the
// refresh ring's keys: only the demo reads them, so they are not published.
//
// Verifying an access token's Ed25519 signature is most of an API
// request's CPU, so the demo keeps the last -verify-cache (10000) verified
// access tokens (authtoken.Config.CacheSize): a token seen again skips the
// signature check and payload decoding, while its expiry (with the current
// clock), issuer, type, key, and the store's revocation and cut-off checks
// still run on every request, so a logged-out token is refused at once.
// Each entry holds a token's payload and footer (well under a kilobyte for
// the demo's tokens). -verify-cache 0 turns the cache off.
//
// # Metrics
//
// Every component the demo builds reports its events (package observe):
// they are logged (slog, rate-limited) and counted. The counts are served
// as JSON at GET /metrics on a listener of their own, -metrics-addr, never
// on the public one: the events by kind, component and reason
// ("request/httpauth/token_expired": 3, "verify/verifier/ok": 10, …) and
// the staleness of any remote key set. They name no token, subject or key
// bytes. -metrics-addr must be a loopback address (127.0.0.1, [::1] or
// localhost); the demo refuses to start with any other. The default,
// 127.0.0.1:0, takes a free port, printed in the log ("metrics on
// http://…/metrics"), so that two demos or a busy machine never collide;
// pass a fixed port (-metrics-addr 127.0.0.1:9090) to scrape it, or
// -metrics-addr "" to serve none.
//
// # Keys and rotation
//
// Every key family has its own key ring (package keyring): access-token
// signing keys, refresh-token keys, session-cookie keys and remember-me
// keys. Each key is published (next) -publish-ahead before it signs or
// encrypts, is current for -rotate-every, and is kept retired until
// everything it made has expired (the lifetime plus -key-grace), then
// dropped. The token and cookie managers follow their ring without being
// rebuilt, so rotation logs nobody out. The refresh, session and
// remember-me rings rotate as often as the access ring, or less often
// when their long lifetimes would make them hold too many keys (at most
// about 48 scheduled keys each). POST /admin/rotate starts a staged
// rotation of every ring now (a second request while one is under way
// does not start another). A ring refuses an unsafe policy at start-up:
// -publish-ahead longer than -rotate-every, or shorter than a second.
// Verifiers following the key set must refetch it more often than
// -publish-ahead (its Cache-Control max-age is half of it).
//
// Without -key-file the first keys are generated at start-up, so nothing
// survives a restart. With -key-file the file is JSON:
//
//	{"token_key": "k4.secret.…", "cookie_secret": "<standard base64 of at least 32 bytes>"}
//
// (make a token key with `go run ./cmd/pasetokit keygen v4.public` or any
// PASERK tool, and a secret with `openssl rand -base64 48`). token_key is
// the access ring's first key; the first keys of the other rings are
// derived from cookie_secret (keyderive), as the session and remember-me
// managers derive theirs from a Secret. Without -redis the rings live in
// memory: keys made by rotation end with the process.
//
// With -redis, each ring lives in Redis (store/redisstore.Keyring), its
// secret keys wrapped with a key derived from cookie_secret (never a
// plaintext key in Redis): the processes started with the same -key-file
// and -redis form one fleet. They share every key, a token or cookie made
// by one is accepted by all, and the schedule rotates once per period for
// the whole fleet (compare-and-swap in Redis); POST /admin/rotate at any
// of them starts one rotation for all. Each process rereads the rings
// every second. A process that loses Redis keeps its copy: it signs until
// its current key is due to retire, then fails closed (503).
//
// /admin/rotate refuses requests that carry a proxy's forwarding headers
// (Forwarded, X-Forwarded-For, X-Real-IP) or a browser's (Origin, Referer,
// Sec-Fetch-Site), because behind a reverse proxy on the same host every
// client looks like loopback, and any web page can post a form to
// 127.0.0.1. A production service keeps such endpoints on a separate,
// authenticated listener.
//
// # Cookies and stores
//
// Cookies are not Secure by default, because browsers do not send Secure
// cookies to http://127.0.0.1; pass -secure when serving behind HTTPS,
// which also names them __Host-session and __Host-remember (a sibling
// subdomain cannot plant such cookies).
// The stores are in memory (one process) unless -redis names Redis (one
// address: a server; several, comma-separated: a Redis Cluster's seed
// nodes; with -redis-master NAME: the Sentinels of master NAME; the
// client is built by redisstore.NewClient): then revocations, one-time refresh tokens, "log out everywhere"
// cut-offs and remember-me series live there (store/redisstore), and several
// demo processes sharing the keys (-key-file) and the Redis server act as
// one (they compare login and issue times with the cut-offs, so their
// clocks must agree). While Redis is unreachable, requests that need it,
// including a remembered user's return, fail closed with 503 (one log line
// per outage, with a count, not one per request); "Log out" still clears
// the cookies. With -redis-replica (one server, Sentinel or Cluster) the access
// tokens' revocation and cut-off checks are answered from a local
// redisstore.Replica fed by Redis's keyspace notifications: no round trip
// per verified request, answers never older than -redis-replica-max-stale
// (100ms), per-request lookups (or 503) when the feed lags or breaks. It
// needs the notify-keyspace-events of the server (of every master, on
// Cluster, where the replica follows each master) to hold K, g, $, h, x
// and e (redis-server --notify-keyspace-events 'Kg$hxe'); the demo
// refuses to start, naming the setting, when it does not. The demo is its own module (examples/demo/go.mod) so that go-redis
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
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/pasetokit/pasetokit/examples/demo/internal/app"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/observe"
	"github.com/pasetokit/pasetokit/store/redisstore"
	"github.com/redis/go-redis/v9"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	keyPath := flag.String("key-file", "", `JSON file {"token_key":"k4.secret…","cookie_secret":"base64…"}; empty generates keys at start`)
	secure := flag.Bool("secure", false, "mark cookies Secure (serve behind HTTPS)")
	redisAddrs := flag.String("redis", "", "Redis address (host:port), or several comma-separated (Redis Cluster), or the Sentinels' with -redis-master; empty keeps the stores and key rings in memory")
	redisMaster := flag.String("redis-master", "", "Sentinel master name: -redis lists the Sentinels")
	redisReplica := flag.Bool("redis-replica", false, `with -redis (one server, Sentinel or Cluster): keep a local replica of revocations and cut-offs, fed by Redis's keyspace notifications, so that a verified token usually costs no round trip; answers are never older than -redis-replica-max-stale. Redis (every master, on Cluster) must have notify-keyspace-events with K, g, $, h, x and e ("Kg$hxe"): the demo refuses to start otherwise`)
	replicaMaxStale := flag.Duration("redis-replica-max-stale", redisstore.DefaultMaxStale, "with -redis-replica: how old a replica's answer may be (at least 10ms)")
	rotateEvery := flag.Duration("rotate-every", 0, "how long a key signs or encrypts before the next takes over (0: a week; at least 1s)")
	publishAhead := flag.Duration("publish-ahead", 0, "how long a new key is published before it signs (0: 2m, or half of -rotate-every when shorter)")
	accessLifetime := flag.Duration("access-lifetime", 0, "access-token lifetime (0: 15m)")
	refreshLifetime := flag.Duration("refresh-lifetime", 0, "refresh-token lifetime (0: 720h)")
	keyGrace := flag.Duration("key-grace", 0, "how much longer than their tokens' and cookies' lifetime retired keys are kept (0: 1m)")
	maxKeys := flag.Int("max-keys", 0, "the most access-token keys the ring holds (0: what the schedule needs plus 16)")
	verifyCache := flag.Int("verify-cache", 10000, "how many verified access tokens to keep, so that a token seen again skips its signature check (expiry, revocation and cut-off are still checked on every request); 0 disables the cache")
	metricsAddr := flag.String("metrics-addr", "127.0.0.1:0", `loopback address of the metrics listener (GET /metrics, JSON); port 0 picks a free one, printed in the log; "" serves none`)
	flag.Parse()

	// Every component logs its events (observe.Default) and counts them
	// for the metrics listener.
	counts, err := observe.NewCounts(observe.CountsConfig{})
	if err != nil {
		log.Fatal(err)
	}
	events := observe.Multi(observe.Default(), counts)
	var metricsLn net.Listener
	if *metricsAddr != "" {
		// Listen before building anything, so that a bad address fails
		// at once.
		if metricsLn, err = app.ListenMetrics(*metricsAddr); err != nil {
			log.Fatalf("-metrics-addr %s: %v", *metricsAddr, err)
		}
	}

	cfg := app.Config{Secure: *secure, RotateEvery: *rotateEvery, PublishAhead: *publishAhead,
		AccessLifetime: *accessLifetime, RefreshLifetime: *refreshLifetime, KeyGrace: *keyGrace, MaxKeys: *maxKeys,
		VerifyCache: *verifyCache, Events: events}
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
	if *redisAddrs != "" {
		if *keyPath == "" {
			log.Print("-redis without -key-file: this process's keys are generated, so it cannot share the key rings of a fleet")
		}
		client, s, err := redisStore(strings.Split(*redisAddrs, ","), *redisMaster, events)
		if err != nil {
			log.Fatal(err)
		}
		defer client.Close()
		cfg.Store, cfg.RememberStore = s, s
		if *redisReplica {
			r, err := s.NewReplica(context.Background(), redisstore.ReplicaConfig{MaxStale: *replicaMaxStale})
			if err != nil {
				log.Fatalf("-redis-replica: %v", err)
			}
			defer r.Close()
			cfg.Store = r
			log.Printf("revocations and cut-offs read from a local replica (answers at most %v old)", *replicaMaxStale)
		}
		cfg.RingBackend = func(family string) (keyring.Backend, error) {
			return redisstore.NewKeyring(client, redisstore.KeyringConfig{Prefix: redisPrefix, Name: family})
		}
		log.Printf("stores and key rings on redis %s", *redisAddrs)
	} else if *redisMaster != "" {
		log.Fatal("-redis-master needs -redis (the Sentinels' addresses)")
	} else if *redisReplica {
		log.Fatal("-redis-replica needs -redis")
	}
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
	go a.Run(ctx) // the rings' schedules
	srv := &http.Server{Handler: a, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute}
	var metrics *http.Server
	if metricsLn != nil {
		metrics = app.MetricsServer(counts)
		go func() {
			if err := metrics.Serve(metricsLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Printf("metrics listener: %v", err)
			}
		}()
		log.Printf("metrics on http://%s/metrics (loopback only)", metricsLn.Addr())
	}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		if metrics != nil {
			_ = metrics.Shutdown(sctx)
		}
	}()
	log.Printf("listening on http://%s (demo user test / test, signing key %s)", ln.Addr(), a.SigningKeyID())
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}

// redisPrefix starts the demo's Redis keys.
const redisPrefix = "pasetokit-demo:"

// redisStore connects to Redis (a server, a Cluster from several
// addresses, or a Sentinel master) with the client redisstore.NewClient
// configures, and makes the store the demo keeps its revocations, refresh
// tokens, cut-offs and remember-me series in.
func redisStore(addrs []string, master string, events observe.Handler) (redis.UniversalClient, *redisstore.Store, error) {
	redis.SetLogger(&redisLog{})
	client, err := redisstore.NewClient(redisstore.ClientConfig{Addrs: addrs, MasterName: master})
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		client.Close()
		return nil, nil, fmt.Errorf("redis %s: %w", strings.Join(addrs, ","), err)
	}
	s, err := redisstore.New(client, redisstore.Config{Prefix: redisPrefix, MaxFamiliesPerUser: app.MaxFamiliesPerUser, MaxSeriesPerUser: app.MaxSeriesPerUser, Events: events})
	if err != nil {
		client.Close()
		return nil, nil, err
	}
	return client, s, nil
}

// redisLog takes go-redis's own log lines (while Redis is down, one per
// failed dial) and writes at most one a minute, with the number left out
// since, so that an outage stays the few lines the demo's outage log
// writes rather than one line per connection attempt.
type redisLog struct {
	mu   sync.Mutex
	next time.Time
	left int
}

// Printf implements go-redis's logging interface.
func (l *redisLog) Printf(_ context.Context, format string, v ...any) {
	now := time.Now()
	l.mu.Lock()
	if now.Before(l.next) {
		l.left++
		l.mu.Unlock()
		return
	}
	left := l.left
	l.left, l.next = 0, now.Add(time.Minute)
	l.mu.Unlock()
	msg := fmt.Sprintf(format, v...)
	if left > 0 {
		msg += fmt.Sprintf(" (and %d more lines from the Redis client in the last minute)", left)
	}
	log.Print("redis client: " + msg)
}
