package remember

import (
	"context"

	"github.com/pasetokit/pasetokit/observe"
)

// theftEvent reports a stolen cookie; err is the error of deleting its
// series (nil when it was deleted). The event names neither the user nor
// the series.
func (m *Manager) theftEvent(ctx context.Context, err error) {
	e := observe.Event{Kind: observe.KindTheft, Component: "remember", Reason: "series_deleted"}
	if err != nil {
		e.Reason, e.Err = observe.ReasonFailed, err
	}
	observe.Emit(ctx, m.events, e)
}
