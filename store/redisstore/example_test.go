package redisstore_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/pasetokit/pasetokit/store/redisstore"
	"github.com/redis/go-redis/v9"
)

// The package documentation's path for most users, compiled (not run: it
// needs a Redis server).
func Example_forMostUsers() {
	client, err := redisstore.NewClient(redisstore.ClientConfig{Addrs: []string{"127.0.0.1:6379"}})
	if err != nil {
		log.Fatal(err)
	}
	st, err := redisstore.New(client, redisstore.Config{Prefix: "myapp:"})
	if err != nil {
		log.Fatal(err)
	}
	_ = st
}

// This example needs a Redis server on 127.0.0.1:6379, so it is compiled
// but not run by go test.
func Example() {
	client := redis.NewClient(&redis.Options{
		Addr:                  "127.0.0.1:6379",
		ContextTimeoutEnabled: true, // lets Config.Timeout bound every call
	})
	defer client.Close()
	s, err := redisstore.New(client, redisstore.Config{Prefix: "myapp:"})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	exp := time.Now().Add(time.Hour) // the token's expiry

	// A refresh token may be used once, by whichever machine sees it first.
	first, err := s.Consume(ctx, "rt:4f2a", exp)
	if err != nil {
		// store.ErrUnavailable: fail closed, reject the token.
		log.Fatal(err)
	}
	fmt.Println("first use:", first)
}

// NewClient builds a client for a single server, Redis Cluster (several
// addresses) or Sentinel (MasterName), with the timeouts the Store needs.
// This example needs Redis, so it is compiled but not run by go test.
func ExampleNewClient() {
	client, err := redisstore.NewClient(redisstore.ClientConfig{
		Addrs: []string{"10.0.0.1:6379"}, // one: a server; several: Redis Cluster
		// MasterName: "pasetokit",       // Sentinel: Addrs are the Sentinels
		Password: os.Getenv("REDIS_PASSWORD"),
		Timeout:  time.Second, // the same as Config.Timeout
	})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	st, err := redisstore.New(client, redisstore.Config{
		Prefix:       "myapp:",
		Timeout:      time.Second,
		WaitReplicas: 1, // every write reaches a replica before it counts
	})
	if err != nil {
		// A *redisstore.ConfigError: an evicting server, a client that
		// reads from replicas, ...
		log.Fatal(err)
	}
	_ = st
}
