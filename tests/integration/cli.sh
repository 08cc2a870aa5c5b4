#!/bin/bash
# Bad input on the command line and in scenario files: a clear message naming file:line,
# exit 2, and no guest started. No VM needed.
set -u
. "$(dirname "$0")/lib.sh"
out=${1:-$out}
cd "$top"

# err NAME WANT_EXIT ERE ARGS…: runs hotplug-test ARGS, wants the exit code and ERE on stderr.
err() {
	local name=$1 want=$2 re=$3 rc; shift 3
	"$bin" "$@" >"$out/cli.out" 2>"$out/cli.err"; rc=$?
	if [ "$rc" -eq "$want" ] && grep -Eq -- "$re" "$out/cli.err" "$out/cli.out"; then
		ok "cli: $name"
	else
		bad "cli: $name (exit $rc, want $want; output:)"; cat "$out/cli.err" "$out/cli.out" | head -5
	fi
}
err "unknown step names file:line" 2 '^tests/scenarios/bad-unknown-step.scn:3: unknown step .plugg.' run tests/scenarios/bad-unknown-step.scn
err "bad size names file:line" 2 '^tests/scenarios/bad-size.scn:2: plug: size=12X' run tests/scenarios/bad-size.scn
err "missing file" 2 'nope.scn' run nope.scn
err "unknown verb" 2 "unknown verb 'frobnicate'" frobnicate
err "unknown option" 2 'unknown option --bogus' run --bogus x.scn
err "unknown arch" 2 "unknown arch 'mips'" run --arch mips scenarios/dimm-memmap-off.scn
err "run -h" 0 'usage: hotplug-test run' run -h
err "help steps documents expect" 0 'expect no-leak since=SNAP' help steps
err "list shows shipped scenarios" 0 'dimm-reverse-teardown' list
mkdir -p "$out/used" && touch "$out/used/results.json"
err "a used run dir is refused" 2 'exists and is not empty' run --out "$out/used" scenarios/dimm-memmap-off.scn
check "cli: nothing started" no_leftovers
echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
