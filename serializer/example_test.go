package serializer_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/pasetokit/pasetokit/serializer"
)

func ExampleJSON() {
	type Claims struct {
		Subject string    `json:"sub"`
		Expiry  time.Time `json:"exp"`
	}
	payload, err := serializer.JSON.Marshal(Claims{
		Subject: "alice",
		Expiry:  time.Date(2026, 11, 23, 19, 0, 0, 0, time.UTC),
	})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s\n", payload)

	var c Claims
	if err := serializer.JSON.Unmarshal(payload, &c); err != nil {
		panic(err)
	}
	fmt.Println(c.Subject, c.Expiry)

	// Keys that differ only in case are ambiguous, and rejected.
	err = serializer.JSON.Unmarshal([]byte(`{"sub":"alice","SUB":"mallory"}`), &c)
	fmt.Println(errors.Is(err, serializer.ErrDuplicateKey))
	fmt.Println(err)

	// Output:
	// {"sub":"alice","exp":"2026-11-23T19:00:00Z"}
	// alice 2026-11-23 19:00:00 +0000 UTC
	// true
	// serializer: duplicate key in payload (JSON, offset 15)
}

func ExampleNewCBOR() {
	s, err := serializer.NewCBOR(serializer.CBORConfig{MaxNestedLevels: 4})
	if err != nil {
		panic(err)
	}
	// The encoding is deterministic: map keys are sorted and times are
	// RFC 3339 strings in UTC.
	payload, err := s.Marshal(map[string]any{
		"sub": "alice",
		"exp": time.Date(2026, 11, 23, 20, 0, 0, 0, time.FixedZone("CET", 3600)),
	})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%x\n", payload)

	var m map[string]any
	if err := s.Unmarshal(payload, &m); err != nil {
		panic(err)
	}
	fmt.Println(m["sub"], m["exp"])

	// Nesting deeper than MaxNestedLevels is rejected.
	deep := map[string]any{"a": map[string]any{"b": []any{[]any{[]any{}}}}}
	_, err = s.Marshal(deep)
	fmt.Println(errors.Is(err, serializer.ErrTooDeep))

	// Output:
	// a26365787074323032362d31312d32335431393a30303a30305a6373756265616c696365
	// alice 2026-11-23T19:00:00Z
	// true
}
