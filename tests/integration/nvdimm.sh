#!/bin/bash
# NVDIMM -> devdax -> system RAM (dax kmem) on real x86_64 guests with Debian's
# ndctl/daxctl in the initramfs: the two shipped scenarios with their key numbers (the
# altmap reservation of each map mode, the kmem size, MemTotal back), and that pseries
# SKIPs with the capability model's reason.
. "$(dirname "$0")/lib.sh"

scenario kmem 0 scenarios/nvdimm-dax-kmem.scn
check "nvdimm kmem: map=dev reserves 18 MiB of 1 GiB (16 MiB memmap)" \
	evidence kmem "altmap ns0 map=dev" /map dev /start '~^[0-9]+$' /raw_size 1073741824 \
	/usable_size 1054867456 /reserved 18874368 /reserved_expected 18874368
check "nvdimm kmem: map=mem reserves only the aligned info block" \
	evidence kmem "altmap ns1 map=mem" /map mem /start '~^[0-9]+$' /raw_size 1073741824 \
	/usable_size 1071644672 /reserved 2097152
check "nvdimm kmem: system RAM (kmem) of whole blocks, movable, MemTotal grown by it" \
	evidence kmem "kmem ns0" /requested 939524096 /host_plugged 939524096 \
	/guest/zones Movable /guest/memtotal_delta_kb 917504
for n in ns0 ns1; do
	check "nvdimm kmem: $n to system RAM proven" verdict kmem "kmem $n" PASS
	check "nvdimm kmem: $n back to devdax proven" verdict kmem "devdax $n" PASS
done
check "nvdimm kmem: MemTotal back to the baseline" verdict kmem "no-leak MemTotal" PASS
check "nvdimm kmem: zones back (ZONE_DEVICE span excepted)" verdict kmem "no-leak zones" PASS
check "nvdimm kmem: tool output kept in the run dir" \
	grep -q '"mode":"system-ram"' "$out/kmem/dax-05-kmem.txt"
# x86_64 under TCG has no entropy source: the host seeds the guest's CRNG at the hello, so
# ndctl (libuuid's getrandom) never waits for the kernel's jitter loop (5.3 s a job)
crng_before_ndctl() {
	awk '/random: crng init done/ { crng = NR }
	     /hp-agent: seq [0-9]+: tool .*ndctl create-namespace/ && !tool { tool = NR }
	     END { exit !(crng && tool && crng < tool) }' "$out/kmem/dmesg.log" ||
		{ _why+=("dmesg: no 'crng init done' before ndctl's first create-namespace"); return 1; }
}
check "nvdimm kmem: the agent was asked to seed the CRNG" grep -q ' req seed [0-9a-f]\{64\}$' \
	"$out/kmem/agent.log"
check "nvdimm kmem: the CRNG was ready before ndctl ran" crng_before_ndctl

scenario altmap 0 scenarios/nvdimm-altmap.scn
check "nvdimm altmap: 2 GiB map=dev reserves 34 MiB" \
	evidence altmap "altmap a0 map=dev" /map dev /start '~^[0-9]+$' /raw_size 2147483648 \
	/usable_size 2111832064 /reserved 35651584
check "nvdimm altmap: align=4K is raised to 2 MiB (memremap_compat_align)" \
	evidence altmap "altmap a2 map=dev" /reserved 35651584 /reserved_expected 35651584 \
	/align 4096 /effective_align 2097152

if need ppc64le "nvdimm pseries: SKIP with the capability model's reason"; then
	scenario pseries 4 scenarios/nvdimm-altmap.scn --arch ppc64le
	check "nvdimm pseries: SKIP with the capability model's reason" result pseries \
		/verdict SKIP /checks/0/verdict SKIP /checks/0/summary '~spapr-nvdimm'
fi

no_leftovers
done_testing
