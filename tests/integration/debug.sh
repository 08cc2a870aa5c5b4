#!/bin/bash
# Debug-kernel checks (opt-in: `make check-debug [ARCH="x86_64 ppc64le s390x"]`, needs
# `make debug-kernel ARCH=…`, 11–45 min per arch the first time): kmemleak and page_owner
# run at `expect no-leak`; page_owner passes when a 2 GiB DIMM's memmap is freed by its
# removal, fires when the DIMM stays, and SKIPs (says so) when nothing was allocated on
# the hotplug paths at all. The probe, built against the debug tree, proves placement.
# Arches: $DEBUG_ARCHES (default x86_64); an arch without its debug kernel SKIPs (a
# failure under HPT_IT_STRICT=1, as in make check-debug).
. "$(dirname "$0")/lib.sh"

for a in ${DEBUG_ARCHES:-x86_64}; do
	case $a in
	# memmap_on_memory: the memmap is on the DIMM, nothing comes from the allocator (the
	# run SKIPs on page_owner); without it, 128 MiB sections of 4 KiB pages have 2 MiB of
	# memmap each, one order-9 block: 16 × 512 for 2 GiB
	x86_64) clean=scenarios/dimm-memmap-on-memory.scn pages=8192 order=9 placed="placement d0"
		proof='on-block as expected.*proven: 512 of 512 memmap pages backed inside' ;;
	# memmap_on_memory never applies on 6.1 pseries; ppc64 radix maps the vmemmap in
	# 2 MiB pages of 64 KiB pages (order 5), each the memmap of 2 GiB: a 256 MiB DIMM at
	# 1 GiB needs none, a 2 GiB one at 1–3 GiB one
	ppc64le) clean=scenarios/dimm-memmap-on-memory.scn pages=32 order=5 placed="placement d0"
		proof='elsewhere as expected.*proven: 0 of 4 memmap pages backed inside' ;;
	# no memory device on s390x in QEMU 7.2: boot memory offlined and onlined
	s390x) clean=scenarios/logical-offline-online.scn pages= order= placed="placement b"
		proof='elsewhere as expected.*proven: 0 of 2048 memmap pages backed inside' ;;
	*) not_ok "debug: unknown arch $a"; continue ;;
	esac
	need "debug-kernel-$a" "debug $a: a debug kernel is built (make debug-kernel ARCH=$a)" || continue
	ver=$(cat "build/$a-debug/kernel/version")
	dbg=(--debug-kernel --arch "$a")

	scenario "$a-clean" 4 "$clean" "${dbg[@]}"
	check "debug $a clean: kmemleak clean after two scans" verdict "$a-clean" "no-leak kmemleak" PASS
	check "debug $a clean: page_owner SKIPs, saying nothing was allocated on hotplug paths" \
		check_has "$a-clean" "no-leak page_owner" /verdict SKIP \
		/summary '~^no page was allocated on the memory hotplug paths'
	check "debug $a clean: the debug kernel ($ver) really ran" result "$a-clean" /kernel "=$ver"
	# the probe is built against the debug kernel's own tree (make debug-kernel)
	check "debug $a clean: placement proven by the probe" summary_has "$a-clean" "$placed" "$proof"

	scenario "$a-kmemleak" 1 tests/scenarios/debug-kmemleak-fires.scn "${dbg[@]}"
	check "debug $a kmemleak: fires on the objects the probe leaked, with their stack" \
		check_has "$a-kmemleak" "no-leak kmemleak" /verdict FAIL \
		/evidence/kmemleak '~unreferenced object 0x[0-9a-f]* \(size 256\).*hpt_probe_leak'

	if [ "$a" = x86_64 ]; then
		# a kernel developer's own tree: the bzImage of the object tree, not an install
		hpt matrix --arch "$a" --kernel ".cache/debug-kernel/kbuild-$a/arch/x86/boot/bzImage" \
			--modules "build/$a-debug/kernel/modules" --out "$out/$a-own" \
			scenarios/dimm-memmap-off.scn >"$out/$a-own.out" 2>&1
		check "debug $a own tree: matrix --kernel bzImage --modules passes" test $? -eq 0
		check "debug $a own tree: release read from the image ($ver)" \
			grep -q "(release $ver), modules" "$out/$a-own.out"
		# dax kmem: ndctl/daxctl with the debug kernel's built-in kmem
		scenario "$a-nvdimm" 0 scenarios/nvdimm-dax-kmem.scn "${dbg[@]}"
		check "debug $a nvdimm: kmemleak clean after dax kmem in both map modes" \
			verdict "$a-nvdimm" "no-leak kmemleak" PASS
		# system-ram blocks of the dax range get an allocated memmap (7 × 512 pages),
		# freed when they go back to devdax; the devdax altmap is not from the allocator
		check "debug $a nvdimm: page_owner saw the kmem blocks' memmap (3584 pages), then none" \
			evidence "$a-nvdimm" "no-leak page_owner" /pages_at_boot 0 /pages_peak 3584 /pages_now 0
	fi
	[ -n "$pages" ] || continue
	scenario "$a-teardown" 0 tests/scenarios/debug-teardown-2g.scn "${dbg[@]}"
	check "debug $a teardown: page_owner saw the 2 GiB DIMM's $pages memmap pages, then none" \
		evidence "$a-teardown" "no-leak page_owner" /pages_at_boot 0 /pages_peak "$pages" /pages_now 0
	check "debug $a teardown: kmemleak clean" verdict "$a-teardown" "no-leak kmemleak" PASS
	scenario "$a-fires" 1 tests/scenarios/debug-leak-fires.scn "${dbg[@]}"
	check "debug $a fires: page_owner sees the plugged DIMM's $pages memmap pages" \
		evidence "$a-fires" "no-leak page_owner" /pages_now "$pages" \
		/example "~^Page allocated via order $order"
	check "debug $a fires: with its vmemmap_populate stack" \
		evidence "$a-fires" "no-leak page_owner" /example '~vmemmap_populate\+'
done
[ ! -s "$out/.pids" ] || no_leftovers
done_testing
