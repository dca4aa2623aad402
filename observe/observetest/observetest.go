// Package observetest records [observe.Event] values, for tests of code
// that reports them.
package observetest

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/pasetokit/pasetokit/observe"
)

// Recorder is an [observe.Handler] that keeps every event it gets. The
// zero value is ready to use; it is safe for concurrent use.
type Recorder struct {
	mu     sync.Mutex
	events []observe.Event
}

// Handle records e.
func (r *Recorder) Handle(_ context.Context, e observe.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

// Take returns the events recorded since the last call, oldest first, and
// forgets them.
func (r *Recorder) Take() []observe.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	l := r.events
	r.events = nil
	return l
}

// Of returns those of events whose Kind is k.
func Of(events []observe.Event, k observe.Kind) []observe.Event {
	var out []observe.Event
	for _, e := range events {
		if e.Kind == k {
			out = append(out, e)
		}
	}
	return out
}

// Leaks returns the first of secrets that appears anywhere in e (its
// strings, or its error's text), or "" when none does: tests use it to
// check that events carry no token, claim value or key.
func Leaks(e observe.Event, secrets ...string) string {
	text := fmt.Sprintf("%s %s %s %s %s", e.Kind, e.Component, e.Reason, e.KeyID, e.URL)
	if e.Err != nil {
		text += " " + e.Err.Error()
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(text, s) {
			return s
		}
	}
	return ""
}
