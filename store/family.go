package store

import "time"

// DefaultMaxFamiliesPerUser is the number of live refresh families (logins
// with a refresh token, one per device or client) one owner may have when
// the store's configuration leaves it zero. Creating one more evicts the
// owner's family that expires soonest.
const DefaultMaxFamiliesPerUser = 32

// Rotation says what [Store.RotateFamily] did.
type Rotation int

const (
	// FamilyRotated: the family's current token was the one presented;
	// it is now the new one.
	FamilyRotated Rotation = iota + 1
	// FamilyRetried: the presented token was replaced by the requested
	// successor within the retry window, and the family has not moved on
	// since: the caller's earlier attempt went through, and its answer
	// may have been lost. Nothing changed; the caller hands out the
	// successor again.
	FamilyRetried
	// FamilyReused: the presented token is neither current nor a retry
	// within the window: two parties hold it. The family was deleted in
	// the same atomic step (every token of it is revoked).
	FamilyReused
	// FamilyGone: the family does not exist (never created, expired,
	// revoked, evicted by the per-owner bound, or deleted on reuse).
	FamilyGone
)

// Check names what [Store.Check] reads in one atomic step.
type Check struct {
	// Keys are revocation keys, as for [Store.Revoked].
	Keys []string
	// Family, when not empty, names a family that must be live.
	Family string
	// Cutoff, when not empty, is the key of the cutoff to read, as for
	// [Store.Cutoff].
	Cutoff string
}

// Status is the answer of [Store.Check].
type Status struct {
	// Revoked reports that a key of [Check.Keys] is revoked or consumed,
	// or that [Check.Family] is not live.
	Revoked bool
	// Cutoff is the cutoff of [Check.Cutoff], or the zero time.
	Cutoff time.Time
}
