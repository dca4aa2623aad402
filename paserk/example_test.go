package paserk_test

import (
	"errors"
	"fmt"
	"strings"

	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
)

func ExampleEncode() {
	key, err := paseto.GenerateSymmetricKey(paseto.V4)
	if err != nil {
		panic(err)
	}
	s, err := paserk.Encode(key)
	if err != nil {
		panic(err)
	}
	fmt.Println(s[:len("k4.local.")], len(s))

	back, err := paserk.ParseLocal(paseto.V4, s)
	if err != nil {
		panic(err)
	}
	fmt.Println(back.Equal(key))
	// Output:
	// k4.local. 52
	// true
}

func ExampleID() {
	key, err := paseto.NewSymmetricKey(paseto.V4, make([]byte, 32))
	if err != nil {
		panic(err)
	}
	id, err := paserk.ID(key)
	if err != nil {
		panic(err)
	}
	fmt.Println(id)
	// Output:
	// k4.lid.bqltbNc4JLUAmc9Xtpok-fBuI0dQN5_m3CD9W_nbh559
}

func ExampleParse() {
	// A tool that accepts any plaintext key.
	k, err := paserk.Parse("k4.public.cHFyc3R1dnd4eXp7fH1-f4CBgoOEhYaHiImKi4yNjo8")
	if err != nil {
		panic(err)
	}
	fmt.Println(k.Version(), k.Purpose())
	fmt.Println(paserk.PublicID(k.(*paseto.PublicKey)))
	// Output:
	// v4 public
	// k4.pid.9ShR3xc8-qVJ_di0tc9nx0IDIqbatdeM2mqLFBJsKRHs
}

func ExampleWrapLocal() {
	kek, _ := paseto.GenerateSymmetricKey(paseto.V4) // key-encryption key
	key, _ := paseto.GenerateSymmetricKey(paseto.V4)

	wrapped, err := paserk.WrapLocal(key, kek)
	if err != nil {
		panic(err)
	}
	fmt.Println(strings.HasPrefix(wrapped, "k4.local-wrap.pie."))

	back, err := paserk.UnwrapLocal(wrapped, kek)
	if err != nil {
		panic(err)
	}
	fmt.Println(back.Equal(key))

	// A k3 wrapping key cannot unwrap it.
	k3, _ := paseto.GenerateSymmetricKey(paseto.V3)
	_, err = paserk.UnwrapLocal(wrapped, k3)
	fmt.Println(errors.Is(err, paserk.ErrWrongVersion))
	// Output:
	// true
	// true
	// true
}

func ExampleSeal() {
	recipient, _ := paseto.GenerateSecretKey(paseto.V4)
	key, _ := paseto.GenerateSymmetricKey(paseto.V4)

	sealed, err := paserk.Seal(key, recipient.Public())
	if err != nil {
		panic(err)
	}
	v, typ, _ := paserk.TypeOf(sealed)
	fmt.Println(v, typ)

	back, err := paserk.Unseal(sealed, recipient)
	if err != nil {
		panic(err)
	}
	fmt.Println(back.Equal(key))
	// Output:
	// v4 seal
	// true
}

func ExamplePasswordWrapLocal() {
	key, _ := paseto.GenerateSymmetricKey(paseto.V4)
	password := []byte("correct horse battery staple")

	// Small parameters keep the example fast; real code passes
	// PasswordParams{} to use DefaultPasswordParams.
	params := paserk.PasswordParams{Memory: 1 << 20, Time: 1}
	wrapped, err := paserk.PasswordWrapLocal(key, password, params)
	if err != nil {
		panic(err)
	}
	fmt.Println(wrapped[:len("k4.local-pw.")])

	back, err := paserk.PasswordUnwrapLocal(paseto.V4, wrapped, password, paserk.PasswordParams{})
	if err != nil {
		panic(err)
	}
	fmt.Println(back.Equal(key))

	// A service that reads strings it does not trust sets low limits; the
	// check happens before Argon2id runs.
	limits := paserk.PasswordParams{Memory: 512 << 10}
	_, err = paserk.PasswordUnwrapLocal(paseto.V4, wrapped, password, limits)
	fmt.Println(errors.Is(err, paserk.ErrParamsTooExpensive))
	// Output:
	// k4.local-pw.
	// true
	// true
}

func ExampleTypeOf() {
	for _, s := range []string{
		"k4.local-wrap.pie.y-PC8Zh6P1DoOBUdhRr7W8GWSgHtRKvE8PWWYA-qXy3fxJDmaRsxcZVQzuvXHZuBg5MqCgh_y5K0WbukJCrDX73Wdf631VBnE1DNHafbjnGNzFNWP59ba9ifsOAgE7Bw",
		"k3.lid.c2Wpke9KunV6-Tow8dV1wsvVFRkjcTYt_7ZzOtIDRFpM",
		"k1.local.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	} {
		v, typ, err := paserk.TypeOf(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(v, typ)
	}
	// Output:
	// v4 local-wrap.pie
	// v3 lid
	// paserk: unsupported PASERK version or type: version k1
}
