#!/usr/bin/env bash
# roundtrip.sh: build the pasetokit CLI and run a full key/token round trip.
#
# Builds ./cmd/pasetokit into a temporary directory (from the repository
# root, wherever this script is run from), generates a v4.public and a
# v4.local key, issues a token (kid in the footer by default), verifies and inspects it, checks
# that a tampered token is rejected with exit status 1, and prints
# "roundtrip: OK". Needs only bash, coreutils and Go.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
command -v go >/dev/null || export PATH="/usr/local/go/bin:$PATH"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
umask 077 # key files are secrets

fail() { echo "roundtrip: FAIL: $*" >&2; exit 1; }

# field NAME FILE: the value of a "name: value" line of keygen output.
field() { sed -n "s/^$1: //p" "$2"; }

echo "== build"
(cd "$root" && go build -o "$tmp/pasetokit" ./cmd/pasetokit)
pk="$tmp/pasetokit"

echo "== keygen v4.public"
"$pk" keygen v4.public >"$tmp/public.keys"
field secret "$tmp/public.keys" >"$tmp/secret.paserk"
field public "$tmp/public.keys" >"$tmp/public.paserk"
pid="$(field pid "$tmp/public.keys")"
echo "public: $(cat "$tmp/public.paserk")"
echo "pid:    $pid"

echo "== keygen v4.local"
"$pk" keygen v4.local >"$tmp/local.keys"
field local "$tmp/local.keys" >"$tmp/local.paserk"
echo "lid:    $(field lid "$tmp/local.keys")"

claims='{"sub":"alice","role":"admin"}'

echo "== v4.public: issue (kid by default)"
token="$(printf '%s' "$claims" | "$pk" issue --key "@$tmp/secret.paserk")"
echo "$token"
case "$token" in v4.public.*) ;; *) fail "not a v4.public token" ;; esac

echo "== verify"
payload="$("$pk" verify --key "@$tmp/public.paserk" "$token")"
echo "$payload"
case "$payload" in '{"sub":"alice","role":"admin","iat":"'*) ;; *) fail "unexpected payload" ;; esac

echo "== inspect"
inspect="$("$pk" inspect "$token")"
echo "$inspect"
grep -qx "kid: $pid" <<<"$inspect" || fail "inspect does not show kid $pid"

echo "== tampered token"
# Change one character inside the body (after "v4.public."), so the token
# stays well formed and only the signature check can catch it.
i=30
c="${token:i:1}"
if [ "$c" = A ]; then r=B; else r=A; fi
tampered="${token:0:i}$r${token:i+1}"
set +e
"$pk" verify --key "@$tmp/public.paserk" "$tampered" >"$tmp/out" 2>"$tmp/err"
status=$?
set -e
cat "$tmp/err"
[ "$status" -eq 1 ] || fail "tampered token: exit status $status, want 1"
[ ! -s "$tmp/out" ] || fail "tampered token: payload printed"
grep -q '^pasetokit: rejected: ' "$tmp/err" || fail "tampered token: no rejection message"

echo "== v4.local: issue (kid by default), verify (token on stdin)"
ltoken="$(printf '%s' "$claims" | "$pk" issue --key "@$tmp/local.paserk")"
case "$ltoken" in v4.local.*) ;; *) fail "not a v4.local token" ;; esac
"$pk" inspect "$ltoken"
lpayload="$(printf '%s\n' "$ltoken" | "$pk" verify --key "@$tmp/local.paserk")"
echo "$lpayload"
case "$lpayload" in '{"sub":"alice","role":"admin","iat":"'*) ;; *) fail "unexpected local payload" ;; esac

echo "roundtrip: OK"
