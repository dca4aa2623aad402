package redisstore

// Unavailable exposes unavailable to the tests of package redisstore_test.
var Unavailable = unavailable

// ScriptHashes names the SHA1 of the store's scripts, for the tests that
// watch them run (MONITOR).
var ScriptHashes = map[string]string{
	"createFamily": createFamilyScript.Hash(),
	"rotateFamily": rotateFamilyScript.Hash(),
	"revokeFamily": revokeFamilyScript.Hash(),
	"check":        checkScript.Hash(),
	"evict":        evictScript.Hash(),
	"createSeries": createScript.Hash(),
	"rotateSeries": rotateScript.Hash(),
	"deleteSeries": deleteScript.Hash(),
	"deleteUser":   deleteUserScript.Hash(),
	"revoke":       revokeScript.Hash(),
	"cutoff":       cutoffScript.Hash(),
	"keyringLoad":  loadScript.Hash(),
	"keyringCAS":   casScript.Hash(),
}
