// Package bench holds the side-by-side benchmarks the README's "Speed"
// section quotes: pasetokit beside the bare standard-library work and beside
// the libraries a Go user would otherwise pick (golang-jwt/jwt/v5,
// aidanwoods.dev/go-paseto). It is a module of its own so that those
// libraries never become dependencies of pasetokit.
//
// Run it with scripts/bench.sh, which interleaves rounds and prints the
// table; see that script for the details.
package bench
