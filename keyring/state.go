package keyring

import (
	"bytes"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/blake2b"

	"github.com/pasetokit/pasetokit/internal/strictjson"
	"github.com/pasetokit/pasetokit/keyderive"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
)

// FormatVersion is the format version of the serialized ring state this
// package writes and reads. State of another format version is refused
// with [ErrFormatVersion].
//
// Format 2 authenticates the whole document of a wrapped ring (keys,
// states, schedule, version and family) with a MAC under a key derived
// from [Config.WrappingKey] or from the password's data key. Format 1
// state, written before any release, authenticated only the key bytes; it
// is refused: delete it and let [New] create a new ring.
const FormatVersion = 2

// stateMACPurpose is the keyderive purpose of the state MAC key: a key
// used for nothing else than authenticating ring state documents.
const stateMACPurpose = "pasetokit-keyring-state-mac"

// stateMACSize is the size of the state MAC: BLAKE2b-256.
const stateMACSize = 32

// MaxStateSize bounds a serialized ring state (1 MiB); larger state is
// refused before it is decoded.
const MaxStateSize = 1 << 20

// KeyState is where a key is in its lifecycle: [Next], then [Current],
// then [Retired], then dropped (gone from the ring).
type KeyState uint8

// The states of a key.
const (
	// Next: known to every process and published in key sets, not yet
	// used to sign or encrypt. It verifies and decrypts.
	Next KeyState = iota + 1
	// Current: signs or encrypts new tokens and cookies. Exactly one key
	// of a ring is current.
	Current
	// Retired: no longer signs or encrypts; verifies and decrypts the
	// tokens and cookies it made until it is dropped.
	Retired
)

// String returns "next", "current" or "retired".
func (s KeyState) String() string {
	switch s {
	case Next:
		return "next"
	case Current:
		return "current"
	case Retired:
		return "retired"
	}
	return fmt.Sprintf("KeyState(%d)", uint8(s))
}

func parseKeyState(s string) (KeyState, bool) {
	switch s {
	case "next":
		return Next, true
	case "current":
		return Current, true
	case "retired":
		return Retired, true
	}
	return 0, false
}

// KeyInfo describes one key of a ring, without its key material: for a
// console, a log line or a test.
type KeyInfo struct {
	// ID is the key's PASERK id: the pid of the public key for a signing
	// key ("k4.pid.…", the kid of its tokens), the lid of a local key.
	ID string
	// State is the key's state.
	State KeyState
	// Published is when the key was created and became known (Next).
	Published time.Time
	// Activates is when a Next key becomes Current (planned); for other
	// states, when it did.
	Activates time.Time
	// Retires is when a Current key stops being current (planned); for a
	// Retired key, when it did. Zero for a Next key.
	Retires time.Time
	// Drops is when a Retired key is dropped. Zero for other states.
	Drops time.Time
}

// entryTimes are the times of a key as stored.
type entryTimes struct {
	published  time.Time // created, became Next
	activateAt time.Time // Next: planned activation
	activated  time.Time // Current, Retired: when it became current
	retireAt   time.Time // Current, Retired: planned retirement
	retired    time.Time // Retired: when it retired
	dropAt     time.Time // Retired: when it is dropped
}

// stored is one key of a ring state.
type stored struct {
	id    string
	key   paseto.Key // *paseto.SecretKey or *paseto.SymmetricKey
	state KeyState
	entryTimes
}

func (k *stored) info() KeyInfo {
	i := KeyInfo{ID: k.id, State: k.state, Published: k.published}
	switch k.state {
	case Next:
		i.Activates = k.activateAt
	case Current:
		i.Activates, i.Retires = k.activated, k.retireAt
	case Retired:
		i.Activates, i.Retires, i.Drops = k.activated, k.retired, k.dropAt
	}
	return i
}

// ringState is a decoded ring state: the keys in the order next, current,
// retired (most recently retired first).
type ringState struct {
	version uint64 // the backend version it was stored as
	kek     string // password mode: the data key, password-wrapped
	keys    []*stored
}

// current returns the current key, or nil.
func (s *ringState) current() *stored {
	for _, k := range s.keys {
		if k.state == Current {
			return k
		}
	}
	return nil
}

// next returns the next key, or nil.
func (s *ringState) next() *stored {
	for _, k := range s.keys {
		if k.state == Next {
			return k
		}
	}
	return nil
}

// clone returns a copy whose keys can be changed without touching s.
func (s *ringState) clone() *ringState {
	c := &ringState{version: s.version, kek: s.kek, keys: make([]*stored, len(s.keys))}
	for i, k := range s.keys {
		kc := *k
		c.keys[i] = &kc
	}
	return c
}

// sortKeys puts the keys in the order next, current, retired (most recently
// retired first).
func (s *ringState) sortKeys() {
	rank := func(k *stored) int { return int(k.state) }
	out := make([]*stored, 0, len(s.keys))
	for st := Next; st <= Retired; st++ {
		for _, k := range s.keys {
			if rank(k) == int(st) {
				out = append(out, k)
			}
		}
	}
	// Retired keys: most recently retired first (insertion sort; few keys).
	r := out[len(out)-countState(out, Retired):]
	for i := 1; i < len(r); i++ {
		for j := i; j > 0 && r[j].retired.After(r[j-1].retired); j-- {
			r[j], r[j-1] = r[j-1], r[j]
		}
	}
	s.keys = out
}

func countState(keys []*stored, st KeyState) int {
	n := 0
	for _, k := range keys {
		if k.state == st {
			n++
		}
	}
	return n
}

// Wrap modes of a stored state.
const (
	wrapNone     = "none"     // plaintext PASERKs: Memory only
	wrapKey      = "key"      // local-wrap.pie / secret-wrap.pie under Config.WrappingKey
	wrapPassword = "password" // under a data key, itself local-pw under Config.Password
)

// stateDoc is the serialized form of a ring state (JSON).
type stateDoc struct {
	Format  int      `json:"format"`
	Version uint64   `json:"version"`
	Family  string   `json:"family"`
	Wrap    string   `json:"wrap"`
	WrapID  string   `json:"wrap_id,omitempty"` // wrap "key": lid of the wrapping key
	KEK     string   `json:"kek,omitempty"`     // wrap "password": the data key, local-pw
	Keys    []keyDoc `json:"keys"`
	// MAC authenticates the document without it (wrap "key" and
	// "password"; absent with "none"): base64url BLAKE2b-256 keyed with
	// the state MAC key, over the JSON of the document with MAC empty.
	MAC string `json:"mac,omitempty"`
}

type keyDoc struct {
	ID         string    `json:"id"`
	Key        string    `json:"key"`
	State      string    `json:"state"`
	Published  time.Time `json:"published"`
	ActivateAt time.Time `json:"activate_at,omitzero"`
	Activated  time.Time `json:"activated,omitzero"`
	RetireAt   time.Time `json:"retire_at,omitzero"`
	Retired    time.Time `json:"retired,omitzero"`
	DropAt     time.Time `json:"drop_at,omitzero"`
}

// family is a key family: one version and purpose.
type family struct {
	v paseto.Version
	p paseto.Purpose
}

func (f family) String() string { return f.v.String() + "." + f.p.String() }

// idPrefix is the PASERK id prefix of the family's keys.
func (f family) idPrefix() string {
	if f.p == paseto.Public {
		return "k" + f.v.String()[1:] + ".pid."
	}
	return "k" + f.v.String()[1:] + ".lid."
}

// keyPrefix is the PASERK prefix of a stored key in wrap mode w.
func (f family) keyPrefix(w string) string {
	typ := "local"
	if f.p == paseto.Public {
		typ = "secret"
	}
	if w != wrapNone {
		typ += "-wrap.pie"
	}
	return "k" + f.v.String()[1:] + "." + typ + "."
}

// keyID is the id of a key of the family: the pid of a secret key's public
// half, the lid of a local key.
func keyID(k paseto.Key) string {
	switch k := k.(type) {
	case *paseto.SecretKey:
		return paserk.PublicID(k.Public())
	case *paseto.SymmetricKey:
		return paserk.LocalID(k)
	}
	return ""
}

// stateLimits bounds the JSON of a ring state.
var stateLimits = strictjson.Limits{
	MaxLength: MaxStateSize,
	MaxDepth:  3,
	MaxKeys:   9 + 9*MaxKeysLimit,
	ExactKeys: []string{"format", "version", "family", "wrap", "wrap_id", "kek", "keys", "mac"},
}

// ParseStateVersion reads the backend version recorded in serialized ring
// state, checking its format but decrypting nothing. Backends that keep
// the state as one document (such as [File]) use it to compare versions.
// Errors match [ErrCorruptState], and [ErrFormatVersion] for a format this
// package does not know.
func ParseStateVersion(data []byte) (uint64, error) {
	d, err := decodeState(data)
	if err != nil {
		return 0, err
	}
	return d.Version, nil
}

// decodeState parses and checks the structure of serialized state. No
// cryptography runs here.
func decodeState(data []byte) (*stateDoc, error) {
	if len(data) > MaxStateSize {
		return nil, corrupt("state over %d bytes", MaxStateSize)
	}
	if err := strictjson.ValidateObject(data, stateLimits); err != nil {
		return nil, corrupt("not a ring state document: %w", err)
	}
	var head struct {
		Format json.RawMessage `json:"format"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, corrupt("not a ring state document")
	}
	switch string(head.Format) {
	case strconv.Itoa(FormatVersion):
	case "1":
		return nil, &StateError{Err: fmt.Errorf("%w: format 1 state, from before any release, is not authenticated; delete it to start a new ring", ErrFormatVersion)}
	default:
		return nil, &StateError{Err: ErrFormatVersion}
	}
	var d stateDoc
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return nil, corrupt("ring state fields of the wrong type or unknown")
	}
	if d.Version == 0 {
		return nil, corrupt("version 0")
	}
	if _, err := parseFamily(d.Family); err != nil {
		return nil, err
	}
	switch d.Wrap {
	case wrapNone:
		if d.WrapID != "" || d.KEK != "" || d.MAC != "" {
			return nil, corrupt("wrap_id, kek or mac without wrapping")
		}
	case wrapKey:
		if d.KEK != "" || d.WrapID == "" || d.MAC == "" {
			return nil, corrupt("wrap key needs wrap_id, mac and no kek")
		}
	case wrapPassword:
		if d.WrapID != "" || d.KEK == "" || d.MAC == "" {
			return nil, corrupt("wrap password needs kek, mac and no wrap_id")
		}
	default:
		return nil, corrupt("unknown wrap mode")
	}
	if len(d.Keys) == 0 || len(d.Keys) > MaxKeysLimit {
		return nil, corrupt("%d keys", len(d.Keys))
	}
	f, _ := parseFamily(d.Family)
	seen := make(map[string]bool, len(d.Keys))
	var cur, next int
	for i, k := range d.Keys {
		st, ok := parseKeyState(k.State)
		if !ok {
			return nil, corrupt("keys[%d]: unknown state", i)
		}
		if !strings.HasPrefix(k.ID, f.idPrefix()) || len(k.ID) > paserk.MaxLength {
			return nil, corrupt("keys[%d]: id is not a %s id", i, f.idPrefix())
		}
		if seen[k.ID] {
			return nil, corrupt("keys[%d]: duplicate id", i)
		}
		seen[k.ID] = true
		if !strings.HasPrefix(k.Key, f.keyPrefix(d.Wrap)) || len(k.Key) > paserk.MaxLength {
			return nil, corrupt("keys[%d]: key is not a %s PASERK", i, f.keyPrefix(d.Wrap))
		}
		if k.Published.IsZero() {
			return nil, corrupt("keys[%d]: no published time", i)
		}
		var bad bool
		switch st {
		case Next:
			next++
			bad = k.ActivateAt.IsZero() || !k.Activated.IsZero() || !k.RetireAt.IsZero() || !k.Retired.IsZero() || !k.DropAt.IsZero()
		case Current:
			cur++
			bad = !k.ActivateAt.IsZero() || k.Activated.IsZero() || k.RetireAt.IsZero() || !k.Retired.IsZero() || !k.DropAt.IsZero()
		case Retired:
			bad = !k.ActivateAt.IsZero() || k.Activated.IsZero() || k.RetireAt.IsZero() || k.Retired.IsZero() || k.DropAt.IsZero()
		}
		if bad {
			return nil, corrupt("keys[%d]: times do not fit its state", i)
		}
	}
	if cur != 1 || next > 1 {
		return nil, corrupt("%d current and %d next keys", cur, next)
	}
	return &d, nil
}

func parseFamily(s string) (family, error) {
	var f family
	switch {
	case strings.HasPrefix(s, "v2."):
		f.v = paseto.V2
	case strings.HasPrefix(s, "v3."):
		f.v = paseto.V3
	case strings.HasPrefix(s, "v4."):
		f.v = paseto.V4
	default:
		return f, corrupt("unknown key family")
	}
	switch s[3:] {
	case "local":
		f.p = paseto.Local
	case "public":
		f.p = paseto.Public
	default:
		return f, corrupt("unknown key family")
	}
	return f, nil
}

// codec turns ring state into bytes and back, wrapping the keys.
type codec struct {
	fam      family
	wrapKey  *paseto.SymmetricKey // or nil
	wrapID   string
	password []byte // or nil
	params   paserk.PasswordParams

	// The data key of password mode and the kek it came from, and the
	// state MAC key derived from the wrapping key or that data key.
	// Guarded by the Ring's mutex: the codec is only used under it.
	dek    *paseto.SymmetricKey
	dekKEK string
	macKey []byte
	macFor *paseto.SymmetricKey // the key macKey was derived from
}

func (c *codec) mode() string {
	switch {
	case c.wrapKey != nil:
		return wrapKey
	case c.password != nil:
		return wrapPassword
	}
	return wrapNone
}

// open decodes data, stored as backend version, and decrypts its keys.
func (c *codec) open(data []byte, version uint64) (*ringState, error) {
	d, err := decodeState(data)
	if err != nil {
		return nil, err
	}
	if d.Family != c.fam.String() {
		return nil, corrupt("a %s ring, not %s", d.Family, c.fam)
	}
	if d.Wrap != c.mode() {
		if d.Wrap == wrapNone {
			return nil, corrupt("keys stored unwrapped, but a wrapping key or password is configured")
		}
		return nil, &StateError{Err: fmt.Errorf("%w: state wrapped with a %s, configuration has %s", ErrWrongWrappingKey, d.Wrap, c.mode())}
	}
	var wk *paseto.SymmetricKey
	switch d.Wrap {
	case wrapKey:
		if d.WrapID != c.wrapID {
			return nil, &StateError{Err: ErrWrongWrappingKey}
		}
		wk = c.wrapKey
	case wrapPassword:
		// The kek authenticates itself: the password-wrapped data key
		// has its own tag.
		if wk, err = c.dataKey(d.KEK); err != nil {
			return nil, err
		}
	}
	if wk != nil {
		// Nothing below (version, states, schedule, the set of keys) is
		// used before the whole document is authenticated.
		if err := c.checkMAC(d, wk); err != nil {
			return nil, err
		}
	}
	if d.Version != version {
		return nil, corrupt("stored as version %d but says %d", version, d.Version)
	}
	st := &ringState{version: d.Version, kek: d.KEK}
	for i, kd := range d.Keys {
		k, err := c.openKey(kd.Key, wk)
		if err != nil {
			if errors.Is(err, paserk.ErrInvalidMAC) {
				return nil, &StateError{Err: fmt.Errorf("%w: keys[%d]", ErrWrongWrappingKey, i)}
			}
			return nil, corrupt("keys[%d]: %w", i, err)
		}
		if keyID(k) != kd.ID {
			return nil, corrupt("keys[%d]: key does not match its id", i)
		}
		s, _ := parseKeyState(kd.State)
		st.keys = append(st.keys, &stored{id: kd.ID, key: k, state: s, entryTimes: entryTimes{
			published: kd.Published, activateAt: kd.ActivateAt, activated: kd.Activated,
			retireAt: kd.RetireAt, retired: kd.Retired, dropAt: kd.DropAt,
		}})
	}
	st.sortKeys()
	return st, nil
}

// stateMAC returns the MAC of d (whose MAC field is ignored) under the
// state MAC key derived from wk.
func (c *codec) stateMAC(d *stateDoc, wk *paseto.SymmetricKey) ([]byte, error) {
	if c.macKey == nil || c.macFor != wk {
		raw := wk.Bytes()
		k, err := keyderive.SymmetricKey(raw, c.fam.v, stateMACPurpose)
		clear(raw)
		if err != nil {
			return nil, err
		}
		c.macKey, c.macFor = k.Bytes(), wk
	}
	doc := *d
	doc.MAC = ""
	msg, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	h, err := blake2b.New256(c.macKey)
	if err != nil {
		return nil, err
	}
	h.Write([]byte(stateMACPurpose + "\x00"))
	h.Write(msg)
	return h.Sum(nil), nil
}

// checkMAC authenticates d under wk, in constant time. A document that
// fails was changed by someone without the wrapping key: it is corrupt
// state, refused and never overwritten.
func (c *codec) checkMAC(d *stateDoc, wk *paseto.SymmetricKey) error {
	got, err := base64.RawURLEncoding.Strict().DecodeString(d.MAC)
	if err != nil || len(got) != stateMACSize {
		return corrupt("mac is not a %d-byte base64url MAC", stateMACSize)
	}
	want, err := c.stateMAC(d, wk)
	if err != nil {
		return corrupt("state MAC: %w", err)
	}
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return corrupt("state MAC does not verify: the document was changed without the wrapping key")
	}
	return nil
}

// dataKey returns the data key of password mode held in kek.
func (c *codec) dataKey(kek string) (*paseto.SymmetricKey, error) {
	if c.dek != nil && c.dekKEK == kek {
		return c.dek, nil
	}
	k, err := paserk.PasswordUnwrapLocal(c.fam.v, kek, c.password, paserk.PasswordParams{})
	if err != nil {
		if errors.Is(err, paserk.ErrInvalidMAC) {
			return nil, &StateError{Err: ErrWrongWrappingKey}
		}
		return nil, corrupt("kek: %w", err)
	}
	c.dek, c.dekKEK = k, kek
	return k, nil
}

// openKey reads one stored key, unwrapping it with wk when not nil.
func (c *codec) openKey(s string, wk *paseto.SymmetricKey) (paseto.Key, error) {
	switch {
	case c.fam.p == paseto.Public && wk != nil:
		return paserk.UnwrapSecret(s, wk)
	case c.fam.p == paseto.Public:
		return paserk.ParseSecret(c.fam.v, s)
	case wk != nil:
		return paserk.UnwrapLocal(s, wk)
	}
	return paserk.ParseLocal(c.fam.v, s)
}

// seal serializes st, wrapping its keys, as backend version st.version.
func (c *codec) seal(st *ringState) ([]byte, error) {
	d := stateDoc{Format: FormatVersion, Version: st.version, Family: c.fam.String(), Wrap: c.mode(), Keys: make([]keyDoc, 0, len(st.keys))}
	var wk *paseto.SymmetricKey
	switch d.Wrap {
	case wrapKey:
		d.WrapID, wk = c.wrapID, c.wrapKey
	case wrapPassword:
		if st.kek == "" {
			dek, err := paseto.GenerateSymmetricKey(c.fam.v)
			if err != nil {
				return nil, err
			}
			kek, err := paserk.PasswordWrapLocal(dek, c.password, c.params)
			if err != nil { // only when the state is created, in New
				return nil, configError("PasswordParams", err)
			}
			st.kek, c.dek, c.dekKEK = kek, dek, kek
		}
		d.KEK = st.kek
		var err error
		if wk, err = c.dataKey(st.kek); err != nil {
			return nil, err
		}
	}
	for _, k := range st.keys {
		var (
			s   string
			err error
		)
		switch key := k.key.(type) {
		case *paseto.SecretKey:
			if wk != nil {
				s, err = paserk.WrapSecret(key, wk)
			} else {
				s, err = paserk.Encode(key)
			}
		case *paseto.SymmetricKey:
			if wk != nil {
				s, err = paserk.WrapLocal(key, wk)
			} else {
				s, err = paserk.Encode(key)
			}
		default:
			err = errors.New("keyring: not a secret or local key")
		}
		if err != nil {
			return nil, err
		}
		d.Keys = append(d.Keys, keyDoc{ID: k.id, Key: s, State: k.state.String(), Published: k.published,
			ActivateAt: k.activateAt, Activated: k.activated, RetireAt: k.retireAt, Retired: k.retired, DropAt: k.dropAt})
	}
	if wk != nil {
		mac, err := c.stateMAC(&d, wk)
		if err != nil {
			return nil, err
		}
		d.MAC = base64.RawURLEncoding.EncodeToString(mac)
	}
	return json.MarshalIndent(d, "", "  ")
}
