#!/bin/bash
# Busy guests: memory goes offline under zram, zswap, THP and long-term pins (the four
# scenarios/offline-*.scn) on real guests, asserting the outcomes and their evidence; two
# negative controls: a plain offline of the pinned ZONE_NORMAL DIMM must FAIL (never
# pass), and `expect=ebusy` on memory that does go offline must FAIL (a surprise pass).
set -u
. "$(dirname "$0")/lib.sh"
out=${1:-$out}
cd "$top"

suite=busy
# passes NAME CHECK…: every named check passed in NAME's KTAP.
passes() {
	local name=$1 c; shift
	for c in "$@"; do ktap "$name" "^    ok [0-9]+ $c\$" || return 1; done
}

scenario zram scenarios/offline-under-zram.scn 0
check "zram: offline passes" ktap zram '^    ok [0-9]+ offline d0$'
check "zram: zspages were on the DIMM and migrated off it" \
	json zram '"zspages\.0\.Movable":\{"before":[1-9][0-9]*,"after":0'
check "zram: compaction looped, every page read back right" \
	json zram '"compactions":[1-9][0-9]*,"compact_errors":0,"checked":[1-9][0-9]*,"bad":0'
check "zram: device reset, zspages and swap back" \
	passes zram "no-leak zram" "no-leak zsmalloc" "no-leak swap"

scenario zswap scenarios/offline-under-zswap.scn 0
check "zswap: zsmalloc pool over the scratch disk" \
	json zswap '"device":"/dev/vd[a-z]","device_bytes":[0-9]+,"zpool":"zsmalloc"'
check "zswap: pages stored before offlining" json zswap '"zswap\.setup\.stored_pages":[1-9]'
check "zswap: zswap's zspages migrated off the DIMM" \
	json zswap '"zspages\.0\.Movable":\{"before":[1-9][0-9]*,"after":0'
check "zswap: drained by swapoff (workload's own count)" \
	json zswap '"zswap\.after_swapoff\.stored_pages":0,"zswap\.after_swapoff\.pool_total_size":0'
check "zswap: no-leak zswap passes" ktap zswap '^    ok [0-9]+ no-leak zswap$'

scenario thp scenarios/offline-under-thp.scn 0
check "thp: the DIMM held THPs" json thp '"thp\.setup\.zones":"Movable:[0-9]+"'
check "thp: offlining migrated THPs" \
	json thp '"thp_migration_(success|split)":\{"before":[0-9]+,"after":[0-9]+,"delta":[1-9]'
check "thp: parent and children read every page back right" \
	json thp '"bad":0,"child_bad":0'
check "thp: no THP left" ktap thp '^    ok [0-9]+ no-leak thp$'

scenario pins scenarios/offline-with-longterm-pins.scn 0
check "pins: touched in ZONE_MOVABLE, migrated out at pin time" \
	json pins '"movable_before":[1-9][0-9]*,"moved_at_pin":[1-9][0-9]*,"movable_after":0'
check "pins: the pinned pages went to node 1's ZONE_NORMAL" \
	json pins '"pinned\.zones":"Normal:[0-9]+".*"pinned\.nodes":"1:[0-9]+"'
check "pins: they lie on dn, so its offline must time out (pinned-by=pins)" \
	json pins '"pinned_by":\{"workload":"pins","pages_on_device":([0-9]+),"pages":\1,.*"so_expected":"timeout"'
check "pins: the movable DIMM offlines with the pins held" ktap pins '^    ok [0-9]+ offline dm$'
check "pins: pinned ZONE_NORMAL refused: retried until our signal" \
	ktap pins '^    # timeout as expected: memory[0-9]+ timed out .*failed due to signal backoff'
check "pins: evidence: pinned pages failed to migrate (pin bias in the refcount)" \
	json pins '"kernel_reason":"signal backoff".*"page_dumped_because":"migration failure","dumped_page":"page:[^"]*refcount:10[0-9][0-9] '
check "pins: evidence: pgmigrate_fail grew" \
	json pins '"pgmigrate_fail":\{"before":[0-9]+,"after":[0-9]+,"delta":[1-9]'
check "pins: unpinned, the ZONE_NORMAL DIMM offlines and unplugs" \
	ktap pins '^    ok [0-9]+ teardown order$'
check "pins: every pin released" ktap pins '^    ok [0-9]+ no-leak pins$'

# pseries migrates the pins elsewhere (node 1's boot memory): dn must offline at once
scenario pins-ppc scenarios/offline-with-longterm-pins.scn 0 --arch ppc64le
check "pins ppc64le: none on dn, so dn must offline (pinned-by=pins)" \
	json pins-ppc '"pinned_by":\{"workload":"pins","pages_on_device":0,"pages":[1-9][0-9]*,.*"so_expected":"ok"'
check "pins ppc64le: the second offline of dn finds it offline" \
	ktap pins-ppc '^    # already offline \(an earlier offline succeeded\)'
check "pins ppc64le: every pin released" ktap pins-ppc '^    ok [0-9]+ no-leak pins$'

scenario pinned-plain tests/scenarios/pinned-normal-plain-offline.scn 1
check "pinned-plain: a plain offline of pinned ZONE_NORMAL is a FAIL, with the reason" \
	ktap pinned-plain '^    # FAIL: memory[0-9]+ timed out .*signal backoff'
scenario surprise tests/scenarios/expect-ebusy-surprise.scn 1
check "surprise: expect=ebusy on offlinable memory FAILs" \
	ktap surprise '^    # FAIL: expected ebusy, but the kernel offlined it'

check "busy: no QEMU process or libvirt root left behind" no_leftovers
echo "busy: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
