module github.com/pasetokit/pasetokit

go 1.26.0

require (
	aidanwoods.dev/go-paseto v1.6.0
	github.com/fxamacker/cbor/v2 v2.10.0
	github.com/gorilla/securecookie v1.1.2
	github.com/oasisprotocol/curve25519-voi v0.0.0-20230904125328-1f23a7beb09a
	golang.org/x/crypto v0.58.0
)

require (
	aidanwoods.dev/go-result v0.3.1 // indirect
	github.com/x448/float16 v0.8.4 // indirect
	golang.org/x/sys v0.49.0 // indirect
)
