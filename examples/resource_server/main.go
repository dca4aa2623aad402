// Command resource_server is an API that accepts the demo's access tokens
// (examples/demo) without sharing a key with it: it verifies them with
// authtoken's verify-only side ([authtoken.NewVerifier]), on the public
// keys the demo publishes, following its key set as the demo rotates
// them. It is a separate process, as a resource server of a real
// deployment would be, and a module of its own (go-redis stays out of the
// library).
//
// Usage:
//
//	go run ./examples/resource_server -addr 127.0.0.1:8081 \
//	    -keys-url http://127.0.0.1:8080/.well-known/paseto-keys \
//	    [-issuer pasetokit-demo] [-min-refresh 1m] [-refresh 1h] \
//	    [-redis 127.0.0.1:6379 [-redis-prefix pasetokit-demo:]
//	     [-redis-replica [-redis-replica-max-stale 100ms]]]
//
// Endpoints:
//
//	GET /me   Authorization: Bearer <access token> → 200 {"user":"<sub>"}
//
// Only access tokens are accepted: a refresh token (or a token of any other
// kind) is 401 token_wrong_type, told by its kind before anything else.
// With -redis, the server reads the store the demo writes to (the demo run
// with the same -redis): a token the demo logged out (POST /api/logout,
// "log out everywhere") is 401 token_revoked here too, and a store that
// cannot answer is 503 with Retry-After. With -redis-replica as well, the
// revocation and cut-off checks are answered from a local
// [redisstore.Replica] fed by Redis's keyspace notifications (Redis needs
// notify-keyspace-events "Kg$hxe"; the server refuses to start without
// it), as the demo's -redis-replica: no round trip per verified token, and
// a revocation seen within -redis-replica-max-stale (answers older than
// that are asked of Redis again). Without -redis there is no store
// to ask: the server checks what the token itself proves (signature by a
// published access key, issuer, lifetime, sub) with a plain
// [verifier.Verifier], and cannot see revocations: a logged-out token
// keeps working here until it expires. Tokens of other kinds still fail,
// since only access keys are published and every other kind is bound to
// its kind by an implicit assertion.
//
// A request without a token, or with one that does not verify (garbage, a
// key not in the set, expired, another issuer, no sub claim) gets 401 and
// httpauth's JSON error, {"error":"<code>","detail":"…"}, with a
// WWW-Authenticate challenge. When the key set cannot be fetched at all
// (the demo is down and no copy is in hand), the answer is 503 with
// Retry-After: the failure is the server's, and it fails closed.
//
// The key set's keys are bound to -issuer: a token must carry that iss
// claim, and a key set document naming another issuer is refused. The
// default is the demo's issuer, "pasetokit-demo".
//
// The verifier fetches the set when it first needs it, again when the
// document's Cache-Control max-age runs out (clamped between -min-refresh
// and -refresh), and at once, at most every -min-refresh, when a token
// names a key it does not know: a rotation whose next key the issuer
// publishes ahead of signing (keyring's PublishAhead, at least -refresh
// or the published max-age) is followed without a refused token.
//
// Try it, with the demo running on 127.0.0.1:8080:
//
//	TOKEN=$(curl -s -d '{"username":"test","password":"test"}' http://127.0.0.1:8080/api/token | jq -r .access_token)
//	curl -i -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8081/me
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/pasetokit/pasetokit/authtoken"
	"github.com/pasetokit/pasetokit/httpauth"
	"github.com/pasetokit/pasetokit/store"
	"github.com/pasetokit/pasetokit/store/redisstore"
	"github.com/pasetokit/pasetokit/verifier"
)

// demoIssuer is the iss claim of the demo's access tokens and the issuer
// its key set names.
const demoIssuer = "pasetokit-demo"

// config is what the server needs; tests fill it without flags.
type config struct {
	keysURL    string
	issuer     string
	minRefresh time.Duration // zero: verifier.DefaultMinRefreshInterval
	refresh    time.Duration // zero: verifier.DefaultRefreshInterval
	store      store.Store   // the demo's shared store; nil: an empty one in memory
	now        func() time.Time
}

// server holds the verifier following the key set, and the middleware.
type server struct {
	fetch func(context.Context) error // fetches the key set once
	auth  *httpauth.Middleware
}

// errNoSubject rejects a token without a sub claim.
var errNoSubject = errors.New("no sub claim")

func newServer(cfg config) (*server, error) {
	keySets := []verifier.KeySet{{
		URL:                cfg.keysURL,
		Issuer:             cfg.issuer,
		MinRefreshInterval: cfg.minRefresh,
		RefreshInterval:    cfg.refresh,
	}}
	rules := []verifier.Rule{func(_ context.Context, t *verifier.Token) error {
		if t.Claims.Subject == "" {
			return errNoSubject
		}
		return nil
	}}
	var (
		tv    httpauth.TokenVerifier
		fetch func(context.Context) error
	)
	if cfg.store == nil {
		// No shared store: what the token proves by itself.
		ver, err := verifier.New(verifier.Config{
			KeySets:      keySets,
			Issuers:      []string{cfg.issuer},
			RequireKeyID: true,
			Rules:        rules,
			Now:          cfg.now,
		})
		if err != nil {
			return nil, fmt.Errorf("verifier: %w", err)
		}
		tv, fetch = ver, ver.Refresh
	} else {
		ver, err := authtoken.NewVerifier(authtoken.VerifierConfig{
			KeySets: keySets,
			Issuers: []string{cfg.issuer},
			Store:   cfg.store,
			Rules:   rules,
			Now:     cfg.now,
		})
		if err != nil {
			return nil, fmt.Errorf("authtoken: %w", err)
		}
		tv, fetch = ver, ver.FetchKeySets
	}
	auth, err := httpauth.New(httpauth.Config{Verifier: tv, Realm: "resource_server"})
	if err != nil {
		return nil, fmt.Errorf("httpauth: %w", err)
	}
	return &server{fetch: fetch, auth: auth}, nil
}

func (s *server) handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /me", s.auth.Require(http.HandlerFunc(me)))
	return mux
}

// me answers {"user": "<sub>"} for the verified token.
func me(w http.ResponseWriter, r *http.Request) {
	tok, _ := httpauth.TokenFrom(r.Context()) // Require put it there
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(map[string]string{"user": tok.Claims.Subject})
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8081", "address to listen on")
	keysURL := flag.String("keys-url", "http://127.0.0.1:8080/.well-known/paseto-keys", "URL of the demo's key set (https, or http on a loopback host)")
	iss := flag.String("issuer", demoIssuer, "issuer the key set's keys are bound to: the iss claim tokens must carry")
	minRefresh := flag.Duration("min-refresh", 0, "shortest time between two fetches of the key set (0: verifier.DefaultMinRefreshInterval, one minute)")
	refresh := flag.Duration("refresh", 0, "longest time a fetched key set is used (0: verifier.DefaultRefreshInterval, one hour)")
	redisAddr := flag.String("redis", "", "Redis server (host:port) the demo keeps its revocations and cut-offs in; empty: no store, so revocations are not seen (tokens are checked by what they prove alone)")
	redisPrefix := flag.String("redis-prefix", "pasetokit-demo:", "key prefix of the demo's store in Redis")
	redisReplica := flag.Bool("redis-replica", false, `with -redis (one server): answer revocation and cut-off checks from a local replica fed by Redis's keyspace notifications, never older than -redis-replica-max-stale; Redis must have notify-keyspace-events with K, g, $, h, x and e ("Kg$hxe")`)
	replicaMaxStale := flag.Duration("redis-replica-max-stale", redisstore.DefaultMaxStale, "with -redis-replica: how old a replica's answer may be (at least 10ms)")
	flag.Parse()
	if *iss == "" {
		log.Fatal("-issuer must not be empty: the key set's keys are bound to the demo's issuer")
	}

	cfg := config{keysURL: *keysURL, issuer: *iss, minRefresh: *minRefresh, refresh: *refresh}
	if *redisAddr != "" {
		client, err := redisstore.NewClient(redisstore.ClientConfig{Addrs: strings.Split(*redisAddr, ",")})
		if err != nil {
			log.Fatalf("redis %s: %v", *redisAddr, err)
		}
		defer client.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		st, err := redisstore.New(client, redisstore.Config{Prefix: *redisPrefix})
		if err == nil {
			err = client.Ping(ctx).Err()
		}
		cancel()
		if err != nil {
			log.Fatalf("redis %s: %v", *redisAddr, err)
		}
		cfg.store = st
		if *redisReplica {
			r, err := st.NewReplica(context.Background(), redisstore.ReplicaConfig{MaxStale: *replicaMaxStale})
			if err != nil {
				log.Fatalf("-redis-replica: %v", err)
			}
			defer r.Close()
			cfg.store = r
			log.Printf("revocations and cut-offs read from a local replica (answers at most %v old)", *replicaMaxStale)
		}
	} else if *redisReplica {
		log.Fatal("-redis-replica needs -redis")
	}
	s, err := newServer(cfg)
	if err != nil {
		log.Fatal(err)
	}
	// Fetch the key set once now, to report a wrong URL early; requests
	// fetch it again if this fails (the demo may start later).
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	if err := s.fetch(ctx); err != nil {
		log.Printf("key set not fetched yet: %v", err)
	}
	cancel()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{
		Handler:           s.handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      15 * time.Second,
		IdleTimeout:       time.Minute,
		MaxHeaderBytes:    16 << 10,
	}
	log.Printf("resource server on http://%s, key set %s (issuer %q)", ln.Addr(), *keysURL, *iss)
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-stop
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}
