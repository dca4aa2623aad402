package paserk

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/paseto"
)

var versions = []paseto.Version{paseto.V2, paseto.V3, paseto.V4}

func genLocal(t testing.TB, v paseto.Version) *paseto.SymmetricKey {
	t.Helper()
	k, err := paseto.GenerateSymmetricKey(v)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func genSecret(t testing.TB, v paseto.Version) *paseto.SecretKey {
	t.Helper()
	k, err := paseto.GenerateSecretKey(v)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustEncode(t testing.TB, k paseto.Key) string {
	t.Helper()
	s, err := Encode(k)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %q", want)
	}
	if !errors.Is(err, want) {
		t.Fatalf("error %q, want %q", err, want)
	}
}

// data returns the part of a PASERK after its header.
func dataOf(s string) string { return s[strings.LastIndexByte(s, '.')+1:] }

func TestRoundTrip(t *testing.T) {
	for _, v := range versions {
		t.Run(v.String(), func(t *testing.T) {
			lk := genLocal(t, v)
			sk := genSecret(t, v)
			for _, k := range []paseto.Key{lk, sk, sk.Public()} {
				s := mustEncode(t, k)
				got, err := Parse(s)
				if err != nil {
					t.Fatal(err)
				}
				if again := mustEncode(t, got); again != s {
					t.Fatalf("Encode(Parse(s)) = %q, want %q", again, s)
				}
				id, err := ID(k)
				if err != nil || len(id) != len("k4.lid.")+44 {
					t.Fatalf("ID = %q, %v", id, err)
				}
			}
			if _, err := ParseLocal(v, mustEncode(t, lk)); err != nil {
				t.Fatal(err)
			}
			if _, err := ParsePublic(v, mustEncode(t, sk.Public())); err != nil {
				t.Fatal(err)
			}
			if _, err := ParseSecret(v, mustEncode(t, sk)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestTypeOf(t *testing.T) {
	for _, tc := range []struct {
		in   string
		v    paseto.Version
		typ  string
		want error
	}{
		{"k4.local.AAAA", paseto.V4, TypeLocal, nil},
		{"k2.public.", paseto.V2, TypePublic, nil},
		{"k3.secret-wrap.pie.x", paseto.V3, TypeSecretWrap, nil},
		{"k4.local-wrap.pie.", paseto.V4, TypeLocalWrap, nil},
		{"k4.seal.x", paseto.V4, TypeSeal, nil},
		{"k4.lid.x", paseto.V4, TypeLocalID, nil},
		{"k4.pid.x", paseto.V4, TypePublicID, nil},
		{"k4.sid.x", paseto.V4, TypeSecretID, nil},
		{"k4.local-pw.x", paseto.V4, TypeLocalPassword, nil},
		{"k3.secret-pw.x", paseto.V3, TypeSecretPassword, nil},
		{"k1.local.AAAA", 0, "", ErrUnsupported},
		{"k5.local.AAAA", 0, "", ErrUnsupported},
		{"k10.local.AAAA", 0, "", ErrUnsupported},
		{"k4.foo.AAAA", 0, "", ErrUnsupported},
		{"k4.local-wrap.aws-kms.AAAA", 0, "", ErrUnsupported},
		{"k1.secret-pw." + strings.Repeat("A", 2000), 0, "", ErrUnsupported},
		{"k4.local." + strings.Repeat("A", MaxLength), 0, "", ErrMalformed},
		{"", 0, "", ErrMalformed},
		{"k", 0, "", ErrMalformed},
		{"k4", 0, "", ErrMalformed},
		{"k4.", 0, "", ErrMalformed},
		{"k4.local", 0, "", ErrMalformed},
		{"k04.local.AAAA", 0, "", ErrMalformed},
		{"k0.local.AAAA", 0, "", ErrMalformed},
		{"K4.local.AAAA", 0, "", ErrMalformed},
		{"v4.local.AAAA", 0, "", ErrMalformed},
		{" k4.local.AAAA", 0, "", ErrMalformed},
		{"k4..AAAA", 0, "", ErrUnsupported},
		{"k4.LOCAL.AAAA", 0, "", ErrUnsupported},
		{"k4.local-wrap.pie", 0, "", ErrMalformed},
		{"kx.local.AAAA", 0, "", ErrMalformed},
		{"k1234.local.AAAA", 0, "", ErrMalformed},
	} {
		v, typ, err := TypeOf(tc.in)
		if tc.want != nil {
			if !errors.Is(err, tc.want) {
				t.Errorf("TypeOf(%.40q) error %v, want %v", tc.in, err, tc.want)
			}
			continue
		}
		if err != nil || v != tc.v || typ != tc.typ {
			t.Errorf("TypeOf(%q) = %v, %q, %v; want %v, %q", tc.in, v, typ, err, tc.v, tc.typ)
		}
	}
}

func TestParseBadInputs(t *testing.T) {
	k4 := genLocal(t, paseto.V4)
	good := mustEncode(t, k4) // k4.local. + 43 characters
	d := dataOf(good)
	// The last character of 32 bytes carries 4 bits of data and 2 unused
	// bits; make a string whose unused bits are set.
	last := strings.IndexByte(b64Alphabet, d[len(d)-1])
	trailing := good[:len(good)-1] + string(b64Alphabet[last|1])

	for _, tc := range []struct {
		name string
		in   string
		want error
	}{
		{"wrong version", "k3.local." + d, ErrWrongVersion},
		{"k1", "k1.local." + d, ErrWrongVersion},
		{"wrong type", "k4.public." + d, ErrWrongType},
		{"id is not a key", LocalID(k4), ErrWrongType},
		{"truncated", good[:len(good)-1], ErrMalformed},
		{"truncated by a byte", good[:len(good)-2], ErrMalformed},
		{"extra data", good + "AA", ErrMalformed},
		{"padded", good + "=", ErrMalformed},
		{"padded inside", good[:len(good)-1] + "=", ErrMalformed},
		{"standard base64", "k4.local." + strings.Repeat("+", 43), ErrMalformed},
		{"trailing bits", trailing, ErrMalformed},
		{"newline", good[:20] + "\n" + good[20:len(good)-1], ErrMalformed},
		{"carriage return", good[:20] + "\r" + good[20:len(good)-1], ErrMalformed},
		{"space", good[:20] + " " + good[20:len(good)-1], ErrMalformed},
		{"trailing dot", good + ".", ErrMalformed},
		{"empty data", "k4.local.", ErrMalformed},
		{"too long", "k4.local." + strings.Repeat("A", 2000), ErrMalformed},
		{"unknown type", "k4.foo." + d, ErrUnsupported},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseLocal(paseto.V4, tc.in)
			wantErr(t, err, tc.want)
			if strings.Contains(err.Error(), d) {
				t.Errorf("error %q contains the key", err)
			}
		})
	}
	if _, err := ParseLocal(paseto.Version(1), good); !errors.Is(err, ErrUnsupported) {
		t.Errorf("ParseLocal(1, ...) error %v, want ErrUnsupported", err)
	}
	// Parse names the same problems, but any supported version is fine.
	if _, err := Parse("k1.local." + d); !errors.Is(err, ErrUnsupported) {
		t.Errorf("Parse(k1) error %v", err)
	}
	for _, typ := range []string{"lid", "pid", "sid", "seal", "local-pw", "secret-pw", "local-wrap.pie", "secret-wrap.pie"} {
		if _, err := Parse("k4." + typ + "." + d); !errors.Is(err, ErrWrongType) {
			t.Errorf("Parse(k4.%s) error %v, want ErrWrongType", typ, err)
		}
	}
}

const b64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

func TestParseInvalidKeys(t *testing.T) {
	// A k3 public key must be a compressed point on P-384.
	notOnCurve := append([]byte{2}, bytes.Repeat([]byte{0xff}, 48)...) // x >= p
	for name, b := range map[string][]byte{
		"x not on curve": append([]byte{3}, mustDecodeHex(t, "707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9ea0")...),
		"x >= p":         notOnCurve,
		"prefix 4":       append([]byte{4}, make([]byte, 48)...),
		"prefix 0":       make([]byte, 49),
	} {
		s := encode(paseto.V3, TypePublic, b)
		if _, err := ParsePublic(paseto.V3, s); !errors.Is(err, paseto.ErrInvalidKey) {
			t.Errorf("%s: error %v, want paseto.ErrInvalidKey", name, err)
		}
		if _, err := Parse(s); !errors.Is(err, paseto.ErrInvalidKey) {
			t.Errorf("%s: Parse error %v, want paseto.ErrInvalidKey", name, err)
		}
	}
	// x = 0x70..0x9f with an even y is on the curve (k3.public-2); check
	// that the point used above really differs only by being off the curve.
	if _, err := ParsePublic(paseto.V3, "k3.public.AnBxcnN0dXZ3eHl6e3x9fn-AgYKDhIWGh4iJiouMjY6PkJGSk5SVlpeYmZqbnJ2enw"); err != nil {
		t.Fatal(err)
	}

	// A v2/v4 secret key whose public half does not match its seed.
	sk := genSecret(t, paseto.V4).Bytes()
	sk[63] ^= 1
	if _, err := ParseSecret(paseto.V4, encode(paseto.V4, TypeSecret, sk)); !errors.Is(err, paseto.ErrInvalidKey) {
		t.Errorf("mismatched public half: error %v", err)
	}
	// A v3 scalar of zero or at least the group order.
	for _, b := range [][]byte{make([]byte, 48), bytes.Repeat([]byte{0xff}, 48)} {
		if _, err := ParseSecret(paseto.V3, encode(paseto.V3, TypeSecret, b)); !errors.Is(err, paseto.ErrInvalidKey) {
			t.Errorf("invalid v3 scalar: error %v", err)
		}
	}
}

func mustDecodeHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestNilAndZeroKeys(t *testing.T) {
	var nl *paseto.SymmetricKey
	var np *paseto.PublicKey
	var ns *paseto.SecretKey
	for _, k := range []paseto.Key{nil, nl, np, ns, &paseto.SymmetricKey{}, &paseto.PublicKey{}, &paseto.SecretKey{}} {
		if _, err := Encode(k); !errors.Is(err, paseto.ErrInvalidKey) {
			t.Errorf("Encode(%#v) error %v", k, err)
		}
		if _, err := ID(k); !errors.Is(err, paseto.ErrInvalidKey) {
			t.Errorf("ID(%#v) error %v", k, err)
		}
	}
	if LocalID(nl) != "" || PublicID(np) != "" || SecretID(ns) != "" || LocalID(&paseto.SymmetricKey{}) != "" {
		t.Error("typed IDs of nil keys are not empty")
	}
	k := genLocal(t, paseto.V4)
	sk := genSecret(t, paseto.V4)
	checks := map[string]error{}
	_, checks["WrapLocal nil key"] = WrapLocal(nil, k)
	_, checks["WrapLocal nil wrapping key"] = WrapLocal(k, nil)
	_, checks["UnwrapLocal nil"] = UnwrapLocal("k4.local-wrap.pie.x", nil)
	_, checks["WrapSecret nil"] = WrapSecret(nil, k)
	_, checks["UnwrapSecret nil"] = UnwrapSecret("k4.secret-wrap.pie.x", &paseto.SymmetricKey{})
	_, checks["Seal nil key"] = Seal(nil, sk.Public())
	_, checks["Seal nil recipient"] = Seal(k, nil)
	_, checks["Unseal nil"] = Unseal("k4.seal.x", nil)
	_, checks["PasswordWrapLocal nil"] = PasswordWrapLocal(nil, []byte("pw"), smallParams)
	_, checks["PasswordWrapSecret zero"] = PasswordWrapSecret(&paseto.SecretKey{}, []byte("pw"), smallParams)
	for name, err := range checks {
		if !errors.Is(err, paseto.ErrInvalidKey) {
			t.Errorf("%s: error %v, want paseto.ErrInvalidKey", name, err)
		}
	}
}

func TestIDsDifferByVersionAndType(t *testing.T) {
	seen := map[string]bool{}
	add := func(id string) {
		h := dataOf(id)
		if seen[h] {
			t.Errorf("hash of %s repeats across versions or types", id)
		}
		seen[h] = true
	}
	for _, v := range versions {
		// The same 32 bytes as a key of each version.
		k, _ := paseto.NewSymmetricKey(v, make([]byte, 32))
		add(LocalID(k))
		sk := genSecret(t, v)
		add(SecretID(sk))
		add(PublicID(sk.Public()))
	}
}

func TestWrap(t *testing.T) {
	for _, v := range versions {
		t.Run(v.String(), func(t *testing.T) {
			k, wk, other := genLocal(t, v), genLocal(t, v), genLocal(t, v)
			sk := genSecret(t, v)
			ls, err := WrapLocal(k, wk)
			if err != nil {
				t.Fatal(err)
			}
			ss, err := WrapSecret(sk, wk)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := UnwrapLocal(ls, wk); err != nil || !got.Equal(k) {
				t.Fatalf("UnwrapLocal: %v, %v", got, err)
			}
			if got, err := UnwrapSecret(ss, wk); err != nil || !got.Equal(sk) {
				t.Fatalf("UnwrapSecret: %v, %v", got, err)
			}
			again, _ := WrapLocal(k, wk)
			if again == ls {
				t.Error("two wraps of a key are equal; the nonce is not random")
			}

			// Wrong wrapping key.
			_, err = UnwrapLocal(ls, other)
			wantErr(t, err, ErrInvalidMAC)
			_, err = UnwrapSecret(ss, other)
			wantErr(t, err, ErrInvalidMAC)
			// Wrong type: the local/secret header is authenticated too.
			_, err = UnwrapSecret(ls, wk)
			wantErr(t, err, ErrWrongType)
			_, err = UnwrapLocal(ss, wk)
			wantErr(t, err, ErrWrongType)
			_, err = UnwrapLocal(strings.Replace(ls, "local-wrap", "secret-wrap", 1), wk)
			wantErr(t, err, ErrWrongType)
			// Unknown protocol.
			_, err = UnwrapLocal(strings.Replace(ls, ".pie.", ".pae.", 1), wk)
			wantErr(t, err, ErrUnsupported)
			// Every flipped bit of the data is detected.
			raw, _ := b64.DecodeString(dataOf(ls))
			for i := range raw {
				bad := bytes.Clone(raw)
				bad[i] ^= 0x10
				_, err := UnwrapLocal(prefix(v, TypeLocalWrap)+b64.EncodeToString(bad), wk)
				if !errors.Is(err, ErrInvalidMAC) {
					t.Fatalf("flipped byte %d: error %v", i, err)
				}
			}
			// Truncated and extended.
			_, err = UnwrapLocal(ls[:len(ls)-4], wk)
			wantErr(t, err, ErrMalformed)
			_, err = UnwrapLocal(ls+"AAAA", wk)
			wantErr(t, err, ErrMalformed)
			_, err = UnwrapLocal(ls+"=", wk)
			wantErr(t, err, ErrMalformed)
			// A key cannot wrap itself.
			_, err = WrapLocal(k, k)
			wantErr(t, err, paseto.ErrInvalidKey)
		})
	}
}

func TestWrapVersionBinding(t *testing.T) {
	for _, v := range versions {
		for _, w := range versions {
			if v == w {
				continue
			}
			k, wk := genLocal(t, v), genLocal(t, w)
			_, err := WrapLocal(k, wk)
			wantErr(t, err, ErrWrongVersion)
			_, err = WrapSecret(genSecret(t, v), wk)
			wantErr(t, err, ErrWrongVersion)

			// A string of version v, unwrapped with a key of version w,
			// even when the data has the length w expects.
			wv := genLocal(t, v)
			s, err := WrapLocal(k, wv)
			if err != nil {
				t.Fatal(err)
			}
			_, err = UnwrapLocal(s, wk)
			wantErr(t, err, ErrWrongVersion)
			fake := prefix(v, TypeLocalWrap) + dataOf(mustWrapLocal(t, genLocal(t, w), wk))
			_, err = UnwrapLocal(fake, wk)
			wantErr(t, err, ErrWrongVersion)
			// The header is authenticated: relabelling a string of version w
			// as v and unwrapping with a key of version v fails.
			_, err = UnwrapLocal(fake, wv)
			if err == nil {
				t.Fatal("relabelled string unwrapped")
			}
		}
	}
}

func mustWrapLocal(t *testing.T, k, wk *paseto.SymmetricKey) string {
	t.Helper()
	s, err := WrapLocal(k, wk)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSeal(t *testing.T) {
	for _, v := range versions {
		t.Run(v.String(), func(t *testing.T) {
			k := genLocal(t, v)
			sk, other := genSecret(t, v), genSecret(t, v)
			s, err := Seal(k, sk.Public())
			if err != nil {
				t.Fatal(err)
			}
			if got, err := Unseal(s, sk); err != nil || !got.Equal(k) {
				t.Fatalf("Unseal: %v, %v", got, err)
			}
			_, err = Unseal(s, other)
			wantErr(t, err, ErrInvalidMAC)
			raw, _ := b64.DecodeString(dataOf(s))
			ts, es := sealTagSize(v), sealEPKSize(v)
			for i := range raw {
				bad := bytes.Clone(raw)
				bad[i] ^= 0x01
				_, err := Unseal(prefix(v, TypeSeal)+b64.EncodeToString(bad), sk)
				if err == nil {
					t.Fatalf("flipped byte %d accepted", i)
				}
				// A changed ephemeral key may no longer be a valid point.
				if !errors.Is(err, ErrInvalidMAC) && !(i >= ts && i < ts+es && errors.Is(err, ErrMalformed)) {
					t.Fatalf("flipped byte %d: error %v", i, err)
				}
			}
			for _, w := range versions {
				if w == v {
					continue
				}
				_, err = Seal(k, genSecret(t, w).Public())
				wantErr(t, err, ErrWrongVersion)
				_, err = Unseal(s, genSecret(t, w))
				wantErr(t, err, ErrWrongVersion)
			}
			_, err = Unseal(strings.Replace(s, "seal", "local-pw", 1), sk)
			wantErr(t, err, ErrWrongType)
			_, err = Unseal(s[:len(s)-3], sk)
			wantErr(t, err, ErrMalformed)
		})
	}
}

// TestUnsealBadEphemeralKey checks that an ephemeral key that is not a
// valid point, or of low order, is rejected before the tag is computed.
func TestUnsealBadEphemeralKey(t *testing.T) {
	for _, v := range []paseto.Version{paseto.V2, paseto.V4} {
		sk := genSecret(t, v)
		s, _ := Seal(genLocal(t, v), sk.Public())
		raw, _ := b64.DecodeString(dataOf(s))
		for _, epk := range []string{
			"0000000000000000000000000000000000000000000000000000000000000000", // u = 0
			"0100000000000000000000000000000000000000000000000000000000000000", // u = 1, order 4
			"e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800", // order 8
			"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // u = p - 1
		} {
			copy(raw[32:64], mustDecodeHex(t, epk))
			_, err := Unseal(prefix(v, TypeSeal)+b64.EncodeToString(raw), sk)
			wantErr(t, err, ErrMalformed)
		}
	}
	sk := genSecret(t, paseto.V3)
	s, _ := Seal(genLocal(t, paseto.V3), sk.Public())
	raw, _ := b64.DecodeString(dataOf(s))
	for _, epk := range [][]byte{
		append([]byte{2}, bytes.Repeat([]byte{0xff}, 48)...),
		append([]byte{4}, make([]byte, 48)...),
		make([]byte, 49),
	} {
		copy(raw[48:97], epk)
		_, err := Unseal(prefix(paseto.V3, TypeSeal)+b64.EncodeToString(raw), sk)
		wantErr(t, err, ErrMalformed)
	}
}

// TestSealRejectsBadRecipients checks the Ed25519 to X25519 conversion's
// validation through Seal.
func TestSealRejectsBadRecipients(t *testing.T) {
	for _, v := range []paseto.Version{paseto.V2, paseto.V4} {
		k := genLocal(t, v)
		bad := append(smallOrderEncodings(t), nonCanonicalEncodings...)
		bad = append(bad, torsionedPublicKey(t), offCurveEncoding(t))
		for _, h := range bad {
			pk, err := paseto.NewPublicKey(v, mustDecodeHex(t, h))
			if err != nil {
				t.Fatal(err)
			}
			_, err = Seal(k, pk)
			wantErr(t, err, paseto.ErrInvalidKey)
		}
	}
}

func TestPasswordWrap(t *testing.T) {
	pw := []byte("correct horse battery staple")
	for _, v := range versions {
		t.Run(v.String(), func(t *testing.T) {
			k := genLocal(t, v)
			sk := genSecret(t, v)
			ls, err := PasswordWrapLocal(k, pw, smallParams)
			if err != nil {
				t.Fatal(err)
			}
			ss, err := PasswordWrapSecret(sk, pw, smallParams)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := PasswordUnwrapLocal(v, ls, pw, PasswordParams{}); err != nil || !got.Equal(k) {
				t.Fatalf("PasswordUnwrapLocal: %v, %v", got, err)
			}
			if got, err := PasswordUnwrapSecret(v, ss, pw, PasswordParams{}); err != nil || !got.Equal(sk) {
				t.Fatalf("PasswordUnwrapSecret: %v, %v", got, err)
			}
			_, err = PasswordUnwrapLocal(v, ls, []byte("correct horse battery stapler"), PasswordParams{})
			wantErr(t, err, ErrInvalidMAC)
			_, err = PasswordUnwrapSecret(v, ls, pw, PasswordParams{})
			wantErr(t, err, ErrWrongType)
			for _, w := range versions {
				if w != v {
					_, err = PasswordUnwrapLocal(w, ls, pw, PasswordParams{})
					wantErr(t, err, ErrWrongVersion)
				}
			}

			// The stored parameters are authenticated: raising one gives a
			// different key, so the tag fails.
			raw, _ := b64.DecodeString(dataOf(ls))
			if v == paseto.V3 {
				binary.BigEndian.PutUint32(raw[32:], smallParams.Iterations+1)
			} else {
				binary.BigEndian.PutUint32(raw[24:], smallParams.Time+1)
			}
			_, err = PasswordUnwrapLocal(v, prefix(v, TypeLocalPassword)+b64.EncodeToString(raw), pw, PasswordParams{})
			wantErr(t, err, ErrInvalidMAC)

			// A tampered nonce, ciphertext or tag.
			for _, i := range []int{0, edkOffset(v) - 1, edkOffset(v), len(raw) - 1} {
				raw, _ := b64.DecodeString(dataOf(ls))
				raw[i] ^= 0x04
				_, err = PasswordUnwrapLocal(v, prefix(v, TypeLocalPassword)+b64.EncodeToString(raw), pw, PasswordParams{})
				wantErr(t, err, ErrInvalidMAC)
			}

			// Errors carry neither the password nor the key.
			_, err = PasswordUnwrapLocal(v, ls, []byte("hunter2hunter2"), PasswordParams{})
			if msg := err.Error(); strings.Contains(msg, "hunter2") || strings.Contains(msg, dataOf(ls)) {
				t.Errorf("error %q leaks input", msg)
			}
		})
	}
}

func TestPasswordParamsOnWrap(t *testing.T) {
	pw := []byte("pw")
	k4, k3 := genLocal(t, paseto.V4), genLocal(t, paseto.V3)
	for _, tc := range []struct {
		name string
		k    *paseto.SymmetricKey
		pw   []byte
		p    PasswordParams
		want error
	}{
		{"empty password", k4, nil, smallParams, ErrInvalidParams},
		{"memory not whole KiB", k4, pw, PasswordParams{Memory: 64<<10 + 1, Time: 1}, ErrInvalidParams},
		{"memory below 8 KiB", k4, pw, PasswordParams{Memory: 4 << 10, Time: 1}, ErrInvalidParams},
		{"memory below 8 KiB per lane", k4, pw, PasswordParams{Memory: 16 << 10, Time: 1, Parallelism: 4}, ErrInvalidParams},
		{"memory above max", k4, pw, PasswordParams{Memory: 2 << 30}, ErrParamsTooExpensive},
		{"time above max", k4, pw, PasswordParams{Memory: 64 << 10, Time: 100}, ErrParamsTooExpensive},
		{"parallelism above max", k4, pw, PasswordParams{Memory: 64 << 20, Time: 1, Parallelism: 17}, ErrParamsTooExpensive},
		{"iterations below 1000", k3, pw, PasswordParams{Iterations: 999}, ErrInvalidParams},
		{"iterations above max", k3, pw, PasswordParams{Iterations: 10_000_000}, ErrParamsTooExpensive},
	} {
		t.Run(tc.name, func(t *testing.T) {
			noKDF(t)
			_, err := PasswordWrapLocal(tc.k, tc.pw, tc.p)
			wantErr(t, err, tc.want)
		})
	}
	// Fields of the other algorithm are ignored.
	if _, err := PasswordWrapLocal(k3, pw, PasswordParams{Memory: 1, Time: 1000, Iterations: 1000}); err != nil {
		t.Errorf("k3 wrap with Argon2 fields set: %v", err)
	}
	if _, err := PasswordWrapLocal(k4, pw, PasswordParams{Memory: 8 << 10, Time: 1, Iterations: 1}); err != nil {
		t.Errorf("k4 wrap with Iterations set: %v", err)
	}
}

func TestPasswordDefaults(t *testing.T) {
	var gotT, gotM uint32
	var gotP uint8
	var gotI int
	defer swapKDFs(
		func(pw, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte {
			gotT, gotM, gotP = time, memory, threads
			return make([]byte, keyLen)
		},
		func(pw, salt []byte, iter int) ([]byte, error) {
			gotI = iter
			return make([]byte, 32), nil
		})()
	s, err := PasswordWrapLocal(genLocal(t, paseto.V4), []byte("pw"), PasswordParams{})
	if err != nil {
		t.Fatal(err)
	}
	if gotT != 2 || gotM != 64<<10 || gotP != 1 {
		t.Errorf("Argon2id ran with t=%d m=%d KiB p=%d", gotT, gotM, gotP)
	}
	raw, _ := b64.DecodeString(dataOf(s))
	if p := pwParams(paseto.V4, raw); p != (PasswordParams{Memory: 64 << 20, Time: 2, Parallelism: 1}) {
		t.Errorf("stored parameters %+v", p)
	}
	if _, err := PasswordWrapLocal(genLocal(t, paseto.V3), []byte("pw"), PasswordParams{}); err != nil {
		t.Fatal(err)
	}
	if gotI != 210_000 {
		t.Errorf("PBKDF2 ran with %d iterations", gotI)
	}
	// Partial parameters: the zero fields are defaulted.
	if _, err := PasswordWrapLocal(genLocal(t, paseto.V4), []byte("pw"), PasswordParams{Time: 3}); err != nil {
		t.Fatal(err)
	}
	if gotT != 3 || gotM != 64<<10 || gotP != 1 {
		t.Errorf("Argon2id ran with t=%d m=%d KiB p=%d", gotT, gotM, gotP)
	}
}

// swapKDFs replaces the KDFs and returns a function that restores them.
// Tests that use it must not run in parallel with other password tests.
func swapKDFs(a func([]byte, []byte, uint32, uint32, uint8, uint32) []byte, p func([]byte, []byte, int) ([]byte, error)) func() {
	oldA, oldP := argon2idKey, pbkdf2SHA384
	argon2idKey, pbkdf2SHA384 = a, p
	return func() { argon2idKey, pbkdf2SHA384 = oldA, oldP }
}

// noKDF makes any KDF run fail the test, until the test ends.
func noKDF(t *testing.T) {
	t.Helper()
	t.Cleanup(swapKDFs(
		func([]byte, []byte, uint32, uint32, uint8, uint32) []byte {
			t.Error("Argon2id ran")
			return make([]byte, 32)
		},
		func([]byte, []byte, int) ([]byte, error) {
			t.Error("PBKDF2 ran")
			return make([]byte, 32), nil
		}))
}

// hostilePW builds a password-wrapped PASERK of version v with the given
// parameters and random salt, nonce, ciphertext and tag.
func hostilePW(v paseto.Version, p PasswordParams) string {
	raw := bytes.Repeat([]byte{0x5a}, pwSize(v, localSize))
	if v == paseto.V3 {
		binary.BigEndian.PutUint32(raw[32:], p.Iterations)
	} else {
		binary.BigEndian.PutUint64(raw[16:], p.Memory)
		binary.BigEndian.PutUint32(raw[24:], p.Time)
		binary.BigEndian.PutUint32(raw[28:], p.Parallelism)
	}
	return prefix(v, TypeLocalPassword) + b64.EncodeToString(raw)
}

// TestPasswordUnwrapLimits checks that the parameters of a string are
// checked before the KDF runs: the KDFs are replaced by functions that fail
// the test, and each case must also return at once.
func TestPasswordUnwrapLimits(t *testing.T) {
	tight := PasswordParams{Memory: 64 << 10, Time: 1, Parallelism: 1, Iterations: 1000}
	for _, tc := range []struct {
		name   string
		v      paseto.Version
		p      PasswordParams
		limits PasswordParams
		want   error
	}{
		{"1 TiB memory", paseto.V4, PasswordParams{Memory: 1 << 40, Time: 1, Parallelism: 1}, PasswordParams{}, ErrParamsTooExpensive},
		{"max uint64 memory", paseto.V2, PasswordParams{Memory: 1<<64 - 1, Time: 1, Parallelism: 1}, PasswordParams{}, ErrParamsTooExpensive},
		{"memory beyond any limit", paseto.V4, PasswordParams{Memory: 1 << 60, Time: 1, Parallelism: 1}, PasswordParams{Memory: 1<<64 - 1}, ErrParamsTooExpensive},
		{"memory above caller limit", paseto.V4, PasswordParams{Memory: 128 << 10, Time: 1, Parallelism: 1}, tight, ErrParamsTooExpensive},
		{"time", paseto.V4, PasswordParams{Memory: 64 << 10, Time: 1 << 31, Parallelism: 1}, PasswordParams{}, ErrParamsTooExpensive},
		{"time above caller limit", paseto.V4, PasswordParams{Memory: 64 << 10, Time: 2, Parallelism: 1}, tight, ErrParamsTooExpensive},
		{"parallelism", paseto.V4, PasswordParams{Memory: 64 << 20, Time: 1, Parallelism: 1 << 20}, PasswordParams{}, ErrParamsTooExpensive},
		{"parallelism beyond uint8", paseto.V4, PasswordParams{Memory: 64 << 20, Time: 1, Parallelism: 256}, PasswordParams{Parallelism: 1 << 30}, ErrParamsTooExpensive},
		{"iterations", paseto.V3, PasswordParams{Iterations: 1<<32 - 1}, PasswordParams{}, ErrParamsTooExpensive},
		{"iterations above caller limit", paseto.V3, PasswordParams{Iterations: 1001}, tight, ErrParamsTooExpensive},
		{"zero time", paseto.V4, PasswordParams{Memory: 64 << 10, Parallelism: 1}, PasswordParams{}, ErrInvalidParams},
		{"zero parallelism", paseto.V4, PasswordParams{Memory: 64 << 10, Time: 1}, PasswordParams{}, ErrInvalidParams},
		{"memory below 8 KiB per lane", paseto.V4, PasswordParams{Memory: 8 << 10, Time: 1, Parallelism: 2}, PasswordParams{}, ErrInvalidParams},
		{"zero memory", paseto.V4, PasswordParams{Time: 1, Parallelism: 1}, PasswordParams{}, ErrInvalidParams},
		{"zero iterations", paseto.V3, PasswordParams{}, PasswordParams{}, ErrInvalidParams},
	} {
		t.Run(tc.name, func(t *testing.T) {
			noKDF(t)
			s := hostilePW(tc.v, tc.p)
			start := time.Now()
			_, err := PasswordUnwrapLocal(tc.v, s, []byte("pw"), tc.limits)
			wantErr(t, err, tc.want)
			if d := time.Since(start); d > 100*time.Millisecond {
				t.Errorf("took %v", d)
			}
		})
	}
	// Within the limits the KDF does run (and the random tag then fails).
	ran := false
	defer swapKDFs(
		func(pw, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte {
			ran = true
			return make([]byte, keyLen)
		}, nil)()
	_, err := PasswordUnwrapLocal(paseto.V4, hostilePW(paseto.V4, tight), []byte("pw"), tight)
	wantErr(t, err, ErrInvalidMAC)
	if !ran {
		t.Error("the KDF did not run for parameters within the limits")
	}
}

func TestMaxPasswordParams(t *testing.T) {
	m := MaxPasswordParams()
	if m.Memory != 1<<30 || m.Time != 8 || m.Parallelism != 16 || m.Iterations != 5_000_000 {
		t.Errorf("MaxPasswordParams = %+v", m)
	}
	d := DefaultPasswordParams()
	if d.Memory > m.Memory || d.Time > m.Time || d.Parallelism > m.Parallelism || d.Iterations > m.Iterations {
		t.Error("defaults exceed the maximum")
	}
	// A string at exactly the default limits is accepted up to the KDF.
	ran := 0
	defer swapKDFs(
		func(pw, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte {
			ran++
			return make([]byte, keyLen)
		},
		func(pw, salt []byte, iter int) ([]byte, error) {
			ran++
			return make([]byte, 32), nil
		})()
	for _, v := range versions {
		_, err := PasswordUnwrapLocal(v, hostilePW(v, m), []byte("pw"), PasswordParams{})
		wantErr(t, err, ErrInvalidMAC)
	}
	if ran != 3 {
		t.Errorf("KDF ran %d times, want 3", ran)
	}
}

// TestVersionBoundEverywhere runs every key-bound operation with a key of
// another version than the string and checks that none runs.
func TestVersionBoundEverywhere(t *testing.T) {
	noKDF(t)
	pw := []byte("pw")
	for _, v := range versions {
		for _, w := range versions {
			if v == w {
				continue
			}
			wk := genLocal(t, w)
			sk := genSecret(t, w)
			for name, s := range map[string]string{
				"local":      mustEncode(t, genLocal(t, v)),
				"local-wrap": prefix(v, TypeLocalWrap) + strings.Repeat("A", 200),
				"seal":       prefix(v, TypeSeal) + strings.Repeat("A", 200),
				"local-pw":   hostilePW(v, PasswordParams{Memory: 1 << 40, Time: 1, Parallelism: 1, Iterations: 1000}),
			} {
				var err error
				switch name {
				case "local":
					_, err = ParseLocal(w, s)
				case "local-wrap":
					_, err = UnwrapLocal(s, wk)
				case "seal":
					_, err = Unseal(s, sk)
				case "local-pw":
					_, err = PasswordUnwrapLocal(w, s, pw, PasswordParams{})
				}
				if !errors.Is(err, ErrWrongVersion) {
					t.Errorf("%s k%d with a %v key: error %v", name, v, w, err)
				}
			}
		}
	}
}
