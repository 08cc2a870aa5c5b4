#!/bin/bash
# NVDIMM -> devdax -> system RAM (dax kmem) on real x86_64 guests with Debian's
# ndctl/daxctl in the initramfs: the two shipped scenarios with their key numbers (the
# altmap reservation of each map mode, the kmem size, MemTotal back), and that pseries
# SKIPs with the capability model's reason. Prints "nvdimm: N passed, M failed".
set -u
. "$(dirname "$0")/lib.sh"
out=${1:-$out}
mkdir -p "$out"
cd "$top"

# nv NAME FILE WANT_EXIT [ARGS…]: runs FILE into $out/nv-NAME.
nv() {
	local name=nv-$1 file=$2 want=$3 rc
	shift 3
	"$bin" run "$@" --out "$out/$name" "$file" >"$out/$name.ktap" 2>"$out/$name.err"
	rc=$?
	if [ "$rc" -eq "$want" ]; then
		ok "nvdimm ${name#nv-}: exit $rc"
	else
		bad "nvdimm ${name#nv-}: exit $rc, want $want"
		sed 's/^/    /' "$out/$name.ktap" "$out/$name.err" | tail -30
	fi
}
json() { tr -d '\n' <"$out/nv-$1/results.json" | grep -Eq -- "$2"; }
ktap() { grep -Eq -- "$2" "$out/nv-$1.ktap"; }

nv kmem scenarios/nvdimm-dax-kmem.scn 0
check "nvdimm kmem: map=dev reserves 18 MiB of 1 GiB (16 MiB memmap)" json kmem \
	'"map":"dev","start":[0-9]+,"raw_size":1073741824,"usable_size":1054867456,"reserved":18874368,"reserved_expected":18874368'
check "nvdimm kmem: map=mem reserves only the aligned info block" json kmem \
	'"map":"mem","start":[0-9]+,"raw_size":1073741824,"usable_size":1071644672,"reserved":2097152'
check "nvdimm kmem: system RAM (kmem) of whole blocks, movable, MemTotal grown by it" json kmem \
	'"requested":939524096,"host_plugged":939524096,.*"zones":"Movable".*"memtotal_delta_kb":917504'
for n in ns0 ns1; do
	check "nvdimm kmem: $n to system RAM proven" ktap kmem "^    ok [0-9]+ kmem $n\$"
	check "nvdimm kmem: $n back to devdax proven" ktap kmem "^    ok [0-9]+ devdax $n\$"
done
check "nvdimm kmem: MemTotal back to the baseline" ktap kmem '^    ok [0-9]+ no-leak MemTotal$'
check "nvdimm kmem: zones back (ZONE_DEVICE span excepted)" ktap kmem '^    ok [0-9]+ no-leak zones$'
check "nvdimm kmem: tool output kept in the run dir" grep -q '"mode":"system-ram"' "$out/nv-kmem/dax-05-kmem.txt"

nv altmap scenarios/nvdimm-altmap.scn 0
check "nvdimm altmap: 2 GiB map=dev reserves 34 MiB" json altmap \
	'"map":"dev","start":[0-9]+,"raw_size":2147483648,"usable_size":2111832064,"reserved":35651584'
check "nvdimm altmap: align=4K is raised to 2 MiB (memremap_compat_align)" json altmap \
	'"reserved":35651584,"reserved_expected":35651584,[^}]*"align":4096,"effective_align":2097152'

nv pseries scenarios/nvdimm-altmap.scn 4 --arch ppc64le
check "nvdimm pseries: SKIP with the capability model's reason" ktap pseries 'spapr-nvdimm'

check "nvdimm: no QEMU process or libvirt root left behind" no_leftovers
echo "nvdimm: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
