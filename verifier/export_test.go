package verifier

import "net/http"

// Test hooks, visible to the verifier_test package only.

// Opens returns how many signature or tag checks v has run.
func Opens(v *Verifier) uint64 { return v.opens.Load() }

// WaitFetches waits for every key set fetch in flight.
func WaitFetches(v *Verifier) {
	for _, rs := range v.sets {
		rs.mu.Lock()
		c := rs.call
		rs.mu.Unlock()
		if c != nil {
			<-c.done
		}
	}
}

// CacheLen returns the number of cached tokens.
func CacheLen(v *Verifier) int {
	if v.cache == nil {
		return 0
	}
	return v.cache.len()
}

// Lifetime exposes the Cache-Control rule.
var Lifetime = lifetime

// CheckRedirect runs the default client's redirect policy of a key set
// configured with url.
func CheckRedirect(url string, req *http.Request) error {
	rc, err := (&KeySet{URL: url, AllowDocumentIssuer: true}).normalize(0)
	if err != nil {
		return err
	}
	return rc.checkRedirect(req, nil)
}
