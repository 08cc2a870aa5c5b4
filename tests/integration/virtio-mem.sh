#!/bin/bash
# virtio-mem on real guests (x86_64): the two shipped scenarios with their key numbers,
# and two negative controls that must FAIL (a wrong base snapshot; memory the guest cannot
# give back). Prints "virtio-mem: N passed, M failed".
set -u
. "$(dirname "$0")/lib.sh"
out=${1:-$out}
mkdir -p "$out"
cd "$top"

# vm NAME FILE WANT_EXIT: runs FILE into $out/vm-NAME.
vm() {
	local name=vm-$1 file=$2 want=$3 rc
	"$bin" run --out "$out/$name" "$file" >"$out/$name.ktap" 2>"$out/$name.err"
	rc=$?
	if [ "$rc" -eq "$want" ]; then
		ok "virtio-mem $1: exit $rc"
	else
		bad "virtio-mem $1: exit $rc, want $want"
		sed 's/^/    /' "$out/$name.ktap" "$out/$name.err" | tail -30
	fi
}
json() { tr -d '\n' <"$out/vm-$1/results.json" | grep -Eq -- "$2"; }
ktap() { grep -Eq -- "$2" "$out/vm-$1.ktap"; }

vm gs scenarios/virtio-mem-grow-shrink.scn 0
for s in 256M 512M 384M 128M 0; do
	check "virtio-mem gs: resize to $s proven in the guest" ktap gs "^    ok [0-9]+ virtio-mem vm0 requested=$s\$"
done
check "virtio-mem gs: 512 MiB = 4 blocks, MemTotal +512 MiB" json gs \
	'"host_plugged":536870912.*"memory_blocks_present":4.*"memtotal_delta_kb":524288'
check "virtio-mem gs: memmap elsewhere, as the model says" json gs '"memmap_model":"elsewhere"'
check "virtio-mem gs: back to 0 without a leak" ktap gs '^    ok [0-9]+ no-leak MemTotal$'
check "virtio-mem gs: zones back exactly" ktap gs '^    ok [0-9]+ no-leak zones$'

vm pb scenarios/virtio-mem-partial-block.scn 0
check "virtio-mem pb: 100 MiB = 1 block present, 100 MiB managed" json pb \
	'"host_plugged":104857600.*"memory_blocks_present":1.*"iomem_virtio_mem_bytes":134217728,.*"memtotal_delta_kb":102400,"managed_delta_pages":25600,"present_delta_pages":32768'
check "virtio-mem pb: 202 MiB in 2 blocks" json pb \
	'"host_plugged":211812352.*"memory_blocks_present":2.*"memtotal_delta_kb":206848'
check "virtio-mem pb: no leak after 0" ktap pb '^    ok [0-9]+ no-leak memory blocks$'

vm bootreq tests/scenarios/virtio-mem-boot-requested.scn 0
check "virtio-mem bootreq: 200 MiB plugged at boot, online before the baseline" json bootreq \
	'"requested":209715200,"host_plugged":209715200,"host_plugged_at_base":209715200,"guest":\{"memory_blocks_present":2,"memory_blocks_online":2'
check "virtio-mem bootreq: to 0 = MemTotal -200 MiB from the baseline" json bootreq \
	'"requested":0,"host_plugged":0,"host_plugged_at_base":209715200,.*"memtotal_delta_kb":-204800'

vm wrongbase tests/scenarios/virtio-mem-wrong-base.scn 1
check "virtio-mem wrong base: the oracle FAILs" ktap wrongbase '^    not ok [0-9]+ virtio-mem vm0 view$'
check "virtio-mem wrong base: says which number disagrees" ktap wrongbase \
	'zone managed pages grew by 0.0 MiB, the host.s plugged size by 256.0 MiB'

vm unmovable tests/scenarios/virtio-mem-unmovable.scn 1
check "virtio-mem unmovable: reported as memory not given back" ktap unmovable \
	'^    not ok [0-9]+ virtio-mem vm0 requested=0$'
check "virtio-mem unmovable: evidence says what stayed plugged" json unmovable \
	'"requested":0,"host_plugged":[1-9][0-9]*,"guest_answering":(true|false),.*"blocks_plugged"'

check "virtio-mem: no QEMU process or libvirt root left behind" no_leftovers
echo "virtio-mem: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
