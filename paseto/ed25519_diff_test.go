package paseto

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// edVector is one Ed25519 verification case: a public key, a message and a
// signature, any of which may be malformed.
type edVector struct {
	name          string
	pub, msg, sig []byte
}

func readEd25519File(tb testing.TB, name string) []byte {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("..", "testdata", "ed25519", name))
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

func unhex(tb testing.TB, s string) []byte {
	tb.Helper()
	return mustHex(tb, s)
}

// wycheproofEd25519 loads Wycheproof's Ed25519 tests, with the expected
// result ("valid" or "invalid") of each.
func wycheproofEd25519(tb testing.TB) (vs []edVector, valid []bool) {
	var file struct {
		NumberOfTests int `json:"numberOfTests"`
		TestGroups    []struct {
			PublicKey struct {
				PK string `json:"pk"`
			} `json:"publicKey"`
			Tests []struct {
				TCID    int    `json:"tcId"`
				Comment string `json:"comment"`
				Msg     string `json:"msg"`
				Sig     string `json:"sig"`
				Result  string `json:"result"`
			} `json:"tests"`
		} `json:"testGroups"`
	}
	if err := json.Unmarshal(readEd25519File(tb, "wycheproof_ed25519_test.json"), &file); err != nil {
		tb.Fatal(err)
	}
	for _, g := range file.TestGroups {
		pub := unhex(tb, g.PublicKey.PK)
		for _, tc := range g.Tests {
			vs = append(vs, edVector{
				name: "wycheproof/" + strconv.Itoa(tc.TCID),
				pub:  pub, msg: unhex(tb, tc.Msg), sig: unhex(tb, tc.Sig),
			})
			valid = append(valid, tc.Result == "valid")
		}
	}
	if len(vs) != 151 || file.NumberOfTests != 151 {
		tb.Fatalf("read %d Wycheproof tests (file says %d), want 151", len(vs), file.NumberOfTests)
	}
	return vs, valid
}

// speccheckEd25519 loads the ed25519-speccheck edge cases and, from its
// results table, which of them Go's crypto/ed25519 accepted when the table
// was made.
func speccheckEd25519(tb testing.TB) (vs []edVector, goAccepts []bool) {
	var cases []struct {
		Message   string `json:"message"`
		PubKey    string `json:"pub_key"`
		Signature string `json:"signature"`
	}
	if err := json.Unmarshal(readEd25519File(tb, "speccheck_cases.json"), &cases); err != nil {
		tb.Fatal(err)
	}
	for i, c := range cases {
		vs = append(vs, edVector{
			name: "speccheck/" + strconv.Itoa(i),
			pub:  unhex(tb, c.PubKey), msg: unhex(tb, c.Message), sig: unhex(tb, c.Signature),
		})
	}
	sc := bufio.NewScanner(bytes.NewReader(readEd25519File(tb, "speccheck_results.md")))
	for sc.Scan() {
		cells := strings.Split(sc.Text(), "|")
		if len(cells) < 3 || strings.TrimSpace(cells[1]) != "Go" {
			continue
		}
		for _, c := range cells[2:] {
			switch strings.TrimSpace(c) {
			case "V":
				goAccepts = append(goAccepts, true)
			case "X":
				goAccepts = append(goAccepts, false)
			}
		}
	}
	if len(vs) != 12 || len(goAccepts) != 12 {
		tb.Fatalf("read %d speccheck cases and %d results for Go, want 12 and 12", len(vs), len(goAccepts))
	}
	return vs, goAccepts
}

// pasetoEd25519 turns the official v2 and v4 public token vectors into
// Ed25519 cases: the vector's key, the PAE the token signs and its
// signature. ok is whether the vector expects the signature to verify.
func pasetoEd25519(tb testing.TB) (vs []edVector, ok []bool) {
	for _, v := range []Version{V2, V4} {
		h := header(v, Public)
		for _, tv := range loadTokenVectors(tb, v) {
			if tv.PublicKey == "" || !strings.HasPrefix(tv.Token, h) {
				continue // local vectors, and public ones for another version
			}
			body, footer, err := (*Parser)(nil).decodeParts(tv.Token[len(h):])
			if err != nil || len(body) < ed25519.SignatureSize {
				continue // malformed on purpose; the parser rejects it before any signature check
			}
			m, sig := body[:len(body)-64], body[len(body)-64:]
			var m2 []byte
			if v == V2 {
				m2 = pae([]byte(h), m, footer)
			} else {
				m2 = pae([]byte(h), m, footer, []byte(tv.Implicit))
			}
			vs = append(vs, edVector{name: "paseto/" + tv.Name, pub: unhex(tb, tv.PublicKey), msg: m2, sig: sig})
			ok = append(ok, !tv.ExpectFail)
		}
	}
	if len(vs) < 4 {
		tb.Fatalf("only %d PASETO public vectors", len(vs))
	}
	return vs, ok
}

// checkEd25519Same fails t unless the table verifier and crypto/ed25519
// give the same answer on v, for both versions that use Ed25519, and
// returns that answer.
func checkEd25519Same(t testing.TB, v edVector) bool {
	t.Helper()
	if len(v.pub) != ed25519.PublicKeySize {
		// NewPublicKey refuses it, so no table verifier ever sees it.
		if _, err := NewPublicKey(V4, v.pub); !errors.Is(err, ErrInvalidKey) {
			t.Fatalf("%s: NewPublicKey accepted a %d-byte key", v.name, len(v.pub))
		}
		return false
	}
	want := ed25519.Verify(v.pub, v.msg, v.sig)
	for _, ver := range []Version{V2, V4} {
		k, err := NewPublicKey(ver, v.pub)
		if err != nil {
			t.Fatal(err)
		}
		if got := k.verifyEd25519(v.msg, v.sig); got != want {
			t.Fatalf("%s (%s key, table=%t): table verifier says %t, crypto/ed25519 says %t\npub %x\nmsg %x\nsig %x",
				v.name, ver, k.edTable != nil, got, want, v.pub, v.msg, v.sig)
		}
	}
	return want
}

func TestEd25519Differential(t *testing.T) {
	t.Run("wycheproof", func(t *testing.T) {
		vs, valid := wycheproofEd25519(t)
		for i, v := range vs {
			if got := checkEd25519Same(t, v); got != valid[i] {
				t.Errorf("%s: both verifiers say %t, Wycheproof expects %t", v.name, got, valid[i])
			}
		}
	})
	t.Run("speccheck", func(t *testing.T) {
		vs, goAccepts := speccheckEd25519(t)
		tables := 0
		for i, v := range vs {
			if got := checkEd25519Same(t, v); got != goAccepts[i] {
				t.Errorf("%s: both verifiers say %t, speccheck recorded %t for Go", v.name, got, goAccepts[i])
			}
			if k, _ := NewPublicKey(V4, v.pub); k.edTable != nil {
				tables++
			}
		}
		// The edge cases must reach the table verifier, not only the
		// standard-library fallback for keys that are not points.
		if tables < 10 {
			t.Errorf("only %d of 12 speccheck keys got a table", tables)
		}
	})
	t.Run("paseto", func(t *testing.T) {
		vs, ok := pasetoEd25519(t)
		for i, v := range vs {
			if got := checkEd25519Same(t, v); got != ok[i] {
				t.Errorf("%s: both verifiers say %t, the vector expects %t", v.name, got, ok[i])
			}
		}
	})
}

// TestEd25519TableUsed checks that the keys that verify tokens carry a
// table: from raw bytes, from a secret key, and from PEM (and so from
// PASERK, which goes through NewPublicKey).
func TestEd25519TableUsed(t *testing.T) {
	for _, v := range []Version{V2, V4} {
		sk, err := GenerateSecretKey(v)
		if err != nil {
			t.Fatal(err)
		}
		pk, err := NewPublicKey(v, sk.Public().Bytes())
		if err != nil {
			t.Fatal(err)
		}
		pemBytes, err := pk.MarshalPEM()
		if err != nil {
			t.Fatal(err)
		}
		pemKey, err := ParsePublicKeyPEM(v, pemBytes)
		if err != nil {
			t.Fatal(err)
		}
		for name, k := range map[string]*PublicKey{"secret": sk.Public(), "bytes": pk, "pem": pemKey} {
			if k.edTable == nil {
				t.Errorf("%s %s key has no table", v, name)
			}
		}
		tok, err := Sign(sk, []byte(`{"a":1}`), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := Verify(pemKey, tok, nil); err != nil {
			t.Errorf("%s: %v", v, err)
		}
		bad := []byte(tok)
		bad[len(bad)-3] ^= 1 // inside the signature
		if _, _, err := Verify(pemKey, string(bad), nil); !errors.Is(err, ErrInvalidSignature) && !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: altered token: %v", v, err)
		}
	}
	// A key that is no point has no table and is answered by
	// crypto/ed25519. About half of all y coordinates are no point: take
	// the first small one curve25519-voi refuses.
	for y := byte(2); y < 64; y++ {
		b := make([]byte, 32)
		b[0] = y
		k, err := NewPublicKey(V4, b)
		if err != nil {
			t.Fatal(err)
		}
		if k.edTable != nil {
			continue
		}
		if k.verifyEd25519([]byte("m"), make([]byte, 64)) || ed25519.Verify(b, []byte("m"), make([]byte, 64)) {
			t.Error("a key that is no point verified a signature")
		}
		return
	}
	t.Fatal("found no non-point key to test the fallback with")
}
