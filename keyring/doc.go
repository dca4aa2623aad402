// Package keyring holds the keys of the toolkit's components: the keys
// they are configured with ([Key]), and key rings that rotate them while
// the application runs ([Ring]).
//
// # For most users
//
// Static keys: put one [Key] per configured key in a component's Keys
// field (issuer, verifier, authtoken, session, remember), the key that
// issues or encrypts first and the keys that only verify or decrypt after
// it:
//
//	keys := []keyring.Key{
//		{PASERK: os.Getenv("SIGNING_KEY")},     // "k4.secret.…": issues
//		{PASERK: os.Getenv("OLD_SIGNING_KEY")}, // verifies only
//	}
//
// A [Key] is a plaintext PASERK, or a PEM key with its [paseto.Version]; its
// Issuer field binds it to one issuer. Which kinds of key a component
// takes is in its documentation: session and remember-me take k4.local
// keys, a verifier local and public keys, an issuer local and secret keys.
// The components parse their keys with [Key.Parse] when they are built, so
// a bad key fails at start-up with a *[KeyError]. A Key never prints its
// contents, and no error of this package holds key bytes.
//
// Rotating keys: make one [Ring] per key family (v4.public signing keys
// for tokens, v4.local keys for session cookies, ...), tell it the
// lifetimes of what its keys make, run its schedule, and give it to the
// components as their KeySource:
//
//	ring, err := keyring.New(ctx, keyring.Config{
//		Lifetimes: []time.Duration{15 * time.Minute, 30 * 24 * time.Hour},
//		Leeway:    30 * time.Second,
//	})
//	if err != nil {
//		log.Fatal(err)
//	}
//	go ring.Run(ctx) // rotates on schedule until ctx is done
//
// The defaults rotate weekly, publish each key a day before it signs, and
// keep retired keys exactly as long as the longest lifetime plus
// [Config.Leeway]. Keys live in memory ([Memory]) unless a [Backend] is
// given: [File] for the processes of one machine, a shared store for a
// fleet.
//
// # The lifecycle of a key
//
// Each key of a ring is, in turn:
//
//   - [Next]: created and known to every process sharing the ring, and
//     published in key sets, [Policy.PublishAhead] before it signs. It
//     already verifies.
//   - [Current]: signs or encrypts, for [Policy.RotateEvery]. Exactly one
//     key is current.
//   - [Retired]: verifies or decrypts only, for [Policy.RetainFor] after
//     the last moment it could have signed.
//   - dropped: gone from the ring; its tokens are no longer accepted.
//
// Each key is named by its PASERK id (for a signing key, the pid of its
// public key: the kid of its tokens) and carries the times of its
// transitions ([KeyInfo]). [Ring.Rotate] starts a staged rotation by hand;
// the schedule runs in [Ring.Run], or in [Ring.Tick] called by the
// application's own scheduler.
//
// # The policy
//
// [New] refuses a policy that could drop a key while its tokens are valid:
// RetainFor must cover the longest of [Config.Lifetimes] plus Leeway, and
// components check their own lifetimes with [Source.CheckLifetime].
// PublishAhead must not exceed RotateEvery. [Policy.MaxKeys] caps the
// keys held, and is checked against the schedule.
//
// The one relation users must keep themselves: PublishAhead must be at
// least the refresh interval of every verifier that follows the ring's
// published key set, so that each verifier holds a key before the first
// token it signs arrives. The key set's Cache-Control max-age is
// [Snapshot.MaxAge], at most half of PublishAhead, and verifiers refresh
// at the published max-age within their own bounds (package verifier: no
// more often than KeySet.MinRefreshInterval, one minute by default, so
// keep PublishAhead at least that). Verifiers in other processes cannot be
// checked from here; where both sides are configured in one process,
// [CheckRefreshInterval] (and verifier.CheckKeySet) check it. Processes
// sharing a backend learn a next key within [Config.SyncInterval], which
// PublishAhead must also exceed (New checks that).
//
// # Components and snapshots
//
// A component reads its keys from a [Source] on every call: Snapshot is
// one atomic load of an immutable [Snapshot], and [Snapshot.Current] and
// [Snapshot.Lookup] cost a comparison and a map lookup. A component never
// needs to be rebuilt when keys rotate. The components take it as their
// KeySource field, next to Keys (exactly one of the two, and of Secret
// where it exists): issuer.Config, verifier.Config, authtoken.KindConfig
// (per kind), session.Config and remember.Config. Give each family its own
// ring: v4.public signing keys for access tokens, v4.local keys for
// refresh tokens, another v4.local ring for session cookies and another
// for remember-me cookies.
//
// # Backends and fleets
//
// A [Backend] stores a ring's serialized state and swaps it with a
// compare-and-swap on its version, which is all that is needed for
// exactly one rotation per period across every process sharing it. Secret
// keys are wrapped before they leave the ring ([Config.WrappingKey]:
// PASERK local-wrap.pie or secret-wrap.pie; or [Config.Password]: a data
// key wrapped with local-pw), except in [Memory]. The whole state document
// (keys, states, schedule, version, family) is authenticated with a MAC
// under a key derived from the wrapping key or the data key, checked in
// constant time before any field is used: whoever can write the backend
// but lacks the wrapping key or password can neither read the keys nor
// keep a retired key alive, bring a dropped one back or hold up rotation.
// They can still delete the state or put back an older state whole.
// State that cannot be read (garbage, a tampered document, a wrong
// wrapping key or password, an unknown [FormatVersion], another key
// family) stops [New] with a *[StateError] and is never overwritten. A process that loses its backend keeps its
// last copy: it keeps following the published schedule for one step, then
// fails closed with [ErrStale]; it never creates keys of its own.
package keyring
