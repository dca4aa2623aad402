// Package fastapipaseto loads the settings of a fastapi-paseto service
// (its AUTHPASETO_* variables) into a ready authtoken configuration and
// the httpauth token sources that read tokens where the Python service
// read them, so that a port keeps its configuration and its clients.
//
// # For most users
//
// Keep the environment of the Python service and load it:
//
//	s, err := fastapipaseto.FromEnv()
//	if err != nil {
//		log.Fatal(err) // names the variable, never its value
//	}
//	m, err := authtoken.New(s.AuthToken)
//	auth, err := httpauth.New(httpauth.Config{Verifier: m.Access(), Sources: s.Sources})
//
// [FromMap] reads the same names from a map (a parsed .env file, a secret
// store's answer), [FromLookup] from any lookup function, [FromGetenv] from a
// getenv-style function.
//
// # Settings
//
// Every setting fastapi-paseto documents, with its default:
//
//	AUTHPASETO_PURPOSE                   local | public (default local)
//	AUTHPASETO_VERSION                   2, 3 or 4 (default 4)
//	AUTHPASETO_SECRET_KEY                local: exactly 32 bytes, or a k<v>.local PASERK
//	AUTHPASETO_PRIVATE_KEY(_FILE)        public: a PEM private key (or k<v>.secret PASERK);
//	                                     the file is read when the value is unset
//	AUTHPASETO_PUBLIC_KEY(_FILE)         public: PEM, optional; must be the private key's half
//	AUTHPASETO_DECODE_LEEWAY             seconds (default 0)
//	AUTHPASETO_ENCODE_ISSUER             written as iss
//	AUTHPASETO_DECODE_ISSUER             required iss
//	AUTHPASETO_DECODE_AUDIENCE           one audience or a comma list; empty disables (default)
//	AUTHPASETO_ACCESS_TOKEN_EXPIRES      seconds or false (default 900)
//	AUTHPASETO_REFRESH_TOKEN_EXPIRES     seconds or false (default 2592000)
//	AUTHPASETO_OTHER_TOKEN_EXPIRES       seconds or false (default 2592000), in Settings.Other
//	AUTHPASETO_TOKEN_LOCATION            headers and/or json, comma list (default headers)
//	AUTHPASETO_HEADER_NAME               default Authorization
//	AUTHPASETO_HEADER_TYPE               default Bearer; set and empty: the bare token
//	AUTHPASETO_JSON_KEY                  default access_token
//	AUTHPASETO_JSON_TYPE                 optional scheme before the token in the JSON field
//	AUTHPASETO_WEBSOCKET_TOKEN_LOCATION  headers, query, or both (comma list or "both"; default headers)
//	AUTHPASETO_WEBSOCKET_QUERY_KEY       default token
//	AUTHPASETO_WEBSOCKET_QUERY_TYPE      optional scheme before the token in the query value
//	AUTHPASETO_DENYLIST_ENABLED          true | false: accepted; authtoken always checks its store
//	AUTHPASETO_DENYLIST_TOKEN_CHECKS     access and/or refresh: accepted, as above
//
// Values are trimmed of surrounding white space, as fastapi-paseto's
// settings model does. [FromEnv] and [FromMap] refuse an AUTHPASETO_ name
// they do not know, so a misspelt setting is not silently left at its
// default.
//
// # What is refused, and what to do instead
//
// fastapi-paseto (through pyseto) takes a local secret of any length up
// to 64 bytes and uses it as the key unchanged; PASETO local keys are 32
// bytes, and a token made under another length opens nowhere else. A
// secret that is not 32 bytes is refused: generate a key (pasetokit
// keygen v4.local) and set it as a k4.local PASERK; tokens made under the old
// secret then stop verifying, so users log in again once. Version 1 is
// refused (RSA and AES-CTR with HMAC-SHA384; use version 4), and so is an
// unknown purpose. authtoken writes and requires one issuer: an
// AUTHPASETO_ENCODE_ISSUER and AUTHPASETO_DECODE_ISSUER that differ are
// refused; when only one is set it is used for both. A purpose of public
// needs the private key: authtoken issues tokens, a service that only
// verifies them uses package verifier.
//
// # Tokens the Python service issued
//
// fastapi-paseto's tokens have no footer: no kid, and no kind binding
// (authtoken binds refresh and custom-kind tokens with an implicit
// assertion and a "type" footer). So that they keep working until they
// expire, the configuration sets authtoken's two opt-outs:
// AllowMissingKeyID (each kind has its one key, which authtoken requires
// for it) and AllowUnboundKinds (a footer-less token's "type" claim says
// its kind; at its first use a Python refresh token enters a refresh
// family of its own, "jti-<jti>", at generation 0). Tokens issued after the port carry a kid and are bound. Clear
// both fields once the Python service's longest-lived tokens (refresh,
// AUTHPASETO_REFRESH_TOKEN_EXPIRES) have expired.
//
// # Numeric time claims
//
// Older fastapi-paseto releases write nbf as integer Unix seconds, where
// PASETO requires an RFC 3339 string (exp and iat, added by pyseto, are
// strings). The loaded [authtoken.Config] therefore sets AllowNumericDates,
// so that tokens the Python service issued before the port keep
// verifying. Those releases compute nbf from a naive UTC time read as
// local time: on a host whose zone was not UTC, nbf is off by the zone's
// offset, which pyseto (checking exp only) let pass but authtoken does
// not: tokens from a host west of UTC fail as not yet valid until then.
//
// Every error is a *ConfigError matching ErrInvalidConfig whose Field is
// the variable's name; no error holds a value.
package fastapipaseto
