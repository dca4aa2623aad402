// Command pasetokit makes, checks and inspects PASETO tokens and converts
// keys between PASERK and PEM.
//
// Usage:
//
//	pasetokit keygen [--json] v4.local|v4.public|v3.local|v3.public|v2.local|v2.public
//	pasetokit issue --key KEY [--footer TEXT] [--implicit TEXT] [--no-kid] [--lifetime DURATION | --raw] < CLAIMS.json
//	pasetokit verify --key KEY [--implicit TEXT] [--no-time-check] [--json] [TOKEN]
//	pasetokit inspect [TOKEN]
//	pasetokit paserk id KEY
//	pasetokit paserk public KEY
//	pasetokit paserk from-pem [--version v2|v4] @FILE
//	pasetokit paserk to-pem KEY
//	pasetokit ring init|rotate|list --file FILE [--wrap-key KEY] --retain-for DURATION [policy flags]
//	pasetokit help [COMMAND]
//
// Flags may be written with one or two dashes and may come before or after
// the arguments; "--" ends the flags. Every command that takes a key also
// takes --version (see Keys). "pasetokit COMMAND -h" prints the flags of a
// command.
//
// # Keys
//
// KEY is a plaintext PASERK (k4.local.…, k4.secret.…, k4.public.…, and the
// same for k2 and k3) or @FILE, the name of a file holding a PASERK or a PEM
// key: a PKCS#8 "PRIVATE KEY" (Ed25519 or ECDSA P-384), a SEC1 "EC PRIVATE
// KEY" (P-384) or a PKIX "PUBLIC KEY" (Ed25519 or P-384). Surrounding white
// space is ignored and files larger than 64 KiB are refused. PEM text can
// also be given directly as KEY.
//
// Prefer @FILE for secret and local keys: command-line arguments are visible
// to other users of the machine (ps, /proc) and end up in shell history.
//
// An Ed25519 PEM key does not say whether it is a v2 or a v4 key: --version
// v2|v4 chooses, and the default is v4. A P-384 PEM key is always v3, and a
// PASERK carries its own version. When --version is given explicitly and the
// key is of another version (a PASERK, or a P-384 PEM key), the key is
// rejected as the wrong key rather than silently used.
//
// # keygen
//
// keygen generates a key of the given version and purpose and prints it as
// PASERK with its PASERK id, one "name: value" line each:
//
//	local: k4.local.…        (local keys)
//	lid: k4.lid.…
//
//	secret: k4.secret.…      (public keys: the key pair)
//	public: k4.public.…
//	sid: k4.sid.…
//	pid: k4.pid.…
//
// With --json it prints exactly {"local": …, "lid": …} or {"secret": …,
// "public": …, "sid": …, "pid": …} on one line. keygen prints secret key
// material, since that is what it is for; no other command does, except
// "paserk to-pem" given a secret key.
//
// # issue
//
// issue reads a JSON object from stdin (at most 1 MiB; a single object, no
// duplicate keys, where keys differing only in letter case count as
// duplicates, and registered claims of the right type) and prints one token
// followed by a newline. A secret key signs a public token; a local key
// encrypts a local token; a public key cannot issue anything (rejected:
// wrong key).
//
// Unless --raw is given, issue adds "iat" (now, in whole seconds) and "exp"
// (iat + --lifetime, default 1h), written as RFC 3339 in UTC with "Z", after the
// caller's claims. The caller's claims keep their order and their exact
// spelling (numbers of any size, string escapes); only white space between
// JSON tokens is removed. Input that already has iat or exp (in any letter
// case) is a usage error, never silently overwritten: use --raw to issue it
// as given. With --raw the payload is the input byte for byte, without its
// surrounding white space (so that the newline of echo does not end up in
// the token); --raw and --lifetime cannot be combined.
//
// --footer TEXT sets the footer, sent in clear but authenticated; it is
// limited to 8 KiB, the default limit of verifiers, and a JSON footer whose
// kid holds a key is refused. The PASERK id of the key goes in a JSON
// footer {"kid":"…"}, as the issuer package writes it: for a secret key the
// pid of its public key (what a verifier holds and looks up), for a local
// key its lid. With --footer, the footer must then be a flat JSON object
// without a kid, and kid is appended to it. --no-kid leaves the kid out
// (and the footer, if any, as given).
//
// --implicit TEXT sets the implicit assertion: authenticated, not sent, and
// needed again by verify. v2 has no implicit assertions: --implicit with a
// v2 key is a usage error. A token longer than 64 KiB, the default limit of
// verifiers, is not issued.
//
// # verify
//
// verify opens the TOKEN argument, or the token read from stdin, with
// surrounding white space removed. A public token is verified with a public
// key, or with a secret key, whose public half is used; a local token is
// decrypted with a local key. The key's version and purpose must match the
// token's header. The payload must be a JSON object with valid registered
// claims; then exp, nbf and iat are checked against the current time with no
// leeway (exp must be in the future, nbf and iat not), unless
// --no-time-check is given. Absent time claims are not required.
//
// verify prints the payload followed by a newline, or with --json
// {"payload": PAYLOAD, "footer": "FOOTER"}, where PAYLOAD is the payload
// JSON without white space between tokens and FOOTER the footer as a JSON
// string ("" when there is none; bytes that are not UTF-8 become U+FFFD).
//
// # inspect
//
// inspect prints a token's version, purpose and footer (with its kid, if
// it is a JSON footer with one) without any key. For a public token it also
// prints the payload, marked UNVERIFIED: nothing proves who made it. A local
// token's payload is encrypted and not shown. Text that is not printable
// UTF-8 is printed Go-quoted, so a hostile token cannot write escape
// sequences to the terminal.
//
// # paserk
//
//	paserk id KEY            the PASERK id of KEY: lid, pid or sid (a secret key's sid)
//	paserk public KEY        the public key of the secret key KEY, as PASERK
//	paserk from-pem @FILE    the PASERK of the PEM key in FILE (--version for Ed25519)
//	paserk to-pem KEY        the PEM of a secret (PKCS#8) or public (PKIX) key;
//	                         a local key has no PEM form (rejected: wrong key)
//
// # ring
//
// Manual rotation of a key ring kept in a file (package keyring's File
// backend), the one the applications on the machine use as their
// KeySource:
//
//	ring init     create the file with a first, current key (refused if it exists)
//	ring rotate   publish a next key, current --publish-ahead later (a staged rotation)
//	ring list     print each key's id, state and times, and the next rotation
//
// The file's secret keys are wrapped with --wrap-key (a local key of the
// ring's version, PASERK or @FILE) or with the password in
// $PASETOKIT_RING_PASSWORD. --purpose (public or local), --version
// and the policy (--rotate-every, --publish-ahead, --retain-for, which is
// required, and --max-keys) must be those of the applications. A file
// that the wrapping key cannot read is rejected ("wrong wrapping key or
// password") and left untouched.
//
//	pasetokit keygen v4.local | sed -n 's/^local: //p' > wrap.paserk
//	pasetokit ring init --file ring.json --wrap-key @wrap.paserk --retain-for 25h
//	pasetokit ring rotate --file ring.json --wrap-key @wrap.paserk --retain-for 25h
//
// # Exit status and errors
//
// The exit status is 0 on success, 1 when a token, key or input is
// rejected, and 2 for a usage error: an unknown command or flag, a missing or
// extra argument, or flags that cannot be combined (a short usage follows the
// message on stderr). -h, --help and "help" print the usage on stdout and
// exit with 0.
//
// A rejection prints one line on stderr, "pasetokit: rejected: CLASS",
// sometimes followed by ": " and a fixed explanation. The classes are:
//
//	expired                  exp is not in the future
//	not yet valid            nbf is in the future
//	issued in the future     iat is in the future
//	invalid signature        a public token's signature does not verify
//	authentication failed    a local token's authentication tag does not verify:
//	                         wrong local key, wrong implicit assertion, or tampered token
//	malformed token          not a well-formed token
//	token too long           longer than 64 KiB
//	footer too long          footer longer than 8 KiB
//	unsupported version      v1 or an unknown version or purpose
//	wrong key                the key's version or purpose does not fit the token or
//	                         the operation (a public key given to issue, a local key
//	                         given for a public token, a local key given to to-pem)
//	invalid key              the key is not a valid PASERK or PEM key
//	invalid claims           the payload or stdin is not a JSON object without
//	                         duplicate keys, or a registered claim has the wrong type
//	invalid footer           a JSON footer could not be read (not expected: the
//	                         commands do not parse footers of tokens they open)
//
// A failure to read a key file or stdin prints "pasetokit: " and the system
// error, and exits with 1. Error lines never contain key material, payloads,
// footers or claim values.
//
// # Examples
//
//	$ pasetokit keygen v4.public > keys.txt
//	$ sed -n 's/^secret: //p' keys.txt > secret.paserk
//	$ sed -n 's/^public: //p' keys.txt > public.paserk
//	$ echo '{"sub":"alice","role":"admin"}' | pasetokit issue --key @secret.paserk --lifetime 15m > token
//	$ pasetokit verify --key @public.paserk < token
//	{"sub":"alice","role":"admin","iat":"2030-01-01T12:00:00Z","exp":"2030-01-01T12:15:00Z"}
//	$ pasetokit inspect < token
//
//	$ openssl genpkey -algorithm ed25519 -out ed.pem
//	$ pasetokit paserk from-pem --version v4 @ed.pem
//	k4.secret.…
//	$ echo '{"sub":"bob"}' | pasetokit issue --key @ed.pem --implicit tenant-42 > token
//	$ pasetokit verify --key @ed.pem --implicit tenant-42 --json < token
package main
