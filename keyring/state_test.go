package keyring

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/internal/testclock"
	"github.com/pasetokit/pasetokit/paseto"
)

// TestDecodeStateRejects edits a valid state document field by field:
// every edit that breaks it must be refused before any key is decrypted.
func TestDecodeStateRejects(t *testing.T) {
	seed := seedState(t, false, paseto.Public)
	edit := func(f func(doc map[string]any, keys []map[string]any)) []byte {
		var doc map[string]any
		if err := json.Unmarshal(seed, &doc); err != nil {
			t.Fatal(err)
		}
		var keys []map[string]any
		for _, k := range doc["keys"].([]any) {
			keys = append(keys, k.(map[string]any))
		}
		f(doc, keys)
		out, _ := json.Marshal(doc)
		return out
	}
	if _, err := decodeState(seed); err != nil {
		t.Fatalf("seed: %v", err)
	}
	tests := []struct {
		name string
		data []byte
		is   error
	}{
		{"too large", []byte(`{"format":2,"x":"` + strings.Repeat("a", MaxStateSize) + `"}`), ErrCorruptState},
		{"duplicate field", []byte(`{"format":2,"format":2}`), ErrCorruptState},
		{"format missing", edit(func(d map[string]any, _ []map[string]any) { delete(d, "format") }), ErrFormatVersion},
		{"format as string", edit(func(d map[string]any, _ []map[string]any) { d["format"] = "1" }), ErrFormatVersion},
		{"format 0", edit(func(d map[string]any, _ []map[string]any) { d["format"] = 0 }), ErrFormatVersion},
		{"version 0", edit(func(d map[string]any, _ []map[string]any) { d["version"] = 0 }), ErrCorruptState},
		{"version negative", edit(func(d map[string]any, _ []map[string]any) { d["version"] = -1 }), ErrCorruptState},
		{"family", edit(func(d map[string]any, _ []map[string]any) { d["family"] = "v1.public" }), ErrCorruptState},
		{"family purpose", edit(func(d map[string]any, _ []map[string]any) { d["family"] = "v4.secret" }), ErrCorruptState},
		{"wrap mode", edit(func(d map[string]any, _ []map[string]any) { d["wrap"] = "rot13" }), ErrCorruptState},
		{"kek without password", edit(func(d map[string]any, _ []map[string]any) { d["kek"] = "k4.local-pw.x" }), ErrCorruptState},
		{"key wrap without id", edit(func(d map[string]any, _ []map[string]any) { d["wrap"] = "key" }), ErrCorruptState},
		{"password without kek", edit(func(d map[string]any, _ []map[string]any) { d["wrap"] = "password" }), ErrCorruptState},
		{"unwrapped key in a wrapped state", edit(func(d map[string]any, _ []map[string]any) { d["wrap"] = "key"; d["wrap_id"] = "k4.lid.x" }), ErrCorruptState},
		{"no keys", edit(func(d map[string]any, _ []map[string]any) { d["keys"] = []any{} }), ErrCorruptState},
		{"keys null", edit(func(d map[string]any, _ []map[string]any) { d["keys"] = nil }), ErrCorruptState},
		{"unknown state", edit(func(_ map[string]any, k []map[string]any) { k[0]["state"] = "dropped" }), ErrCorruptState},
		{"two current", edit(func(_ map[string]any, k []map[string]any) {
			k[2]["state"] = "current"
			delete(k[2], "retired")
			delete(k[2], "drop_at")
		}), ErrCorruptState},
		{"no current", edit(func(_ map[string]any, k []map[string]any) {
			k[1]["state"] = "retired"
			k[1]["retired"] = k[1]["activated"]
			k[1]["drop_at"] = k[1]["activated"]
		}), ErrCorruptState},
		{"id of another type", edit(func(_ map[string]any, k []map[string]any) { k[0]["id"] = "k4.lid.x" }), ErrCorruptState},
		{"duplicate id", edit(func(_ map[string]any, k []map[string]any) { k[1]["id"] = k[0]["id"] }), ErrCorruptState},
		{"key of another type", edit(func(_ map[string]any, k []map[string]any) { k[0]["key"] = "k4.public.x" }), ErrCorruptState},
		{"no published time", edit(func(_ map[string]any, k []map[string]any) { delete(k[0], "published") }), ErrCorruptState},
		{"next without activation", edit(func(_ map[string]any, k []map[string]any) { delete(k[0], "activate_at") }), ErrCorruptState},
		{"retired without drop", edit(func(_ map[string]any, k []map[string]any) { delete(k[2], "drop_at") }), ErrCorruptState},
		{"time not a time", edit(func(_ map[string]any, k []map[string]any) { k[0]["published"] = "yesterday" }), ErrCorruptState},
		{"unknown key field", edit(func(_ map[string]any, k []map[string]any) { k[0]["note"] = 1 }), ErrCorruptState},
		{"mac without wrapping", edit(func(d map[string]any, _ []map[string]any) { d["mac"] = "AAAA" }), ErrCorruptState},
		{"format 1", edit(func(d map[string]any, _ []map[string]any) { d["format"] = 1 }), ErrFormatVersion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeState(tt.data)
			if !errors.Is(err, tt.is) || !errors.Is(err, ErrCorruptState) {
				t.Fatalf("got %v, want %v", err, tt.is)
			}
		})
	}
}

// TestOpenRejects: state that is well-formed but whose keys do not fit.
func TestOpenRejects(t *testing.T) {
	c := &codec{fam: family{paseto.V4, paseto.Public}}
	seed := seedState(t, false, paseto.Public)
	st, err := c.open(seed, 4)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.open(seed, 5); !errors.Is(err, ErrCorruptState) {
		t.Fatalf("version mismatch: %v", err)
	}
	// Swap two keys' ids: each key no longer matches its id.
	st.keys[0].id, st.keys[1].id = st.keys[1].id, st.keys[0].id
	data, _ := c.seal(st)
	if _, err := c.open(data, 4); !errors.Is(err, ErrCorruptState) || !strings.Contains(err.Error(), "does not match its id") {
		t.Fatalf("ids swapped: %v", err)
	}
	// A local-family codec refuses a public-family state.
	lc := &codec{fam: family{paseto.V4, paseto.Local}}
	if _, err := lc.open(seed, 4); !errors.Is(err, ErrCorruptState) {
		t.Fatalf("another family: %v", err)
	}
	// Plaintext state read by a ring configured to wrap is refused.
	wc := &codec{fam: c.fam, wrapKey: fuzzWrap, wrapID: "k4.lid.x"}
	if _, err := wc.open(seed, 4); !errors.Is(err, ErrCorruptState) {
		t.Fatalf("unwrapped state under a wrapping key: %v", err)
	}
}

func TestErrorStrings(t *testing.T) {
	err := configError("Policy.RetainFor", errors.New("too short"))
	if got := err.Error(); got != "keyring: invalid configuration: Policy.RetainFor: too short" {
		t.Fatalf("ConfigError: %q", got)
	}
	se := &StateError{Backend: "file /x", Err: ErrFormatVersion}
	if got := se.Error(); got != "keyring: corrupt or unreadable ring state (file /x): keyring: unknown ring state format version" {
		t.Fatalf("StateError: %q", got)
	}
	if (&StateError{}).Error() != ErrCorruptState.Error() {
		t.Fatal("empty StateError")
	}
	if Next.String() != "next" || Current.String() != "current" || Retired.String() != "retired" || KeyState(9).String() != "KeyState(9)" {
		t.Fatal("KeyState strings")
	}
}

func TestSynced(t *testing.T) {
	clk := testclock.New()
	b := &flaky{Backend: NewMemory()}
	r := mustNew(t, testConfig(clk, b))
	if !r.Snapshot().Synced().Equal(clk.Now()) {
		t.Fatal("Synced after New")
	}
	gen := r.Snapshot().Generation()
	clk.Advance(time.Minute)
	mustTick(t, r)
	if !r.Snapshot().Synced().Equal(clk.Now()) || r.Snapshot().Generation() != gen {
		t.Fatal("a tick with no change: Synced must move, Generation must not")
	}
	b.down.Store(true)
	clk.Advance(time.Minute)
	r.Tick(t.Context())
	if !r.Snapshot().Synced().Equal(clk.Now().Add(-time.Minute)) {
		t.Fatal("Synced moved without the backend")
	}
}
