// Package store holds the small amount of shared state that stateless
// tokens still need: revoked token ids, "log out everywhere" cut-offs,
// one-time tokens already used, and remember-me series.
//
// # For most users
//
// Use [NewMemory] (the default everywhere in this module) when the
// application runs as one process, and hand it to the components that
// take a [Store] (authtoken, the demo's cut-offs); package remember makes
// its own [MemoryRemember] unless given a [RememberStore]:
//
//	st, err := store.NewMemory(store.MemoryConfig{})
//	if err != nil {
//		log.Fatal(err)
//	}
//	// Logout of one token, remembered until it would have expired anyway:
//	if err := st.Revoke(ctx, "jti:"+tokenID, expires); err != nil {
//		log.Fatal(err)
//	}
//	revoked, err := st.Revoked(ctx, "jti:"+tokenID) // fail closed on err
//
// When the application runs on several machines, use the Redis
// implementation from the separate module
// github.com/pasetokit/pasetokit/store/redisstore, so that a logout or a
// used refresh token on one machine is seen by all. Package storetest
// checks that an implementation keeps the semantics below.
//
// # Semantics
//
// Every entry carries an expiry (the expiry of the token it describes) and
// disappears after it; a [Store] never grows without bound. Keys are opaque
// strings chosen by the caller (callers namespace them, such as "jti:…" and
// "fam:…"); a Store never parses them.
//
// # Failures
//
// A Store that cannot answer (the server is down or too slow) returns an
// error matching [ErrUnavailable]. Callers must fail closed on it: a token
// whose revocation status is unknown is not accepted.
package store

import (
	"context"
	"errors"
	"time"
)

// ErrUnavailable: the store could not be reached or did not answer in time.
// Implementations wrap their own error with it.
var ErrUnavailable = errors.New("store: unavailable")

// Store is the shared state of revocation and one-time tokens. All methods
// are safe for concurrent use and atomic with respect to each other.
type Store interface {
	// Revoke marks key as revoked until until (after which it may be
	// forgotten: the token it names has expired by then). Revoking an
	// already revoked key extends its expiry if until is later.
	Revoke(ctx context.Context, key string, until time.Time) error

	// Revoked reports whether any of keys is revoked (one round trip for
	// several keys, e.g. a token's jti and its family).
	Revoked(ctx context.Context, keys ...string) (bool, error)

	// Consume marks key as used until until and reports whether this call
	// was the first to do so. Of many concurrent calls with the same key,
	// exactly one gets true.
	Consume(ctx context.Context, key string, until time.Time) (bool, error)

	// SetCutoff records that tokens of key (such as a subject) issued
	// before t are revoked, keeping the record until until. A later cutoff
	// replaces an earlier one; an earlier one never replaces a later one.
	SetCutoff(ctx context.Context, key string, t, until time.Time) error

	// Cutoff returns the cutoff recorded for key, or the zero time when
	// there is none.
	Cutoff(ctx context.Context, key string) (time.Time, error)
}
