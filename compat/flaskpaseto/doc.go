// Package flaskpaseto loads the PASETO_* settings of a Flask application
// using Flask-PASETO-Extended's PasetoIssuer and PasetoVerifier into
// issuer and verifier configurations, so that a port keeps its keys,
// claims and the tokens already handed out.
//
// # For most users
//
// Export the Flask configuration as JSON (json.dumps of the PASETO_*
// entries of app.config), or keep it in the environment, and load it:
//
//	s, err := flaskpaseto.FromJSON(data) // or FromEnv()
//	if err != nil {
//		log.Fatal(err) // names the setting, never a key
//	}
//	iss, err := issuer.New(*s.Issuer)     // when PASETO_PRIVATE_KEYS is set
//	ver, err := verifier.New(*s.Verifier) // when PASETO_PUBLIC_KEYS is set
//
// In the JSON form, keys of the object that do not start with PASETO_
// are ignored (a Flask configuration holds many); in the environment form
// every value is text: lists are JSON text, booleans true or false (or
// Python's True and False), numbers decimal.
//
// # Settings
//
//	PASETO_ISS           the issuer name; required with PASETO_PRIVATE_KEYS, as in Flask-PASETO-Extended
//	PASETO_PRIVATE_KEYS  [{"version": 4, "key": "<PEM>"} or {"paserk": "k4.secret.…"}, …]; the first signs
//	PASETO_USE_ISS       write PASETO_ISS as iss (default true)
//	PASETO_USE_IAT       write iat (default false)
//	PASETO_EXP           lifetime in seconds (default 3600); 0 writes no exp, as pyseto's Paseto.new(exp=0)
//	PASETO_USE_KID       write the key id in the footer (default false)
//	PASETO_SERIALIZER    json (default) or cbor
//	PASETO_PUBLIC_KEYS   [{"iss": "…", "version": 4, "key": "<PEM>"} or {"iss": "…", "paserk": "k4.public.…"}, …]
//	                     and, for tokens from a Python issuer with PASETO_USE_KID, "kid": "k4.sid.…"
//	PASETO_SKEW          leeway in seconds (default 0)
//	PASETO_DESERIALIZER  json (default) or cbor
//
// An "iss" binds its key: tokens it verifies must carry that issuer.
// When PASETO_EXP is 0 in the same settings, the verifier accepts tokens
// without exp, as the Python verifier did; otherwise it requires exp.
//
// # Key ids
//
// Flask-PASETO-Extended's PASETO_USE_KID writes the PASERK id of the
// secret key (k4.sid.…) as kid, where PASERK names public tokens by the
// public key's pid; a verifier that follows the specification rejects
// such tokens as signed by an unknown key. Declare the issuer's sid on
// the public key's entry ("kid"; `pasetokit paserk id` prints it for the
// secret key): tokens naming it are verified with that key, and only that
// key (see keyring.Key.KeyID). Tokens issued by the port carry the pid.
//
// # Differences
//
// The port's issuer also writes a random jti, and signs with the first
// private key (Flask-PASETO-Extended picks one by a kid argument when
// there are several). Local keys are refused in both lists, as
// Flask-PASETO-Extended refuses them, and so are version 1 keys (use
// version 4) and a private key in PASETO_PUBLIC_KEYS (give its public
// half: `pasetokit paserk public`). A serializer other than json or cbor
// has no Go counterpart. Every error is a [*ConfigError] matching
// [ErrInvalidConfig] whose Field names the setting (and the list entry); no
// error holds a key.
package flaskpaseto
