#!/bin/bash
# Oracles that cannot be fooled (issue 12), on real guests: placement is proven by the
# probe or it is an ERROR/FAIL (inferred only with --no-probe), the removed memmaps' own
# frames are all freed, MemFree's tolerance comes from the run's measured noise, the trend
# oracle fires on a real kernel leak of 64 KiB per cycle for both placements, SKIPs show
# (--strict, matrix and JUnit counts, `blocks`), and the fixed holes stay fixed. Every
# oracle's negative control is a real leak or fault made in the guest kernel by the probe
# module (`inject leak|memmap-hold|movable-pgtable`) or the agent (`inject kmsg-*`).
. "$(dirname "$0")/lib.sh"

# ---- placement: proof or FAIL ---------------------------------------------------------
scenario mom 0 scenarios/dimm-memmap-on-memory.scn --strict
check "placement mom: proven on-block, every count agreeing with the model" \
	evidence mom "placement d0" /model_vmemmap_pages 512 /observed on-block \
	/memmap_pages_on_device 512 /memtotal_delta_kb 129024 /method proven \
	/probe/placement on-block /probe/memmap_pages 512 /probe/backed_inside 512
check "placement mom: the summary says proven" check_has mom "placement d0" /verdict PASS \
	/summary '~^memmap on-block as expected: .*\[proven: 512 of 512'

# a kernel whose initramfs has no probe module: no proof, an ERROR saying how to get it
noprobe=$out/noprobe.cpio
guest/mkinitramfs.sh x86_64 build/x86_64/kernel build/x86_64/hp-agent .cache "$noprobe" \
	>"$out/noprobe.log" 2>&1
check "an initramfs without the probe was built" test -s "$noprobe"
scenario noprobe 2 scenarios/dimm-memmap-on-memory.scn \
	--kernel build/x86_64/kernel/vmlinuz --initrd "$noprobe"
check "no probe: placement is an ERROR, never a PASS by inference" \
	verdict noprobe "placement d0" ERROR
check "no probe: the ERROR tells how to get proof" check_has noprobe "placement d0" \
	/verdict ERROR /summary '~^no placement proof: .*probe: no module.*guest/probe.*--no-probe'
check "no probe: the memmap frames could not be recorded: ERROR" \
	verdict noprobe "no-leak memmap frames" ERROR
scenario inferred 4 scenarios/dimm-memmap-off.scn \
	--no-probe --kernel build/x86_64/kernel/vmlinuz --initrd "$noprobe"
check "--no-probe: placement passes, inferred, and says so" check_has inferred "placement d0" \
	/verdict PASS /summary '~^memmap elsewhere as expected: .*\[inferred: the probe is off \(--no-probe\)'
check "--no-probe: results.json says inferred" evidence inferred "placement d0" \
	/method inferred /probe/state "off (--no-probe)"
check "--no-probe: the memmap frames go unchecked and that SKIP shows (exit 4)" \
	verdict inferred "no-leak memmap frames" SKIP

# ---- the memmap's own frames ----------------------------------------------------------
scenario off 0 scenarios/dimm-memmap-off.scn --strict
check "frames: all 512 frames of a memmap elsewhere freed after teardown" \
	check_has off "no-leak memmap frames" /verdict PASS \
	/evidence/frames 512 /evidence/freed 512 /evidence/held 0
scenario hold 1 tests/scenarios/noleak-memmap-hold.scn
check "frames: one held frame of the memmap (4 KiB) FAILs" \
	check_has hold "no-leak memmap frames" /verdict FAIL \
	/evidence/frames 512 /evidence/freed 511 /evidence/held 1
check "frames: the held frame is named with its flags and refcount" \
	evidence hold "no-leak memmap frames" \
	/held_frames '~^\["pfn [0-9]+ flags 0x[0-9a-f]+ refcount 1"\]$'
check "frames: MemFree cannot see 4 KiB: it passes" verdict hold "no-leak MemFree" PASS

# ---- MemFree: unaccounted memory against the run's measured noise -----------------------
scenario leak2m 1 tests/scenarios/noleak-memfree-leak.scn
check "MemFree: one block's memmap (2 MiB) leaked in one cycle FAILs" \
	verdict leak2m "no-leak MemFree" FAIL
check "MemFree: noise and tolerance in the evidence" evidence leak2m "no-leak MemFree" \
	/unaccounted_delta_kb '~^20[0-9][0-9]$' /tolerance_kb '~^[0-9]+$' /tolerance_from '~^[^"]+$' \
	/noise_kb '~^[0-9]+$' /noise_samples 4
check "MemFree: the other checks of that teardown pass" verdict leak2m "no-leak zones" PASS
check "MemFree: a clean cycle passes with the noise printed" \
	check_has off "no-leak MemFree" /verdict PASS /summary \
	'~^MemFree\+pcp -?[0-9]+ kB, all of it accounted to users but [-+][0-9]+ kB \(tolerance [0-9]+ kB, measured noise [0-9]+ kB over 4 samples\)'

# ---- trend: a real kernel leak of 64 KiB per removal, both placements -------------------
scenario trend-on 1 tests/scenarios/trend-leak-on-block.scn
check "trend on-block: unaccounted memory FAILs at 64 KiB per cycle" \
	check_has trend-on "trend unaccounted" /verdict FAIL \
	/evidence/bytes_per_cycle '>=60000' /evidence/bytes_per_cycle '<70000'
check "trend on-block: MemFree FAILs too" verdict trend-on "trend MemFree" FAIL
check "trend on-block: MemTotal does not move" verdict trend-on "trend MemTotal" PASS
check "trend on-block: the series is in the run dir" test -s "$out/trend-on/trend-cycle.tsv"
scenario trend-else 1 tests/scenarios/trend-leak-elsewhere.scn
check "trend elsewhere: unaccounted memory FAILs at 64 KiB per cycle" \
	check_has trend-else "trend unaccounted" /verdict FAIL \
	/evidence/bytes_per_cycle '>=60000' /evidence/bytes_per_cycle '<70000'
scenario cycles-off 0 scenarios/dimm-cycles-memmap-off.scn --strict
check "cycles elsewhere: no trend in 50 clean cycles" \
	verdict cycles-off "trend unaccounted" PASS
check "cycles elsewhere: every memmap frame of 50 plugs freed" \
	verdict cycles-off "no-leak memmap frames" PASS

# ---- SKIPs that show -------------------------------------------------------------------
scenario skip 4 tests/scenarios/blocks-no-movable.scn
scenario strict 1 tests/scenarios/blocks-no-movable.scn --strict
check "--strict: a SKIP fails the run and says so" ktap_has strict \
	'^# strict: 1 SKIP check\(s\) in blocks-no-movable\.x86_64 count as a failure'
scenario pgtable 1 tests/scenarios/blocks-movable-pgtable.scn
check "blocks: a page-table page in ZONE_MOVABLE FAILs, the page in the evidence" \
	check_has pgtable "blocks b movable zone" /verdict FAIL \
	/evidence/kernel_pages '~^\["pfn [0-9]+ \(memory[0-9]+\) flags 0x4000000"\]$'
check "blocks: every block passed over is listed with why" \
	evidence pgtable "blocks b movable zone" /passed_over \
	'~^\[(.*,)?"memory[0-9]+ Movable: [0-9]+ unmovable pages \(reserved [0-9]+, slab 0, page tables 1[^0-9]'
scenario lo 0 scenarios/logical-offline-online.scn --strict
check "blocks: no kernel page in ZONE_MOVABLE on a correct kernel" \
	verdict lo "blocks b movable zone" PASS

m=$out/mx
hpt matrix -j 2 --arch x86_64 --strict --out "$m" tests/scenarios/blocks-no-movable.scn \
	scenarios/dimm-memmap-off.scn >"$m.out" 2>"$m.err"
rc=$?
check "matrix --strict: a SKIP anywhere exits 1 (got $rc)" test "$rc" -eq 1
check "matrix: the checks that ran are counted per arch and kernel" \
	grep -Eq '^  x86_64 +[0-9.]+-[0-9]+-amd64 +[0-9]+ ran \([0-9]+ PASS, 0 FAIL, 0 ERROR\), 1 SKIP \(--strict: failures\)' "$m.out"
check "junit: checks_run and checks_skipped per suite" \
	grep -Eq '<property name="checks_skipped" value="1"/>' "$m/junit.xml"
check "junit: assertions = checks that ran, per testcase (the kernel log, the guest clock, the default online policy)" \
	grep -Eq '<testcase name="blocks-no-movable" classname="x86_64" time="[0-9.]+" assertions="3"' "$m/junit.xml"
if need xmllint "junit: still valid against the schema"; then
	check "junit: still valid against the schema" \
		xmllint --noout --schema tests/unit/junit.xsd "$m/junit.xml"
fi

# ---- the fixed holes (issue 12 items 5-10) ---------------------------------------------
scenario vmem-offline 1 tests/scenarios/virtio-mem-offline-blocks.scn
check "virtio-mem: offline blocks FAIL expect virtio-mem (not onlined first)" \
	check_has vmem-offline "virtio-mem vm0 view" /verdict FAIL \
	/summary '~^2 of the region.s 2 memory blocks are not online'
scenario kmsg-burst 2 tests/scenarios/kernel-log-kmsg-burst.scn
check "kernel log: overwritten records make it an ERROR" check_has kmsg-burst "kernel log" \
	/verdict ERROR /summary '~^the guest.s kernel log is incomplete: records were overwritten'
scenario kmsg-close 2 tests/scenarios/kernel-log-kmsg-close.scn
check "kernel log: an unreadable final dmesg is an ERROR" check_has kmsg-close "kernel log" \
	/verdict ERROR /summary '~^the last of the guest.s kernel log could not be read'
scenario never 0 tests/scenarios/teardown-never-onlined.scn --strict
check "teardown: a DIMM never onlined passes, the evidence says who" \
	check_has never "teardown order" /verdict PASS \
	/evidence/offline_by "d0: never onlined since its plug"
scenario debugk 2 scenarios/dimm-memmap-off.scn --debug-kernel \
	--kernel build/x86_64/kernel/vmlinuz --initrd build/x86_64/initramfs.cpio.gz
check "--debug-kernel on a kernel without kmemleak: ERROR, not silence" \
	verdict debugk "no-leak kmemleak" ERROR
check "--debug-kernel on a kernel without page_owner: ERROR, not silence" \
	verdict debugk "no-leak page_owner" ERROR

# ---- ppc64le (pseries, 64K pages): the probe, the frames, the leaks --------------------
if need ppc64le "ppc64le: the probe, the memmap frames and the leak oracles on pseries"; then
	scenario ppc-off 0 scenarios/dimm-memmap-off.scn --strict --arch ppc64le
	check "ppc64le: placement proven elsewhere, counts agreeing" \
		evidence ppc-off "placement d0" /model_vmemmap_pages 4 /observed elsewhere \
		/method proven
	check "ppc64le: the LMB's memmap frames: none stale (shared with boot memory's)" \
		check_has ppc-off "no-leak memmap frames" /verdict PASS /evidence/stale 0
	scenario ppc-leak 1 tests/scenarios/noleak-memfree-leak.scn --arch ppc64le
	check "ppc64le: 2 MiB leaked in one cycle FAILs MemFree" \
		verdict ppc-leak "no-leak MemFree" FAIL
	scenario ppc-trend 1 tests/scenarios/trend-leak-elsewhere.scn --arch ppc64le
	check "ppc64le: 64 KiB per removal FAILs the trend (one 64K page a cycle; noisier)" \
		check_has ppc-trend "trend unaccounted" /verdict FAIL \
		/evidence/slope_low '>=60' /evidence/slope_low '<70' /evidence/bytes_per_cycle '>=10000'
fi

# other people's guests may share this machine: no_leftovers looks for ours only
no_leftovers
done_testing
