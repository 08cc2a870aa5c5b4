#!/bin/bash
# virtio-mem on real guests (x86_64): the two shipped scenarios with their key numbers,
# and two negative controls that must FAIL (a wrong base snapshot; memory the guest cannot
# give back).
. "$(dirname "$0")/lib.sh"

scenario gs 0 scenarios/virtio-mem-grow-shrink.scn
for s in 256M 512M 384M 128M 0; do
	check "virtio-mem gs: resize to $s proven in the guest" \
		verdict gs "virtio-mem vm0 requested=$s" PASS
done
check "virtio-mem gs: 512 MiB = 4 blocks, MemTotal +512 MiB" \
	evidence gs "virtio-mem vm0 requested=512M" /host_plugged 536870912 \
	/guest/memory_blocks_present 4 /guest/memtotal_delta_kb 524288
check "virtio-mem gs: the host's plugged size is QEMU's own (QMP), not libvirt's <current>" \
	evidence gs "virtio-mem vm0 requested=256M" /host_plugged 268435456 /host_plugged_from qmp
check "virtio-mem gs: memmap elsewhere, as the model says" \
	evidence gs "virtio-mem vm0 requested=512M" /memmap_model elsewhere
check "virtio-mem gs: back to 0 without a leak" verdict gs "no-leak MemTotal" PASS
check "virtio-mem gs: zones back exactly" verdict gs "no-leak zones" PASS

scenario pb 0 scenarios/virtio-mem-partial-block.scn
check "virtio-mem pb: 100 MiB = 1 block present, 100 MiB managed" \
	evidence pb "virtio-mem vm0 requested=100M" /host_plugged 104857600 \
	/guest/memory_blocks_present 1 /guest/iomem_virtio_mem_bytes 134217728 \
	/guest/memtotal_delta_kb 102400 /guest/managed_delta_pages 25600 \
	/guest/present_delta_pages 32768
check "virtio-mem pb: 202 MiB in 2 blocks" \
	evidence pb "virtio-mem vm0 requested=202M" /host_plugged 211812352 \
	/guest/memory_blocks_present 2 /guest/memtotal_delta_kb 206848
check "virtio-mem pb: no leak after 0" verdict pb "no-leak memory blocks" PASS

scenario bootreq 0 tests/scenarios/virtio-mem-boot-requested.scn
check "virtio-mem bootreq: 200 MiB plugged at boot, online before the baseline" \
	evidence bootreq "virtio-mem vm0 view" /requested 209715200 /host_plugged 209715200 \
	/host_plugged_at_base 209715200 /guest/memory_blocks_present 2 \
	/guest/memory_blocks_online 2
check "virtio-mem bootreq: to 0 = MemTotal -200 MiB from the baseline" \
	evidence bootreq "virtio-mem vm0 requested=0" /requested 0 /host_plugged 0 \
	/host_plugged_at_base 209715200 /guest/memtotal_delta_kb -204800

scenario wrongbase 1 tests/scenarios/virtio-mem-wrong-base.scn
check "virtio-mem wrong base: the oracle FAILs" verdict wrongbase "virtio-mem vm0 view" FAIL
check "virtio-mem wrong base: says which number disagrees" summary_has wrongbase \
	"virtio-mem vm0 view" "zone managed pages grew by 0.0 MiB, the host's plugged size by 256.0 MiB"

scenario unmovable 1 tests/scenarios/virtio-mem-unmovable.scn
check "virtio-mem unmovable: reported as memory not given back" \
	verdict unmovable "virtio-mem vm0 requested=0" FAIL
check "virtio-mem unmovable: evidence says what stayed plugged" \
	evidence unmovable "virtio-mem vm0 requested=0" /requested 0 /host_plugged '~^[1-9][0-9]*$' \
	/guest_answering '~^(true|false)$' /blocks_plugged '~^\['

no_leftovers
done_testing
