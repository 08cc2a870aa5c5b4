#!/bin/sh
# The reference is what the program says: doc/reference.md must be exactly the output of
# `hotplug-test help --markdown` (generated from the steps', oracles', workloads', device
# kinds' and arches' own tables). Fails, with the diff and the command that regenerates
# it, when someone changed a table and not the doc, or edited the doc by hand.
#   tests/lint/reference.sh [BINARY [DOC]]
#   tests/lint/reference.sh --self-test   shows that the comparison fires (and stays quiet)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
compare() {	# compare BINARY DOC: 0 if DOC is what BINARY generates
	"$1" help --markdown | diff -u "$2" - >"$tmp/diff" && return 0
	return 1
}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hpt-reference.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
bin=$top/build/hotplug-test
if [ "${1:-}" = --self-test ]; then
	"$bin" help --markdown >"$tmp/good.md" || { echo "reference: $bin help --markdown failed"; exit 1; }
	compare "$bin" "$tmp/good.md" || { echo "reference: the comparison fired on a fresh copy"; exit 1; }
	sed 's/^### boot$/### boot (edited by hand)/' "$tmp/good.md" >"$tmp/edited.md"
	compare "$bin" "$tmp/edited.md" && { echo "reference: the comparison missed a hand edit"; exit 1; }
	grep -q 'edited by hand' "$tmp/diff" || { echo "reference: the diff does not show the edit"; exit 1; }
	echo "reference: self-test passed (fires on a hand edit, quiet on the generated text)"
	exit 0
fi
bin=${1:-$bin}
doc=${2:-$top/doc/reference.md}
[ -x "$bin" ] || { echo "reference: $bin: not built (make host)"; exit 1; }
if ! compare "$bin" "$doc"; then
	echo "reference: $doc differs from what the program generates; regenerate it with"
	echo "    $bin help --markdown >$doc"
	sed 's/^/    /' "$tmp/diff" | head -n 40
	exit 1
fi
echo "reference: $doc is what \`hotplug-test help --markdown\` generates"
