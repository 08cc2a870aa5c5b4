#!/bin/sh
# Nothing dated in tests: fails if the scripts, recipes and scenarios name a Debian kernel
# release (6.1.0-57-amd64, 6.12.117+deb13-amd64, 7.2.13+deb14-powerpc64le-64k, …). The
# archive moves on (it bumps ABIs every few weeks) and a test naming one breaks: derive
# it from what was fetched. Unit tests may keep such strings as parser inputs, fixtures as
# their provenance.
#   tests/lint/dated.sh [DIR]        DIR: the tree (default: this one)
#   tests/lint/dated.sh --self-test  shows that the scan fires (and stays quiet)
set -u
re='[0-9]+\.[0-9]+(\.[0-9]+)?(-[0-9]+|\+deb[0-9]+)(-[a-z0-9]+)*-(amd64|arm64|powerpc64le|s390x)\b'
scan() {	# scan DIR: prints file:line:text of every hit; 0 if there is none
	(cd "$1" && grep -rnIE -- "$re" tests/integration tests/*.sh tests/lint .ci Makefile \
		kernels scenarios 2>/dev/null | grep -v '^tests/lint/dated.sh:') && return 1
	return 0
}
if [ "${1:-}" = --self-test ]; then
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/hpt-dated.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	mkdir -p "$tmp/tests/integration" "$tmp/scenarios" "$tmp/kernels"
	echo 'grep -q "6.1.0-50-powerpc64le" x' >"$tmp/tests/integration/a.sh"
	echo 'ver=$(cat build/ppc64le/kernel/version)' >"$tmp/tests/integration/b.sh"
	out=$(scan "$tmp") && { echo "dated: the scan missed 6.1.0-50-powerpc64le"; exit 1; }
	case $out in *a.sh:1:*) ;; *) echo "dated: the hit does not name a.sh:1: $out"; exit 1 ;; esac
	for v in 6.12.117+deb13-amd64 7.2.13+deb14-powerpc64le-64k 6.1.0-57-cloud-amd64 7.3.4+deb13-s390x; do
		echo "k=$v" >"$tmp/kernels/c.sh"
		scan "$tmp" >/dev/null && { echo "dated: the scan missed $v"; exit 1; }
	done
	rm "$tmp/tests/integration/a.sh" "$tmp/kernels/c.sh"
	echo 'boot memory=512M' >"$tmp/scenarios/d.scn"
	scan "$tmp" >/dev/null || { echo "dated: the scan fired on a clean tree"; exit 1; }
	echo "dated: self-test passed (fires on 5 release names, quiet on a clean tree)"
	exit 0
fi
if ! out=$(scan "${1:-$(cd "$(dirname "$0")/../.." && pwd)}"); then
	echo "dated: these lines name a Debian kernel release; derive it from what was fetched" \
		"(e.g. build/ARCH/kernel/version):"
	echo "$out" | sed 's/^/    /'
	exit 1
fi
echo "dated: no Debian kernel release named in tests, recipes or scenarios"
