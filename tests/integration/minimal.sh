#!/bin/bash
# A kernel developer's own minimal kernel (opt-in: `make check-minimal [ARCH=…]`, needs
# `make minimal-kernel ARCH=…`, a kernel build from Debian's linux-source, not cached in
# CI): every driver built in, no --modules. The x86_64 one boots a DIMM scenario with
# memmap_on_memory and a virtio-mem one, both PASS, placement proven by the probe built
# against the kernel's own tree; nothing optional is missing, so no notes. (On 7.3 the
# DIMM one's placement is a SKIP until host/caps.c models kernels after 6.4: the probe
# proves the memmap on the DIMM, the model has no expectation.) s390x: boot memory
# offlined and onlined, PASS with the probe's proof. ppc64le (pseries, VOF, radix, 4K
# pages): a one-LMB and a two-LMB DIMM with memmap_on_memory=1, each LMB's memmap proven
# on it; NVDIMM a SKIP naming what QEMU's TCG lacks. Arches: $MINIMAL_ARCHES (default x86_64); an arch without its kernel SKIPs (a
# failure under HPT_IT_STRICT=1).
. "$(dirname "$0")/lib.sh"
arch_def=kernels/arches.def	# cwd is the top (lib.sh)
. kernels/arch.sh

for a in ${MINIMAL_ARCHES:-x86_64}; do
	need "minimal-kernel-$a" "minimal $a: the minimal kernel is built (make minimal-kernel ARCH=$a)" ||
		continue
	k=build/$a-minimal/kernel
	ver=$(cat "$k/version")
	arch_vars "$a" || { not_ok "minimal: unknown arch $a"; continue; }
	img=$k/vmlinuz
	[ "$boot" != vmlinux ] || [ ! -f "$k/vmlinux" ] || img=$k/vmlinux
	own=(--arch "$a" --kernel "$img")
	case $a in
	x86_64) runs="mom:scenarios/dimm-memmap-on-memory.scn:placement d0:on-block as expected.*proven: 512 of 512 memmap pages backed inside
vmem:scenarios/virtio-mem-grow-shrink.scn::" ;;
	s390x) runs="lo:scenarios/logical-offline-online.scn:placement b:elsewhere as expected.*proven: 0 of [0-9]+ memmap pages backed inside" ;;
	# radix, 4K pages, 64-byte struct page: a 256 MiB LMB's 1024-page memmap on the LMB
	ppc64le) runs="mom:scenarios/dimm-memmap-on-memory.scn:placement d0:on-block as expected.*proven: 1024 of 1024 memmap pages backed inside
pmom:scenarios/pseries-dimm-memmap-on-memory.scn:placement d0:on-block as expected.*proven: 2048 of 2048 memmap pages backed inside" ;;
	*) runs= ;;
	esac
	while IFS=: read -r name scn placed proof; do
		[ -n "$name" ] || continue
		scenario "$a-$name" 0 "$scn" "${own[@]}"
		result "$a-$name" /verdict PASS /kernel "=$ver"
		check "minimal $a $name: no optional module missing (no notes)" \
			test "$("$jget" "$out/$a-$name/results.json" /notes 2>/dev/null)" = ""
		if [ -n "$placed" ]; then
			summary_has "$a-$name" "$placed" "$proof"
		fi
	done <<<"$runs"
	# pseries NVDIMM: the kernel has papr_scm, QEMU's TCG lacks the dcbstps its pmem flush
	# runs (host/caps.c, measured): a SKIP before boot that names the instruction
	if [ "$a" = ppc64le ]; then
		scenario "$a-nvdimm" 4 scenarios/nvdimm-dax-kmem.scn "${own[@]}"
		result "$a-nvdimm" /verdict SKIP
		some_check "$a-nvdimm" /summary "~dcbstps.*illegal to QEMU [0-9.]+'s TCG"
	fi
done
[ ! -s "$out/.pids" ] || no_leftovers
done_testing
