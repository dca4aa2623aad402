package paserk

import (
	"crypto/sha512"
	"math/big"
)

// This file converts Ed25519 keys to X25519 keys for k2/k4 seal, as
// libsodium's crypto_sign_ed25519_{pk,sk}_to_curve25519 do.
//
// The public-key conversion uses math/big, which is not constant time. That
// is acceptable because it only ever handles public keys. The secret-key
// conversion is a hash and a clamp, with no big-number arithmetic.

var (
	// edP is the field prime 2^255 - 19.
	edP = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))
	// edD is the Edwards curve constant d = -121665/121666 mod p.
	edD = func() *big.Int {
		d := new(big.Int).ModInverse(big.NewInt(121666), edP)
		d.Mul(d, big.NewInt(-121665))
		return d.Mod(d, edP)
	}()
	// edL is the order of the prime-order subgroup, 2^252 +
	// 27742317777372353535851937790883648493.
	edL = func() *big.Int {
		l, _ := new(big.Int).SetString("27742317777372353535851937790883648493", 10)
		return l.Add(l, new(big.Int).Lsh(big.NewInt(1), 252))
	}()
)

// edPoint is a point of edwards25519 in projective coordinates (X:Y:Z),
// standing for the affine point (X/Z, Y/Z).
type edPoint struct{ x, y, z *big.Int }

func edIdentity() edPoint { return edPoint{big.NewInt(0), big.NewInt(1), big.NewInt(1)} }

func (p edPoint) isIdentity() bool {
	return p.x.Sign() == 0 && p.y.Cmp(p.z) == 0
}

// edScratch holds the temporaries of edAdd, so that a scalar
// multiplication does not allocate for every step.
type edScratch struct{ a, b, c, d, e, f, g, s, u big.Int }

// add sets r = p + q with the projective addition law for twisted Edwards
// curves with a = -1 ("add-2008-bbjlp"), which is complete on edwards25519
// because d is not a square, so it also doubles. r may alias p or q.
func (w *edScratch) add(r, p, q edPoint) {
	mulmod := func(dst, x, y *big.Int) { dst.Mul(x, y).Mod(dst, edP) }
	mulmod(&w.a, p.z, q.z)   // A = Z1 Z2
	mulmod(&w.b, &w.a, &w.a) // B = A^2
	mulmod(&w.c, p.x, q.x)   // C = X1 X2
	mulmod(&w.d, p.y, q.y)   // D = Y1 Y2
	mulmod(&w.e, edD, &w.c)
	mulmod(&w.e, &w.e, &w.d)            // E = d C D
	w.f.Sub(&w.b, &w.e)                 // F = B - E
	w.g.Add(&w.b, &w.e)                 // G = B + E
	w.s.Add(p.x, p.y)                   // (X1 + Y1)
	w.u.Add(q.x, q.y)                   // (X2 + Y2)
	mulmod(&w.s, &w.s, &w.u)            // (X1 + Y1)(X2 + Y2)
	w.s.Sub(&w.s, &w.c).Sub(&w.s, &w.d) // - C - D
	w.u.Add(&w.d, &w.c)                 // D - a C, with a = -1
	mulmod(r.x, &w.a, &w.f)
	mulmod(r.x, r.x, &w.s) // X3 = A F ((X1 + Y1)(X2 + Y2) - C - D)
	mulmod(r.y, &w.a, &w.g)
	mulmod(r.y, r.y, &w.u)  // Y3 = A G (D - a C)
	mulmod(r.z, &w.f, &w.g) // Z3 = F G
}

// edAdd returns p + q.
func edAdd(p, q edPoint) edPoint {
	r := edPoint{new(big.Int), new(big.Int), new(big.Int)}
	var w edScratch
	w.add(r, p, q)
	return r
}

// edScalarMult returns [k]p by double-and-add. It is variable time.
func edScalarMult(k *big.Int, p edPoint) edPoint {
	r := edIdentity()
	var w edScratch
	for i := k.BitLen() - 1; i >= 0; i-- {
		w.add(r, r, r)
		if k.Bit(i) == 1 {
			w.add(r, r, p)
		}
	}
	return r
}

// edDecode decodes a 32-byte Ed25519 public key into its affine
// coordinates. It rejects non-canonical encodings (y >= p, or x = 0 with
// the sign bit set) and encodings of points not on the curve.
func edDecode(b []byte) (x, y *big.Int, ok bool) {
	if len(b) != 32 {
		return nil, nil, false
	}
	var be [32]byte
	for i := range 32 {
		be[i] = b[31-i]
	}
	sign := uint(be[0] >> 7)
	be[0] &= 0x7f
	y = new(big.Int).SetBytes(be[:])
	if y.Cmp(edP) >= 0 {
		return nil, nil, false
	}
	// x^2 = (y^2 - 1) / (d y^2 + 1). The denominator is never zero, since
	// -1/d is not a square.
	y2 := new(big.Int).Mul(y, y)
	y2.Mod(y2, edP)
	u := new(big.Int).Sub(y2, big.NewInt(1))
	v := new(big.Int).Mul(edD, y2)
	v.Add(v, big.NewInt(1)).Mod(v, edP)
	x2 := new(big.Int).ModInverse(v, edP)
	if x2 == nil {
		return nil, nil, false
	}
	x2.Mul(x2, u).Mod(x2, edP)
	x = new(big.Int).ModSqrt(x2, edP)
	if x == nil {
		return nil, nil, false
	}
	if x.Sign() == 0 && sign == 1 {
		return nil, nil, false
	}
	if x.Bit(0) != sign {
		x.Sub(edP, x)
	}
	return x, y, true
}

// ed25519PublicToX25519 converts an Ed25519 public key to the X25519 public
// key of the birationally equivalent Montgomery point, u = (1 + y)/(1 - y).
// Like libsodium, it accepts only canonical encodings of points of the
// prime-order subgroup other than the identity, so points of small order,
// with a small-order component, or off the curve are rejected.
func ed25519PublicToX25519(pub []byte) ([]byte, bool) {
	x, y, ok := edDecode(pub)
	if !ok {
		return nil, false
	}
	p := edPoint{x, y, big.NewInt(1)}
	if p.isIdentity() || !edScalarMult(edL, p).isIdentity() {
		return nil, false
	}
	num := new(big.Int).Add(big.NewInt(1), y)
	den := new(big.Int).Sub(big.NewInt(1), y)
	den.Mod(den, edP)
	inv := new(big.Int).ModInverse(den, edP) // y != 1, since p is not the identity
	if inv == nil {
		return nil, false
	}
	num.Mul(num, inv).Mod(num, edP)
	var be [32]byte
	num.FillBytes(be[:])
	out := make([]byte, 32)
	for i := range 32 {
		out[i] = be[31-i]
	}
	return out, true
}

// ed25519SeedToX25519 returns the X25519 private key of an Ed25519 seed:
// the first 32 bytes of SHA-512(seed), clamped. This is the Ed25519 secret
// scalar, so the X25519 public key of the result is the conversion of the
// Ed25519 public key.
func ed25519SeedToX25519(seed []byte) []byte {
	h := sha512.Sum512(seed)
	out := make([]byte, 32)
	copy(out, h[:32])
	clear(h[:])
	out[0] &= 248
	out[31] &= 127
	out[31] |= 64
	return out
}
