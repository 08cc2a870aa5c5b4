#!/bin/bash
# Modules by need (guest/modules.list's USES, host/modneeds.c) on a real kernel brought
# with --kernel/--modules whose modules lack some: Debian's x86_64 kernel with
# virtio_mem and pvpanic_mmio taken out of its modules.dep. A scenario that declares a
# virtio-mem ERRORs before the guest boots, naming the module and its line; one that
# does not need it boots and passes, and the missing optional pvpanic_mmio is said once
# (stderr and results.json's notes). The kernel of make minimal-kernel (every driver
# built in, nothing missing): tests/integration/minimal.sh.
. "$(dirname "$0")/lib.sh"

if need x86_64 "modneeds: Debian's x86_64 kernel without virtio_mem and pvpanic_mmio"; then
	k=build/x86_64/kernel
	rel=$(cat "$k/version")
	m=$out/mods/$rel
	mkdir -p "$m"
	for f in "$k"/modules/*; do
		[ "${f##*/}" = modules.dep ] || ln -s "$(cd "$(dirname "$f")" && pwd)/${f##*/}" "$m/"
	done
	grep -Ev '/(virtio_mem|pvpanic-mmio|pvpanic_mmio)\.ko[^:]*:' "$k/modules/modules.dep" \
		>"$m/modules.dep"
	check "modneeds: the copy really lacks virtio_mem" test "$(grep -c virtio_mem "$m/modules.dep")" -eq 0
	own=(--kernel "$k/vmlinux" --modules "$m")

	scenario vmem 2 scenarios/virtio-mem-grow-shrink.scn "${own[@]}"
	result vmem /verdict ERROR
	some_check vmem /summary \
		'~module virtio_mem: not in this kernel .*virtio-mem-grow-shrink\.scn:7 `virtio-mem vm0'
	check "modneeds vmem: no guest booted" test ! -e "$out/vmem/console.log" -o ! -s "$out/vmem/console.log"

	# placement is inferred (--no-probe: this kernel's build tree is not at hand), the
	# frames check SKIPs for it, so the run's verdict is SKIP with every other check PASS
	scenario dimm 4 scenarios/dimm-memmap-off.scn "${own[@]}" --no-probe
	result dimm /verdict SKIP /kernel "=$rel" /notes '~^module pvpanic_mmio absent \(optional\): a guest panic is seen on the console and by the agent.s heartbeat'
	verdict dimm "no-leak iomem" PASS "no-leak zones" PASS "kernel log" PASS
	check "modneeds dimm: the absence is said once on stderr" \
		test "$(grep -c 'pvpanic_mmio absent' "$out/dimm.err")" -eq 1
	no_leftovers
fi
done_testing
