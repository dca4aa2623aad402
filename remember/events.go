package remember

import (
	"context"
	"errors"
	"net/http"

	"github.com/pasetokit/pasetokit/observe"
	"github.com/pasetokit/pasetokit/session"
	"github.com/pasetokit/pasetokit/store"
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

// reportError passes an error [Manager.Handler] cannot return to OnError,
// then reports it as an [observe.KindRememberLogin] event.
func (m *Manager) reportError(r *http.Request, err error) {
	if m.onError != nil {
		m.onError(r, err)
	}
	e := observe.Event{Kind: observe.KindRememberLogin, Component: "remember", Reason: observe.ReasonFailed, Err: err}
	switch {
	case errors.Is(err, store.ErrUnavailable):
		e.Reason = observe.ReasonUnavailable
	case errors.Is(err, session.ErrNoSession):
		e.Reason = "no_session"
	}
	observe.Emit(r.Context(), m.events, e)
}
