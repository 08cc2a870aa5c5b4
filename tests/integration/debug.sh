#!/bin/bash
# Debug-kernel checks (opt-in: `make check-debug [ARCH="x86_64 ppc64le s390x"]`, needs
# `make debug-kernel ARCH=…`, 11–35 min per arch the first time): kmemleak and page_owner
# run at `expect no-leak`, pass on a clean teardown and fire on a DIMM whose off-device
# memmap is still allocated. Arches: $DEBUG_ARCHES (default x86_64).
set -u
. "$(dirname "$0")/lib.sh"
out=${1:-$out}
cd "$top"

run() {	# run ARCH NAME FILE WANT_EXIT
	"$bin" run --debug-kernel --arch "$1" --out "$out/$1-$2" "$3" >"$out/$1-$2.ktap" \
		2>"$out/$1-$2.err"
	check "debug $1 $2: exit $4" test $? -eq "$4" || tail -20 "$out/$1-$2.ktap" "$out/$1-$2.err"
}
for a in ${DEBUG_ARCHES:-x86_64}; do
	ver=$(cat "build/$a-debug/kernel/version" 2>/dev/null)
	case $a in
	# 128 MiB sections of 4 KiB pages: 2 MiB of memmap each, one order-9 block: 16 × 512
	x86_64) clean=scenarios/dimm-memmap-on-memory.scn want=0 pages=8192 order=9
		proof='on-block as expected.*proven: 512 of 512 memmap pages backed inside' ;;
	# memmap_on_memory never applies on 6.1 pseries (the scenario SKIPs its vmemmap
	# check); the DIMM's 1–3 GiB memmap needs one new 2 MiB vmemmap page: order 5
	ppc64le) clean=scenarios/dimm-memmap-on-memory.scn want=4 pages=32 order=5
		proof='elsewhere as expected.*proven: 0 of 4 memmap pages backed inside' ;;
	# no memory device on s390x in QEMU 7.2: boot memory offlined and onlined
	s390x) clean=scenarios/logical-offline-online.scn want=0 pages= order= proof= ;;
	*) bad "debug: unknown arch $a"; continue ;;
	esac
	check "debug $a: a debug kernel is built (make debug-kernel ARCH=$a)" test -n "$ver"
	run "$a" clean "$clean" "$want"
	k=$out/$a-clean.ktap
	check "debug $a clean: kmemleak clean after two scans" has "$k" '^    ok [0-9]+ no-leak kmemleak$'
	check "debug $a clean: page_owner back to boot" has "$k" '^    ok [0-9]+ no-leak page_owner$'
	check "debug $a clean: the debug kernel ($ver) really ran" \
		grep -q "\"kernel\": \"$ver\"" "$out/$a-clean/results.json"
	# the probe is built against the debug kernel's own tree (make debug-kernel)
	[ -z "$proof" ] || check "debug $a clean: placement proven by the probe" has "$k" "$proof"
	if [ "$a" = x86_64 ]; then
		# a kernel developer's own tree: the bzImage of the object tree, not an install
		"$bin" matrix --arch "$a" --kernel ".cache/debug-kernel/kbuild-$a/arch/x86/boot/bzImage" \
			--modules "build/$a-debug/kernel/modules" --out "$out/$a-own" \
			scenarios/dimm-memmap-on-memory.scn >"$out/$a-own.out" 2>&1
		check "debug $a own tree: matrix --kernel bzImage --modules passes" test $? -eq 0
		check "debug $a own tree: release read from the image ($ver)" \
			grep -q "(release $ver), modules" "$out/$a-own.out"
		# dax kmem: ndctl/daxctl with the debug kernel's built-in kmem
		run "$a" nvdimm scenarios/nvdimm-dax-kmem.scn 0
		check "debug $a nvdimm: kmemleak clean after dax kmem in both map modes" \
			has "$out/$a-nvdimm.ktap" '^    ok [0-9]+ no-leak kmemleak$'
	fi
	[ -n "$pages" ] || continue
	run "$a" fires tests/scenarios/debug-leak-fires.scn 1
	check "debug $a fires: page_owner sees the plugged DIMM's $pages memmap pages" \
		grep -q "\"pages_now\":$pages,\"example\":\"Page allocated via order $order" \
		"$out/$a-fires/results.json"
	check "debug $a fires: with its vmemmap_populate stack" \
		grep -q 'vmemmap_populate+' "$out/$a-fires/results.json"
done
echo "debug: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
