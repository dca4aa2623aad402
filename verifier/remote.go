package verifier

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pasetokit/pasetokit/keyset"
)

// remoteSet is the state of one [KeySet]. At most one fetch runs at a time
// (call); callers that need the result join it rather than start another.
type remoteSet struct {
	v   *Verifier
	cfg *remoteConfig

	// Read without locks on the hot path.
	loaded    atomic.Bool  // a fetch has succeeded; entries is usable
	nextFetch atomic.Int64 // unix ns after which a background refresh is due
	goodUntil atomic.Int64 // unix ns after which the copy in hand is too stale to use

	mu          sync.Mutex
	call        *fetchCall // the fetch in flight, or nil
	lastAttempt time.Time  // start of the last fetch, by the Config clock
	lastErr     error      // of the last fetch; nil after a success

	entries []*keyEntry // guarded by v.mu
}

// fetchCall is one fetch; done is closed when it has finished and its
// result, if good, is in the published snapshot.
type fetchCall struct {
	done chan struct{}
	err  error // set before done is closed
}

type fetchMode int

const (
	fetchIfAllowed fetchMode = iota // unknown kid or never fetched: at most once per MinRefreshInterval
	fetchIfStale                    // background refresh of an expired copy
	fetchNow                        // Refresh: always
)

// usable reports, as an error, whether the copy in hand is older than
// MaxStale: a set that cannot be refreshed for that long stops vouching for
// its keys, so a key removed from it cannot stay trusted by keeping the
// verifier from fetching.
func (rs *remoteSet) usable(now time.Time) error {
	if now.UnixNano() <= rs.goodUntil.Load() {
		return nil
	}
	rs.mu.Lock()
	last := rs.lastErr
	rs.mu.Unlock()
	return &KeySetError{URL: rs.cfg.redacted, Err: fmt.Errorf("%w: copy older than MaxStale (last fetch: %w)", ErrKeySetUnavailable, errOrNone(last))}
}

// errOrNone is err, or a placeholder when the last fetch succeeded.
func errOrNone(err error) error {
	if err == nil {
		return errors.New("no fetch since")
	}
	return err
}

// maybeRefresh starts a background refresh when the copy in hand is due
// for one. It never waits; its fast path is one atomic load.
func (rs *remoteSet) maybeRefresh(now time.Time) {
	if now.UnixNano() < rs.nextFetch.Load() {
		return
	}
	rs.start(now, fetchIfStale)
}

// start returns the fetch in flight, or starts one if mode allows, or
// returns nil.
func (rs *remoteSet) start(now time.Time, mode fetchMode) *fetchCall {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.call != nil {
		return rs.call
	}
	allowed := rs.lastAttempt.IsZero() || now.Sub(rs.lastAttempt) >= rs.cfg.minRefresh
	switch mode {
	case fetchIfAllowed:
		if !allowed {
			return nil
		}
	case fetchIfStale:
		if !allowed || !rs.loaded.Load() || now.UnixNano() < rs.nextFetch.Load() {
			return nil
		}
	}
	rs.lastAttempt = now
	c := &fetchCall{done: make(chan struct{})}
	rs.call = c
	go rs.run(c)
	return c
}

// run performs fetch c, publishes its keys and completes c. It runs on its
// own goroutine with its own deadline, so that a caller giving up does not
// cancel a fetch other callers wait for.
func (rs *remoteSet) run(c *fetchCall) {
	ctx, cancel := context.WithTimeout(context.Background(), rs.cfg.timeout)
	set, lifetime, err := rs.fetch(ctx)
	cancel()
	now := rs.v.s.now()
	if err == nil {
		issuer := rs.cfg.issuer
		if issuer == "" {
			issuer = set.Issuer
		}
		rs.v.mu.Lock()
		prev := make(map[string]*keyEntry, len(rs.entries))
		for _, e := range rs.entries {
			prev[e.kid] = e
		}
		entries := make([]*keyEntry, 0, len(set.Keys))
		for _, k := range set.Keys {
			if e := prev[k.KeyID]; e != nil && e.issuer == issuer {
				entries = append(entries, e)
				continue
			}
			entries = append(entries, newEntry(k.KeyID, k.Key, issuer, rs))
		}
		rs.entries = entries
		rs.v.publishLocked()
		rs.v.mu.Unlock()
	}
	rs.mu.Lock()
	hadErr, lastOK := rs.lastErr != nil, time.Time{}
	if rs.loaded.Load() {
		lastOK = time.Unix(0, rs.goodUntil.Load()).Add(-rs.cfg.maxStale)
	}
	if err == nil {
		rs.lastErr = nil
		rs.goodUntil.Store(now.Add(rs.cfg.maxStale).UnixNano())
		rs.nextFetch.Store(now.Add(lifetime).UnixNano())
		rs.loaded.Store(true)
	} else {
		rs.lastErr = &KeySetError{URL: rs.cfg.redacted, Err: err}
		// Keep using the copy in hand; try again after MinRefreshInterval.
		rs.nextFetch.Store(now.Add(rs.cfg.minRefresh).UnixNano())
	}
	c.err = rs.lastErr
	rs.call = nil
	rs.mu.Unlock()
	rs.fetchEvent(c.err, hadErr, now, lastOK)
	close(c.done)
}

// fetch gets and checks the document, and returns how long to use it.
func (rs *remoteSet) fetch(ctx context.Context) (*keyset.Set, time.Duration, error) {
	cfg := rs.cfg
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, cfg.url, nil)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := cfg.client.Do(req)
	if err != nil {
		return nil, 0, redactError(err)
	}
	defer resp.Body.Close()
	// A caller's own Client may follow redirects with no policy: check
	// where the document finally came from.
	if err := cfg.checkTarget(resp.Request.URL); err != nil {
		return nil, 0, fmt.Errorf("redirect refused: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		io.CopyN(io.Discard, resp.Body, 4<<10) // let a short error page free the connection
		return nil, 0, fmt.Errorf("HTTP status %d", resp.StatusCode)
	}
	if resp.ContentLength > cfg.maxSize {
		return nil, 0, fmt.Errorf("%w: response over %d bytes", keyset.ErrTooLarge, cfg.maxSize)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, cfg.maxSize+1))
	if err != nil {
		return nil, 0, fmt.Errorf("reading response: %w", err)
	}
	if int64(len(body)) > cfg.maxSize {
		return nil, 0, fmt.Errorf("%w: response over %d bytes", keyset.ErrTooLarge, cfg.maxSize)
	}
	set, err := keyset.Parse(body)
	if err != nil {
		return nil, 0, err
	}
	if cfg.issuer != "" && set.Issuer != "" && set.Issuer != cfg.issuer {
		return nil, 0, ErrKeySetIssuer
	}
	return set, lifetime(resp.Header, cfg.minRefresh, cfg.maxRefresh), nil
}

// redactError hides the URL net/http puts in its *url.Error (the configured
// URL or a redirect target, query included) behind [redactURL]: the error
// ends up in a [KeySetError], in events and in logs.
func redactError(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	redacted := "redacted"
	if u, perr := url.Parse(ue.URL); perr == nil {
		redacted = redactURL(u)
	}
	// A copy, so that the caller's Client or RoundTripper keeps its error.
	return &url.Error{Op: ue.Op, URL: redacted, Err: ue.Err}
}

// lifetime reads Cache-Control: max-age, clamped to [lo, hi]; no-store and
// no-cache count as zero, and no max-age as hi.
func lifetime(h http.Header, lo, hi time.Duration) time.Duration {
	d, found := hi, false
	for _, line := range h.Values("Cache-Control") {
		for dir := range strings.SplitSeq(line, ",") {
			name, val, _ := strings.Cut(strings.TrimSpace(dir), "=")
			switch strings.ToLower(name) {
			case "no-store", "no-cache":
				d, found = 0, true
			case "max-age":
				if found {
					continue // no-store or an earlier max-age decides
				}
				n, err := strconv.ParseInt(strings.Trim(val, `"`), 10, 64)
				if err != nil || n < 0 {
					continue
				}
				found = true
				if n > int64(hi/time.Second) {
					d = hi
				} else {
					d = time.Duration(n) * time.Second
				}
			}
		}
	}
	return min(max(d, lo), hi)
}

// wait waits for calls, or for ctx to end.
func wait(ctx context.Context, calls []*fetchCall) error {
	for _, c := range calls {
		select {
		case <-c.done:
		case <-ctx.Done():
			return fmt.Errorf("verifier: waiting for a key set fetch: %w", ctx.Err())
		}
	}
	return nil
}

// unavailable returns an [ErrKeySetUnavailable] error for the first of sets
// that has no usable copy, or nil.
func (v *Verifier) unavailable(sets []*remoteSet) error {
	for _, rs := range sets {
		if rs.loaded.Load() {
			continue
		}
		rs.mu.Lock()
		err := rs.lastErr
		rs.mu.Unlock()
		if err == nil {
			return fmt.Errorf("%w: %s not fetched yet", ErrKeySetUnavailable, rs.cfg.redacted)
		}
		return fmt.Errorf("%w: %w", ErrKeySetUnavailable, err)
	}
	return nil
}

// Refresh fetches every key set now, whatever its age, and waits for the
// fetches (joining any already in flight) or for ctx to end. Call it after
// [New] to load the key sets eagerly and fail start-up if they are
// unreachable; [Verifier.Verify] fetches them lazily otherwise. A failed
// fetch keeps the previous copy in use, for at most [KeySet.MaxStale] after
// it was fetched. The error joins a *[KeySetError] per failed set. Refresh
// does nothing when there are no key sets.
func (v *Verifier) Refresh(ctx context.Context) error {
	if v == nil || v.s == nil {
		return errNotNew
	}
	now := v.s.now()
	calls := make([]*fetchCall, 0, len(v.sets))
	for _, rs := range v.sets {
		calls = append(calls, rs.start(now, fetchNow))
	}
	var errs []error
	for _, c := range calls {
		select {
		case <-c.done:
			if c.err != nil {
				errs = append(errs, c.err)
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return errors.Join(errs...)
}
