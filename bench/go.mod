module github.com/pasetokit/pasetokit/bench

go 1.26.0

require (
	aidanwoods.dev/go-paseto v1.6.0
	github.com/golang-jwt/jwt/v5 v5.3.1
	github.com/pasetokit/pasetokit v0.0.0
)

require (
	aidanwoods.dev/go-result v0.3.1 // indirect
	github.com/fxamacker/cbor/v2 v2.10.0 // indirect
	github.com/oasisprotocol/curve25519-voi v0.0.0-20230904125328-1f23a7beb09a // indirect
	github.com/x448/float16 v0.8.4 // indirect
	golang.org/x/crypto v0.58.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
)

replace github.com/pasetokit/pasetokit => ../
