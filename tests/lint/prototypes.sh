#!/bin/sh
# Every cross-file function is declared in exactly one header: fails on a function
# prototype written in a .c file of host/, guest/ or lib/ (a function defined elsewhere
# and declared by hand, or one declared just before its own definition to quiet
# -Wmissing-prototypes instead of being put in its header). Static forward declarations
# are fine. The compiler finds them: gcc -aux-info lists every declaration a file sees,
# with where it is.
#   tests/lint/prototypes.sh [DIR]        DIR: the tree (default: this one)
#   tests/lint/prototypes.sh --self-test  shows that the scan fires (and stays quiet)
set -u
here=$(cd "$(dirname "$0")" && pwd)
cc=${CC:-gcc}
scan() {	# scan DIR: prints FILE:LINE: NAME of every hand-written prototype; 0 if none
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/hpt-protos.XXXXXX")
	found=0
	for f in "$1"/host/*.c "$1"/guest/*.c "$1"/lib/*.c; do
		[ -f "$f" ] || continue
		# shellcheck disable=SC2046
		"$cc" -D_GNU_SOURCE -I"$1/lib" -I"$1/host" $(pkg-config --cflags libvirt 2>/dev/null) \
			-fsyntax-only -w -aux-info "$tmp/aux" "$f" 2>"$tmp/err" ||
			{ echo "prototypes: $f does not compile:"; cat "$tmp/err"; found=1; continue; }
		# "/* FILE:LINE:NC */ extern TYPE NAME (ARGS);": a declaration (C) in a .c file
		sed -n 's|^/\* \(.*\.c\):\([0-9]*\):[NO]C \*/ extern .*[ *]\([A-Za-z_][A-Za-z0-9_]*\) (.*|\1:\2: \3|p' \
			"$tmp/aux" | sed "s|^$1/||" >>"$tmp/hits"
	done
	if [ -s "$tmp/hits" ]; then
		sort -u "$tmp/hits"
		found=1
	fi
	rm -rf "$tmp"
	return $found
}
if [ "${1:-}" = --self-test ]; then
	t=$(mktemp -d "${TMPDIR:-/tmp}/hpt-protos-st.XXXXXX")
	trap 'rm -rf "$t"' EXIT
	mkdir -p "$t/host" "$t/guest" "$t/lib"
	printf 'int twice(int x);\nint twice(int x) { return 2 * x; }\n' >"$t/lib/a.c"
	printf 'int twice(int x);\nstatic int half(int x);\nint use(void);\n' >"$t/host/b.c"
	printf 'static int half(int x) { return x / 2; }\nint use(void) { return half(twice(4)); }\n' >>"$t/host/b.c"
	printf '#include "c.h"\nint use2(void) { return 0; }\n' >"$t/guest/c.c"
	echo 'int use2(void);' >"$t/lib/c.h"
	out=$(scan "$t") && { echo "prototypes: the scan missed hand-written prototypes"; exit 1; }
	want="host/b.c:1: twice
host/b.c:3: use
lib/a.c:1: twice"
	[ "$out" = "$want" ] || { echo "prototypes: the scan found '$out', want '$want'"; exit 1; }
	rm "$t/lib/a.c" "$t/host/b.c"
	scan "$t" >/dev/null || { echo "prototypes: the scan fired on a clean tree"; exit 1; }
	echo "prototypes: self-test passed (fires on 3 hand-written prototypes, quiet on a header's)"
	exit 0
fi
if ! out=$(scan "${1:-$(cd "$here/../.." && pwd)}"); then
	echo "prototypes: these functions are declared in a .c file; declare each in the one" \
		"header of its unit (and include it):"
	echo "$out" | sed 's/^/    /'
	exit 1
fi
echo "prototypes: every function declared outside its file is declared in a header"
