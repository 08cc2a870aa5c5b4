#!/bin/bash
# Debug-kernel checks (opt-in: `make check-debug`, needs `make debug-kernel`, ~11 min the
# first time): kmemleak and page_owner run at `expect no-leak`, pass on a clean teardown
# and fire on a DIMM whose off-device memmap is still allocated.
set -u
. "$(dirname "$0")/lib.sh"
out=${1:-$out}
cd "$top"

run() {	# run NAME FILE WANT_EXIT
	"$bin" run --debug-kernel --out "$out/$1" "$2" >"$out/$1.ktap" 2>"$out/$1.err"
	check "debug $1: exit $3" test $? -eq "$3" || tail -20 "$out/$1.ktap" "$out/$1.err"
}
run mom scenarios/dimm-memmap-on-memory.scn 0
check "debug mom: kmemleak clean after two scans" grep -Eq '^    ok [0-9]+ no-leak kmemleak$' "$out/mom.ktap"
check "debug mom: page_owner back to boot" grep -Eq '^    ok [0-9]+ no-leak page_owner$' "$out/mom.ktap"
check "debug mom: the debug kernel really ran" grep -q '"kernel": "6.1.192"' "$out/mom/results.json"
run fires tests/scenarios/debug-leak-fires.scn 1
check "debug fires: page_owner sees the plugged DIMM's memmap" \
	grep -q '"pages_now":512,"example":"Page allocated via order 9' "$out/fires/results.json"
check "debug fires: with its vmemmap_populate stack" grep -q 'vmemmap_populate+' "$out/fires/results.json"
echo "debug: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
