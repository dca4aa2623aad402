//go:build !unix

package main

func fdLimit() string { return "unknown" }
