package store

// NewMemoryShards is NewMemory with a chosen number of shards, for the
// benchmarks that compare sharding with one lock.
var NewMemoryShards = newMemory
