package store_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/pasetokit/pasetokit/store"
)

// The package documentation's path for most users, run.
func Example_forMostUsers() {
	ctx := context.Background()
	tokenID, expires := "01J9Z3", time.Now().Add(time.Hour)

	st, err := store.NewMemory(store.MemoryConfig{})
	if err != nil {
		log.Fatal(err)
	}
	// Logout of one token, remembered until it would have expired anyway:
	if err := st.Revoke(ctx, "jti:"+tokenID, expires); err != nil {
		log.Fatal(err)
	}
	revoked, err := st.Revoked(ctx, "jti:"+tokenID) // fail closed on err
	fmt.Println(revoked, err)
	// Output: true <nil>
}

// A negative bound is a configuration error naming its field.
func ExampleMemoryConfig() {
	_, err := store.NewMemoryRemember(store.MemoryConfig{MaxSeriesPerUser: -1})
	fmt.Println(err)
	// Output: store: invalid configuration: MaxSeriesPerUser: negative
}
