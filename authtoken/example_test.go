package authtoken_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"

	"github.com/pasetokit/pasetokit/authtoken"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
)

// Example shows login, a refresh rotation, a retry of a refresh whose
// answer was lost, and the detection of a replayed refresh token.
func Example() {
	// In production, load the keys from a secret store. Access tokens
	// are public, so that other services can verify them with the public
	// key; refresh tokens are local: only this service reads them.
	secret, _ := paseto.GenerateSecretKey(paseto.V4)
	local, _ := paseto.GenerateSymmetricKey(paseto.V4)
	accessKey, _ := paserk.Encode(secret)
	refreshKey, _ := paserk.Encode(local)

	m, err := authtoken.New(authtoken.Config{
		Access:  authtoken.KindConfig{Keys: []keyring.Key{{PASERK: accessKey}}},
		Refresh: authtoken.KindConfig{Keys: []keyring.Key{{PASERK: refreshKey}}},
		OnReuse: func(_ context.Context, subject, _ string) {
			fmt.Println("reuse detected for", subject)
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	pair, err := m.Login(ctx, "alice", nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(strings.SplitAfterN(pair.Access, ".", 3)[:2], strings.SplitAfterN(pair.Refresh, ".", 3)[:2])

	next, err := m.Refresh(ctx, pair.Refresh)
	fmt.Println("rotated:", err == nil)

	// The client did not see that answer and retries within
	// Config.RetryWindow: it gets the same generation again, no theft.
	retry, err := m.Refresh(ctx, pair.Refresh)
	fmt.Println("retried:", err == nil)

	// The client goes on with one of them; the family moves on.
	if _, err := m.Refresh(ctx, retry.Refresh); err != nil {
		log.Fatal(err)
	}

	_, err = m.Refresh(ctx, pair.Refresh) // replayed after the family moved on
	fmt.Println(errors.Is(err, authtoken.ErrRefreshReused))

	_, err = m.Verify(ctx, "access", next.Access) // the family is revoked
	fmt.Println(errors.Is(err, authtoken.ErrRevoked))
	// Output:
	// [v4. public.] [v4. local.]
	// rotated: true
	// retried: true
	// reuse detected for alice
	// true
	// true
}
