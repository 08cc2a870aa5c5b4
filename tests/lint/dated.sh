#!/bin/sh
# Nothing dated in tests: fails if the scripts, recipes and scenarios name a Debian kernel
# release (what `uname -r` says in a guest of Debian's kernel, any generation). The
# archive moves on (it bumps ABIs every few weeks) and a test naming one breaks: derive
# it from what was fetched. Unit tests may keep such strings as parser inputs, fixtures as
# their provenance.
#   tests/lint/dated.sh [DIR]        DIR: the tree (default: this one)
#   tests/lint/dated.sh --self-test  shows that the scan fires (and stays quiet), on the
#                                    releases the fixtures were recorded from
set -u
re='[0-9]+\.[0-9]+(\.[0-9]+)?(-[0-9]+|\+deb[0-9]+)(-[a-z0-9]+)*-(amd64|arm64|powerpc64le|s390x)\b'
scan() {	# scan DIR: prints file:line:text of every hit; 0 if there is none
	# (grep's status is 2 when a path is missing, hits or not: the output decides)
	_hits=$(cd "$1" && grep -rnIE -- "$re" tests/integration tests/*.sh tests/lint .ci \
		Makefile kernels scenarios 2>/dev/null)
	[ -z "$_hits" ] && return 0
	echo "$_hits"
	return 1
}
if [ "${1:-}" = --self-test ]; then
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/hpt-dated.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	mkdir -p "$tmp/tests/integration" "$tmp/scenarios" "$tmp/kernels"
	# the releases of real guests, as the fixtures recorded them ("uname -r R," in each
	# README): every generation and flavour the archive served when they were made
	rels=$(grep -rhoE "uname -r [^ ,)]+" "$(dirname "$0")/../fixtures"/*/README 2>/dev/null |
		cut -d' ' -f3 | sort -u)
	[ "$(echo "$rels" | grep -c .)" -ge 3 ] ||
		{ echo "dated: fewer than 3 recorded releases in tests/fixtures/*/README to test with"; exit 1; }
	first=$(echo "$rels" | head -n 1)
	echo "grep -q \"$first\" x" >"$tmp/tests/integration/a.sh"
	echo 'ver=$(cat build/ppc64le/kernel/version)' >"$tmp/tests/integration/b.sh"
	out=$(scan "$tmp") && { echo "dated: the scan missed $first"; exit 1; }
	case $out in *a.sh:1:*) ;; *) echo "dated: the hit does not name a.sh:1: $out"; exit 1 ;; esac
	rm "$tmp/tests/integration/a.sh"	# each release alone below
	for v in $rels; do
		echo "k=$v" >"$tmp/kernels/c.sh"
		scan "$tmp" >/dev/null && { echo "dated: the scan missed $v"; exit 1; }
	done
	rm "$tmp/kernels/c.sh"
	echo 'boot memory=512M' >"$tmp/scenarios/d.scn"
	scan "$tmp" >/dev/null || { echo "dated: the scan fired on a clean tree"; exit 1; }
	echo "dated: self-test passed (fires on the $(echo "$rels" | grep -c .) recorded releases, quiet on a clean tree)"
	exit 0
fi
if ! out=$(scan "${1:-$(cd "$(dirname "$0")/../.." && pwd)}"); then
	echo "dated: these lines name a Debian kernel release; derive it from what was fetched" \
		"(e.g. build/ARCH/kernel/version):"
	echo "$out" | sed 's/^/    /'
	exit 1
fi
echo "dated: no Debian kernel release named in tests, recipes or scenarios"
