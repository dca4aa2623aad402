package keyring

import (
	"errors"
	"fmt"
)

// Sentinel errors. Match them with errors.Is. Error strings never contain
// key material, wrapping keys or passwords.
var (
	// ErrInvalidConfig: New was given a configuration it refuses. The
	// error is a [*ConfigError] naming the field.
	ErrInvalidConfig = errors.New("keyring: invalid configuration")

	// ErrCorruptState: the stored ring state cannot be read: garbage, a
	// tampered (its MAC does not verify) or truncated document, keys that do not match their ids,
	// or a ring of another key family. The error is a [*StateError]; New
	// stops with it and a running [Ring] keeps its last good copy. State
	// that cannot be read is never overwritten.
	ErrCorruptState = errors.New("keyring: corrupt or unreadable ring state")
	// ErrFormatVersion: the stored state has a format version this package
	// does not know (written by a newer release). It also matches
	// [ErrCorruptState].
	ErrFormatVersion = errors.New("keyring: unknown ring state format version")
	// ErrWrongWrappingKey: the stored secret keys do not decrypt with
	// [Config.WrappingKey] or [Config.Password], or the state was written
	// with the other of the two. It also matches [ErrCorruptState].
	ErrWrongWrappingKey = errors.New("keyring: wrong wrapping key or password for the ring state")

	// ErrConflict: [Backend.CompareAndSwap] found another version than the
	// one it was given: another process changed the ring first. The ring
	// reloads and decides again; callers of [Ring.Tick] and [Ring.Rotate]
	// never see it.
	ErrConflict = errors.New("keyring: ring state changed concurrently")

	// ErrStale: the ring has no key that may issue at this time: its copy
	// of the state could not be refreshed from the backend, and the last
	// key it knew is due to retire. Issuing fails closed with it; keys
	// already known keep verifying until they are due to be dropped.
	ErrStale = errors.New("keyring: ring state is stale: no current key")

	// ErrTooManyKeys: a manual rotation would hold more keys than
	// [Policy.MaxKeys]. Wait until a retired key is dropped, or raise
	// MaxKeys.
	ErrTooManyKeys = errors.New("keyring: too many keys for Policy.MaxKeys")

	// ErrLifetimeNotCovered: a component's tokens or cookies live longer
	// than the ring keeps retired keys ([Source.CheckLifetime]). It
	// matches [ErrInvalidConfig] too.
	ErrLifetimeNotCovered = errors.New("keyring: lifetime longer than Policy.RetainFor allows")

	// ErrRefreshTooSlow: a verifier following the ring's key set
	// refreshes it less often than [Policy.PublishAhead], and could meet
	// tokens of a key it does not know yet ([CheckRefreshInterval]). It
	// matches [ErrInvalidConfig] too.
	ErrRefreshTooSlow = errors.New("keyring: key set refreshed less often than Policy.PublishAhead")
)

// ConfigError is a configuration refused by [New] or by
// [Ring.CheckLifetime]. It matches [ErrInvalidConfig] and its Err with
// errors.Is.
type ConfigError struct {
	// Field is the Go path of the field, such as "Policy.RetainFor".
	Field string
	// Err says what is wrong with it. It never holds a secret.
	Err error
}

// Error returns "keyring: invalid configuration: <Field>: <Err>".
func (e *ConfigError) Error() string {
	return ErrInvalidConfig.Error() + ": " + e.Field + ": " + e.Err.Error()
}

// Unwrap returns [ErrInvalidConfig] and Err.
func (e *ConfigError) Unwrap() []error { return []error{ErrInvalidConfig, e.Err} }

// configError is the one way this package builds a [*ConfigError].
func configError(field string, err error) error { return &ConfigError{Field: field, Err: err} }

// StateError is stored ring state that cannot be read. It matches
// [ErrCorruptState] and its Err (such as [ErrFormatVersion] or
// [ErrWrongWrappingKey]) with errors.Is.
type StateError struct {
	// Backend names where the state came from ("memory", "file
	// /var/lib/app/keys.json", ...).
	Backend string
	// Err is what is wrong with it.
	Err error
}

// Error returns "keyring: corrupt or unreadable ring state (<Backend>): <Err>".
func (e *StateError) Error() string {
	s := ErrCorruptState.Error()
	if e.Backend != "" {
		s += " (" + e.Backend + ")"
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns [ErrCorruptState] and Err.
func (e *StateError) Unwrap() []error { return []error{ErrCorruptState, e.Err} }

// corrupt builds a [*StateError] from a message.
func corrupt(format string, args ...any) error {
	return &StateError{Err: fmt.Errorf(format, args...)}
}
