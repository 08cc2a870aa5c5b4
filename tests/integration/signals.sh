#!/bin/bash
# SIGINT and SIGTERM during a run: the domain is destroyed, the embedded root removed,
# results.json written with an ERROR, exit 2 — and no QEMU survives.
set -u
. "$(dirname "$0")/lib.sh"
out=${1:-$out}
cd "$top"

for sig in INT TERM; do
	dir=$out/sig-$sig
	rm -rf "$dir" "$dir.ktap"
	"$bin" run --out "$dir" scenarios/dimm-memmap-on-memory.scn >"$dir.ktap" 2>"$dir.err" &
	pid=$!
	# wait (deadline 60 s) until the guest's agent has said hello: the VM is up
	for _ in $(seq 600); do
		grep -qs hello "$dir/agent.log" && break
		kill -0 $pid 2>/dev/null || break
		sleep 0.1
	done
	check "SIG$sig: guest was up before the signal" grep -qs hello "$dir/agent.log"
	kill -$sig $pid
	wait $pid; rc=$?
	check "SIG$sig: exit 2 (ERROR), got $rc" test "$rc" -eq 2 ||
		sed 's/^/    /' "$dir.ktap" "$dir.err" | tail -20
	check "SIG$sig: results.json says ERROR" grep -q '"verdict": "ERROR"' "$dir/results.json"
	check "SIG$sig: no QEMU, no libvirt root left" no_leftovers
done
echo "signals: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
