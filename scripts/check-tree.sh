#!/usr/bin/env bash
# check-tree.sh: fail when the repository tracks a file it should not:
#   - an executable binary anywhere: ELF, Mach-O (32- and 64-bit, either
#     byte order, and fat/universal files) or PE/DOS ("MZ" and a NUL byte
#     in the first 64 bytes, so that a text file starting "MZ" passes);
#   - a file over 1 MiB outside a testdata/ directory.
# It reads what git tracks (the index, as committed or staged), not the
# working tree, so an ignored build output next to the sources is fine.
# Prints one line per offending file and exits 1 when there is any.
# Run from anywhere inside the repository to check, or give its path:
#   scripts/check-tree.sh [repository]
# .ci/run calls it first; internal/repocheck tests it.
set -euo pipefail

repo="${1:-.}"
cd "$repo"
cd "$(git rev-parse --show-toplevel)"

max_bytes=$((1 << 20)) # 1 MiB
bad=0

# Every tracked entry, "mode sha stage<TAB>path", NUL-terminated. The script
# keeps to bash 3.2 (macOS): no associative arrays.
while IFS= read -r -d '' entry; do
	meta="${entry%%$'\t'*}"
	path="${entry#*$'\t'}"
	read -r mode sha _ <<<"$meta"
	[[ "$mode" == 160000 ]] && continue # a submodule: a commit, not a file

	# The first 64 bytes (a DOS header's length) as lowercase hex, two
	# digits a byte. cat-file may die of SIGPIPE once od has its bytes.
	head="$({ git cat-file blob "$sha" 2>/dev/null || true; } | od -An -tx1 -N64 | tr -d ' \n')"
	kind=""
	case "$head" in
	7f454c46*) kind="ELF executable" ;;
	feedface* | cefaedfe* | feedfacf* | cffaedfe*) kind="Mach-O executable" ;;
	cafebabe* | bebafeca* | cafebabf* | bfbafeca*) kind="Mach-O universal (fat) binary" ;;
	4d5a*)
		# "MZ" then a NUL byte in the header: a text file may start with
		# "MZ", but never holds a NUL.
		if [[ "$head" =~ ^(..)*00 ]]; then kind="PE/DOS executable (MZ)"; fi
		;;
	esac
	if [[ -n "$kind" ]]; then
		echo "check-tree: $path: tracked $kind; build outputs belong in .gitignore" >&2
		bad=1
	fi

	size="$(git cat-file -s "$sha")"
	case "/$path" in
	*/testdata/*) ;;
	*)
		if ((size > max_bytes)); then
			echo "check-tree: $path: $size bytes, over 1 MiB outside testdata/" >&2
			bad=1
		fi
		;;
	esac
done < <(git ls-files -z --stage)

if ((bad)); then
	echo "check-tree: FAIL" >&2
	exit 1
fi
echo "check-tree: OK ($(git ls-files | wc -l | tr -d ' ') tracked files)"
