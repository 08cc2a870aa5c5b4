#!/bin/bash
# Busy guests: memory goes offline under zram, zswap, THP and long-term pins (the four
# scenarios/offline-*.scn) on real guests, asserting the outcomes and their evidence; two
# negative controls: a plain offline of the pinned ZONE_NORMAL DIMM must FAIL (never
# pass), and `expect=ebusy` on memory that does go offline must FAIL (a surprise pass).
. "$(dirname "$0")/lib.sh"

pos='~^[1-9][0-9]*$'	# a whole number above 0

scenario zram 0 scenarios/offline-under-zram.scn
check "zram: offline passes" verdict zram "offline d0@11" PASS "offline d0@14" PASS
check "zram: zspages were on the DIMM and migrated off it" evidence zram "offline d0@11" \
	/counters/zspages.0.Movable/before "$pos" /counters/zspages.0.Movable/after 0
check "zram: compaction looped, every page read back right" evidence zram "workload zram" \
	/report/compactions "$pos" /report/compact_errors 0 /report/checked "$pos" /report/bad 0
check "zram: device reset, zspages and swap back" \
	verdict zram "no-leak zram" PASS "no-leak zsmalloc" PASS "no-leak swap" PASS

scenario zswap 0 scenarios/offline-under-zswap.scn
check "zswap: zsmalloc pool over the scratch disk" evidence zswap "workload zswap start" \
	/report/device '~^/dev/vd[a-z]$' /report/device_bytes '~^[0-9]+$' /report/zpool zsmalloc
check "zswap: pages stored before offlining" \
	evidence zswap "workload zswap start" /report/zswap.setup.stored_pages "$pos"
check "zswap: zswap's zspages migrated off the DIMM" evidence zswap "offline d0@13" \
	/counters/zspages.0.Movable/before "$pos" /counters/zspages.0.Movable/after 0
check "zswap: drained by swapoff (workload's own count)" evidence zswap "workload zswap" \
	/report/zswap.after_swapoff.stored_pages 0 /report/zswap.after_swapoff.pool_total_size 0
check "zswap: no-leak zswap passes" verdict zswap "no-leak zswap" PASS

scenario thp 0 scenarios/offline-under-thp.scn
check "thp: the DIMM held THPs" \
	evidence thp "workload thp start" /report/thp.setup.zones '~^Movable:[0-9]+$'
check "thp: offlining migrated THPs" eval \
	'evidence thp "offline d0" /counters/thp_migration_success/delta "$pos" ||
	 evidence thp "offline d0" /counters/thp_migration_split/delta "$pos"'
check "thp: parent and children read every page back right" \
	evidence thp "workload thp" /report/bad 0 /report/child_bad 0
check "thp: no THP left" verdict thp "no-leak thp" PASS

scenario pins 0 scenarios/offline-with-longterm-pins.scn
check "pins: touched in ZONE_MOVABLE, migrated out at pin time" \
	evidence pins "workload pins pinned" /report/movable_before "$pos" \
	/report/moved_at_pin "$pos" /report/movable_after 0
check "pins: the pinned pages went to node 1's ZONE_NORMAL" \
	evidence pins "workload pins pinned" /report/pinned.zones '~^Normal:[0-9]+$' \
	/report/pinned.nodes '~^1:[0-9]+$'
check "pins: all of them on dn, so its offline must time out (pinned-by=pins)" \
	evidence pins "offline dn@25" /pinned_by/workload pins /pinned_by/pages_on_device "$pos" \
	/pinned_by/pages "$(value pins "offline dn@25" /pinned_by/pages_on_device)" \
	/pinned_by/so_expected timeout
check "pins: the movable DIMM offlines with the pins held" verdict pins "offline dm" PASS
check "pins: pinned ZONE_NORMAL refused: retried until our signal" \
	check_has pins "offline dn@25" /verdict PASS \
	/summary '~^timeout as expected: memory[0-9]+ timed out .*failed due to signal backoff'
check "pins: evidence: pinned pages failed to migrate (pin bias in the refcount)" \
	evidence pins "offline dn@25" /kernel_reason "signal backoff" \
	/page_dumped_because "migration failure" /dumped_page '~^page:.*refcount:10[0-9][0-9] '
check "pins: evidence: pgmigrate_fail grew" \
	evidence pins "offline dn@25" /counters/pgmigrate_fail/delta "$pos"
check "pins: unpinned, the ZONE_NORMAL DIMM offlines and unplugs" \
	verdict pins "offline dn@27" PASS "teardown order" PASS
check "pins: every pin released" verdict pins "no-leak pins" PASS

# pseries migrates the pins elsewhere (node 1's boot memory): dn must offline at once, and
# the second offline finds it offline
if need ppc64le "pins ppc64le: pinned elsewhere, dn offlines"; then
	scenario pins-ppc 0 scenarios/offline-with-longterm-pins.scn --arch ppc64le
	check "pins ppc64le: none on dn, so dn must offline (pinned-by=pins)" \
		evidence pins-ppc "offline dn@25" /pinned_by/pages_on_device 0 \
		/pinned_by/pages "$pos" /pinned_by/so_expected ok /outcome ok
	check "pins ppc64le: the second offline finds dn offline" \
		check_has pins-ppc "offline dn@27" /verdict PASS /summary '~^already offline'
	check "pins ppc64le: every pin released" verdict pins-ppc "no-leak pins" PASS
fi

scenario pinned-plain 1 tests/scenarios/pinned-normal-plain-offline.scn
check "pinned-plain: a plain offline of pinned ZONE_NORMAL is a FAIL, with the reason" \
	check_has pinned-plain "offline dn" /verdict FAIL \
	/summary '~^memory[0-9]+ timed out .*signal backoff'
scenario surprise 1 tests/scenarios/expect-ebusy-surprise.scn
check "surprise: expect=ebusy on offlinable memory FAILs" check_has surprise "offline d0" \
	/verdict FAIL /summary '~^expected ebusy, but the kernel offlined it'

no_leftovers
done_testing
