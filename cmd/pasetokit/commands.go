package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
)

// ---- keygen ----

const keygenSynopsis = "keygen [--json] v4.local|v4.public|v3.local|v3.public|v2.local|v2.public"

func cmdKeygen(args []string, stdout io.Writer) error {
	fs := newFlagSet("keygen")
	asJSON := fs.Bool("json", false, "print a JSON object instead of name: value lines")
	pos, err := parseArgs(fs, keygenSynopsis, args, 1, 1)
	if err != nil {
		return err
	}
	var v paseto.Version
	ver, purpose, _ := strings.Cut(pos[0], ".")
	switch ver {
	case "v2":
		v = paseto.V2
	case "v3":
		v = paseto.V3
	case "v4":
		v = paseto.V4
	}
	if v == 0 || (purpose != "local" && purpose != "public") {
		return &usageError{msg: fmt.Sprintf("unknown key type %q", pos[0]), usage: commandUsage(fs, keygenSynopsis)}
	}

	type field struct{ name, value string }
	var fields []field
	if purpose == "local" {
		k, err := paseto.GenerateSymmetricKey(v)
		if err != nil {
			return err
		}
		local, err := paserk.Encode(k)
		if err != nil {
			return err
		}
		lid, err := paserk.ID(k)
		if err != nil {
			return err
		}
		fields = []field{{"local", local}, {"lid", lid}}
	} else {
		sk, err := paseto.GenerateSecretKey(v)
		if err != nil {
			return err
		}
		secret, err := paserk.Encode(sk)
		if err != nil {
			return err
		}
		public, err := paserk.Encode(sk.Public())
		if err != nil {
			return err
		}
		sid, err := paserk.ID(sk)
		if err != nil {
			return err
		}
		pid, err := paserk.ID(sk.Public())
		if err != nil {
			return err
		}
		fields = []field{{"secret", secret}, {"public", public}, {"sid", sid}, {"pid", pid}}
	}

	var b bytes.Buffer
	if *asJSON {
		// Written by hand to keep the field order; every value is a
		// PASERK, made of [A-Za-z0-9._-] only.
		b.WriteByte('{')
		for i, f := range fields {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(strconv.Quote(f.name) + ": " + strconv.Quote(f.value))
		}
		b.WriteString("}\n")
	} else {
		for _, f := range fields {
			b.WriteString(f.name + ": " + f.value + "\n")
		}
	}
	_, err = stdout.Write(b.Bytes())
	return err
}

// ---- issue ----

const issueSynopsis = "issue --key KEY [--footer TEXT] [--implicit TEXT] [--no-kid] [--lifetime DURATION | --raw] < CLAIMS.json"

func cmdIssue(args []string, stdin io.Reader, stdout io.Writer) error {
	fs := newFlagSet("issue")
	keyArg := fs.String("key", "", "`KEY` to issue with: a secret key (signs a public token) or a local key (encrypts a local token), as PASERK or @FILE")
	footer := fs.String("footer", "", "footer `TEXT`, sent in clear and authenticated")
	implicit := fs.String("implicit", "", "implicit assertion `TEXT`, authenticated but not sent (v3, v4)")
	noKid := fs.Bool("no-kid", false, `leave out the key's PASERK id, otherwise put in a JSON footer {"kid":…} (pid for a secret key, lid for a local key)`)
	exp := fs.Duration("lifetime", time.Hour, "exp is set to now + `DURATION`")
	raw := fs.Bool("raw", false, "use the JSON object from stdin as the payload as is: add no iat or exp")
	ver := addVersionFlag(fs)
	if _, err := parseArgs(fs, issueSynopsis, args, 0, 0); err != nil {
		return err
	}
	usage := func(msg string) error { return &usageError{msg: msg, usage: commandUsage(fs, issueSynopsis)} }
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *keyArg == "" {
		return usage("missing --key")
	}
	if *raw && set["lifetime"] {
		return usage("--raw and --lifetime cannot be used together: --raw adds no exp")
	}
	if !*raw && *exp <= 0 {
		return usage("--lifetime must be positive")
	}
	if len(*footer) > paseto.DefaultMaxFooterLength {
		return usage(fmt.Sprintf("--footer is longer than %d bytes, which verifiers reject", paseto.DefaultMaxFooterLength))
	}

	key, _, err := loadKey(*keyArg, ver)
	if err != nil {
		return err
	}
	if _, ok := key.(*paseto.PublicKey); ok {
		return reject("wrong key", "cannot issue with a public key: give the secret key (to sign) or a local key (to encrypt)")
	}
	if key.Version() == paseto.V2 && *implicit != "" {
		return &usageError{msg: "--implicit cannot be used with a v2 key: v2 has no implicit assertions"}
	}

	foot := []byte(*footer)
	if !*noKid {
		if foot, err = kidFooter(key, foot); err != nil {
			return err
		}
	} else if _, err := paseto.FooterKeyID(foot); errors.Is(err, paseto.ErrKeyInFooter) {
		return &usageError{msg: "--footer holds a PASERK key as kid: footers must never hold keys (leave out --no-kid for the key's id)"}
	}

	in, err := readBounded(stdin, maxClaims, func() error {
		return reject("invalid claims", fmt.Sprintf("stdin is larger than %d bytes", maxClaims))
	})
	if err != nil {
		return err
	}
	payload, err := issuePayload(in, *raw, *exp)
	if err != nil {
		return err
	}

	var token string
	switch k := key.(type) {
	case *paseto.SecretKey:
		token, err = paseto.Sign(k, payload, foot, []byte(*implicit))
	case *paseto.SymmetricKey:
		token, err = paseto.Encrypt(k, payload, foot, []byte(*implicit))
	}
	if err != nil {
		return err
	}
	if len(token) > paseto.DefaultMaxTokenLength {
		return reject("token too long", fmt.Sprintf("the token would be longer than %d bytes, which verifiers reject", paseto.DefaultMaxTokenLength))
	}
	_, err = io.WriteString(stdout, token+"\n")
	return err
}

// jsonSpace is JSON's insignificant white space.
const jsonSpace = " \t\r\n"

// issuePayload checks the JSON object read from stdin and returns the
// payload to issue. With raw it is the input without surrounding white
// space; otherwise the input is compacted (white space outside strings
// removed, nothing else changed: key order, number and string spellings
// stay as given) and iat (now, whole seconds) and exp (iat + lifetime) are
// appended. Input that already has an iat or exp, in any letter case, is a
// usage error: they are never overwritten.
func issuePayload(in []byte, raw bool, lifetime time.Duration) ([]byte, error) {
	in = bytes.Trim(in, jsonSpace)
	var obj map[string]json.RawMessage
	if err := paseto.UnmarshalClaims(in, &obj); err != nil {
		return nil, &rejectError{class: "invalid claims", detail: "stdin must hold one JSON object without duplicate or case-variant keys", err: err}
	}
	if !raw {
		for name := range obj {
			// EqualFold: "EXP" next to an added "exp" would be a
			// duplicate key to verifiers, which match claims to struct
			// fields regardless of case.
			if strings.EqualFold(name, "iat") || strings.EqualFold(name, "exp") {
				return nil, &usageError{msg: "the claims on stdin already have an iat or exp claim; use --raw to issue them as given"}
			}
		}
	}
	var c paseto.Claims
	if err := paseto.UnmarshalClaims(in, &c); err != nil {
		return nil, &rejectError{class: "invalid claims", detail: "a registered claim (iss, sub, aud, exp, nbf, iat, jti) has the wrong type", err: err}
	}
	if raw {
		return in, nil
	}
	iat := now().UTC().Truncate(time.Second)
	iatJSON, err := paseto.NewTime(iat).MarshalJSON()
	if err != nil {
		return nil, err
	}
	expJSON, err := paseto.NewTime(iat.Add(lifetime)).MarshalJSON()
	if err != nil {
		return nil, &usageError{msg: "--lifetime is too large"}
	}
	var b bytes.Buffer
	if err := json.Compact(&b, in); err != nil {
		return nil, reject("invalid claims", "stdin is not valid JSON")
	}
	out := b.Bytes()
	out = out[:len(out)-1] // drop the closing brace
	if len(obj) > 0 {
		out = append(out, ',')
	}
	out = append(out, `"iat":`...)
	out = append(out, iatJSON...)
	out = append(out, `,"exp":`...)
	out = append(out, expJSON...)
	out = append(out, '}')
	if err := paseto.UnmarshalClaims(out, &c); err != nil { // cannot happen: checked above
		return nil, &rejectError{class: "invalid claims", err: err}
	}
	return out, nil
}

// kidFooter returns the footer with the key's PASERK id as kid: {"kid":ID}
// when footer is empty, or footer (a flat JSON object without a kid) with
// kid appended. A secret key is named by the id of its public key (pid),
// which is what verifiers hold; a local key by its lid.
func kidFooter(key paseto.Key, footer []byte) ([]byte, error) {
	idKey := key
	if sk, ok := key.(*paseto.SecretKey); ok {
		idKey = sk.Public()
	}
	id, err := paserk.ID(idKey)
	if err != nil {
		return nil, err
	}
	kidJSON, _ := json.Marshal(id) // a PASERK id: no characters to escape
	var out []byte
	if len(footer) == 0 {
		out = append(append([]byte(`{"kid":`), kidJSON...), '}')
	} else {
		var obj map[string]json.RawMessage
		if err := paseto.UnmarshalFooter(footer, &obj); err != nil {
			return nil, &usageError{msg: "--footer must be a flat JSON object without duplicate keys, to which kid is added (or give --no-kid)"}
		}
		for name := range obj {
			if strings.EqualFold(name, "kid") {
				return nil, &usageError{msg: "--footer already has a kid; give --no-kid or drop the footer's kid"}
			}
		}
		var b bytes.Buffer
		if err := json.Compact(&b, bytes.Trim(footer, jsonSpace)); err != nil {
			return nil, &usageError{msg: "--footer must be a flat JSON object, to which kid is added (or give --no-kid)"}
		}
		out = b.Bytes()
		out = out[:len(out)-1]
		if len(obj) > 0 {
			out = append(out, ',')
		}
		out = append(append(append(out, `"kid":`...), kidJSON...), '}')
	}
	got, err := paseto.FooterKeyID(out)
	if err != nil || got != id {
		return nil, &usageError{msg: "--footer is too long or has too many keys for a JSON footer with kid (or give --no-kid)"}
	}
	return out, nil
}

// ---- verify ----

const verifySynopsis = "verify --key KEY [--implicit TEXT] [--no-time-check] [--json] [TOKEN]"

func cmdVerify(args []string, stdin io.Reader, stdout io.Writer) error {
	fs := newFlagSet("verify")
	keyArg := fs.String("key", "", "`KEY` to open the token with: a public key (or a secret key, whose public half is used) for public tokens, a local key for local tokens, as PASERK or @FILE")
	implicit := fs.String("implicit", "", "implicit assertion `TEXT` the token was made with (v3, v4)")
	noTime := fs.Bool("no-time-check", false, "do not check exp, nbf and iat against the current time")
	asJSON := fs.Bool("json", false, `print {"payload": PAYLOAD, "footer": "FOOTER"} instead of the payload`)
	ver := addVersionFlag(fs)
	pos, err := parseArgs(fs, verifySynopsis, args, 0, 1)
	if err != nil {
		return err
	}
	if *keyArg == "" {
		return &usageError{msg: "missing --key", usage: commandUsage(fs, verifySynopsis)}
	}
	key, _, err := loadKey(*keyArg, ver)
	if err != nil {
		return err
	}
	if key.Version() == paseto.V2 && *implicit != "" {
		return &usageError{msg: "--implicit cannot be used with a v2 key: v2 has no implicit assertions"}
	}
	token, err := readToken(pos, stdin)
	if err != nil {
		return err
	}

	var payload, footer []byte
	switch k := key.(type) {
	case *paseto.SymmetricKey:
		payload, footer, err = paseto.Decrypt(k, token, []byte(*implicit))
	case *paseto.SecretKey:
		payload, footer, err = paseto.Verify(k.Public(), token, []byte(*implicit))
	case *paseto.PublicKey:
		payload, footer, err = paseto.Verify(k, token, []byte(*implicit))
	}
	if err != nil {
		return err
	}
	var c paseto.Claims
	if err := paseto.UnmarshalClaims(payload, &c); err != nil {
		return err
	}
	if !*noTime {
		if err := c.Validate(now(), 0); err != nil {
			return err
		}
	}

	if !*asJSON {
		_, err = stdout.Write(append(payload, '\n'))
		return err
	}
	// {"payload": PAYLOAD, "footer": "FOOTER"}, spaced like keygen --json.
	// The payload was validated as a JSON object: it is compacted, not
	// re-encoded, so numbers and strings keep their exact spelling.
	var b bytes.Buffer
	b.WriteString(`{"payload": `)
	if err := json.Compact(&b, payload); err != nil {
		return reject("invalid claims", "the payload is not valid JSON")
	}
	b.WriteString(`, "footer": `)
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(string(footer)); err != nil { // cannot fail for a string
		return err
	}
	b.Truncate(b.Len() - 1) // Encode's newline
	b.WriteString("}\n")
	_, err = stdout.Write(b.Bytes())
	return err
}

// ---- inspect ----

const inspectSynopsis = "inspect [TOKEN]"

func cmdInspect(args []string, stdin io.Reader, stdout io.Writer) error {
	fs := newFlagSet("inspect")
	pos, err := parseArgs(fs, inspectSynopsis, args, 0, 1)
	if err != nil {
		return err
	}
	token, err := readToken(pos, stdin)
	if err != nil {
		return err
	}
	t, err := paseto.Unverified(token)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "version: %s\n", t.Version)
	fmt.Fprintf(&b, "purpose: %s\n", t.Purpose)
	if t.UnverifiedFooter == nil {
		b.WriteString("footer: (none)\n")
	} else {
		fmt.Fprintf(&b, "footer: %s\n", printable(t.UnverifiedFooter))
		kid, err := paseto.FooterKeyID(t.UnverifiedFooter)
		switch {
		case errors.Is(err, paseto.ErrKeyInFooter):
			b.WriteString("warning: the footer's kid holds a key, which the PASETO specification forbids\n")
		case err == nil && kid != "":
			fmt.Fprintf(&b, "kid: %s\n", printable([]byte(kid)))
		}
	}
	if t.Purpose == paseto.Public {
		fmt.Fprintf(&b, "payload (UNVERIFIED: signature not checked): %s\n", printable(t.UnverifiedPayload))
	} else {
		b.WriteString("payload: (encrypted: decrypt it with 'pasetokit verify --key LOCALKEY')\n")
	}
	b.WriteString("note: nothing above is verified\n")
	_, err = stdout.Write(b.Bytes())
	return err
}

// printable returns s as is when it is valid UTF-8 without control or
// other non-printing characters, and Go-quoted otherwise, so that an
// untrusted token cannot send escape sequences to the terminal.
func printable(s []byte) string {
	if !utf8.Valid(s) {
		return strconv.Quote(string(s))
	}
	for _, r := range string(s) {
		if !unicode.IsPrint(r) {
			return strconv.Quote(string(s))
		}
	}
	return string(s)
}

// ---- paserk ----

const paserkUsage = `usage: pasetokit paserk SUBCOMMAND [flags] KEY

Subcommands:
  id KEY                          print the PASERK id of a key: lid, pid or sid
  public KEY                      print the public key of a secret key
  from-pem [--version v2|v4] @FILE  print the PASERK of a PEM key
  to-pem KEY                      print the PEM of a secret or public key

KEY is a PASERK or @FILE (PASERK or PEM); --version v2|v4 (default v4)
chooses the version of an Ed25519 PEM key for every subcommand.
`

func cmdPaserk(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return &usageError{msg: "missing paserk subcommand", usage: paserkUsage}
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "-h", "-help", "--help", "help":
		return &helpRequested{usage: paserkUsage}
	case "id", "public", "from-pem", "to-pem":
	default:
		return &usageError{msg: fmt.Sprintf("unknown paserk subcommand %q", sub), usage: paserkUsage}
	}
	synopsis := "paserk " + sub + " [--version v2|v4] KEY"
	if sub == "from-pem" {
		synopsis = "paserk from-pem [--version v2|v4] @FILE"
	}
	fs := newFlagSet("paserk " + sub)
	ver := addVersionFlag(fs)
	pos, err := parseArgs(fs, synopsis, rest, 1, 1)
	if err != nil {
		return err
	}
	key, form, err := loadKey(pos[0], ver)
	if err != nil {
		return err
	}

	var out string
	switch sub {
	case "id":
		out, err = paserk.ID(key)
	case "public":
		sk, ok := key.(*paseto.SecretKey)
		if !ok {
			return reject("wrong key", "want a secret key, got a "+keyKind(key)+" key")
		}
		out, err = paserk.Encode(sk.Public())
	case "from-pem":
		if form != formPEM {
			return reject("invalid key", "not a PEM key")
		}
		out, err = paserk.Encode(key)
	case "to-pem":
		var pemBytes []byte
		switch k := key.(type) {
		case *paseto.SecretKey:
			pemBytes, err = k.MarshalPEM()
		case *paseto.PublicKey:
			pemBytes, err = k.MarshalPEM()
		default:
			return reject("wrong key", "a local key has no PEM form")
		}
		out = strings.TrimSuffix(string(pemBytes), "\n")
	}
	if err != nil {
		return err
	}
	_, err = io.WriteString(stdout, out+"\n")
	return err
}
