package keyring_test

import (
	"fmt"
	"os"

	"github.com/pasetokit/pasetokit/keyring"
)

// Keys for a component: the first issues, the rest only verify. Printing
// or logging a Key never shows its contents.
func Example() {
	keys := []keyring.Key{
		{PASERK: os.Getenv("SIGNING_KEY")},     // "k4.secret.…": issues
		{PASERK: os.Getenv("OLD_SIGNING_KEY")}, // verifies only
	}
	_ = keys
}

func ExampleKey_Parse() {
	k := keyring.Key{PASERK: "k4.local.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}
	key, err := k.Parse()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(key.Version(), k)
	// Output: v4 keyring.Key(PASERK, redacted)
}
