package redisstore

// Unavailable exposes unavailable to the tests of package redisstore_test.
var Unavailable = unavailable
