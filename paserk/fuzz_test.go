package paserk_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
)

var allVersions = []paseto.Version{paseto.V2, paseto.V3, paseto.V4}

// knownError reports whether err matches one of the documented sentinels.
func knownError(err error) bool {
	for _, s := range []error{
		paserk.ErrMalformed, paserk.ErrUnsupported, paserk.ErrWrongVersion,
		paserk.ErrWrongType, paserk.ErrInvalidMAC, paserk.ErrParamsTooExpensive,
		paserk.ErrInvalidParams, paseto.ErrInvalidKey,
	} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// vectorStrings returns the PASERK strings of the vector files whose
// names match glob, as fuzz seeds.
func vectorStrings(f *testing.F, glob string) []string {
	f.Helper()
	files, err := filepath.Glob(filepath.Join("..", "testdata", "vectors", glob))
	if err != nil || len(files) == 0 {
		f.Fatalf("no vector files for %s: %v", glob, err)
	}
	var out []string
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		var file struct {
			Tests []struct {
				Paserk *string `json:"paserk"`
			} `json:"tests"`
		}
		if err := json.Unmarshal(data, &file); err != nil {
			f.Fatal(err)
		}
		for _, tv := range file.Tests {
			if tv.Paserk != nil {
				out = append(out, *tv.Paserk)
			}
		}
	}
	return out
}

// fixedKeys returns deterministic keys of version v for the fuzz targets,
// so that a crasher reproduces.
func fixedKeys(f *testing.F, v paseto.Version) (*paseto.SymmetricKey, *paseto.SecretKey) {
	f.Helper()
	wk, err := paseto.NewSymmetricKey(v, bytes.Repeat([]byte{byte(v)}, 32))
	if err != nil {
		f.Fatal(err)
	}
	var sk *paseto.SecretKey
	if v == paseto.V3 {
		sk, err = paseto.NewSecretKey(v, append(make([]byte, 47), byte(v)))
	} else {
		sk, err = paseto.NewSecretKeyFromSeed(v, bytes.Repeat([]byte{byte(v) + 1}, 32))
	}
	if err != nil {
		f.Fatal(err)
	}
	return wk, sk
}

func FuzzParse(f *testing.F) {
	for _, typ := range []string{"local", "public", "secret", "lid"} {
		for _, s := range vectorStrings(f, "k*."+typ+".json") {
			f.Add(s)
		}
	}
	for _, s := range []string{"", "k", "k4.", "k4.local.", "k4.local.=", "k4.secret-wrap.pie.", "k2.public.AAAA\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := paserk.Parse(s)
		v, typ, typeErr := paserk.TypeOf(s)
		if err != nil {
			if !knownError(err) {
				t.Fatalf("Parse: undocumented error %v", err)
			}
			return
		}
		out, err := paserk.Encode(k)
		if err != nil {
			t.Fatalf("Encode of a parsed key: %v", err)
		}
		if out != s {
			t.Fatalf("Encode(Parse(%q)) = %q", s, out)
		}
		if typeErr != nil || v != k.Version() {
			t.Fatalf("TypeOf = %v, %q, %v for a %v key", v, typ, typeErr, k.Version())
		}
		var again paseto.Key
		switch typ {
		case paserk.TypeLocal:
			again, err = paserk.ParseLocal(v, s)
		case paserk.TypePublic:
			again, err = paserk.ParsePublic(v, s)
		case paserk.TypeSecret:
			again, err = paserk.ParseSecret(v, s)
		default:
			t.Fatalf("Parse accepted type %q", typ)
		}
		if err != nil {
			t.Fatalf("typed parse failed where Parse succeeded: %v", err)
		}
		if id1, id2 := mustID(t, k), mustID(t, again); id1 != id2 {
			t.Fatalf("IDs differ: %s, %s", id1, id2)
		}
	})
}

func mustID(t *testing.T, k paseto.Key) string {
	t.Helper()
	id, err := paserk.ID(k)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func FuzzUnwrap(f *testing.F) {
	for _, s := range vectorStrings(f, "k*.*-wrap.pie.json") {
		f.Add(s)
	}
	wks := map[paseto.Version]*paseto.SymmetricKey{}
	for _, v := range allVersions {
		wk, sk := fixedKeys(f, v)
		wks[v] = wk
		lk, _ := paseto.GenerateSymmetricKey(v)
		for _, k := range []func() (string, error){
			func() (string, error) { return paserk.WrapLocal(lk, wk) },
			func() (string, error) { return paserk.WrapSecret(sk, wk) },
		} {
			s, err := k()
			if err != nil {
				f.Fatal(err)
			}
			f.Add(s)
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, v := range allVersions {
			wk := wks[v]
			if k, err := paserk.UnwrapLocal(s, wk); err != nil {
				if !knownError(err) {
					t.Fatalf("UnwrapLocal: undocumented error %v", err)
				}
			} else {
				s2, err := paserk.WrapLocal(k, wk)
				if err != nil {
					t.Fatal(err)
				}
				if k2, err := paserk.UnwrapLocal(s2, wk); err != nil || !k2.Equal(k) {
					t.Fatalf("round trip: %v", err)
				}
			}
			if k, err := paserk.UnwrapSecret(s, wk); err != nil {
				if !knownError(err) {
					t.Fatalf("UnwrapSecret: undocumented error %v", err)
				}
			} else if k.Version() != v {
				t.Fatalf("unwrapped a %v key with a %v wrapping key", k.Version(), v)
			}
		}
	})
}

func FuzzUnseal(f *testing.F) {
	for _, s := range vectorStrings(f, "k*.seal.json") {
		f.Add(s)
	}
	sks := map[paseto.Version]*paseto.SecretKey{}
	for _, v := range allVersions {
		_, sk := fixedKeys(f, v)
		sks[v] = sk
		lk, _ := paseto.GenerateSymmetricKey(v)
		s, err := paserk.Seal(lk, sk.Public())
		if err != nil {
			f.Fatal(err)
		}
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, v := range allVersions {
			k, err := paserk.Unseal(s, sks[v])
			if err != nil {
				if !knownError(err) {
					t.Fatalf("Unseal: undocumented error %v", err)
				}
				continue
			}
			if k.Version() != v {
				t.Fatalf("unsealed a %v key with a %v secret key", k.Version(), v)
			}
		}
	})
}

// fuzzLimits keep every key derivation the fuzzer can reach cheap.
var fuzzLimits = paserk.PasswordParams{Memory: 64 << 10, Time: 2, Parallelism: 2, Iterations: 2000}

func FuzzPasswordUnwrap(f *testing.F) {
	pw := []byte("correct horse battery staple")
	small := paserk.PasswordParams{Memory: 16 << 10, Time: 1, Parallelism: 1, Iterations: 1000}
	for _, v := range allVersions {
		_, sk := fixedKeys(f, v)
		lk, _ := paseto.GenerateSymmetricKey(v)
		ls, err := paserk.PasswordWrapLocal(lk, pw, small)
		if err != nil {
			f.Fatal(err)
		}
		ss, err := paserk.PasswordWrapSecret(sk, pw, small)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(ls, pw)
		f.Add(ss, pw)
	}
	// The vectors' strings exceed fuzzLimits and exercise the early
	// refusal.
	for _, s := range vectorStrings(f, "k*.*-pw.json") {
		f.Add(s, pw)
	}
	f.Fuzz(func(t *testing.T, s string, pw []byte) {
		for _, v := range allVersions {
			if _, err := paserk.PasswordUnwrapLocal(v, s, pw, fuzzLimits); err != nil && !knownError(err) {
				t.Fatalf("PasswordUnwrapLocal: undocumented error %v", err)
			}
			if _, err := paserk.PasswordUnwrapSecret(v, s, pw, fuzzLimits); err != nil && !knownError(err) {
				t.Fatalf("PasswordUnwrapSecret: undocumented error %v", err)
			}
		}
	})
}
