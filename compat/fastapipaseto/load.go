package fastapipaseto

import (
	"errors"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pasetokit/pasetokit/httpauth"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
)

// Prefix starts the name of every fastapi-paseto setting.
const Prefix = "AUTHPASETO_"

// Names of the settings, as fastapi-paseto spells them in upper case.
const (
	VarPurpose                 = "AUTHPASETO_PURPOSE"
	VarVersion                 = "AUTHPASETO_VERSION"
	VarSecretKey               = "AUTHPASETO_SECRET_KEY"
	VarPrivateKey              = "AUTHPASETO_PRIVATE_KEY"
	VarPrivateKeyFile          = "AUTHPASETO_PRIVATE_KEY_FILE"
	VarPublicKey               = "AUTHPASETO_PUBLIC_KEY"
	VarPublicKeyFile           = "AUTHPASETO_PUBLIC_KEY_FILE"
	VarDecodeLeeway            = "AUTHPASETO_DECODE_LEEWAY"
	VarEncodeIssuer            = "AUTHPASETO_ENCODE_ISSUER"
	VarDecodeIssuer            = "AUTHPASETO_DECODE_ISSUER"
	VarDecodeAudience          = "AUTHPASETO_DECODE_AUDIENCE"
	VarAccessTokenExpires      = "AUTHPASETO_ACCESS_TOKEN_EXPIRES"
	VarRefreshTokenExpires     = "AUTHPASETO_REFRESH_TOKEN_EXPIRES"
	VarOtherTokenExpires       = "AUTHPASETO_OTHER_TOKEN_EXPIRES"
	VarTokenLocation           = "AUTHPASETO_TOKEN_LOCATION"
	VarHeaderName              = "AUTHPASETO_HEADER_NAME"
	VarHeaderType              = "AUTHPASETO_HEADER_TYPE"
	VarJSONKey                 = "AUTHPASETO_JSON_KEY"
	VarJSONType                = "AUTHPASETO_JSON_TYPE"
	VarWebSocketTokenLocation  = "AUTHPASETO_WEBSOCKET_TOKEN_LOCATION"
	VarWebSocketQueryKey       = "AUTHPASETO_WEBSOCKET_QUERY_KEY"
	VarWebSocketQueryType      = "AUTHPASETO_WEBSOCKET_QUERY_TYPE"
	VarDenylistEnabled         = "AUTHPASETO_DENYLIST_ENABLED"
	VarDenylistTokenChecks     = "AUTHPASETO_DENYLIST_TOKEN_CHECKS"
	defaultAccessExpires       = 900 * time.Second
	defaultRefreshOtherExpires = 2592000 * time.Second
)

var known = map[string]bool{
	VarPurpose: true, VarVersion: true, VarSecretKey: true, VarPrivateKey: true,
	VarPrivateKeyFile: true, VarPublicKey: true, VarPublicKeyFile: true,
	VarDecodeLeeway: true, VarEncodeIssuer: true, VarDecodeIssuer: true,
	VarDecodeAudience: true, VarAccessTokenExpires: true, VarRefreshTokenExpires: true,
	VarOtherTokenExpires: true, VarTokenLocation: true, VarHeaderName: true,
	VarHeaderType: true, VarJSONKey: true, VarJSONType: true,
	VarWebSocketTokenLocation: true, VarWebSocketQueryKey: true,
	VarWebSocketQueryType: true, VarDenylistEnabled: true, VarDenylistTokenChecks: true,
}

// maxKeyFile bounds a key file read for *_KEY_FILE.
const maxKeyFile = 64 << 10

// FromEnv loads the settings from the process environment. Names are
// matched in any letter case, as fastapi-paseto's settings do, and an
// AUTHPASETO_ variable it does not know is refused.
func FromEnv() (*Settings, error) {
	m := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, _ := strings.Cut(kv, "="); strings.HasPrefix(strings.ToUpper(k), Prefix) {
			m[k] = v
		}
	}
	return FromMap(m)
}

// FromMap loads the settings from m. Names are matched in any letter
// case, as fastapi-paseto lowers them; names without the AUTHPASETO_
// prefix are ignored, and an AUTHPASETO_ name it does not know is refused.
func FromMap(m map[string]string) (*Settings, error) {
	up := make(map[string]string, len(m))
	names := make([]string, 0, len(m))
	for k, v := range m {
		u := strings.ToUpper(k)
		if !strings.HasPrefix(u, Prefix) {
			continue
		}
		if _, dup := up[u]; dup {
			return nil, configError(u, errors.New("given twice in different letter cases"))
		}
		up[u] = v
		names = append(names, k)
	}
	if err := checkNames(names); err != nil {
		return nil, err
	}
	return FromLookup(func(k string) (string, bool) { v, ok := up[k]; return v, ok })
}

// FromGetenv loads the settings through getenv, such as os.Getenv: an
// empty value counts as unset, so AUTHPASETO_HEADER_TYPE cannot be set
// to empty this way (use [FromLookup] or [FromMap] for a bare header token).
func FromGetenv(getenv func(string) string) (*Settings, error) {
	if getenv == nil {
		return nil, configError("getenv", errors.New("nil function"))
	}
	return FromLookup(func(k string) (string, bool) {
		v := getenv(k)
		return v, v != ""
	})
}

// FromLookup loads the settings through lookup, which reports a
// variable's value and whether it is set (as os.LookupEnv).
func FromLookup(lookup func(string) (string, bool)) (*Settings, error) {
	if lookup == nil {
		return nil, configError("lookup", errors.New("nil function"))
	}
	p, err := parse(lookup)
	if err != nil {
		return nil, err
	}
	return p.build()
}

func checkNames(names []string) error {
	sort.Strings(names)
	for _, n := range names {
		if !known[strings.ToUpper(n)] {
			return configError(n, errors.New("not a fastapi-paseto setting (misspelt?)"))
		}
	}
	return nil
}

// parsed holds the settings after checking, before building the configs.
type parsed struct {
	version        paseto.Version
	public         bool
	local          string // the local key as a PASERK, or ""
	secret         string // the secret key as a PASERK, or "" with pem
	pem            []byte // the secret key as PEM
	leeway         time.Duration
	issuer         string
	audiences      []string
	access         expiry
	refresh, other expiry
	sources        []httpauth.Source
	wsSources      []httpauth.Source
	httpHeader     [2]string // header name and type
}

// expiry is a lifetime, or none.
type expiry struct {
	lifetime time.Duration
	none     bool
}

// get returns a set variable's value, trimmed of surrounding white space.
type getter func(name string) (string, bool)

func parse(lookup func(string) (string, bool)) (*parsed, error) {
	get := getter(func(n string) (string, bool) {
		v, ok := lookup(n)
		return strings.TrimSpace(v), ok
	})
	p := &parsed{version: paseto.V4}
	if v, ok := get(VarPurpose); ok {
		switch v {
		case "local":
		case "public":
			p.public = true
		default:
			return nil, configError(VarPurpose, errors.New("must be local or public"))
		}
	}
	if v, ok := get(VarVersion); ok {
		switch v {
		case "2", "3", "4":
			p.version = paseto.Version(v[0] - '0')
		case "1":
			return nil, configError(VarVersion, errors.New("version 1 is not supported; use 4 (new keys, and users log in again once)"))
		default:
			return nil, configError(VarVersion, errors.New("must be 2, 3 or 4"))
		}
	}
	var err error
	if _, ok := get(VarSecretKey); ok || !p.public {
		if err = p.localKey(get); err != nil {
			return nil, err
		}
	}
	_, priv := get(VarPrivateKey)
	_, privFile := get(VarPrivateKeyFile)
	if priv || privFile || p.public {
		if err = p.publicKeys(get); err != nil {
			return nil, err
		}
	} else if _, pub := get(VarPublicKey); pub {
		return nil, configError(VarPublicKey, errors.New("set without "+VarPrivateKey+": authtoken issues tokens and derives the public key from the private one; a service that only verifies them uses package verifier"))
	} else if _, pubFile := get(VarPublicKeyFile); pubFile {
		return nil, configError(VarPublicKeyFile, errors.New("set without "+VarPrivateKeyFile+": authtoken issues tokens and derives the public key from the private one; a service that only verifies them uses package verifier"))
	}
	if v, ok := get(VarDecodeLeeway); ok {
		n, err := seconds(v)
		if err != nil {
			return nil, configError(VarDecodeLeeway, err)
		}
		p.leeway = n
	}
	enc, encOK := get(VarEncodeIssuer)
	dec, decOK := get(VarDecodeIssuer)
	switch {
	case encOK && decOK && enc != dec:
		return nil, configError(VarDecodeIssuer, errors.New("differs from "+VarEncodeIssuer+": authtoken writes and requires one issuer; set both to the same value"))
	case encOK && enc == "":
		return nil, configError(VarEncodeIssuer, errors.New("empty; leave it unset for no issuer"))
	case decOK && dec == "":
		return nil, configError(VarDecodeIssuer, errors.New("empty; leave it unset for no issuer"))
	case encOK:
		p.issuer = enc
	case decOK:
		p.issuer = dec
	}
	if v, ok := get(VarDecodeAudience); ok && v != "" {
		for i, a := range strings.Split(v, ",") {
			a = strings.TrimSpace(a)
			if a == "" {
				return nil, configError(VarDecodeAudience, errors.New("item "+strconv.Itoa(i)+" is empty"))
			}
			p.audiences = append(p.audiences, a)
		}
	}
	if p.access, err = expires(get, VarAccessTokenExpires, defaultAccessExpires); err != nil {
		return nil, err
	}
	if p.refresh, err = expires(get, VarRefreshTokenExpires, defaultRefreshOtherExpires); err != nil {
		return nil, err
	}
	if p.other, err = expires(get, VarOtherTokenExpires, defaultRefreshOtherExpires); err != nil {
		return nil, err
	}
	if err := p.httpSources(get); err != nil {
		return nil, err
	}
	if err := p.webSocketSources(get); err != nil {
		return nil, err
	}
	if v, ok := get(VarDenylistEnabled); ok {
		if _, err := boolean(v); err != nil {
			return nil, configError(VarDenylistEnabled, err)
		}
	}
	if v, ok := get(VarDenylistTokenChecks); ok {
		if _, err := list(v, "access", "refresh"); err != nil {
			return nil, configError(VarDenylistTokenChecks, err)
		}
	}
	return p, nil
}

// localKey reads AUTHPASETO_SECRET_KEY.
func (p *parsed) localKey(get getter) error {
	v, ok := get(VarSecretKey)
	if !ok || v == "" {
		return configError(VarSecretKey, errors.New("required with purpose local: a k"+strconv.Itoa(int(p.version))+".local PASERK or 32 bytes"))
	}
	if strings.HasPrefix(v, "k") && strings.Contains(v, ".local.") {
		k, err := paserk.Parse(v)
		if err != nil {
			return configError(VarSecretKey, errors.New("not a valid local PASERK"))
		}
		if k.Purpose() != paseto.Local || k.Version() != p.version {
			return configError(VarSecretKey, errors.New("the PASERK is not a local key of "+VarVersion))
		}
		p.local = v
		return nil
	}
	if len(v) != 32 {
		return configError(VarSecretKey, errors.New("is not 32 bytes: PASETO local keys are exactly 32 bytes, and a token made under another length (which pyseto allows) opens nowhere else; "+
			"generate a key (pasetokit keygen v4.local) and set it as a k"+strconv.Itoa(int(p.version))+".local PASERK; tokens made under the old secret stop verifying"))

	}
	k, err := paseto.NewSymmetricKey(p.version, []byte(v))
	if err != nil {
		return configError(VarSecretKey, errors.New("cannot be used as a key"))
	}
	p.local, err = paserk.Encode(k)
	if err != nil {
		return configError(VarSecretKey, errors.New("cannot be used as a key"))
	}
	return nil
}

// publicKeys reads the private and public keys of purpose public.
func (p *parsed) publicKeys(get getter) error {
	priv, err := keyText(get, VarPrivateKey, VarPrivateKeyFile)
	if err != nil {
		return err
	}
	if priv == "" {
		return configError(VarPrivateKey, errors.New("required with purpose public: authtoken issues tokens (a service that only verifies them uses package verifier with "+VarPublicKey+")"))
	}
	var sk *paseto.SecretKey
	if strings.HasPrefix(priv, "-----BEGIN") {
		sk, err = paseto.ParseSecretKeyPEM(p.version, []byte(priv))
		if err != nil {
			return configError(VarPrivateKey, errors.New("not a PEM private key of "+VarVersion+" (Ed25519 for 2 and 4, P-384 for 3)"))
		}
		p.pem = []byte(priv)
	} else {
		k, err := paserk.Parse(priv)
		s, ok := k.(*paseto.SecretKey)
		if err != nil || !ok || s.Version() != p.version {
			return configError(VarPrivateKey, errors.New("neither a PEM private key nor a secret PASERK of "+VarVersion))
		}
		sk, p.secret = s, priv
	}
	pub, err := keyText(get, VarPublicKey, VarPublicKeyFile)
	if err != nil {
		return err
	}
	if pub != "" {
		var pk paseto.Key
		if strings.HasPrefix(pub, "-----BEGIN") {
			pk, err = paseto.ParsePublicKeyPEM(p.version, []byte(pub))
		} else {
			pk, err = paserk.Parse(pub)
		}
		k, ok := pk.(*paseto.PublicKey)
		if err != nil || !ok {
			return configError(VarPublicKey, errors.New("not a public key of "+VarVersion))
		}
		if !k.Equal(sk.Public()) {
			return configError(VarPublicKey, errors.New("is not the public half of "+VarPrivateKey+"; leave it unset (it is derived) or fix it"))
		}
	}
	return nil
}

// keyText returns the key in name, or the contents of the file fileName
// names when name is unset. PEM text written with literal \n sequences
// (common in .env files) gets real line breaks.
func keyText(get getter, name, fileName string) (string, error) {
	v, ok := get(name)
	if !ok {
		path, ok := get(fileName)
		if !ok {
			return "", nil
		}
		if path == "" {
			return "", configError(fileName, errors.New("empty path"))
		}
		f, err := os.Open(path)
		if err != nil {
			return "", configError(fileName, errors.New("cannot be read"))
		}
		defer f.Close()
		b, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
		if err != nil {
			return "", configError(fileName, errors.New("cannot be read"))
		}
		if len(b) > maxKeyFile {
			return "", configError(fileName, errors.New("the file is over 64 KiB: not a key"))
		}
		v, name = strings.TrimSpace(string(b)), fileName
	}
	if strings.HasPrefix(v, "-----BEGIN") && !strings.Contains(v, "\n") {
		v = strings.ReplaceAll(v, `\n`, "\n")
	}
	return v, nil
}

// expires reads a lifetime: whole seconds, or false for none.
func expires(get getter, name string, def time.Duration) (expiry, error) {
	v, ok := get(name)
	if !ok {
		return expiry{lifetime: def}, nil
	}
	switch v {
	case "false", "False", "FALSE":
		return expiry{none: true}, nil
	case "true", "True", "TRUE":
		return expiry{}, configError(name, errors.New("only false is accepted as a boolean (no expiry); give a number of seconds otherwise"))
	}
	d, err := seconds(v)
	if err != nil {
		return expiry{}, configError(name, err)
	}
	if d == 0 {
		return expiry{}, configError(name, errors.New("zero seconds; give at least 1, or false for tokens without expiry"))
	}
	return expiry{lifetime: d}, nil
}

// maxSeconds bounds a number of seconds (about 290 years, within
// time.Duration).
const maxSeconds = 1 << 33

// seconds reads a non-negative whole number of seconds.
func seconds(v string) (time.Duration, error) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, errors.New("not a whole non-negative number of seconds")
	}
	if n > maxSeconds {
		return 0, errors.New("too large")
	}
	return time.Duration(n) * time.Second, nil
}

func boolean(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "true", "1", "yes", "on":
		return true, nil
	case "false", "0", "no", "off":
		return false, nil
	}
	return false, errors.New("not true or false")
}

// list reads a comma list whose items are among allowed, in order and
// without repeats.
func list(v string, allowed ...string) ([]string, error) {
	var out []string
	for item := range strings.SplitSeq(v, ",") {
		item = strings.TrimSpace(item)
		ok := false
		for _, a := range allowed {
			ok = ok || item == a
		}
		if !ok {
			return nil, errors.New("items must be among " + strings.Join(allowed, ", "))
		}
		dup := false
		for _, o := range out {
			dup = dup || o == item
		}
		if !dup {
			out = append(out, item)
		}
	}
	return out, nil
}

// httpSources builds the HTTP token sources.
func (p *parsed) httpSources(get getter) error {
	locs := []string{"headers"}
	if v, ok := get(VarTokenLocation); ok {
		var err error
		if locs, err = list(v, "headers", "json"); err != nil {
			return configError(VarTokenLocation, err)
		}
	}
	headerName, headerType := "Authorization", "Bearer"
	if v, ok := get(VarHeaderName); ok {
		if v == "" {
			return configError(VarHeaderName, errors.New("empty"))
		}
		headerName = v
	}
	if v, ok := get(VarHeaderType); ok {
		headerType = v
	}
	jsonKey, jsonType := "access_token", ""
	if v, ok := get(VarJSONKey); ok {
		if v == "" {
			return configError(VarJSONKey, errors.New("empty"))
		}
		jsonKey = v
	}
	if v, ok := get(VarJSONType); ok {
		jsonType = v
	}
	for _, l := range locs {
		var src httpauth.Source
		field := VarHeaderName
		switch {
		case l == "json":
			src, field = httpauth.JSONBodySource{Key: jsonKey, Scheme: jsonType}, VarJSONType
		case headerType == "":
			src = httpauth.BareHeaderSource{Name: headerName}
		default:
			src = httpauth.HeaderSource{Name: headerName, Scheme: headerType}
		}
		if _, err := httpauth.New(httpauth.Config{Verifier: nopVerifier{}, Sources: []httpauth.Source{src}}); err != nil {
			return configError(field, errors.New("not a valid header name or scheme"))
		}
		p.sources = append(p.sources, src)
	}
	p.httpHeader = [2]string{headerName, headerType}
	return nil
}

// webSocketSources builds the sources of WebSocket handshakes.
func (p *parsed) webSocketSources(get getter) error {
	locs := []string{"headers"}
	if v, ok := get(VarWebSocketTokenLocation); ok {
		if v == "both" {
			v = "headers,query"
		}
		var err error
		if locs, err = list(v, "headers", "query"); err != nil {
			return configError(VarWebSocketTokenLocation, errors.New("must be headers, query, both, or a comma list of headers and query"))
		}
	}
	key, typ := "token", ""
	if v, ok := get(VarWebSocketQueryKey); ok {
		if v == "" {
			return configError(VarWebSocketQueryKey, errors.New("empty"))
		}
		key = v
	}
	if v, ok := get(VarWebSocketQueryType); ok {
		typ = v
	}
	for _, l := range locs {
		var src httpauth.WebSocketSource
		field := VarWebSocketQueryType
		if l == "headers" {
			src.Header, field = p.httpHeader[0], VarHeaderType
			if p.httpHeader[1] != "" {
				src.Prefix = p.httpHeader[1] + " "
			}
		} else {
			src.Query = key
			if typ != "" {
				src.Prefix = typ + " "
			}
		}
		if _, err := httpauth.New(httpauth.Config{Verifier: nopVerifier{}, Sources: []httpauth.Source{src}}); err != nil {
			return configError(field, errors.New("not usable as a WebSocket token prefix"))
		}
		p.wsSources = append(p.wsSources, src)
	}
	return nil
}
