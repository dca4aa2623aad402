#!/usr/bin/env bash
# bench-session.sh: the README's cookie-session figures ("Speed", "Cookie
# sessions"), measured side by side.
#
#   scripts/bench-session.sh            # 10 interleaved rounds, about 2 minutes
#   ROUNDS=20 scripts/bench-session.sh  # more rounds on a noisy machine
#
# It builds two test binaries once (bench/session's BenchmarkSessionRequest:
# one end-to-end request with pasetokit's session middleware and with
# gorilla/sessions' CookieStore, encrypted and signed-only; and session's
# BenchmarkCodec: encode plus decode only, beside gorilla/securecookie),
# then runs ROUNDS rounds; each round runs every benchmark once
# (-count=1), starting from a different one each round, so that drift on a
# shared machine hits both sides of every ratio alike. It prints, per
# benchmark, the median over the rounds of the CPU time per operation
# (cpu-ns/op: the process's user+system time, which other jobs on a shared
# machine inflate far less than wall time), of the wall time (ns/op) and of
# the allocations, and how many times faster pasetokit is, by both times.
# The raw output stays in $OUT (default: a new temporary directory).
#
# Environment: ROUNDS (10), BENCHTIME (1s, go test's -benchtime), OUT
# (output directory). Works from any directory.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
command -v go >/dev/null || export PATH="/usr/local/go/bin:$PATH"
cd "$root"

rounds="${ROUNDS:-10}"
benchtime="${BENCHTIME:-1s}"
out="${OUT:-$(mktemp -d)}"
mkdir -p "$out"
raw="$out/bench-session.txt"
: >"$raw"

(cd bench/session && go test -c -o "$out/bench-session.test" .)
go test -c -o "$out/session.test" ./session

# name|binary|directory|-test.bench pattern
benches=(
	"request/pasetokit|bench-session|bench/session|^BenchmarkSessionRequest\$/^pasetokit\$"
	"request/gorilla-sessions|bench-session|bench/session|^BenchmarkSessionRequest\$/^gorilla-sessions\$"
	"request/gorilla-sessions-hmac|bench-session|bench/session|^BenchmarkSessionRequest\$/^gorilla-sessions-hmac\$"
	"codec/pasetokit|session|session|^BenchmarkCodec\$/^pasetokit\$"
	"codec/gorilla-securecookie|session|session|^BenchmarkCodec\$/^gorilla-securecookie\$"
)
n=${#benches[@]}
echo "go $(go env GOVERSION), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) at start; $rounds rounds, -benchtime=$benchtime; raw output: $raw" >&2
for ((r = 0; r < rounds; r++)); do
	for ((i = 0; i < n; i++)); do
		IFS='|' read -r _ bin dir pat <<<"${benches[$(((r + i) % n))]}"
		(cd "$dir" && "$out/$bin.test" -test.run='^$' -test.bench="$pat" \
			-test.benchmem -test.count=1 -test.benchtime="$benchtime") >>"$raw"
	done
	echo "round $((r + 1))/$rounds done, load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
done

# median NAME UNIT: the median over the rounds of the value reported in
# UNIT (ns/op, cpu-ns/op, allocs/op, B/op) by the benchmark whose name,
# without its -GOMAXPROCS suffix, is NAME.
median() {
	awk -v name="$1" -v unit="$2" '{ b = $1; sub(/-[0-9]+$/, "", b) }
		b == name { for (i = 3; i < NF; i++) if ($(i + 1) == unit) print $i }' "$raw" |
		sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "NaN"; exit }
			if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# table TITLE BENCHMARK BASE ROWS...: one row per implementation, with how
# many times faster BASE (pasetokit) is than it.
table() {
	local title="$1" bench="$2" base="$3"
	shift 3
	local bcpu bwall
	bcpu="$(median "$bench/$base" cpu-ns/op)"
	bwall="$(median "$bench/$base" ns/op)"
	echo
	echo "| $title | CPU time | wall time | allocs | bytes | ${base} faster (CPU) | (wall) |"
	echo "|---|---:|---:|---:|---:|---:|---:|"
	for s in "$base" "$@"; do
		local name="$bench/$s"
		awk -v s="$s" -v cpu="$(median "$name" cpu-ns/op)" -v wall="$(median "$name" ns/op)" \
			-v al="$(median "$name" allocs/op)" -v by="$(median "$name" B/op)" -v bcpu="$bcpu" -v bwall="$bwall" \
			'BEGIN { printf "| %s | %.1f µs | %.1f µs | %d | %d | %.2fx | %.2fx |\n", s, cpu / 1000, wall / 1000, al, by, cpu / bcpu, wall / bwall }'
	done
}
table "end-to-end session request" BenchmarkSessionRequest pasetokit gorilla-sessions gorilla-sessions-hmac
table "codec only: encode + decode" BenchmarkCodec pasetokit gorilla-securecookie
echo
echo "(medians of $rounds rounds; CPU time is the process's user+system time per operation, cpu-ns/op)"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
