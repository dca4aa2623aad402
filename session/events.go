package session

import (
	"errors"
	"net/http"

	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/observe"
)

// reportError passes an error the handler cannot return to OnError, then
// reports it as an [observe.KindSessionSave] event. The event holds the
// error, whose string never holds a session value.
func (m *Manager) reportError(r *http.Request, err error) {
	if m.onError != nil {
		m.onError(r, err)
	}
	e := observe.Event{Kind: observe.KindSessionSave, Component: "session", Reason: observe.ReasonFailed, Err: err}
	switch {
	case errors.Is(err, ErrTooLarge):
		e.Reason = "too_large"
	case errors.Is(err, ErrEncode):
		e.Reason = "encode"
	case errors.Is(err, ErrCommitted):
		e.Reason = "committed"
	case errors.Is(err, keyring.ErrStale):
		e.Reason = "key_unavailable"
	}
	observe.Emit(r.Context(), m.events, e)
}
