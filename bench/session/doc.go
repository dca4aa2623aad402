// Package session holds the side-by-side cookie-session benchmark the
// README's "Speed" section quotes: one end-to-end request (the cookie read
// from the request, a value read, four values written, the cookie written
// to the response) with pasetokit's session middleware and with
// gorilla/sessions' CookieStore, on the same values. It is a module of its
// own so that gorilla/sessions never becomes a dependency of pasetokit.
//
// Run it with scripts/bench-session.sh, which interleaves rounds and
// prints the table; see that script for the details.
package session
