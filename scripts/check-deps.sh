#!/usr/bin/env bash
# check-deps.sh: the protocol package keeps its promise of the standard
# library and golang.org/x/crypto only. Fails when `go list -deps ./paseto`
# (the package as users build it, tests excluded) shows anything but the
# standard library, golang.org/x/crypto, golang.org/x/sys (which x/crypto
# needs) and this module's own internal packages. .ci/run calls it.
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
		"" | "$self" | "$module"/internal/* | golang.org/x/crypto | golang.org/x/crypto/* | golang.org/x/sys/*) ;;
		*)
			echo "check-deps: $self depends on $dep (allowed: the standard library, golang.org/x/crypto, golang.org/x/sys, $module/internal/...)" >&2
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
