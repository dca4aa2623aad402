package store

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound: no remember-me series has that selector (never issued,
// expired, or revoked).
var ErrNotFound = errors.New("store: not found")

// Series is one remember-me login on one device: a selector that names it
// (stable for the life of the series), the hash of the current validator,
// and the hash of the previous validator, still accepted until PrevUntil so
// that two requests racing with the same cookie are not taken for theft.
// Validators themselves are never stored.
type Series struct {
	// Selector is the series' public id, sent in the cookie next to the
	// validator; it is the key of the series in the store.
	Selector string
	// UserID is the user the series logs in.
	UserID        string
	ValidatorHash []byte    // SHA-256 of the current validator
	PrevHash      []byte    // SHA-256 of the validator just replaced, or nil
	PrevUntil     time.Time // the grace window for PrevHash
	Expires       time.Time // the series and its cookie end here
	Created       time.Time // when the series was created (the password login)
	Device        string    // optional metadata (e.g. a user-agent summary)
}

// DefaultMaxSeriesPerUser is the number of remember-me series (devices
// with a remembered login) one user may have when the store's
// configuration leaves it zero. Creating one more evicts the user's series
// that expires soonest.
const DefaultMaxSeriesPerUser = 32

// RememberStore keeps remember-me series. All methods are safe for
// concurrent use and atomic with respect to each other. A series counts as
// gone once the store's clock (its configured Now) reaches Expires.
// Failures to reach the backend match [ErrUnavailable].
//
// Implementations should bound the series of one user, so that one user
// (or an attacker logging in as one in a loop) cannot fill the store; the
// implementations of this module do, and report the bound with a method
// MaxSeriesPerUser() int, which the conformance suite in package storetest
// checks.
type RememberStore interface {
	// CreateSeries stores a new series. A selector already in use is an
	// error matching [ErrSelectorInUse]; a series already expired is not
	// stored. A store that bounds the series per user and finds the user
	// at the bound first deletes, in the same atomic step, the user's
	// existing series that expires soonest (the earliest selector, in
	// byte order, among those expiring at the same time).
	CreateSeries(ctx context.Context, s Series) error

	// GetSeries returns the series with selector, or [ErrNotFound].
	GetSeries(ctx context.Context, selector string) (Series, error)

	// RotateSeries replaces the validator hash of selector with newHash if
	// the current hash still equals oldHash (compare-and-swap: of two
	// concurrent rotations from the same validator, exactly one wins),
	// keeping oldHash as PrevHash until graceUntil; Expires is unchanged.
	// It reports whether it rotated; [ErrNotFound] if the series is gone. An
	// empty oldHash never matches.
	RotateSeries(ctx context.Context, selector string, oldHash, newHash []byte, graceUntil time.Time) (bool, error)

	// DeleteSeries removes one series (logout on one device, or theft).
	// Deleting a series that does not exist is not an error.
	DeleteSeries(ctx context.Context, selector string) error

	// DeleteUser removes every series of userID (logout everywhere,
	// password change).
	DeleteUser(ctx context.Context, userID string) error
}
