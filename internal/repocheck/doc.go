// Package repocheck holds tests of the repository itself rather than of a
// package: every Go snippet in README.md type-checks against the current
// API (readme_test.go), and scripts/check-tree.sh, which CI runs to keep
// binaries and large files out of the repository, catches what it should
// (checktree_test.go). It has no code.
package repocheck
