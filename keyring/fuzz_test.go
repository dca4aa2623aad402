package keyring

import (
	"bytes"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/internal/testclock"
	"github.com/pasetokit/pasetokit/paseto"
)

// fuzzWrap is the fixed wrapping key of the fuzz corpus.
var fuzzWrap, _ = paseto.NewSymmetricKey(paseto.V4, bytes.Repeat([]byte{7}, 32))

// seedState returns serialized state of a ring with a next, a current and
// a retired key, wrapped with fuzzWrap or unwrapped.
func seedState(tb testing.TB, wrap bool, p paseto.Purpose) []byte {
	c := &codec{fam: family{paseto.V4, p}}
	if wrap {
		c.wrapKey, c.wrapID = fuzzWrap, "k4.lid.fuzz"
	}
	r := &Ring{fam: c.fam, pol: Policy{RotateEvery: time.Hour, PublishAhead: 10 * time.Minute, RetainFor: 2 * time.Hour, MaxKeys: 10}, now: time.Now}
	st := &ringState{}
	for _, at := range []time.Duration{0, 50 * time.Minute, time.Hour, 110 * time.Minute} {
		r.advance(st, testclock.T0.Add(at))
	}
	st.version = 4
	data, err := c.seal(st)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// FuzzState feeds arbitrary bytes to the state parser and, when they parse,
// to the decryption of the keys: neither may panic, and state that opens
// must serialize to state that opens to the same keys.
func FuzzState(f *testing.F) {
	f.Add(seedState(f, false, paseto.Public))
	f.Add(seedState(f, false, paseto.Local))
	f.Add(seedState(f, true, paseto.Public))
	f.Add(seedState(f, true, paseto.Local))
	f.Add([]byte(`{"format":2}`))
	f.Add([]byte(`{"format":3,"version":1}`))
	f.Add([]byte(`{"format":2,"version":1,"family":"v4.local","wrap":"none","keys":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := decodeState(data)
		if err != nil {
			return
		}
		f, _ := parseFamily(d.Family)
		c := &codec{fam: f}
		if d.Wrap == wrapKey {
			if f.v != paseto.V4 {
				return
			}
			c.wrapKey, c.wrapID = fuzzWrap, d.WrapID
		}
		if d.Wrap == wrapPassword {
			return // a KDF per input is too slow to fuzz; the kek is paserk's fuzz target
		}
		st, err := c.open(data, d.Version)
		if err != nil {
			return
		}
		out, err := c.seal(st)
		if err != nil {
			t.Fatalf("seal of opened state: %v", err)
		}
		st2, err := c.open(out, st.version)
		if err != nil {
			t.Fatalf("reopen: %v", err)
		}
		if len(st2.keys) != len(st.keys) {
			t.Fatal("keys lost in a round trip")
		}
		for i := range st.keys {
			a, b := st.keys[i], st2.keys[i]
			if a.id != b.id || a.state != b.state || !a.published.Equal(b.published) || !a.dropAt.Equal(b.dropAt) || keyID(b.key) != b.id {
				t.Fatalf("key %d changed in a round trip", i)
			}
		}
	})
}
