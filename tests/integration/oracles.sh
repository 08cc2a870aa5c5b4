#!/bin/bash
# Oracles that cannot be fooled (issue 12), on real guests: placement is proven by the
# probe or it is an ERROR/FAIL (inferred only with --no-probe), the removed memmaps' own
# frames are all freed, MemFree's tolerance comes from the run's measured noise, the trend
# oracle fires on a real kernel leak of 64 KiB per cycle for both placements, SKIPs show
# (--strict, matrix and JUnit counts, `blocks`), and the fixed holes stay fixed. Every
# oracle's negative control is a real leak or fault made in the guest kernel by the probe
# module (`inject leak|memmap-hold|movable-pgtable`) or the agent (`inject kmsg-*`).
# Standalone (bash tests/integration/oracles.sh [OUTDIR]) or from run.sh.
set -u
. "$(dirname "$0")/lib.sh"
out=${1:-$out}
mkdir -p "$out"
cd "$top"

# run NAME WANT [OPTION…] FILE: runs into $out/NAME, leaves NAME.ktap and NAME.err
run() {
	local name=$1 want=$2 rc t0=$SECONDS; shift 2
	rm -rf "${out:?}/$name"
	"$bin" run --out "$out/$name" "$@" >"$out/$name.ktap" 2>"$out/$name.err"
	rc=$?
	if [ "$rc" -eq "$want" ]; then
		ok "oracles $name: exit $rc ($((SECONDS - t0)) s)"
	else
		bad "oracles $name: exit $rc, want $want"
		sed 's/^/    /' "$out/$name.ktap" "$out/$name.err" | tail -40
	fi
}
# verdict NAME CHECK VERDICT: the check's verdict in NAME's results.json
verdict() {
	tr -d '\n' <"$out/$1/results.json" |
		grep -Eq "\"name\": \"$2\", +\"verdict\": \"$3\""
}

# ---- placement: proof or FAIL ---------------------------------------------------------
run mom 0 --strict scenarios/dimm-memmap-on-memory.scn
check "placement mom: proven on-block, every count agreeing with the model" \
	json mom '"model_vmemmap_pages":512,"observed":"on-block".*"memmap_pages_on_device":512,"memtotal_delta_kb":129024.*"method":"proven","probe":\{"placement":"on-block","memmap_pages":512,"backed_inside":512'
check "placement mom: the summary says proven" ktap mom '^    # memmap on-block as expected: .*\[proven: 512 of 512'

# a kernel whose initramfs has no probe module: no proof, an ERROR saying how to get it
noprobe=$out/noprobe.cpio
guest/mkinitramfs.sh x86_64 build/x86_64/kernel build/x86_64/hp-agent .cache "$noprobe" \
	>"$out/noprobe.log" 2>&1
check "an initramfs without the probe was built" test -s "$noprobe"
run noprobe 2 --kernel build/x86_64/kernel/vmlinuz --initrd "$noprobe" \
	scenarios/dimm-memmap-on-memory.scn
check "no probe: placement is an ERROR, never a PASS by inference" verdict noprobe "placement d0" ERROR
check "no probe: the ERROR tells how to get proof" \
	ktap noprobe '^    # ERROR: no placement proof: .*probe: no module.*guest/probe.*--no-probe'
check "no probe: the memmap frames could not be recorded: ERROR" \
	verdict noprobe "no-leak memmap frames" ERROR
run inferred 4 --no-probe --kernel build/x86_64/kernel/vmlinuz --initrd "$noprobe" \
	scenarios/dimm-memmap-off.scn
check "--no-probe: placement passes, inferred, and says so" \
	ktap inferred '^    # memmap elsewhere as expected: .*\[inferred: the probe is off \(--no-probe\)'
check "--no-probe: results.json says inferred" json inferred '"method":"inferred","probe":\{"state":"off \(--no-probe\)"'
check "--no-probe: the memmap frames go unchecked and that SKIP shows (exit 4)" \
	verdict inferred "no-leak memmap frames" SKIP

# ---- the memmap's own frames ----------------------------------------------------------
run off 0 --strict scenarios/dimm-memmap-off.scn
check "frames: all 512 frames of a memmap elsewhere freed after teardown" \
	json off '"name": "no-leak memmap frames", +"verdict": "PASS".*"frames":512,"freed":512,"held":0'
run hold 1 tests/scenarios/noleak-memmap-hold.scn
check "frames: one held frame of the memmap (4 KiB) FAILs" \
	json hold '"name": "no-leak memmap frames", +"verdict": "FAIL".*"frames":512,"freed":511,"held":1'
check "frames: the held frame is named with its flags and refcount" \
	json hold '"held_frames":\["pfn [0-9]+ flags 0x[0-9a-f]+ refcount 1"\]'
check "frames: MemFree cannot see 4 KiB: it passes" verdict hold "no-leak MemFree" PASS

# ---- MemFree: unaccounted memory against the run's measured noise -----------------------
run leak2m 1 tests/scenarios/noleak-memfree-leak.scn
check "MemFree: one block's memmap (2 MiB) leaked in one cycle FAILs" verdict leak2m "no-leak MemFree" FAIL
check "MemFree: noise and tolerance in the evidence" \
	json leak2m '"unaccounted_delta_kb":20[0-9][0-9],"tolerance_kb":[0-9]+,"tolerance_from":"[^"]+","noise_kb":[0-9]+,"noise_samples":4'
check "MemFree: the other checks of that teardown pass" verdict leak2m "no-leak zones" PASS
check "MemFree: a clean cycle passes with the noise printed" \
	ktap off '^    # MemFree\+pcp -?[0-9]+ kB, all of it accounted to users but [-+][0-9]+ kB \(tolerance [0-9]+ kB, measured noise [0-9]+ kB over 4 samples\)'

# ---- trend: a real kernel leak of 64 KiB per removal, both placements -------------------
run trend-on 1 tests/scenarios/trend-leak-on-block.scn
check "trend on-block: unaccounted memory FAILs at 64 KiB per cycle" \
	json trend-on '"name": "trend unaccounted", +"verdict": "FAIL".*"bytes_per_cycle":6[0-9]{4}'
check "trend on-block: MemFree FAILs too" verdict trend-on "trend MemFree" FAIL
check "trend on-block: MemTotal does not move" verdict trend-on "trend MemTotal" PASS
check "trend on-block: the series is in the run dir" test -s "$out/trend-on/trend-cycle.tsv"
run trend-else 1 tests/scenarios/trend-leak-elsewhere.scn
check "trend elsewhere: unaccounted memory FAILs at 64 KiB per cycle" \
	json trend-else '"name": "trend unaccounted", +"verdict": "FAIL".*"bytes_per_cycle":6[0-9]{4}'
run cycles-off 0 --strict scenarios/dimm-cycles-memmap-off.scn
check "cycles elsewhere: no trend in 50 clean cycles" verdict cycles-off "trend unaccounted" PASS
check "cycles elsewhere: every memmap frame of 50 plugs freed" verdict cycles-off "no-leak memmap frames" PASS

# ---- SKIPs that show -------------------------------------------------------------------
run skip 4 tests/scenarios/blocks-no-movable.scn
run strict 1 --strict tests/scenarios/blocks-no-movable.scn
check "--strict: a SKIP fails the run and says so" ktap strict '^# strict: 1 SKIP check\(s\) in blocks-no-movable.x86_64 count as a failure'
run pgtable 1 tests/scenarios/blocks-movable-pgtable.scn
check "blocks: a page-table page in ZONE_MOVABLE FAILs, the page in the evidence" \
	json pgtable '"name": "blocks b movable zone", +"verdict": "FAIL".*"kernel_pages":\["pfn [0-9]+ \(memory[0-9]+\) flags 0x4000000"\]'
check "blocks: every block passed over is listed with why" \
	json pgtable '"passed_over":\[.*"memory[0-9]+ Movable: [0-9]+ unmovable pages \(reserved [0-9]+, slab 0, page tables 1'
run lo 0 --strict scenarios/logical-offline-online.scn
check "blocks: no kernel page in ZONE_MOVABLE on a correct kernel" verdict lo "blocks b movable zone" PASS

m=$out/mx
"$bin" matrix -j 2 --arch x86_64 --strict --out "$m" tests/scenarios/blocks-no-movable.scn \
	scenarios/dimm-memmap-off.scn >"$m.out" 2>"$m.err"
rc=$?
check "matrix --strict: a SKIP anywhere exits 1 (got $rc)" test "$rc" -eq 1
check "matrix: the checks that ran are counted per arch and kernel" \
	grep -Eq '^  x86_64 +[0-9.]+-[0-9]+-amd64 +[0-9]+ ran \([0-9]+ PASS, 0 FAIL, 0 ERROR\), 1 SKIP \(--strict: failures\)' "$m.out"
check "junit: checks_run and checks_skipped per suite" \
	grep -Eq '<property name="checks_skipped" value="1"/>' "$m/junit.xml"
check "junit: assertions = checks that ran, per testcase (the kernel log only)" \
	grep -Eq '<testcase name="blocks-no-movable" classname="x86_64" time="[0-9.]+" assertions="1"' "$m/junit.xml"
check "junit: still valid against the schema" xmllint --noout --schema tests/unit/junit.xsd "$m/junit.xml"

# ---- the fixed holes (issue 12 items 5-10) ---------------------------------------------
run vmem-offline 1 tests/scenarios/virtio-mem-offline-blocks.scn
check "virtio-mem: offline blocks FAIL expect virtio-mem (not onlined first)" \
	ktap vmem-offline '^    # FAIL: 2 of the region.s 2 memory blocks are not online'
run kmsg-burst 2 tests/scenarios/kernel-log-kmsg-burst.scn
check "kernel log: overwritten records make it an ERROR" \
	ktap kmsg-burst '^    # ERROR: the guest.s kernel log is incomplete: records were overwritten'
run kmsg-close 2 tests/scenarios/kernel-log-kmsg-close.scn
check "kernel log: an unreadable final dmesg is an ERROR" \
	ktap kmsg-close '^    # ERROR: the last of the guest.s kernel log could not be read'
run never 0 --strict tests/scenarios/teardown-never-onlined.scn
check "teardown: a DIMM never onlined passes, the evidence says who" \
	json never '"name": "teardown order", +"verdict": "PASS".*"offline_by":"d0: never onlined since its plug"'
run debugk 2 --debug-kernel --kernel build/x86_64/kernel/vmlinuz \
	--initrd build/x86_64/initramfs.cpio.gz scenarios/dimm-memmap-off.scn
check "--debug-kernel on a kernel without kmemleak: ERROR, not silence" verdict debugk "no-leak kmemleak" ERROR
check "--debug-kernel on a kernel without page_owner: ERROR, not silence" verdict debugk "no-leak page_owner" ERROR

# ---- ppc64le (pseries, 64K pages): the probe, the frames, the leaks --------------------
run ppc-off 0 --strict --arch ppc64le scenarios/dimm-memmap-off.scn
check "ppc64le: placement proven elsewhere, counts agreeing" \
	json ppc-off '"model_vmemmap_pages":4,"observed":"elsewhere".*"method":"proven"'
check "ppc64le: the LMB's memmap frames: none stale (shared with boot memory's)" \
	json ppc-off '"name": "no-leak memmap frames", +"verdict": "PASS".*"stale":0'
run ppc-leak 1 --arch ppc64le tests/scenarios/noleak-memfree-leak.scn
check "ppc64le: 2 MiB leaked in one cycle FAILs MemFree" verdict ppc-leak "no-leak MemFree" FAIL
run ppc-trend 1 --arch ppc64le tests/scenarios/trend-leak-elsewhere.scn
check "ppc64le: 64 KiB per removal FAILs the trend (one 64K page a cycle; noisier)" \
	json ppc-trend '"name": "trend unaccounted", +"verdict": "FAIL".*"slope_low":6[0-9].*"bytes_per_cycle":[0-9]{5}'

# other people's guests may share this machine: look for ours only
check "oracles: no QEMU of these tests left behind" bash -c "! pgrep -f 'qemu-syste[m]-.*$out/'"
echo "oracles: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
