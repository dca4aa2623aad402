package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// client is an HTTP client whose transport keeps up to conns keep-alive
// connections to one host, no more, and does not close idle ones. It counts
// the connections it opens and how many are open at once.
type client struct {
	base   string
	hc     *http.Client
	tr     *http.Transport
	opened atomic.Int64 // connections dialed
	active atomic.Int64 // connections open now
	peak   atomic.Int64 // most connections open at once
}

func newClient(base string, conns int) *client {
	c := &client{base: base}
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	c.tr = &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := dialer.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			c.opened.Add(1)
			n := c.active.Add(1)
			for p := c.peak.Load(); n > p && !c.peak.CompareAndSwap(p, n); p = c.peak.Load() {
			}
			return &countedConn{Conn: conn, active: &c.active}, nil
		},
		MaxConnsPerHost:     conns,
		MaxIdleConnsPerHost: conns,
		MaxIdleConns:        conns,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}
	c.hc = &http.Client{Transport: c.tr, Timeout: 10 * time.Second}
	return c
}

// countedConn takes itself off the count of open connections once.
type countedConn struct {
	net.Conn
	active *atomic.Int64
	once   sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(func() { c.active.Add(-1) })
	return c.Conn.Close()
}

// close closes the idle connections and waits up to 5s for the others.
func (c *client) close() {
	c.tr.CloseIdleConnections()
	for deadline := time.Now().Add(5 * time.Second); c.active.Load() > 0 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
		c.tr.CloseIdleConnections()
	}
}

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

// tokenKID reads the kid of a token's footer (v4.public.<payload>.<footer>,
// the footer base64url JSON), without verifying anything.
func tokenKID(tok string) (string, error) {
	parts := strings.Split(tok, ".")
	if len(parts) != 4 {
		return "", errors.New("token without footer")
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[3])
	if err != nil {
		return "", err
	}
	var f struct {
		Kid string `json:"kid"`
	}
	if err := json.Unmarshal(b, &f); err != nil || f.Kid == "" {
		return "", fmt.Errorf("footer without kid: %v", err)
	}
	return f.Kid, nil
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

// keySet fetches the kids of the published key set.
func (c *client) keySet() (map[string]bool, error) {
	status, body, err := c.do("GET", "/.well-known/paseto-keys", "", "")
	if err != nil || status != http.StatusOK {
		return nil, fmt.Errorf("%s", errStatus("GET /.well-known/paseto-keys", status, body, err))
	}
	var ks struct {
		Keys []struct {
			Kid string `json:"kid"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(body, &ks); err != nil {
		return nil, err
	}
	kids := map[string]bool{}
	for _, k := range ks.Keys {
		kids[k.Kid] = true
	}
	return kids, nil
}

// rotate asks the demo for a new signing key (POST /admin/rotate).
func (c *client) rotate() error {
	status, body, err := c.do("POST", "/admin/rotate", "", "")
	if err != nil || status != http.StatusOK {
		return fmt.Errorf("%s", errStatus("POST /admin/rotate", status, body, err))
	}
	return nil
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

// errStatus describes a failed request.
func errStatus(what string, status int, body []byte, err error) string {
	if err != nil {
		return fmt.Sprintf("%s: %v", what, err)
	}
	return fmt.Sprintf("%s: status %d %s", what, status, strings.TrimSpace(string(body)))
}

// readAll reads and closes a response body.
func readAll(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}
