//go:build !unix

package main

func fdLimit() string { return "unknown" }

// fdSoft returns 0: the limit is unknown here.
func fdSoft() uint64 { return 0 }
