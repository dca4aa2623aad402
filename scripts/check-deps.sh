#!/usr/bin/env bash
# check-deps.sh: the protocol package keeps its promise of the standard
# library and golang.org/x/crypto, plus one named exception. Fails when
# `go list -deps ./paseto` (the package as users build it, tests excluded)
# shows anything but the standard library, golang.org/x/crypto,
# golang.org/x/sys (which x/crypto needs), this module's own internal
# packages, and github.com/oasisprotocol/curve25519-voi: Ed25519
# verification with a precomputed table per key (about 2x faster than
# crypto/ed25519), held to crypto/ed25519's answers by the differential
# tests in paseto/ed25519_diff_test.go. .ci/run calls it.
# Works from any directory.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
command -v go >/dev/null || export PATH="/usr/local/go/bin:$PATH"
cd "$root"

module="$(go list -f '{{.Module.Path}}' ./paseto)"
bad=0
for pkg in ./paseto; do
	deps="$(go list -deps -f '{{if not .Standard}}{{.ImportPath}}{{end}}' "$pkg")"
	self="$(go list "$pkg")"
	while IFS= read -r dep; do
		case "$dep" in
		"" | "$self" | "$module"/internal/* | golang.org/x/crypto | golang.org/x/crypto/* | golang.org/x/sys/* | github.com/oasisprotocol/curve25519-voi/*) ;;
		*)
			echo "check-deps: $self depends on $dep (allowed: the standard library, golang.org/x/crypto, golang.org/x/sys, curve25519-voi, $module/internal/...)" >&2
			bad=1
			;;
		esac
	done <<<"$deps"
done
if ((bad)); then
	echo "check-deps: FAIL" >&2
	exit 1
fi
echo "check-deps: OK"
