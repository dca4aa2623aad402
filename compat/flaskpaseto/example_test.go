package flaskpaseto_test

import (
	"fmt"
	"log"
	"os"

	"github.com/pasetokit/pasetokit/compat/flaskpaseto"
	"github.com/pasetokit/pasetokit/issuer"
	"github.com/pasetokit/pasetokit/verifier"
)

func Example() {
	// The PASETO_* entries of the Flask app.config, dumped as JSON
	// (Flask-PASETO-Extended's README keys; load yours from a secret store).
	config := []byte(`{
		"PASETO_ISS": "https://issuer.example",
		"PASETO_USE_KID": true,
		"PASETO_PRIVATE_KEYS": [{"paserk": "k4.secret.tMv7Q99M4hByfZU-SnEzB_oZu32fhQQUONnhG5QqN3Qeudu7vAR8A_1wYE4AcfCYfhayi3VyJcEfAEFdDiCxog"}],
		"PASETO_PUBLIC_KEYS": [{
			"iss": "https://issuer.example",
			"paserk": "k4.public.Hrnbu7wEfAP9cGBOAHHwmH4Wsot1ciXBHwBBXQ4gsaI",
			"kid": "k4.sid.9gZFsAQuXhu9lif2pV3rCDjOewsMF4qb4RHGhc0zUklt"
		}]
	}`)
	s, err := flaskpaseto.FromJSON(config)
	if err != nil {
		log.Fatal(err)
	}
	iss, err := issuer.New(*s.Issuer)
	if err != nil {
		log.Fatal(err)
	}
	_, err = verifier.New(*s.Verifier)
	fmt.Println(iss.KeyID()[:7], err)
	// Output: k4.pid. <nil>
}

// The package documentation's path for most users, compiled (not run).
func Example_forMostUsers() {
	data, _ := os.ReadFile("flask-config.json")
	s, err := flaskpaseto.FromJSON(data) // or FromEnv()
	if err != nil {
		log.Fatal(err) // names the setting, never a key
	}
	iss, err := issuer.New(*s.Issuer)     // when PASETO_PRIVATE_KEYS is set
	ver, err := verifier.New(*s.Verifier) // when PASETO_PUBLIC_KEYS is set
	_, _, _ = iss, ver, err
}
