package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pasetokit/pasetokit/examples/demo/internal/app"
	"github.com/pasetokit/pasetokit/paseto"
)

// server is an http.Server on a 127.0.0.1 port that counts connections.
type server struct {
	URL    string
	srv    *http.Server
	opened atomic.Int64 // connections accepted
	active atomic.Int64 // connections open now
	peak   atomic.Int64 // most connections open at once
}

func serve(h http.Handler) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &server{URL: "http://" + ln.Addr().String()}
	s.srv = &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
		ConnState: func(_ net.Conn, st http.ConnState) {
			switch st {
			case http.StateNew:
				s.opened.Add(1)
				n := s.active.Add(1)
				for p := s.peak.Load(); n > p && !s.peak.CompareAndSwap(p, n); p = s.peak.Load() {
				}
			case http.StateClosed, http.StateHijacked:
				s.active.Add(-1)
			}
		},
	}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// waitIdle waits up to 5s for the server's connections to close.
func (s *server) waitIdle() {
	for deadline := time.Now().Add(5 * time.Second); s.active.Load() > 0 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
}

func (s *server) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.srv.Shutdown(ctx)
}

// client is an HTTP client whose transport keeps up to conns keep-alive
// connections to one host, no more, and does not close idle ones.
type client struct {
	base string
	hc   *http.Client
	tr   *http.Transport
}

func newClient(base string, conns int) *client {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxConnsPerHost:     conns,
		MaxIdleConnsPerHost: conns,
		MaxIdleConns:        conns,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}
	return &client{base: base, tr: tr, hc: &http.Client{Transport: tr, Timeout: 10 * time.Second}}
}

func (c *client) close() { c.tr.CloseIdleConnections() }

// do sends one request and returns the status and body. A transport error
// is returned as err (status 0).
func (c *client) do(method, path, bearer, body string) (int, []byte, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, err
	}
	return resp.StatusCode, b, nil
}

// token is an access/refresh pair with the key id of the access token.
type token struct {
	access, refresh, kid string
}

// login gets a new pair from POST /api/token.
func (c *client) login() (token, int, error) {
	status, body, err := c.do("POST", "/api/token", "", `{"username":"test","password":"test"}`)
	if err != nil || status != http.StatusOK {
		return token{}, status, err
	}
	var p struct {
		Access  string `json:"access_token"`
		Refresh string `json:"refresh_token"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return token{}, status, err
	}
	kid, err := tokenKID(p.Access)
	if err != nil {
		return token{}, status, err
	}
	return token{access: p.Access, refresh: p.Refresh, kid: kid}, status, nil
}

// tokenKID reads the kid of a token's footer, without verifying anything.
func tokenKID(tok string) (string, error) {
	u, err := paseto.Unverified(tok)
	if err != nil {
		return "", err
	}
	return paseto.FooterKeyID(u.UnverifiedFooter)
}

// loginAll gets n tokens, a few requests at a time.
func (c *client) loginAll(n int) ([]token, error) {
	toks := make([]token, n)
	var next atomic.Int64
	errs := make(chan error, 8)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				t, status, err := c.login()
				if err == nil && status != http.StatusOK {
					err = fmt.Errorf("POST /api/token: status %d", status)
				}
				if err != nil {
					errs <- err
					return
				}
				toks[i] = t
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, err
	}
	return toks, nil
}

// failureLog keeps the first few failure descriptions and counts them all.
type failureLog struct {
	mu    sync.Mutex
	n     int
	first []string
}

func (f *failureLog) add(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n++
	if len(f.first) < 10 {
		f.first = append(f.first, fmt.Sprintf(format, args...))
	}
}

func (f *failureLog) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.n
}

// list returns the failures to report: the first few, and how many more.
func (f *failureLog) list() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := append([]string(nil), f.first...)
	if f.n > len(f.first) {
		out = append(out, fmt.Sprintf("… and %d more", f.n-len(f.first)))
	}
	return out
}

// verbose makes appLog print every line.
var verbose = flag.Bool("v", false, "print every line the app and go-redis log")

// appLog is the app's Config.Logf: it counts lines and keeps the first few.
type appLog struct {
	n     atomic.Int64
	mu    sync.Mutex
	first []string
}

func (l *appLog) logf(format string, args ...any) {
	l.n.Add(1)
	if *verbose {
		log.Printf("app: "+format, args...)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.first) < 3 {
		l.first = append(l.first, fmt.Sprintf(format, args...))
	}
}

// failure is a failure line for unexpected app logs, or "".
func (l *appLog) failure() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.n.Load() == 0 {
		return ""
	}
	return fmt.Sprintf("the app logged %d lines, the first: %s", l.n.Load(), strings.Join(l.first, " | "))
}

// errStatus describes a failed request.
func errStatus(what string, status int, body []byte, err error) string {
	if err != nil {
		return fmt.Sprintf("%s: %v", what, err)
	}
	return fmt.Sprintf("%s: status %d %s", what, status, strings.TrimSpace(string(body)))
}

// running is an app served on 127.0.0.1 with tokens from its own
// /api/token.
type running struct {
	logs  *appLog
	app   *app.App
	srv   *server
	setup *client // the client that logged in; the caller closes it
	toks  []token
}

// startApp serves app.New(cfg), with cfg.Logf replaced by an appLog, and
// logs n clients in over setupConns connections. The caller closes
// r.setup and r.srv.
func startApp(cfg app.Config, n, setupConns int) (*running, error) {
	r := &running{logs: &appLog{}}
	cfg.Logf = r.logs.logf
	h, a, err := app.New(cfg)
	if err != nil {
		return nil, err
	}
	r.app = a
	if r.srv, err = serve(h); err != nil {
		return nil, err
	}
	r.setup = newClient(r.srv.URL, setupConns)
	if r.toks, err = r.setup.loginAll(n); err != nil {
		r.setup.close()
		r.srv.close()
		return nil, err
	}
	return r, nil
}
