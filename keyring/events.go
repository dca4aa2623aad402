package keyring

import (
	"context"

	"github.com/pasetokit/pasetokit/observe"
)

// syncEvent reports a failed Tick, and the first successful one after
// failures. r.mu is held.
func (r *Ring) syncEvent(ctx context.Context, err error) {
	switch {
	case err != nil && ctx.Err() == nil:
		r.failing = true
		observe.Emit(ctx, r.events, observe.Event{Kind: observe.KindKeySync, Component: "keyring", Reason: observe.ReasonFailed, Err: err})
	case err == nil && r.failing:
		r.failing = false
		observe.Emit(ctx, r.events, observe.Event{Kind: observe.KindKeySync, Component: "keyring", Reason: observe.ReasonRecovered})
	}
}

// rotationEvents reports the key changes from snapshot old to s: a next
// key newly published, a new current key. Nothing is reported for the
// first snapshot (old nil). r.mu is held.
func (r *Ring) rotationEvents(old, s *Snapshot) {
	if old == nil {
		return
	}
	if s.next != nil && (old.next == nil || old.next.info.ID != s.next.info.ID) {
		observe.Emit(context.Background(), r.events, observe.Event{Kind: observe.KindKeyRotation, Component: "keyring", Reason: "published", KeyID: s.next.info.ID})
	}
	if s.current != nil && (old.current == nil || old.current.info.ID != s.current.info.ID) {
		observe.Emit(context.Background(), r.events, observe.Event{Kind: observe.KindKeyRotation, Component: "keyring", Reason: "activated", KeyID: s.current.info.ID})
	}
}
