module github.com/pasetokit/pasetokit/examples/resource_server

go 1.26.0

replace (
	github.com/pasetokit/pasetokit => ../..
	github.com/pasetokit/pasetokit/store/redisstore => ../../store/redisstore
)

require (
	github.com/pasetokit/pasetokit v0.1.0
	github.com/pasetokit/pasetokit/store/redisstore v0.1.0
	github.com/redis/go-redis/v9 v9.23.0
)

require (
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/fxamacker/cbor/v2 v2.10.0 // indirect
	github.com/oasisprotocol/curve25519-voi v0.0.0-20230904125328-1f23a7beb09a // indirect
	github.com/x448/float16 v0.8.4 // indirect
	go.uber.org/atomic v1.12.0 // indirect
	golang.org/x/crypto v0.58.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
)
