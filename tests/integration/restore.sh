#!/bin/bash
# Booted-guest restore (issue 17) on real guests: the same scenarios booted (--no-restore)
# and restored give the same verdict for every check and the same numbers of placement,
# vmemmap, virtio-mem and no-leak (build/tests/results-cmp over their results.json), on
# x86_64 (DIMMs, virtio-mem, a scratch disk, a panic), ppc64le and s390x; the guest's
# clock does not jump; a saved guest is shared by scenarios that boot the same way, made
# once by two concurrent jobs; a bad image or a cache that cannot be written falls back
# to a boot that says why. Uses a private cache (HPT_SAVED_DIR). Prints "restore: N
# passed, M failed".
set -u
. "$(dirname "$0")/lib.sh"
out=${1:-$out}
mkdir -p "$out"
cd "$top"
cmp=$top/build/tests/results-cmp
[ -x "$cmp" ] || make -s -C "$top" build/tests/results-cmp
export HPT_SAVED_DIR=$out/saved
rm -rf "$HPT_SAVED_DIR"
suite=restore

# restored NAME [true|false] [true|false]: the run's results.json says whether its guest
# was restored (default true), and whether this run saved the image (default: either)
restored() {
	json "$1" "\"restore\": \{ *\"used\": ${2:-true}, *\"saved\": ${3:-(true|false)},"
}
# agree A B [MIN]: results-cmp finds no difference between runs A and B, having
# compared MIN values or more (its report: $out/cmp-A-B.txt)
agree() {
	local n rc
	"$cmp" "$out/$1/results.json" "$out/$2/results.json" >"$out/cmp-$1-$2.txt"; rc=$?
	n=$(sed -n 's/.* \([0-9]*\) values compared.*/\1/p' "$out/cmp-$1-$2.txt")
	sed 's/^/    /' "$out/cmp-$1-$2.txt"
	[ "$rc" -eq 0 ] && [ "${n:-0}" -ge "${3:-1}" ]
}
differs() { ! "$cmp" "$out/$1/results.json" "$out/$2/results.json" >"$out/cmp-$1-$2.txt"; }
images() { ls "$HPT_SAVED_DIR"/*.img 2>/dev/null | wc -l; }

# a DIMM with memmap_on_memory: booted, then restored twice (the first run saves)
scenario mom-boot scenarios/dimm-memmap-on-memory.scn 0 --no-restore
check "booted run says why it booted" json mom-boot '"used": false,.*"note": "booted: --no-restore"'
scenario mom-save scenarios/dimm-memmap-on-memory.scn 0
check "first run: booted, saved, then ran on the restored guest" restored mom-save true true
check "one image in the cache, read-only, no temp file left" \
	bash -c "[ $(images) -eq 1 ] && [ -z \"\$(find '$HPT_SAVED_DIR' -name '*.img' -perm /0222)\" ] && ! ls '$HPT_SAVED_DIR'/*.tmp 2>/dev/null"
saved_at=$(stat -c %Y "$HPT_SAVED_DIR"/*.img 2>/dev/null | head -1) rest_at=$(date +%s)
scenario mom-rest scenarios/dimm-memmap-on-memory.scn 0
check "second run: restored from the cache" restored mom-rest true false
check "restored guest: every verdict and the placement, vmemmap and no-leak numbers (40 or more) as booted" \
	agree mom-boot mom-rest 40
check "the saving run agrees too" agree mom-boot mom-save 40
check "restored guest: placement proven on the block by the probe" \
	json mom-rest '"method":"proven","probe":\{"placement":"on-block","memmap_pages":512,"backed_inside":512'
check "restored guest: the agent answered after the restore (hello in agent.log)" \
	grep -q ' hello proto=1' "$out/mom-rest/agent.log"
# the guest's clock does not jump: in its kernel log the restored run's first request
# follows the saving boot's by less guest time than the image lay in the cache (a jump
# would add all of it)
gap() { awk -F'[][]' '/hp-agent: seq 1: info/ { t[n++] = $2 } END { if (n == 2) print int((t[1] - t[0]) * 1000) }' "$out/$1/dmesg.log"; }
lay=$(( (rest_at - ${saved_at:-0}) * 1000 ))
nojump() { local g; g=$(gap "$1"); [ -n "$g" ] && [ "$g" -lt $((lay - 1000)) ]; }
check "restored guest: no clock jump ($(gap mom-rest) ms of guest time between the boot's and the restored run's first request; the image lay ~$lay ms)" \
	nojump mom-rest

# the comparison fires: memmap on the block against memmap elsewhere
scenario off-rest scenarios/dimm-memmap-off.scn 0
check "results-cmp tells memmap-on-memory from memmap-off" differs mom-rest off-rest
check "... and names the placement numbers that differ" \
	grep -q 'placement d0: evidence.memmap_pages_on_device: 512 vs 0' "$out/cmp-mom-rest-off-rest.txt"
scenario off-boot scenarios/dimm-memmap-off.scn 0 --no-restore
check "memmap-off: restored and booted agree" agree off-boot off-rest 40

# a scenario that boots the same way shares the saved guest
scenario multi-rest scenarios/dimm-multiblock.scn 0
check "another scenario, same boot: the saved guest is shared" restored multi-rest true false
check "still one image per boot configuration" test "$(images)" -eq 2

# boot-time devices and a scratch disk are part of the key, and restore too
scenario vmem-boot scenarios/virtio-mem-partial-block.scn 0 --no-restore
scenario vmem-rest scenarios/virtio-mem-partial-block.scn 0
check "virtio-mem at boot: restored" restored vmem-rest true true
check "virtio-mem: restored and booted agree, its numbers (60 or more) included" \
	agree vmem-boot vmem-rest 60
scenario disk-boot scenarios/offline-under-zswap.scn 0 --no-restore
scenario disk-rest scenarios/offline-under-zswap.scn 0
check "scratch disk (zswap): restored" restored disk-rest true true
check "scratch disk: restored and booted agree" agree disk-boot disk-rest 10

# a fault on a restored guest: QEMU writes on to the run's console, libvirt reports the
# crash
scenario panic tests/scenarios/fault-panic-idle.scn 2
check "panic on a restored guest: restored" restored panic
check "panic on a restored guest: the console's panic lines are the evidence" \
	json panic '"console_excerpt":"[^"]*Kernel panic - not syncing: sysrq triggered crash'
check "panic on a restored guest: libvirt reported the crash (pvpanic)" json panic '"lifecycle":"crashed"'

# pseries (its NVRAM file carried along) and s390x
scenario ppc-boot scenarios/dimm-memmap-off.scn 0 --no-restore --arch ppc64le
scenario ppc-rest scenarios/dimm-memmap-off.scn 0 --arch ppc64le
check "ppc64le: restored" restored ppc-rest true true
check "ppc64le: restored and booted agree, placement numbers included" agree ppc-boot ppc-rest 30
scenario s390-boot scenarios/logical-offline-online.scn 0 --no-restore --arch s390x
scenario s390-rest scenarios/logical-offline-online.scn 0 --arch s390x
check "s390x: restored" restored s390-rest true true
check "s390x: restored and booted agree" agree s390-boot s390-rest 5

# what cannot be restored boots and says why: an NVDIMM backed by a file in the run dir
scenario nvdimm scenarios/nvdimm-altmap.scn 0
check "nvdimm: booted, with the reason" json nvdimm '"used": false,.*"note": "booted: the domain uses nvdimm-nv0.img in the run dir'

# a bad image: the restore fails, the run boots, saves anew and passes
img=$HPT_SAVED_DIR/$(sed -n 's/.*"image": "\(.*\)".*/\1/p' "$out/mom-rest/results.json")
chmod u+w "$img"; head -c 4096 /dev/urandom >"$img"
scenario bad scenarios/dimm-memmap-on-memory.scn 0
check "bad image: the run says the restore failed and why" json bad '"note": "restoring hpt-x86_64-r[0-9a-f]*.img failed \(.*\): booted and saved it anew'
check "bad image: the run still ran on a restored guest (saved anew)" restored bad true true
check "bad image: a good image replaced it" bash -c "[ \$(stat -c %s '$img') -gt 1000000 ]"
check "bad image: said on stderr" grep -q 'restoring hpt-x86_64-r.*failed' "$out/bad.err"

# a cache that cannot be written: booted, not saved, and why
HPT_SAVED_DIR=/dev/null/saved scenario nowrite scenarios/dimm-memmap-off.scn 0
check "unwritable cache: booted, not saved, with the reason" \
	json nowrite '"used": false, *"saved": false,.*"note": "booted, not saved: /dev/null/saved: Not a directory"'

# two jobs at once want a guest nobody saved yet: each saves (temp file, rename), both
# restore, one image remains
rm -rf "$HPT_SAVED_DIR"
"$bin" matrix -j 2 --arch x86_64 --out "$out/mx" scenarios/dimm-memmap-on-memory.scn \
	scenarios/dimm-reverse-teardown.scn >"$out/mx.out" 2>"$out/mx.err"
check "matrix -j 2: exit 0" test $? -eq 0
check "matrix -j 2: both jobs ran on restored guests" bash -c \
	"grep -q '\"used\": true' '$out/mx/dimm-memmap-on-memory.x86_64/results.json' && grep -q '\"used\": true' '$out/mx/dimm-reverse-teardown.x86_64/results.json'"
check "matrix -j 2: one image, no temp file left" \
	bash -c "[ $(images) -eq 1 ] && ! ls '$HPT_SAVED_DIR'/*.tmp 2>/dev/null"
"$bin" matrix --no-restore --arch x86_64 --out "$out/mxn" scenarios/dimm-memmap-off.scn >"$out/mxn.out" 2>&1
check "matrix --no-restore reaches its jobs" grep -q '"note": "booted: --no-restore"' "$out/mxn/dimm-memmap-off.x86_64/results.json"

# other runs may share this machine: look for the guests of these runs only
ours_gone() {
	local n
	for n in $(sed -n 's/.*<name>\(.*\)<\/name>.*/\1/p' "$out"/*/domain.xml "$out"/*/*/domain.xml 2>/dev/null | sort -u); do
		! pgrep -f "guest=$n," >/dev/null || { echo "    $n still runs"; return 1; }
	done
}
check "restore: no QEMU of these runs left behind" ours_gone
echo "restore: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
