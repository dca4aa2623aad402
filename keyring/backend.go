package keyring

import (
	"context"
	"fmt"
	"sync"
)

// Record is one stored version of a ring's state.
type Record struct {
	// Version numbers the states a backend has stored: 1 for the first,
	// and each CompareAndSwap stores Version+1. Zero means nothing is
	// stored yet.
	Version uint64
	// Data is the serialized state (JSON, see [FormatVersion]), with every
	// secret key wrapped unless the backend is [Memory]. It records
	// Version too, and a ring refuses data whose version differs from the
	// record's.
	Data []byte
}

// Backend stores the state of one ring, shared by every [Ring] that uses
// it: the processes of a fleet, or two rings of one process. It is the
// whole contract of a storage: load, and compare-and-swap on the version.
// Implementations must be safe for concurrent use.
//
// A Backend never interprets the keys: the ring encrypts them before they
// reach it (with [Config.WrappingKey] or [Config.Password]), so a shared
// backend such as Redis only ever holds wrapped keys.
//
// Rotations happen exactly once fleet-wide because every change is a
// compare-and-swap: of two processes deciding the same rotation, one
// stores it and the other gets [ErrConflict], reloads, and finds the
// rotation done. A shared store implements it in one atomic step: for
// Redis, a hash holding the version and the data, replaced by a Lua
// script only when its version field equals old. Package keyringtest
// checks an implementation against this contract.
type Backend interface {
	// Load returns the stored record, or the zero Record when nothing is
	// stored yet. The Data is the caller's. A backend that cannot answer
	// returns an error (a shared store returns one matching
	// store.ErrUnavailable); state it can see is unreadable is a
	// *[StateError].
	Load(ctx context.Context) (Record, error)
	// CompareAndSwap stores rec, whose Version is old+1, if and only if
	// the stored version is old (zero: nothing stored), atomically with
	// respect to every other caller of this backend. Otherwise it stores
	// nothing and returns an error matching [ErrConflict]. It must never
	// replace state whose version it cannot read.
	CompareAndSwap(ctx context.Context, old uint64, rec Record) error
}

// Memory is a [Backend] in the memory of one process: the rings of that
// process that share it see one ring state. Its state is lost with the
// process, so keys are new at every start (tokens and cookies made before
// are no longer accepted). It is the backend of a [Config] without one.
// It is the only backend that may hold keys unwrapped.
type Memory struct {
	mu  sync.Mutex
	rec Record
}

// NewMemory returns an empty Memory backend.
func NewMemory() *Memory { return &Memory{} }

// Load returns the stored record.
func (m *Memory) Load(ctx context.Context) (Record, error) {
	if err := ctx.Err(); err != nil {
		return Record{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return Record{Version: m.rec.Version, Data: append([]byte(nil), m.rec.Data...)}, nil
}

// CompareAndSwap stores rec if the stored version is old.
func (m *Memory) CompareAndSwap(ctx context.Context, old uint64, rec Record) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if rec.Version != old+1 {
		return fmt.Errorf("keyring: memory: record version %d after %d", rec.Version, old)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.rec.Version != old {
		return ErrConflict
	}
	m.rec = Record{Version: rec.Version, Data: append([]byte(nil), rec.Data...)}
	return nil
}

// String returns "memory".
func (m *Memory) String() string { return "memory" }

// inMemory marks the backends that keep state in process memory only and
// may hold keys unwrapped.
type inMemory interface{ inMemory() }

func (*Memory) inMemory() {}
