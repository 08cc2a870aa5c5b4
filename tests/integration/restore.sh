#!/bin/bash
# Booted-guest restore (issue 17) on real guests: the same scenarios booted (--no-restore)
# and restored give the same verdict for every check and the same numbers of placement,
# vmemmap, virtio-mem and no-leak (build/tests/results-cmp over their results.json), on
# x86_64 (DIMMs, virtio-mem, a scratch disk, a panic), ppc64le and s390x; the guest's
# clock does not jump; a saved guest is shared by scenarios that boot the same way, made
# once by two concurrent jobs; a bad image or a cache that cannot be written falls back
# to a boot that says why. Uses a private cache (HPT_SAVED_DIR). In make check since
# 2026-12-07 (114 s on the 2-core machine, it was 7-18 min once); alone: make check-restore.
. "$(dirname "$0")/lib.sh"
cmp=$top/build/tests/results-cmp
if [ ! -x "$cmp" ] || [ "$top/tests/integration/results_cmp.c" -nt "$cmp" ]; then
	make -s --no-print-directory -C "$top" build/tests/results-cmp >&2 ||
		{ echo "Bail out! cannot build $cmp"; exit 2; }
fi
export HPT_SAVED_DIR=$out/saved
rm -rf "$HPT_SAVED_DIR"
suite=restore

# restored RUN USED [SAVED]: results.json's restore object: the guest was restored (USED
# true) or booted, and this run saved the image (SAVED; not asked when not given)
restored() {
	result "$1" /restore/used "$2" ${3:+/restore/saved "$3"}
}
# agree A B MIN: results-cmp finds no difference between runs A and B, having compared
# MIN values or more (its report: $out/cmp-A-B.txt, the differences in the diagnostics)
_agree() {
	local n st f=$out/cmp-$1-$2.txt
	"$cmp" "$out/$1/results.json" "$out/$2/results.json" >"$f"
	st=$?
	n=$(sed -n 's/.* \([0-9]*\) values compared.*/\1/p' "$f")
	[ "$st" -eq 0 ] || _why+=("$(head -n 20 "$f")")
	[ "${n:-0}" -ge "$3" ] || _why+=("only ${n:-0} values compared, want $3 or more")
	[ "$st" -eq 0 ] && [ "${n:-0}" -ge "$3" ]
}
agree() { check "$1 and $2 agree: every verdict, $3 or more numbers" _agree "$@"; }
images() { find "$HPT_SAVED_DIR" -name '*.img' 2>/dev/null | wc -l; }
_images() {
	local n
	n=$(images)
	[ "$n" -eq "$1" ] || _why+=("$n images in $HPT_SAVED_DIR, want $1")
	[ -z "$(find "$HPT_SAVED_DIR" -name '*.img' -perm /0222)" ] || _why+=("a writable image")
	[ -z "$(find "$HPT_SAVED_DIR" -name '*.tmp')" ] || _why+=("a temp file left")
	[ ${#_why[@]} -eq 0 ]
}

# a DIMM with memmap_on_memory: booted, then restored twice (the first run saves)
scenario mom-boot 0 scenarios/dimm-memmap-on-memory.scn --no-restore
result mom-boot /restore/used false /restore/note "booted: --no-restore"
scenario mom-save 0 scenarios/dimm-memmap-on-memory.scn
restored mom-save true true
check "one image in the cache, read-only, no temp file left" _images 1
# the image's age in ms when mom-rest starts: at least 1.5 s, so that a jump (which would
# add all of it) stands out of the guest time the runs spend (48 ms once the image lay
# ~1 s, and whole seconds of mtime and date could not tell that from 0)
saved_at=$(stat -c %.3Y "$HPT_SAVED_DIR"/*.img 2>/dev/null | head -1 | tr -d .)
until [ $(($(date +%s%3N) - ${saved_at:-0})) -ge 1500 ]; do sleep 0.1; done
rest_at=$(date +%s%3N)
scenario mom-rest 0 scenarios/dimm-memmap-on-memory.scn
restored mom-rest true false
agree mom-boot mom-rest 40
agree mom-boot mom-save 40
evidence mom-rest "placement d0" /method proven /probe/placement on-block \
	/probe/memmap_pages 512 /probe/backed_inside 512
check "mom-rest: the agent said hello again after the restore" \
	grep -q ' hello proto=1' "$out/mom-rest/agent.log"
# the guest's clock does not jump: in its kernel log the restored run's first request
# follows the saving boot's by less guest time than the image lay in the cache (a jump
# would add all of it)
gap() { awk -F'[][]' '/hp-agent: seq 1: info/ { t[n++] = $2 } END { if (n == 2) print int((t[1] - t[0]) * 1000) }' "$out/$1/dmesg.log"; }
lay=$((rest_at - ${saved_at:-0}))
_nojump() {
	local g
	g=$(gap "$1")
	[ -n "$g" ] && [ "$g" -lt $((lay - 500)) ] && return 0
	_why+=("${g:-no} ms of guest time between the two first requests; the image lay $lay ms")
	return 1
}
check "mom-rest: no clock jump ($(gap mom-rest) ms of guest time between the boot's and the restored run's first request; the image lay ~$lay ms)" \
	_nojump mom-rest

# the comparison fires: memmap on the block against memmap elsewhere
scenario off-rest 0 scenarios/dimm-memmap-off.scn
check "results-cmp tells memmap-on-memory from memmap-off" \
	bash -c "! '$cmp' '$out/mom-rest/results.json' '$out/off-rest/results.json' >'$out/cmp-mom-off.txt'"
check "... and names the placement numbers that differ" \
	grep -q 'placement d0: evidence.memmap_pages_on_device: 512 vs 0' "$out/cmp-mom-off.txt"
scenario off-boot 0 scenarios/dimm-memmap-off.scn --no-restore
agree off-boot off-rest 40
# an ordinary page's flags are left out (free at one snapshot, some process's at the next:
# timing), a memmap page's are not.
# fl SRC DST: SRC's results.json with every pfn's flags (and those observed_why quotes) 0xdead1
fl() {
	mkdir -p "$out/$2"
	sed -E 's/"(first_pfn_flags|first_ordinary_pfn_flags)":"0x[0-9a-f]+"/"\1":"0xdead1"/g; s/flags 0x[0-9a-f]+/flags 0xdead1/g' \
		"$out/$1/results.json" >"$out/$2/results.json"
}
fl off-rest off-flags
fl mom-rest mom-flags
check "results-cmp leaves out the flags of the first pfn when it is an ordinary page" \
	bash -c "grep -q 0xdead1 '$out/off-flags/results.json' && '$cmp' '$out/off-boot/results.json' '$out/off-flags/results.json' >'$out/cmp-off-flags.txt'"
check "... but not when it is a memmap page" \
	bash -c "! '$cmp' '$out/mom-boot/results.json' '$out/mom-flags/results.json' >'$out/cmp-mom-flags.txt' && grep -q 'placement d0: evidence.first_pfn_flags: .* vs \"0xdead1\"' '$out/cmp-mom-flags.txt'"

# a scenario that boots the same way shares the saved guest
scenario multi-rest 0 scenarios/dimm-multiblock.scn
restored multi-rest true false
check "still one image per boot configuration (two)" _images 2

# boot-time devices and a scratch disk are part of the key, and restore too
scenario vmem-boot 0 scenarios/virtio-mem-partial-block.scn --no-restore
scenario vmem-rest 0 scenarios/virtio-mem-partial-block.scn
restored vmem-rest true true
agree vmem-boot vmem-rest 60
scenario disk-boot 0 scenarios/offline-under-zswap.scn --no-restore
scenario disk-rest 0 scenarios/offline-under-zswap.scn
restored disk-rest true true
agree disk-boot disk-rest 10

# a fault on a restored guest: QEMU writes on to the run's console, libvirt reports the
# crash
scenario panic 2 tests/scenarios/fault-panic-idle.scn
restored panic true
some_check panic /evidence/console_excerpt '~Kernel panic - not syncing: sysrq triggered crash'
some_check panic /evidence/lifecycle crashed

# the leftover check sees a restored guest (named after its image, not its run): one
# still running while its run waits is found, and gone after SIGINT
hpt_bg run --out "$out/live" tests/scenarios/fault-qemu-kill.scn >"$out/live.ktap" 2>&1
check "live: a restored guest runs pressure" wait_for "$out/live/agent.log" 'req pressure' $bg_pid
_found() { ! _no_leftovers live && [[ ${_why[*]} == *"QEMU of the run with root"* ]]; }
check "live: no_leftovers finds its QEMU by the run's libvirt root" _found
bg_wait INT
result live /restore/used true
no_leftovers live

# pseries guests are restored on QEMU 7.2 too, the agent proving (and, where the save
# lost it, reviving) every CPU's timer (arch_ppc64le.c, guest/v_timer.c), and agree with
# booted ones; a guest of 2 vCPUs is saved with its second CPU offline and gets it back
# online after every restore; s390x is restored
if need ppc64le "ppc64le: restored and booted agree, of 1 and of 2 vCPUs"; then
	scenario ppc-boot 0 scenarios/dimm-memmap-off.scn --no-restore --arch ppc64le
	scenario ppc-rest 0 scenarios/dimm-memmap-off.scn --arch ppc64le
	restored ppc-rest true true
	result ppc-rest /restore/timer_ms '~^[0-9]+$'
	agree ppc-boot ppc-rest 5
	scenario ppc2-boot 0 scenarios/offline-under-thp.scn --no-restore --arch ppc64le
	scenario ppc2-save 0 scenarios/offline-under-thp.scn --arch ppc64le
	scenario ppc2-rest 0 scenarios/offline-under-thp.scn --arch ppc64le
	restored ppc2-rest true false
	result ppc2-rest /restore/timer_ms '~^[0-9]+$'
	agree ppc2-boot ppc2-rest 5
	check "ppc2: the saved guest's cpu1 went offline before the save" \
		grep -q ' req write /sys/devices/system/cpu/cpu1/online 0$' "$out/ppc2-save/agent.log"
	check "ppc2: cpu1 online again after the restore, before the timer proof" \
		awk '/ req write \/sys\/devices\/system\/cpu\/cpu1\/online 1$/ { on = NR }
		     / req timer / && !t { t = NR } END { exit !(on && t && on < t) }' \
		"$out/ppc2-rest/agent.log"
	# /proc/zoneinfo lists a per-cpu pageset for each online CPU
	check "ppc2: cpu1 online in the run's baseline snapshot" \
		grep -q '^ *cpu: 1$' "$out/ppc2-rest/snapshots/00-baseline/zoneinfo"
fi
if need s390x "s390x: restored and booted agree"; then
	scenario s390-boot 0 scenarios/logical-offline-online.scn --no-restore --arch s390x
	scenario s390-rest 0 scenarios/logical-offline-online.scn --arch s390x
	restored s390-rest true true
	agree s390-boot s390-rest 5
fi

# what cannot be restored boots and says why: an NVDIMM backed by a file in the run dir
scenario nvdimm 0 scenarios/nvdimm-altmap.scn
result nvdimm /restore/used false /restore/note '~^booted: the domain uses nvdimm-nv0.img in the run dir'

# a bad image: the restore fails, the run boots, saves anew and passes
img=$HPT_SAVED_DIR/$("$jget" "$out/mom-rest/results.json" /restore/image)
chmod u+w "$img"
head -c 4096 /dev/urandom >"$img"
scenario bad 0 scenarios/dimm-memmap-on-memory.scn
result bad /restore/note '~^restoring hpt-x86_64-r[0-9a-f]+\.img failed \(.*\): booted and saved it anew$'
restored bad true true
check "bad image: a good image replaced it" test "$(stat -c %s "$img")" -gt 1000000
check "bad image: said on stderr" grep -q 'restoring hpt-x86_64-r.*failed' "$out/bad.err"

# a cache that cannot be written: booted, not saved, and why
HPT_SAVED_DIR=/dev/null/saved scenario nowrite 0 scenarios/dimm-memmap-off.scn
result nowrite /restore/used false /restore/saved false \
	/restore/note "booted, not saved: /dev/null/saved: Not a directory"

# two jobs at once want a guest nobody saved yet: each saves (temp file, rename), both
# restore, one image remains
rm -rf "$HPT_SAVED_DIR"
hpt matrix -j 2 --arch x86_64 --out "$out/mx" scenarios/dimm-memmap-on-memory.scn \
	scenarios/dimm-reverse-teardown.scn >"$out/mx.out" 2>"$out/mx.err"
mrc=$?
check "matrix -j 2: exit 0, got $mrc" test $mrc -eq 0
restored mx/dimm-memmap-on-memory.x86_64 true
restored mx/dimm-reverse-teardown.x86_64 true
check "matrix -j 2: one image, no temp file left" _images 1
hpt matrix --no-restore --arch x86_64 --out "$out/mxn" scenarios/dimm-memmap-off.scn >"$out/mxn.out" 2>&1
result mxn/dimm-memmap-off.x86_64 /restore/note "booted: --no-restore"

# the cache's size limit ($HPT_SAVED_MAX): over it, the least recently used images go,
# never the one just saved (here the limit is one byte: only that one stays)
check "size limit: one image before (dimm-memmap-on-memory's)" _images 1
old_img=$(find "$HPT_SAVED_DIR" -name '*.img' | head -n 1)
HPT_SAVED_MAX=1 scenario cap 0 scenarios/virtio-mem-grow-shrink.scn
restored cap true true
check "size limit: over it, the older image went, the new one stayed" \
	eval "[ -n '$old_img' ] && [ ! -e '$old_img' ] && _images 1"
check "size limit: the one left is the new one" \
	test -e "$HPT_SAVED_DIR/$("$jget" "$out/cap/results.json" /restore/image)"
# a limit that is no size is said, and the default applies (this run saves: the key of
# dimm-memmap-on-memory, whose image the limit above removed)
HPT_SAVED_MAX=3X scenario badmax 0 scenarios/dimm-memmap-off.scn
restored badmax true true
check "size limit: HPT_SAVED_MAX=3X is said, not silently ignored" \
	grep -q 'HPT_SAVED_MAX=3X is not a size.*kept up to 3072 MiB' "$out/badmax.err"

no_leftovers
done_testing
