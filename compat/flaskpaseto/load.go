package flaskpaseto

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pasetokit/pasetokit/internal/strictjson"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paseto"
)

// Prefix starts the name of every Flask-PASETO-Extended setting.
const Prefix = "PASETO_"

// Names of the settings.
const (
	VarISS          = "PASETO_ISS"
	VarPrivateKeys  = "PASETO_PRIVATE_KEYS"
	VarUseISS       = "PASETO_USE_ISS"
	VarUseIAT       = "PASETO_USE_IAT"
	VarExp          = "PASETO_EXP"
	VarUseKID       = "PASETO_USE_KID"
	VarSerializer   = "PASETO_SERIALIZER"
	VarPublicKeys   = "PASETO_PUBLIC_KEYS"
	VarSkew         = "PASETO_SKEW"
	VarDeserializer = "PASETO_DESERIALIZER"
)

var known = map[string]bool{
	VarISS: true, VarPrivateKeys: true, VarUseISS: true, VarUseIAT: true, VarExp: true,
	VarUseKID: true, VarSerializer: true, VarPublicKeys: true, VarSkew: true, VarDeserializer: true,
}

// MaxSize bounds the JSON document of [FromJSON] and each value, in bytes.
const MaxSize = 1 << 20

// value is one setting: JSON from [FromJSON], text from the environment.
type value struct {
	raw  json.RawMessage
	text string
	env  bool
}

// FromJSON loads the settings from a JSON object, such as a dump of the
// Flask app.config. Keys without the PASETO_ prefix are ignored; a
// PASETO_ key this package does not know is refused, and so is a key
// given twice.
func FromJSON(data []byte) (*Settings, error) {
	if err := strictjson.ValidateObject(data, strictjson.Limits{MaxLength: MaxSize, MaxDepth: 16}); err != nil {
		return nil, configError("JSON", errors.New("not one JSON object within 1 MiB, without repeated keys"))
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, configError("JSON", errors.New("not a JSON object"))
	}
	vals := map[string]value{}
	for k, v := range m {
		if strings.HasPrefix(k, Prefix) {
			vals[k] = value{raw: v}
		}
	}
	return load(vals)
}

// FromEnv loads the settings from the process environment, refusing a
// PASETO_ variable this package does not know.
func FromEnv() (*Settings, error) {
	m := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, _ := strings.Cut(kv, "="); strings.HasPrefix(k, Prefix) {
			m[k] = v
		}
	}
	return FromMap(m)
}

// FromMap loads the settings from text values, as in the environment.
// Names without the PASETO_ prefix are ignored; a PASETO_ name this
// package does not know is refused.
func FromMap(m map[string]string) (*Settings, error) {
	vals := map[string]value{}
	for k, v := range m {
		if strings.HasPrefix(k, Prefix) {
			vals[k] = value{text: v, env: true}
		}
	}
	return load(vals)
}

// FromLookup loads the settings through lookup (as os.LookupEnv), for the
// names this package knows.
func FromLookup(lookup func(string) (string, bool)) (*Settings, error) {
	if lookup == nil {
		return nil, configError("lookup", errors.New("nil function"))
	}
	m := map[string]string{}
	for k := range known {
		if v, ok := lookup(k); ok {
			m[k] = v
		}
	}
	return FromMap(m)
}

// key is one checked key entry.
type key struct {
	paserk  string
	pem     []byte
	version paseto.Version
	iss     string
	kid     string
}

// parsed holds the checked settings.
type parsed struct {
	iss                      string
	priv, pub                []key
	hasPriv, hasPub          bool
	useISS, useIAT, useKID   bool
	exp                      time.Duration // 0: none
	skew                     time.Duration
	serializer, deserializer string
}

func load(vals map[string]value) (*Settings, error) {
	names := make([]string, 0, len(vals))
	for k := range vals {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, n := range names {
		if !known[n] {
			return nil, configError(n, errors.New("not a Flask-PASETO-Extended setting (misspelt?)"))
		}
		if v := vals[n]; len(v.raw) > MaxSize || len(v.text) > MaxSize {
			return nil, configError(n, errors.New("over 1 MiB"))
		}
	}
	p := &parsed{useISS: true, exp: time.Hour, serializer: "json", deserializer: "json"}
	var err error
	if v, ok := vals[VarISS]; ok {
		if p.iss, err = str(v); err != nil {
			return nil, configError(VarISS, err)
		}
	}
	for _, b := range []struct {
		name string
		dst  *bool
	}{{VarUseISS, &p.useISS}, {VarUseIAT, &p.useIAT}, {VarUseKID, &p.useKID}} {
		if v, ok := vals[b.name]; ok {
			if *b.dst, err = boolean(v); err != nil {
				return nil, configError(b.name, err)
			}
		}
	}
	if v, ok := vals[VarExp]; ok {
		if p.exp, err = seconds(v); err != nil {
			return nil, configError(VarExp, err)
		}
	}
	if v, ok := vals[VarSkew]; ok {
		if p.skew, err = seconds(v); err != nil {
			return nil, configError(VarSkew, err)
		}
	}
	for _, s := range []struct {
		name string
		dst  *string
	}{{VarSerializer, &p.serializer}, {VarDeserializer, &p.deserializer}} {
		if v, ok := vals[s.name]; ok {
			t, err := str(v)
			if err != nil {
				return nil, configError(s.name, err)
			}
			if t != "json" && t != "cbor" {
				return nil, configError(s.name, errors.New("must be json or cbor: other serializers have no Go counterpart"))
			}
			*s.dst = t
		}
	}
	if v, ok := vals[VarPrivateKeys]; ok {
		p.hasPriv = true
		if p.priv, err = keyList(VarPrivateKeys, v, false); err != nil {
			return nil, err
		}
		if p.iss == "" {
			return nil, configError(VarISS, errors.New("required with "+VarPrivateKeys+" (Flask-PASETO-Extended requires it too)"))
		}
	}
	if v, ok := vals[VarPublicKeys]; ok {
		p.hasPub = true
		if p.pub, err = keyList(VarPublicKeys, v, true); err != nil {
			return nil, err
		}
	}
	if !p.hasPriv && !p.hasPub {
		return nil, configError(VarPrivateKeys, errors.New("neither "+VarPrivateKeys+" nor "+VarPublicKeys+" is set"))
	}
	return p.build()
}

func str(v value) (string, error) {
	if v.env {
		return strings.TrimSpace(v.text), nil
	}
	var s string
	if err := json.Unmarshal(v.raw, &s); err != nil {
		return "", errors.New("not a string")
	}
	return s, nil
}

func boolean(v value) (bool, error) {
	t := strings.TrimSpace(v.text)
	if !v.env {
		t = string(bytes.TrimSpace(v.raw))
	}
	switch t {
	case "true", "True":
		return true, nil
	case "false", "False":
		return false, nil
	}
	return false, errors.New("not true or false")
}

// maxSeconds bounds a number of seconds (about 290 years).
const maxSeconds = 1 << 33

func seconds(v value) (time.Duration, error) {
	t := strings.TrimSpace(v.text)
	if !v.env {
		t = string(bytes.TrimSpace(v.raw))
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 {
		return 0, errors.New("not a whole non-negative number of seconds")
	}
	if n > maxSeconds {
		return 0, errors.New("too large")
	}
	return time.Duration(n) * time.Second, nil
}

// entry is a key entry as written in the settings.
type entry struct {
	Version *json.RawMessage `json:"version"`
	Key     *string          `json:"key"`
	PASERK  *string          `json:"paserk"`
	ISS     *string          `json:"iss"`
	KID     *string          `json:"kid"`
}

// keyList reads PASETO_PRIVATE_KEYS (public false) or PASETO_PUBLIC_KEYS.
func keyList(name string, v value, public bool) ([]key, error) {
	raw := v.raw
	if v.env {
		raw = []byte(v.text)
	}
	if err := strictjson.Validate(raw, strictjson.Limits{MaxLength: MaxSize, MaxDepth: 4}); err != nil {
		return nil, configError(name, errors.New("not a JSON list of key objects (without repeated fields)"))
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, configError(name, errors.New("not a JSON list of key objects"))
	}
	if len(list) == 0 {
		return nil, configError(name, errors.New("empty; give at least one key"))
	}
	out := make([]key, 0, len(list))
	for i, item := range list {
		field := fmt.Sprintf("%s[%d]", name, i)
		d := json.NewDecoder(bytes.NewReader(item))
		d.DisallowUnknownFields()
		var e entry
		if err := d.Decode(&e); err != nil {
			return nil, configError(field, errors.New("not an object of paserk, or version and key"+map[bool]string{true: ", with iss and kid", false: ""}[public]))
		}
		if !public && (e.ISS != nil || e.KID != nil) {
			return nil, configError(field, errors.New("iss and kid belong to "+VarPublicKeys+" entries"))
		}
		k, err := entryKey(field, e, public)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, nil
}

func entryKey(field string, e entry, public bool) (key, error) {
	var k key
	switch {
	case e.PASERK != nil && (e.Key != nil || e.Version != nil):
		return k, configError(field, errors.New("give paserk, or version and key, not both"))
	case e.PASERK != nil:
		k.paserk = strings.TrimSpace(*e.PASERK)
	case e.Version == nil || e.Key == nil:
		return k, configError(field, errors.New("a key object must have a paserk or a pair of version and key"))
	default:
		n, err := strconv.Atoi(string(*e.Version))
		switch {
		case err != nil:
			return k, configError(field+".version", errors.New("must be a whole number"))
		case n == 1:
			return k, configError(field+".version", errors.New("version 1 is not supported; use 4"))
		case n < 2 || n > 4:
			return k, configError(field+".version", errors.New("must be 2, 3 or 4"))
		}
		k.version = paseto.Version(n)
		k.pem = []byte(strings.ReplaceAll(*e.Key, `\n`, "\n"))
	}
	loaded, err := keyring.Key{PASERK: k.paserk, PEM: k.pem, Version: k.version}.Parse()
	sub := ".key"
	if k.paserk != "" {
		sub = ".paserk"
	}
	if err != nil {
		return k, configError(field+sub, errors.New("not a valid "+map[bool]string{true: "public", false: "private"}[public]+" key (PEM, or a plaintext PASERK)"))
	}
	switch loaded.(type) {
	case *paseto.SymmetricKey:
		return k, configError(field+sub, errors.New("a local key is not allowed (as in Flask-PASETO-Extended)"))
	case *paseto.SecretKey:
		if public {
			return k, configError(field+sub, errors.New("a private key: give its public half (pasetokit paserk public)"))
		}
	case *paseto.PublicKey:
		if !public {
			return k, configError(field+sub, errors.New("a public key cannot sign: give the private key"))
		}
	}
	if e.ISS != nil {
		if *e.ISS == "" {
			return k, configError(field+".iss", errors.New("empty; leave it out for a key not bound to an issuer"))
		}
		k.iss = *e.ISS
	}
	if e.KID != nil {
		k.kid = strings.TrimSpace(*e.KID)
		if k.kid == "" {
			return k, configError(field+".kid", errors.New("empty; leave it out"))
		}
	}
	return k, nil
}
