package verifier

import (
	"context"
	"errors"
	"time"

	"github.com/pasetokit/pasetokit/observe"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/store"
)

// reasons maps errors to the reason of an [observe.KindVerify] event, in
// the order they are tried. The words are the error codes of package
// httpauth, so that a verification and the request it answers are counted
// under the same name; verifier_test checks that the two agree.
var reasons = []struct {
	err    error
	reason string
}{
	{ErrKeySetUnavailable, "key_set_unavailable"},
	{store.ErrUnavailable, "temporarily_unavailable"},
	{paseto.ErrMalformed, "token_malformed"},
	{paseto.ErrTokenTooLong, "token_malformed"},
	{paseto.ErrFooterTooLong, "token_malformed"},
	{paseto.ErrInvalidFooter, "token_malformed"},
	{paseto.ErrKeyInFooter, "token_malformed"},
	{paseto.ErrInvalidClaims, "token_malformed"},
	{paseto.ErrUnsupported, "token_malformed"},
	{paseto.ErrImplicitUnsupported, "token_malformed"},
	{paseto.ErrExpired, "token_expired"},
	{ErrTooOld, "token_expired"},
	{paseto.ErrNotYetValid, "token_not_yet_valid"},
	{paseto.ErrIssuedInFuture, "token_not_yet_valid"},
	{paseto.ErrInvalidSignature, "token_invalid"},
	{paseto.ErrInvalidMAC, "token_invalid"},
	{paseto.ErrWrongKey, "token_invalid"},
	{ErrUnknownKey, "token_unknown_key"},
	{ErrMissingKeyID, "token_unknown_key"},
	{ErrWrongIssuer, "token_wrong_issuer"},
	{ErrWrongAudience, "token_wrong_audience"},
	{context.Canceled, "temporarily_unavailable"},
	{context.DeadlineExceeded, "temporarily_unavailable"},
}

// reason returns the reason of a Verify outcome: "ok" for nil, else the
// first matching entry of reasons, else "token_rejected" (rules, a missing
// exp, anything else).
func reason(err error) string {
	if err == nil {
		return observe.ReasonOK
	}
	for _, r := range reasons {
		if errors.Is(err, r.err) {
			return r.reason
		}
	}
	return "token_rejected"
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
