package cookie

import (
	"errors"
	"strings"
)

// checkPrefix returns an error when a cookie named name with these attributes
// breaks its prefix's rules, which browsers enforce by silently dropping
// the cookie: "__Host-" requires Secure, Path "/" and no Domain;
// "__Secure-" requires Secure. Browsers match the prefixes in any letter
// case (RFC 6265bis), and so does checkPrefix. The error names no value.
func checkPrefix(name string, secure bool, path, domain string) error {
	if hasPrefixFold(name, "__Host-") && (!secure || path != "/" || domain != "") {
		return errors.New(`a __Host- cookie requires Secure, Path "/" and no Domain`)
	}
	if hasPrefixFold(name, "__Secure-") && !secure {
		return errors.New("a __Secure- cookie requires Secure")
	}
	return nil
}

func hasPrefixFold(name, prefix string) bool {
	return len(name) >= len(prefix) && strings.EqualFold(name[:len(prefix)], prefix)
}
