package authtoken

import (
	"context"

	"github.com/pasetokit/pasetokit/observe"
)

// reuseEvent reports a reused refresh token; err is the error of revoking
// its family (nil when it was revoked). The event names neither the
// subject nor the family: both are claim values.
func (m *Manager) reuseEvent(ctx context.Context, err error) {
	e := observe.Event{Kind: observe.KindRefreshReuse, Component: "authtoken", Reason: "family_revoked"}
	if err != nil {
		e.Reason, e.Err = observe.ReasonFailed, err
	}
	observe.Emit(ctx, m.events, e)
}
