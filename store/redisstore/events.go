package redisstore

import (
	"context"
	"errors"

	"github.com/pasetokit/pasetokit/observe"
	"github.com/pasetokit/pasetokit/store"
)

// track reports the outcome *errp of an operation called with ctx: an
// [observe.KindStore] event "unavailable" for an error matching
// store.ErrUnavailable (unless ctx had ended: the caller gave up, the
// store did not fail), and "recovered" for the first success after one.
// A success costs one atomic load.
func (s *Store) track(ctx context.Context, errp *error) {
	err := *errp
	switch {
	case err == nil:
		if s.down.Load() && s.down.CompareAndSwap(true, false) {
			observe.Emit(ctx, s.events, observe.Event{Kind: observe.KindStore, Component: "redisstore", Reason: observe.ReasonRecovered})
		}
	case errors.Is(err, store.ErrUnavailable) && ctx.Err() == nil:
		s.down.Store(true)
		observe.Emit(ctx, s.events, observe.Event{Kind: observe.KindStore, Component: "redisstore", Reason: observe.ReasonUnavailable, Err: err})
	}
}
