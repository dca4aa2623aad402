package paserk

import (
	"bytes"
	"crypto/ecdh"
	"crypto/ed25519"
	"encoding/hex"
	"math/big"
	"testing"
)

// edEncode encodes a point as an Ed25519 public key (test helper).
func edEncode(p edPoint) []byte {
	zi := new(big.Int).ModInverse(p.z, edP)
	x := new(big.Int).Mul(p.x, zi)
	x.Mod(x, edP)
	y := new(big.Int).Mul(p.y, zi)
	y.Mod(y, edP)
	var be [32]byte
	y.FillBytes(be[:])
	out := make([]byte, 32)
	for i := range 32 {
		out[i] = be[31-i]
	}
	out[31] |= byte(x.Bit(0)) << 7
	return out
}

func edPointOf(t *testing.T, b []byte) edPoint {
	t.Helper()
	x, y, ok := edDecode(b)
	if !ok {
		t.Fatalf("%x does not decode", b)
	}
	return edPoint{x, y, big.NewInt(1)}
}

// smallOrderEncodings are the canonical encodings of the eight points of
// order dividing 8 (the identity, the point of order 2, two of order 4,
// four of order 8). The test checks that they are what they claim.
func smallOrderEncodings(t *testing.T) []string {
	t.Helper()
	encs := []string{
		"0100000000000000000000000000000000000000000000000000000000000000", // identity
		"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = -1, order 2
		"0000000000000000000000000000000000000000000000000000000000000000", // y = 0, order 4
		"0000000000000000000000000000000000000000000000000000000000000080", // y = 0, other x
		"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", // order 8
		"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
		"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
		"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
	}
	for _, h := range encs {
		b, _ := hex.DecodeString(h)
		if !edScalarMult(big.NewInt(8), edPointOf(t, b)).isIdentity() {
			t.Fatalf("%s is not of small order", h)
		}
	}
	return encs
}

// nonCanonicalEncodings have y >= p.
var nonCanonicalEncodings = []string{
	"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = p
	"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = p + 1
	"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", // y = 2^255 - 1
}

// torsionedPublicKey returns a valid public key plus a point of order 8:
// on the curve, not of small order, but not in the prime-order subgroup.
func torsionedPublicKey(t *testing.T) string {
	t.Helper()
	pub, _, _ := ed25519.GenerateKey(nil)
	t8, _ := hex.DecodeString("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05")
	return hex.EncodeToString(edEncode(edAdd(edPointOf(t, pub), edPointOf(t, t8))))
}

// offCurveEncoding returns an encoding whose y has no matching x.
func offCurveEncoding(t *testing.T) string {
	t.Helper()
	for i := 2; i < 100; i++ {
		b := make([]byte, 32)
		b[0] = byte(i)
		if _, _, ok := edDecode(b); !ok {
			return hex.EncodeToString(b)
		}
	}
	t.Fatal("no off-curve y found")
	return ""
}

// TestEd25519ToX25519 checks the public-key conversion against X25519 of
// the converted secret key: both must give the same Montgomery point.
func TestEd25519ToX25519(t *testing.T) {
	for range 64 {
		pub, priv, err := ed25519.GenerateKey(nil)
		if err != nil {
			t.Fatal(err)
		}
		xsk, err := ecdh.X25519().NewPrivateKey(ed25519SeedToX25519(priv.Seed()))
		if err != nil {
			t.Fatal(err)
		}
		got, ok := ed25519PublicToX25519(pub)
		if !ok {
			t.Fatalf("valid key %x rejected", pub)
		}
		if want := xsk.PublicKey().Bytes(); !bytes.Equal(got, want) {
			t.Fatalf("conversion of %x = %x, want %x", pub, got, want)
		}
		// Round trip of the test helper, as a check on it.
		if !bytes.Equal(edEncode(edPointOf(t, pub)), pub) {
			t.Fatal("edEncode does not round-trip")
		}
	}
	// The base point: y = 4/5, u = 9.
	base, _ := hex.DecodeString("5866666666666666666666666666666666666666666666666666666666666666")
	u, ok := ed25519PublicToX25519(base)
	if want := append([]byte{9}, make([]byte, 31)...); !ok || !bytes.Equal(u, want) {
		t.Errorf("base point converts to %x, %v", u, ok)
	}
	// A clamped secret key stays clamped.
	xsk := ed25519SeedToX25519(make([]byte, 32))
	if xsk[0]&7 != 0 || xsk[31]&0x80 != 0 || xsk[31]&0x40 == 0 {
		t.Errorf("not clamped: %x", xsk)
	}
}

func TestEd25519ToX25519Rejects(t *testing.T) {
	bad := append(smallOrderEncodings(t), nonCanonicalEncodings...)
	bad = append(bad, torsionedPublicKey(t), offCurveEncoding(t))
	for _, h := range bad {
		b, _ := hex.DecodeString(h)
		if u, ok := ed25519PublicToX25519(b); ok {
			t.Errorf("%s accepted as %x", h, u)
		}
	}
	for _, n := range []int{0, 31, 33} {
		if _, ok := ed25519PublicToX25519(make([]byte, n)); ok {
			t.Errorf("%d-byte key accepted", n)
		}
	}
}
