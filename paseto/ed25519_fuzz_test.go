package paseto

import (
	"crypto/ed25519"
	"errors"
	"testing"
)

// edOrderL is the order of the Ed25519 base point, ℓ = 2^252 +
// 27742317777372353535851937790883648493, little-endian.
var edOrderL = [32]byte{
	0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
}

// addL adds ℓ to the scalar s (32 bytes, little-endian) in place, modulo
// 2^256: for a canonical S it gives the same scalar, non-canonically
// encoded, which both verifiers must refuse.
func addL(s []byte) {
	var carry uint16
	for i := range 32 {
		carry += uint16(s[i]) + uint16(edOrderL[i])
		s[i] = byte(carry)
		carry >>= 8
	}
}

// edSpecialPoints are encodings where Ed25519 implementations disagree:
// small-order points, non-canonical encodings, and the keys and R values
// of the speccheck edge cases.
func edSpecialPoints(tb testing.TB) [][]byte {
	pts := [][]byte{
		unhex(tb, "0100000000000000000000000000000000000000000000000000000000000000"), // identity
		unhex(tb, "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"), // y = -1, order 2
		unhex(tb, "0000000000000000000000000000000000000000000000000000000000000000"), // y = 0, order 4
		unhex(tb, "0000000000000000000000000000000000000000000000000000000000000080"), // y = 0, sign set
		unhex(tb, "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"), // y = p+1: non-canonical identity
		unhex(tb, "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"), // y = p: non-canonical 0
		unhex(tb, "0100000000000000000000000000000000000000000000000000000000000080"), // identity, sign set
	}
	vs, _ := speccheckEd25519(tb)
	for _, v := range vs {
		pts = append(pts, v.pub, v.sig[:32])
	}
	return pts
}

// FuzzEd25519Differential holds the table verifier to crypto/ed25519's
// answer on mutated keys, messages and signatures, directly and through a
// whole v2 and v4 public token. op chooses how the fuzzer's bytes are
// used:
//
//   - bit 0x80: pub is a seed; the message is signed with it, so that
//     mutations start from a valid signature;
//   - bits 0x03: 1 adds ℓ to S (non-canonical S), 2 replaces the key and
//     3 replaces R with a special point (small order or non-canonical)
//     chosen by bits 0x7c;
//   - flip, when non-zero, XORs one bit of the signature (index flip>>3).
func FuzzEd25519Differential(f *testing.F) {
	add := func(vs []edVector) {
		for _, v := range vs {
			f.Add(v.pub, v.msg, v.sig, byte(0), uint16(0))
		}
	}
	w, _ := wycheproofEd25519(f)
	add(w)
	s, _ := speccheckEd25519(f)
	add(s)
	p, _ := pasetoEd25519(f)
	add(p)
	for op := range 8 {
		f.Add(p[0].pub, p[0].msg, p[0].sig, byte(op), uint16(0))
		f.Add(make([]byte, 32), []byte(`{"sub":"x"}`), make([]byte, 64), byte(0x80|op), uint16(op*8+1))
	}
	special := edSpecialPoints(f)

	f.Fuzz(func(t *testing.T, pub, msg, sig []byte, op byte, flip uint16) {
		var key [32]byte
		copy(key[:], pub)
		pub = key[:]
		if op&0x80 != 0 {
			priv := ed25519.NewKeyFromSeed(pub)
			pub = priv.Public().(ed25519.PublicKey)
			sig = ed25519.Sign(priv, msg)
		}
		if len(sig) == 64 {
			sig = append([]byte(nil), sig...)
			pt := special[int(op>>2&0x1f)%len(special)]
			switch op & 3 {
			case 1:
				addL(sig[32:])
			case 2:
				pub = pt
			case 3:
				copy(sig[:32], pt)
			}
			if flip != 0 {
				sig[int(flip>>3)%64] ^= 1 << (flip & 7)
			}
		}
		checkEd25519Same(t, edVector{name: "fuzz", pub: pub, msg: msg, sig: sig})

		if len(sig) != 64 || len(msg) > 16<<10 {
			return
		}
		body := append(append([]byte(nil), msg...), sig...)
		for _, v := range []Version{V2, V4} {
			h := header(v, Public)
			var m2 []byte
			if v == V2 {
				m2 = pae([]byte(h), msg, nil)
			} else {
				m2 = pae([]byte(h), msg, nil, nil)
			}
			want := ed25519.Verify(pub, m2, sig)
			k, err := NewPublicKey(v, pub)
			if err != nil {
				t.Fatal(err)
			}
			tok := h + b64.EncodeToString(body)
			payload, _, err := Verify(k, tok, nil)
			switch {
			case err == nil && !want:
				t.Fatalf("%s token accepted, crypto/ed25519 rejects its signature", v)
			case err != nil && want:
				t.Fatalf("%s token rejected (%v), crypto/ed25519 accepts its signature", v, err)
			case err != nil && !errors.Is(err, ErrInvalidSignature):
				t.Fatalf("%s token: unexpected error %v", v, err)
			case err == nil && string(payload) != string(msg):
				t.Fatalf("%s token: payload changed", v)
			}
		}
	})
}
