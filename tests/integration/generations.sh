#!/bin/bash
# Every shipped scenario on ppc64le on Debian's 6.12 (trixie) and 7.x (sid) kernels, both
# flavours (4K pages and -64k), in one matrix (issue 11's "done when"; make check runs the
# x86_64 generations in kernels.sh): a correct kernel gets no FAIL and no ERROR, placement
# is proven wherever it is judged, no SKIP says the model does not know the kernel, and
# the 64K flavours show their own placement (=1 leaves a 4-page memmap elsewhere, =force
# reserves a whole pageblock per LMB). Opt-in (make check-generations): 80 jobs, ~10 min
# at -j 2 once the kernels are prepared, plus ~4-5 min of cold preparation per kernel.
. "$(dirname "$0")/lib.sh"
cd "$top" || exit 2

gen=$out/generations
if need ppc64le "generations: every shipped scenario on ppc64le, trixie and sid, 4K and 64K pages"; then
	hpt matrix -j 2 --arch ppc64le --kernel debian:trixie --kernel debian:sid \
		--kernel debian:trixie-64k --kernel debian:sid-64k --out "$gen" \
		scenarios/*.scn >"$gen.out" 2>"$gen.err"
	rc=$?
	jobs=$(($(ls scenarios/*.scn | wc -l) * 4))
	check "generations: $jobs jobs, no FAIL and no ERROR (exit $rc)" \
		test "$rc" -eq 0 -a "$(grep -cE '^(PASS|FAIL|ERROR|SKIP) +[^ ]+\.ppc64le\.[a-z0-9-]+ in ' "$gen.out")" -eq "$jobs" ||
		diag "$(grep -E '^(FAIL|ERROR) ' "$gen.out")" "$(tail -n 5 "$gen.err")"
	check "generations: every placement judged was proven by the probe" \
		eval "! grep -lE '\"method\": ?\"(inferred|none)\"' '$gen'/*/results.json"
	for k in trixie sid trixie-64k sid-64k; do
		check "generations: placement proven on ppc64le $k" \
			test "$(grep -lE '"method": ?"proven"' "$gen"/*.ppc64le.$k/results.json 2>/dev/null | wc -l)" -ge 6
	done
	check "generations: no SKIP says the model does not know the kernel" \
		eval "! grep -E '^SKIP .*(newer than the model|not modelled)' '$gen.out'"
	check "generations: offline-under-zswap runs (no SKIP) on 6.12 and 7.x" \
		eval "! grep -E '^SKIP +offline-under-zswap\\.' '$gen.out'"
	for k in trixie sid; do
		evidence "generations/pseries-dimm-memmap-on-memory.ppc64le.$k" "placement d0" \
			/method proven /observed =on-block
		evidence "generations/dimm-memmap-on-memory.ppc64le.$k-64k" "placement d0" \
			/method proven /observed =elsewhere
		evidence "generations/pseries-dimm-memmap-force.ppc64le.$k-64k" "placement d0" \
			/method proven /probe/memmap_pages =32
	done
fi
no_leftovers
done_testing
