package authtoken

import (
	"context"

	"github.com/pasetokit/pasetokit/observe"
)

// reuseEvent reports a reused refresh token, whose family the store
// revoked in the same operation that found the reuse. The event names
// neither the subject nor the family: both are claim values.
func (m *Manager) reuseEvent(ctx context.Context) {
	observe.Emit(ctx, m.events, observe.Event{Kind: observe.KindRefreshReuse, Component: "authtoken", Reason: "family_revoked"})
}
