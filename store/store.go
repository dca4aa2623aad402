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
// refresh on one machine is seen by all. Package storetest
// checks that an implementation keeps the semantics below.
//
// # Semantics
//
// Every entry carries an expiry (the expiry of the token it describes) and
// disappears after it; a [Store] never grows without bound. Keys are opaque
// strings chosen by the caller (callers namespace them, such as "jti:…" and
// "fam:…"); a Store never parses them.
//
// Refresh families are one record each (the current token, the previous
// one and its retry window), updated in place by [Store.RotateFamily], so
// that refreshing never adds an entry; each owner has a bounded number of
// them (the oldest is evicted), so the state grows with users and devices,
// not with requests.
//
// Keys may name a group between braces, such as "{g}jti:…": a store that
// spreads keys over servers (Redis Cluster) keeps the keys of one group
// together, so that [Store.Check] and the family methods, given keys of one
// group, are one round trip. Package authtoken groups every key of a
// subject.
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

	// Check reads, in one atomic step (one round trip for a remote
	// store), whether any of c.Keys is revoked, whether c.Family is live,
	// and the cutoff of c.Cutoff: everything the verification of one
	// token needs. A remote store answers in one round trip when the
	// keys share a group (see the package documentation).
	Check(ctx context.Context, c Check) (Status, error)

	// CreateFamily records a new refresh family, whose current token is
	// token, owned by owner (such as a subject), live until until. When
	// owner already has the store's bound of live families
	// ([DefaultMaxFamiliesPerUser] unless configured), the one that
	// expires soonest (the earliest family key, in byte order, among
	// those expiring at the same time) is deleted in the same atomic
	// step. Creating a family that is live already is an error. A until
	// that is not after the current time records nothing.
	CreateFamily(ctx context.Context, owner, family, token string, until time.Time) error

	// RotateFamily is the compare-and-swap of one refresh: when the
	// current token of family is from, it becomes to, from is kept as
	// the previous token until retryUntil, the family lives at least
	// until until, and the answer is [FamilyRotated]. When from is the
	// previous token, to the current one, and retryUntil of that earlier
	// rotation has not passed, nothing changes and the answer is
	// [FamilyRetried]. Otherwise, when the family is live, it is deleted
	// and the answer is [FamilyReused]; when it is not, [FamilyGone].
	// Of many concurrent calls with the same from, exactly one gets
	// [FamilyRotated]. owner is the owner given to CreateFamily.
	RotateFamily(ctx context.Context, owner, family, from, to string, retryUntil, until time.Time) (Rotation, error)

	// RevokeFamily deletes family, owned by owner: every token of it is
	// revoked. Deleting a family that does not exist is not an error.
	RevokeFamily(ctx context.Context, owner, family string) error
}
