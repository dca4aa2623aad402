package verifier

import (
	"time"

	"github.com/pasetokit/pasetokit/keyring"
)

// CheckKeySet reports whether a verifier following ks learns every key of
// publisher before it signs, where the key ring that publishes the set
// (through an issuer's or authtoken's key set handler) and the verifier
// that follows it are configured in one process: a test, a demo, a
// gateway verifying the tokens of a sibling service. It returns nil, or
// a *[ConfigError] for "KeySet" that matches [keyring.ErrRefreshTooSlow].
//
// The verifier refreshes at the published max-age ([keyring.Snapshot.MaxAge],
// at most half of the ring's PublishAhead), clamped between
// ks.MinRefreshInterval and ks.RefreshInterval; that interval must not
// exceed the ring's [keyring.Policy.PublishAhead]
// ([keyring.CheckRefreshInterval]). A verifier in another process cannot
// be checked from here: give it a MinRefreshInterval no longer than the
// issuer's PublishAhead.
func CheckKeySet(ks KeySet, publisher keyring.Source) error {
	rc, err := ks.normalize(0)
	if err != nil {
		return err
	}
	if err := keyring.CheckRefreshInterval(publisher, refreshBound(rc, publisher.Snapshot().MaxAge())); err != nil {
		return configError("KeySet", err)
	}
	return nil
}

// refreshBound is the longest a verifier keeps a copy of a set published
// with maxAge before it refreshes it.
func refreshBound(rc *remoteConfig, maxAge time.Duration) time.Duration {
	return min(max(maxAge, rc.minRefresh), rc.maxRefresh)
}
