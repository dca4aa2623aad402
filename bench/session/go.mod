module github.com/pasetokit/pasetokit/bench/session

go 1.26.0

require (
	github.com/gorilla/sessions v1.4.0
	github.com/pasetokit/pasetokit v0.0.0
)

require (
	github.com/fxamacker/cbor/v2 v2.10.0 // indirect
	github.com/gorilla/securecookie v1.1.2 // indirect
	github.com/x448/float16 v0.8.4 // indirect
	golang.org/x/crypto v0.58.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
)

replace github.com/pasetokit/pasetokit => ../../
