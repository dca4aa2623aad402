package paseto

import (
	"crypto/ed25519"

	voied "github.com/oasisprotocol/curve25519-voi/primitives/ed25519"
)

// Ed25519 verification with a per-key precomputed table.
//
// Every v2 and v4 [PublicKey] carries, next to its 32 bytes, an expanded form
// of its point (curve25519-voi's ExpandedPublicKey, about 1.5 KiB) that makes
// each later verification about twice as fast as crypto/ed25519, which
// decompresses the point and builds its multiples anew on every call.
//
// The table is built eagerly, once, when the key is made ([NewPublicKey], and
// so PASERK and PEM parsing; a [SecretKey]'s public half), not lazily on first
// use:
//   - a key in a verifier or a fetched key set is made once and verifies
//     many tokens, so no token pays for the table, not even the first one
//     after a key rotation or a key-set refresh;
//   - the key stays immutable after construction: no sync.Once, no state to
//     copy or race on, and nothing to reason about in the verification path;
//   - the cost (one point decompression and a few dozen point additions,
//     measured by BenchmarkEd25519Table) is paid where keys are loaded, at
//     start-up or in the background key-set fetch, and is below one
//     standard-library verification.
//
// Semantics are exactly crypto/ed25519's: VerifyOptionsStdLib selects the
// cofactorless equation compared byte for byte against R, rejects
// non-canonical S, and accepts small-order A and R and non-canonical A
// encodings as the standard library does. ed25519_diff_test.go and
// FuzzEd25519Differential hold the two implementations to the same answer.
// A key whose bytes do not decode to a point gets no table and is checked by
// crypto/ed25519 itself (which rejects every signature for it).

// edVerifyOptions selects crypto/ed25519's verification rules. It is shared
// and never modified.
var edVerifyOptions = &voied.Options{Verify: voied.VerifyOptionsStdLib}

// expandEd25519 returns the precomputed table of pub, or nil when pub is not
// a valid point encoding.
func expandEd25519(pub ed25519.PublicKey) *voied.ExpandedPublicKey {
	x, err := voied.NewExpandedPublicKey(voied.PublicKey(pub))
	if err != nil {
		return nil
	}
	return x
}

// verifyEd25519 reports whether sig is k's valid Ed25519 signature of msg,
// with crypto/ed25519's answer on every input. k is a v2 or v4 key.
func (k *PublicKey) verifyEd25519(msg, sig []byte) bool {
	if len(sig) != ed25519.SignatureSize {
		return false
	}
	if k.edTable == nil {
		return ed25519.Verify(k.ed, msg, sig)
	}
	return voied.VerifyExpandedWithOptions(k.edTable, msg, sig, edVerifyOptions)
}
