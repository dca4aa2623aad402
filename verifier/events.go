package verifier

import (
	"context"
	"time"

	"github.com/pasetokit/pasetokit/internal/authfail"
	"github.com/pasetokit/pasetokit/observe"
)

// reason returns the reason of a Verify outcome: "ok" for nil, else the
// error code package httpauth answers the request with (one table,
// internal/authfail), so that a verification and the request it answers
// are counted under the same name.
func reason(err error) string {
	if err == nil {
		return observe.ReasonOK
	}
	return authfail.Code(err)
}

// fetchEvent reports the outcome of one fetch of rs: err is its error (nil
// on success), hadErr whether the previous fetch failed, lastOK when the
// copy in use was fetched (zero if none).
func (rs *remoteSet) fetchEvent(err error, hadErr bool, now, lastOK time.Time) {
	e := observe.Event{Kind: observe.KindKeySetFetch, Component: "verifier", URL: rs.cfg.redacted, MaxStale: rs.cfg.maxStale, Reason: observe.ReasonOK}
	switch {
	case err != nil:
		e.Reason, e.Err = observe.ReasonFailed, err
		if !lastOK.IsZero() {
			e.Staleness = now.Sub(lastOK)
		}
	case hadErr:
		e.Reason = observe.ReasonRecovered
	}
	observe.Emit(context.Background(), rs.v.s.events, e)
}
