// Package paserk implements PASERK, the serialization and wrapping format
// for PASETO keys, for versions k2, k3 and k4. The keys are the typed,
// version-bound keys of package paseto: a k4 PASERK always yields a
// paseto.V4 key, which cannot be used with tokens of another version.
// k1 is deprecated by the specification and not supported.
//
// A PASERK is a string "k<version>.<type>.<data>", such as
// "k4.local.cHFyc3R1dnd4eXp7fH1-f4CBgoOEhYaHiImKi4yNjo8". [TypeOf] reads its
// version and type without decoding the data.
//
// # For most users: Encode, Parse and ID
//
// Encode writes a key as a plaintext PASERK ("local", "public" or
// "secret"), and [ParseLocal], [ParsePublic] and [ParseSecret] read one back,
// given the version the caller expects; Parse reads any of the three, of
// any supported version, for tools. Plaintext local and secret PASERKs are
// secrets, to be stored like the raw key.
//
// [ID] returns a key's PASERK [ID] ("lid", "pid" or "sid"): a hash that names
// the key without revealing it, for the footer of a token, a key-rotation
// table or a log line. [LocalID], [PublicID] and [SecretID] are the typed forms.
//
// # Wrapping with a symmetric key
//
// [WrapLocal] and [WrapSecret] encrypt a key with another symmetric key of the
// same version (for example a key held by a key-management service), using
// the PASERK standard "pie" protocol: "local-wrap.pie" and
// "secret-wrap.pie". [UnwrapLocal] and [UnwrapSecret] reverse them. The
// version of the string must be that of the wrapping key.
//
// # Sealing to a public key
//
// Seal encrypts a symmetric key to a public key, so that only the holder
// of the matching secret key can recover it with Unseal ("seal"). k2 and
// k4 use X25519 on the Ed25519 keys converted to Montgomery form, k3 uses
// ECDH on P-384. The same key pair thus signs public tokens and receives
// sealed keys.
//
// # Passwords
//
// [PasswordWrapLocal] and [PasswordWrapSecret] encrypt a key with a password
// ("local-pw", "secret-pw"): Argon2id for k2 and k4, PBKDF2-SHA384 for k3.
// [PasswordParams] sets the cost; zero fields take [DefaultPasswordParams].
// The cost is stored in the string, so [PasswordUnwrapLocal] and
// [PasswordUnwrapSecret] take limits instead (zero fields take
// [MaxPasswordParams]) and refuse a string that exceeds them with
// [ErrParamsTooExpensive] before running the key-derivation function, so a
// hostile string cannot make a server allocate gigabytes or spin for
// minutes.
//
// # Versions
//
// Every function that returns a key of a specific type is bound to a
// version, named by an argument ([ParseLocal], [PasswordUnwrapLocal], ...) or by
// the key it is given ([UnwrapLocal], Unseal, ...). A string of another
// version, including k1, is rejected with [ErrWrongVersion] before any
// cryptography runs. Wrapping and sealing refuse keys of different
// versions.
//
// # Input handling and errors
//
// Strings longer than [MaxLength] (1 KiB) are rejected before any decoding.
// The data must be canonical unpadded base64url (no "=" padding, no CR or
// LF, no non-zero trailing bits) and exactly the length its type requires.
// Tags are compared in constant time. Errors match one of the sentinel
// errors of this package, or paseto.ErrInvalidKey for key bytes that are
// not a valid key, with errors.Is; their text never contains key material,
// passwords or the input string.
//
// # Conformance
//
// The package passes the official PASERK test vectors for k2, k3 and k4.
// Where the specification's text and its vectors disagree, it follows the
// vectors and the reference implementation: the k3 "pie" authentication
// key is the first 32 bytes of its HMAC-SHA384 (paseto-standard/paserk
// issue #17).
package paserk
