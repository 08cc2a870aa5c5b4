#!/bin/bash
# SIGINT and SIGTERM during a run: the domain is destroyed, the embedded root removed,
# results.json written with an ERROR, exit 2 — and no QEMU survives.
. "$(dirname "$0")/lib.sh"

for sig in INT TERM; do
	dir=$out/sig-$sig
	hpt_bg run --out "$dir" scenarios/dimm-memmap-on-memory.scn >"$dir.ktap" 2>"$dir.err"
	# the guest's agent has said hello: the VM is up
	check "SIG$sig: guest was up before the signal" wait_for "$dir/agent.log" hello $bg_pid
	bg_wait $sig
	check "SIG$sig: exit 2 (ERROR), got $rc" test "$rc" -eq 2 ||
		diag "$(cat "$dir.ktap" "$dir.err" | tail -n 20)"
	check "SIG$sig: results.json says ERROR" result "sig-$sig" /verdict ERROR
	check "SIG$sig: no QEMU, no libvirt root left" no_leftovers
done
done_testing
