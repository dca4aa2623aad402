package observe

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Kind names what happened. Each kind has its own set of reasons, listed
// with it; a handler that counts events keys them by kind, component and
// reason, all of which come from these fixed lists.
type Kind string

// The kinds of events pasetokit reports.
const (
	// KindRequest is the outcome of one HTTP request authenticated by
	// httpauth, or one gRPC call by grpcauth. Reason is "ok" or the code
	// the request was answered with (token_missing, token_expired,
	// key_set_unavailable, temporarily_unavailable, ...: httpauth's
	// Error.Code, grpcauth's Error.Reason). Count these to see what
	// clients get.
	KindRequest Kind = "request"
	// KindVerify is the outcome of one token verification by a verifier
	// (also the verifiers inside authtoken). Reason is "ok" or the
	// httpauth code of the error (token_expired, token_invalid,
	// token_unknown_key, key_set_unavailable, ...). A request that
	// httpauth authenticates is counted once as [KindRequest] and once as
	// [KindVerify] (if it had a token): count one of them, not both.
	KindVerify Kind = "verify"
	// KindKeySetFetch is one fetch of a remote key set by a verifier. URL
	// is the set's URL without password or query. Reason is
	// [ReasonOK], [ReasonRecovered] (the first success after failures) or
	// [ReasonFailed] (Err says why; Staleness is the age of the copy still
	// in use, zero when there is none, and MaxStale the age at which it
	// stops being used).
	KindKeySetFetch Kind = "key_set_fetch"
	// KindKeyRotation is a change of a keyring.Ring's keys: Reason
	// "published" (a new next key, KeyID, is published ahead of use) or
	// "activated" (KeyID became the current key).
	KindKeyRotation Kind = "key_rotation"
	// KindKeySync is a keyring.Ring's periodic reload of its backend:
	// Reason [ReasonFailed] (Err says why; the ring keeps its last good
	// copy) or [ReasonRecovered]. Successful syncs are not reported.
	KindKeySync Kind = "key_sync"
	// KindRefreshReuse is an authtoken refresh token presented a second
	// time: the token family is revoked. Reason is "family_revoked", or
	// [ReasonFailed] when the revocation could not be stored (Err).
	KindRefreshReuse Kind = "refresh_reuse"
	// KindTheft is a remember-me cookie of a known series presented with
	// a wrong validator: a copy of it was used elsewhere. Reason is
	// "series_deleted", or [ReasonFailed] when the series could not be
	// deleted (Err).
	KindTheft Kind = "remember_theft"
	// KindStore is a store that could not answer: Reason "unavailable"
	// (Err matches store.ErrUnavailable), then [ReasonRecovered] on the
	// first success after it.
	KindStore Kind = "store"
	// KindSessionSave is a session that package session could not save,
	// or a change it could not make, reported instead of returned (after
	// the session's OnError): Reason "too_large" (the session does not fit
	// its cookies), "encode" (a value the serializer cannot encode),
	// "committed" (changed after the response headers were written),
	// "key_unavailable" (the key source has no current key) or
	// [ReasonFailed] (Err says why).
	KindSessionSave Kind = "session_save"
	// KindRememberLogin is a remember-me login that remember's middleware
	// could not complete (after the manager's OnError): Reason
	// [ReasonUnavailable] (the store could not answer), "no_session" (the
	// middleware runs outside package session's) or [ReasonFailed] (the
	// session could not be updated; Err says why).
	KindRememberLogin Kind = "remember_login"
)

// Reasons shared by several kinds.
const (
	// ReasonOK: the operation succeeded.
	ReasonOK = "ok"
	// ReasonFailed: the operation failed; [Event.Err] says why.
	ReasonFailed = "failed"
	// ReasonRecovered: the first success after one or more failures.
	ReasonRecovered = "recovered"
	// ReasonUnavailable: a store could not answer.
	ReasonUnavailable = "unavailable"
)

// Event is one thing a component reports. It never holds a token, a claim
// value (subject, token id, family id), a cookie or key bytes: only fixed
// names, key ids, key-set URLs without credentials, durations and errors,
// whose strings hold none of those either.
type Event struct {
	// Kind is what happened; see the Kind constants for their reasons.
	Kind Kind
	// Component is the package that reports it: "httpauth", "grpcauth",
	// "verifier", "keyring", "authtoken", "session", "remember",
	// "redisstore".
	Component string
	// Reason refines Kind, from the fixed list of that kind.
	Reason string

	// KeyID is the PASERK id of the key concerned ([KindKeyRotation]), or
	// empty.
	KeyID string
	// URL is the key set's URL, as the verifier's errors show it: no
	// password, query or fragment ([KindKeySetFetch]), or empty.
	URL string
	// Staleness is the age of the key set copy in use ([KindKeySetFetch]).
	Staleness time.Duration
	// MaxStale is the age at which that copy stops being used
	// ([KindKeySetFetch]): alert well before Staleness reaches it.
	MaxStale time.Duration
	// Err is the cause of a failure, or nil. Per-request events
	// ([KindRequest], [KindVerify]) never carry one: their Reason says enough.
	Err error
}

// Handler receives events. Components call Handle synchronously, on the
// request's goroutine for per-request events and with internal locks
// held for some others, from many goroutines at once: it must be safe for
// concurrent use, return quickly, and not call back into the component.
type Handler interface {
	// Handle receives one event; ctx is the context of the operation
	// that caused it (the request's, for per-request events).
	Handle(ctx context.Context, e Event)
}

// HandlerFunc adapts a function to a [Handler].
type HandlerFunc func(ctx context.Context, e Event)

// Handle calls f(ctx, e).
func (f HandlerFunc) Handle(ctx context.Context, e Event) { f(ctx, e) }

// Discard is a [Handler] that drops every event: set it as a component's
// Events to turn its reports off.
var Discard Handler = HandlerFunc(func(context.Context, Event) {})

// Multi returns a [Handler] that passes each event to every one of hs in
// order, skipping nil ones: for logging and metrics at once, as in
// Multi(observe.Default(), metrics).
func Multi(hs ...Handler) Handler {
	l := make([]Handler, 0, len(hs))
	for _, h := range hs {
		if h != nil {
			l = append(l, h)
		}
	}
	return multi(l)
}

type multi []Handler

func (m multi) Handle(ctx context.Context, e Event) {
	for _, h := range m {
		h.Handle(ctx, e)
	}
}

var defaultLogger = sync.OnceValue(func() *Logger {
	l, _ := NewLogger(LoggerConfig{}) // the zero LoggerConfig is valid
	return l
})

// Default returns the [Handler] that a component whose Events field is nil
// uses: one [Logger], shared by the whole process, that writes to
// slog.Default() at the levels of [Level], at most one line per kind,
// component and reason every [DefaultInterval].
func Default() Handler { return defaultLogger() }

// Emit passes e to h, or to [Default] when h is nil. Components call it at
// each event site.
func Emit(ctx context.Context, h Handler, e Event) {
	if h == nil {
		h = defaultLogger()
	}
	h.Handle(ctx, e)
}

// Level returns the slog level the default [Logger] writes e at:
//   - Error: [KindRefreshReuse] and [KindTheft], someone holds a copy of
//     a credential;
//   - Warn: failures ([ReasonFailed]: a key-set fetch, a key sync), a
//     store that cannot answer, requests or verifications refused
//     because a key set or the store is unavailable (a 503), sessions
//     not saved ([KindSessionSave]) and remember-me logins not completed
//     ([KindRememberLogin]);
//   - Info: key rotations and recoveries;
//   - Debug: every other per-request outcome and successful fetches.
func Level(e Event) slog.Level {
	switch e.Kind {
	case KindRefreshReuse, KindTheft:
		return slog.LevelError
	case KindKeyRotation:
		return slog.LevelInfo
	case KindSessionSave, KindRememberLogin:
		return slog.LevelWarn
	}
	switch e.Reason {
	case ReasonFailed, ReasonUnavailable, "key_set_unavailable", "temporarily_unavailable":
		return slog.LevelWarn
	case ReasonRecovered:
		return slog.LevelInfo
	}
	return slog.LevelDebug
}
