package observe

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"time"
)

// CountsConfig configures [Counts]. The zero value is ready to use.
type CountsConfig struct {
	// Now returns the current time, to compute key-set staleness when the
	// counts are read. Nil means time.Now. [NewCounts] never calls it.
	Now func() time.Time
}

// Counts is a [Handler] that counts events by kind, component and reason,
// and follows the staleness of each remote key set, in memory. It keeps at
// most 1,024 distinct kind, component and reason triples and as many key
// sets (far more than the fixed lists of this module give); past that, it
// keeps counting those it has and leaves new ones out. It serves
// them as JSON (expvar style) through ServeHTTP, for a metrics endpoint
// that needs no metrics library; [Counts.Snapshot] returns the same data.
// Make one with [NewCounts]; it is safe for concurrent use.
//
// Serve it on a loopback or otherwise private listener only: it tells
// whoever reads it how the service is doing.
type Counts struct {
	now func() time.Time

	mu     sync.Mutex
	counts map[countKey]uint64
	sets   map[string]*setState
}

// countKey is what events are counted by. A struct rather than the
// "kind/component/reason" string, so that counting an event builds no
// string; [Counts.Snapshot] builds them.
type countKey struct {
	kind              Kind
	component, reason string
}

type setState struct {
	lastOK   time.Time // zero until a copy is known
	maxStale time.Duration
	failing  bool
}

// CountsSnapshot is what [Counts] has seen.
type CountsSnapshot struct {
	// Events counts events by "kind/component/reason", as
	// "verify/verifier/token_expired".
	Events map[string]uint64 `json:"events"`
	// KeySets describes each remote key set a fetch event named, by URL.
	KeySets map[string]KeySetStatus `json:"key_sets"`
}

// KeySetStatus is the state of one remote key set, as [Counts] saw it.
type KeySetStatus struct {
	// StalenessSeconds is the age of the copy in use now, or -1 when no
	// fetch has succeeded yet.
	StalenessSeconds float64 `json:"staleness_seconds"`
	// MaxStaleSeconds is the age at which the copy stops being used.
	MaxStaleSeconds float64 `json:"max_stale_seconds"`
	// Failing says the last fetch failed.
	Failing bool `json:"failing"`
}

// NewCounts returns an empty [Counts]. It returns an error only for a
// configuration it cannot use (none today); the error would be a
// *[ConfigError].
func NewCounts(cfg CountsConfig) (*Counts, error) {
	c := &Counts{now: cfg.Now, counts: make(map[countKey]uint64), sets: make(map[string]*setState)}
	if c.now == nil {
		c.now = time.Now
	}
	return c, nil
}

// Handle counts e, and for a key-set fetch notes when the copy in use was
// fetched.
func (c *Counts) Handle(_ context.Context, e Event) {
	var now time.Time
	if e.Kind == KindKeySetFetch {
		now = c.now()
	}
	k := countKey{e.Kind, e.Component, e.Reason}
	c.mu.Lock()
	defer c.mu.Unlock()
	// A full table still counts the events it already knows; only new
	// kinds, components and reasons are left out.
	if n, ok := c.counts[k]; ok || len(c.counts) < maxSlots {
		c.counts[k] = n + 1
	}
	if e.Kind != KindKeySetFetch || e.URL == "" {
		return
	}
	s := c.sets[e.URL]
	if s == nil {
		if len(c.sets) >= maxSlots {
			return
		}
		s = &setState{}
		c.sets[e.URL] = s
	}
	s.maxStale = e.MaxStale
	s.failing = e.Reason == ReasonFailed
	switch {
	case !s.failing:
		s.lastOK = now
	case e.Staleness > 0:
		s.lastOK = now.Add(-e.Staleness)
	}
}

// Snapshot returns a copy of the counts and key-set states, with
// staleness computed at the current time.
func (c *Counts) Snapshot() CountsSnapshot {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	out := CountsSnapshot{Events: make(map[string]uint64, len(c.counts)), KeySets: make(map[string]KeySetStatus, len(c.sets))}
	for k, n := range c.counts {
		// Distinct keys may give one string (a component or reason
		// with a '/'): their counts add up, as they did when the
		// string was the key.
		out.Events[string(k.kind)+"/"+k.component+"/"+k.reason] += n
	}
	for u, s := range c.sets {
		st := KeySetStatus{StalenessSeconds: -1, MaxStaleSeconds: s.maxStale.Seconds(), Failing: s.failing}
		if !s.lastOK.IsZero() {
			st.StalenessSeconds = now.Sub(s.lastOK).Seconds()
		}
		out.KeySets[u] = st
	}
	return out
}

// ServeHTTP writes [Counts.Snapshot] as JSON. Only GET and HEAD are
// allowed.
func (c *Counts) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(c.Snapshot())
}
