#!/bin/bash
# The host stacks (`--stack`, host/stack.c, kernels/stack-root.sh; doc/arches.md): the
# system's QEMU 7.2 / libvirt 9.0 and `backports`, QEMU 10.0 + libvirt 11.3 from
# bookworm-backports in a cached root where the controller is built against that libvirt
# and the command line runs again. One set of scenario files hot-plugs memory on all
# three arches there: s390x through virtio-mem-ccw (the minimal 7.3 kernel: Debian's
# s390x kernels have no CONFIG_VIRTIO_MEM; built here, cached), x86_64 virtio-mem with
# dynamic memslots (QEMU asked that it runs them), ppc64le DIMMs; what the stock stack
# cannot do is a SKIP naming the version that can. Costs the root (~1.5 min with its
# .debs cached, ~6 cold) and the s390x kernel (a kernel build the first time).
. "$(dirname "$0")/lib.sh"

# ---- bad input: no stack is prepared for these ------------------------------------------
hpt_says "--stack with an unknown value: exit 2 naming the choices" 2 \
	"stack.*(bookworm.*backports|one of)" run --stack jessie scenarios/dimm-memmap-on-memory.scn
HPT_STACK=backports hpt_says "--stack bookworm inside the backports root: exit 2, run it outside" 2 \
	"inside the backports stack's root" run --stack bookworm scenarios/dimm-memmap-on-memory.scn

# ---- the stock stack: SKIPs naming what would run them -----------------------------------
if need s390x "stock stack: s390x virtio-mem SKIPs naming QEMU 10.0 and --stack backports"; then
	scenario stock-s390x 4 scenarios/virtio-mem-grow-shrink.scn --arch s390x
	some_check stock-s390x /summary "~QEMU 7\.2 offers no memory device on s390x.*QEMU 10\.0.*--stack backports"
	result stock-s390x /host/stack bookworm /host/qemu "~^7\.2\."
fi
if need x86_64 "stock stack: dynamic memslots SKIP naming QEMU 8.2 and --stack backports"; then
	scenario stock-memslots 4 scenarios/virtio-mem-dynamic-memslots.scn --arch x86_64
	some_check stock-memslots /summary "~QEMU 7\.2 has no dynamic memslots.*8\.2.*--stack backports"
fi

# ---- the backports stack ------------------------------------------------------------------
if need stack-backports x86_64 ppc64le s390x "backports stack: hot-plug on all three arches"; then
	# the kernel build (CPU) beside the stack's root (mmdebstrap: the network and dpkg),
	# which the first --stack backports run makes
	t0=$SECONDS
	make -s --no-print-directory minimal-kernel ARCH=s390x >"$out/minimal-s390x.log" 2>&1 &
	kpid=$!
	scenario bp-memslots 0 scenarios/virtio-mem-dynamic-memslots.scn --stack backports \
		--arch x86_64
	verdict bp-memslots "virtio-mem vm0 memslots" PASS
	result bp-memslots /host/stack backports /host/qemu "~^10\.0\." /host/libvirt "~^11\.3\."
	if wait "$kpid"; then
		ok "the s390x minimal kernel (CONFIG_VIRTIO_MEM) is built ($((SECONDS - t0)) s)"
	else
		not_ok "the s390x minimal kernel builds" "$(tail -n 20 "$out/minimal-s390x.log")"
	fi
	s390k=build/s390x-minimal/kernel/vmlinuz
	t0=$SECONDS
	m=$out/matrix
	hpt matrix --stack backports -j 2 --out "$m" --kernel "s390x=$s390k" \
		scenarios/virtio-mem-grow-shrink.scn scenarios/virtio-mem-dynamic-memslots.scn \
		scenarios/dimm-memmap-off.scn scenarios/nvdimm-dax-kmem.scn \
		scenarios/virtio-mem-shrink-under-zram.scn scenarios/logical-offline-online.scn \
		>"$out/matrix.out" 2>&1
	rc=$?
	check "matrix --stack backports: exit 0 (no FAIL or ERROR) ($((SECONDS - t0)) s)" \
		test "$rc" -eq 0
	diag "$(tail -n 16 "$out/matrix.out")"
	for j in virtio-mem-grow-shrink.s390x virtio-mem-grow-shrink.x86_64 \
		virtio-mem-dynamic-memslots.x86_64 dimm-memmap-off.x86_64 \
		dimm-memmap-off.ppc64le nvdimm-dax-kmem.x86_64 virtio-mem-shrink-under-zram.x86_64; do
		json_at "$m/$j/results.json" /verdict PASS /host/stack backports \
			/host/qemu "~^10\.0\." /host/libvirt "~^11\.3\."
	done
	# s390x: the device plugged and unplugged in the guest, the memmap elsewhere
	verdict "$m/virtio-mem-grow-shrink.s390x" "virtio-mem vm0 view" PASS \
		"virtio-mem vm0 requested=0" PASS "no-leak memmap" PASS "no-leak iomem" PASS
	summary_has "$m/virtio-mem-grow-shrink.s390x" "virtio-mem vm0 view" \
		"plugged 512\.0 MiB \(host\) = guest: [0-9]+ memory block\(s\) online in Movable.*memmap elsewhere"
	json_at "$m/virtio-mem-grow-shrink.s390x/results.json" /kernel "~^7\.[3-9]"
	# boot memory too, on every arch (s390x: no <maxMemory> unless a device needs it; with
	# it, 7.3 ignored movablecore= and had no ZONE_MOVABLE to offline)
	for a in x86_64 ppc64le s390x; do
		json_at "$m/logical-offline-online.$a/results.json" /verdict PASS
	done
	# s390x under load: the zram workload's pages migrated off the device by the shrink
	json_at "$m/virtio-mem-shrink-under-zram.s390x/results.json" /verdict PASS
	verdict "$m/virtio-mem-shrink-under-zram.s390x" "workload zram" PASS "no-leak zsmalloc" PASS
	# x86_64 dynamic memslots: QEMU says it runs them; the static device says false
	verdict "$m/virtio-mem-dynamic-memslots.x86_64" "virtio-mem vm0 memslots" PASS
	evidence "$m/virtio-mem-dynamic-memslots.x86_64" "virtio-mem vm0 memslots" /return true
	evidence "$m/virtio-mem-grow-shrink.x86_64" "virtio-mem vm0 memslots" /return false
	# saved and restored there too (libvirt_iohelper is in the root): x86_64, and pseries
	# guests of one vCPU (arch_ppc64le.c)
	json_at "$m/dimm-memmap-off.x86_64/results.json" /restore/used true
	json_at "$m/logical-offline-online.x86_64/results.json" /restore/used true
	json_at "$m/dimm-memmap-off.ppc64le/results.json" /restore/used true
	json_at "$m/logical-offline-online.ppc64le/results.json" /restore/used true
	# a pseries guest of 2 vCPUs is restored: saved with cpu1 offline (saved with both
	# running, 8 of 8 hung at their first snapshot on QEMU 10.0), cpu1 online again after
	scenario bp-ppc-2cpu 0 scenarios/offline-under-thp.scn --stack backports --arch ppc64le
	result bp-ppc-2cpu /restore/used true
	check "bp-ppc-2cpu: cpu1 offline for the save, online after the restore" \
		grep -q ' req write /sys/devices/system/cpu/cpu1/online 1$' "$out/bp-ppc-2cpu/agent.log"
	# QEMU 10.0's TCG radix MMU lets a store through a clean PTE (caps.c
	# CAP_STORE_DIRTIES): 6.12's swapped-in pages lose writes there, every run; the
	# workload's data check is a SKIP naming the emulator, the rest of the scenario runs
	scenario bp-ppc-lost 4 scenarios/offline-under-zswap.scn --stack backports \
		--arch ppc64le --kernel debian:trixie
	check_has bp-ppc-lost "workload zswap" /verdict SKIP /summary \
		"~it holds the data of its generation [0-9]+.*: lost writes, which this emulator makes itself \\(QEMU 10\\.0's TCG radix MMU"
	evidence bp-ppc-lost "workload zswap" /report/lost "~^[1-9]"
	verdict bp-ppc-lost "no-leak zswap" PASS "no-leak MemFree" PASS
	# what QEMU 10 / the kernels still cannot do: SKIPs with the reason
	json_at "$m/dimm-memmap-off.s390x/results.json" /verdict SKIP
	some_check "$m/dimm-memmap-off.s390x" /summary "~s390x has no dimm in QEMU 10\.0"
	json_at "$m/nvdimm-dax-kmem.ppc64le/results.json" /verdict SKIP
	some_check "$m/nvdimm-dax-kmem.ppc64le" /summary "~dcbstps.*QEMU 10\.0's TCG"
	json_at "$m/virtio-mem-grow-shrink.ppc64le/results.json" /verdict SKIP
	# no libguestfs in the root: --image is a clear ERROR, not a build failure
	hpt_says "backports: --image is an ERROR naming libguestfs" 2 \
		"built without libguestfs" run --stack backports --arch x86_64 --image debian:bookworm \
		--out "$out/image" scenarios/dimm-memmap-on-memory.scn
fi
[ ! -s "$out/.pids" ] || no_leftovers
done_testing
