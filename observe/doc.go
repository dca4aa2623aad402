// Package observe is how every pasetokit component reports what operators
// need to see: the outcome of each verification and request, key-set
// fetches and how stale the copy in use is, key rotations and syncs,
// refresh-token reuse, remember-me cookie theft, a store that cannot
// answer, and sessions or remember-me logins that failed where no caller
// could be told.
//
// # For most users
//
// Do nothing: each component's Events field (for example
// [github.com/pasetokit/pasetokit/verifier.Config.Events]) is nil by
// default, which means [Default]: the events are logged with
// slog.Default(), at the levels of [Level], and rate-limited to one line
// per kind, component and reason a minute, with the count of the lines
// left out. To also count them, pass a [Multi] of [Default] and a metrics
// [Handler]: [Counts] serves them as JSON on an HTTP handler, and the
// module github.com/pasetokit/pasetokit/otelmetrics records them as
// OpenTelemetry metrics.
//
// # Events
//
// An [Event] names its [Kind], the component and a reason from a fixed
// list, plus a few typed attributes (a key id, a key set's URL, its
// staleness, an error). It never holds a token, a claim value, a cookie or
// key bytes, so a handler may log or export everything it gets.
package observe
