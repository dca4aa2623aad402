package verifier

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
