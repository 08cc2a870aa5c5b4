#!/bin/bash
# Every shipped scenario on Debian's 6.12 (trixie) and 7.x (sid) kernels, x86_64 and
# ppc64le, in one matrix (issue 11's "done when"): a correct kernel gets no FAIL and no
# ERROR, placement is proven wherever it is judged, and no SKIP says the model does not
# know the kernel. Opt-in (make check-generations): 80 jobs, ~11 min at -j 1 once the
# kernels are prepared, plus their cold preparation; not inside make check's budget.
. "$(dirname "$0")/lib.sh"
cd "$top" || exit 2

gen=$out/generations
if need ppc64le "generations: every shipped scenario on x86_64 and ppc64le, trixie and sid"; then
	hpt matrix --arch x86_64,ppc64le --kernel debian:trixie --kernel debian:sid --out "$gen" \
		scenarios/*.scn >"$gen.out" 2>"$gen.err"
	rc=$?
	check "generations: $(grep -c '^[A-Z]* .* in [0-9.]* s' "$gen.out") jobs, no FAIL and no ERROR (exit $rc)" \
		test "$rc" -eq 0 || diag "$(grep -E '^(FAIL|ERROR) ' "$gen.out")" "$(tail -n 5 "$gen.err")"
	check "generations: every placement judged was proven by the probe" \
		eval "! grep -lE '\"method\": ?\"(inferred|none)\"' '$gen'/*/results.json"
	check "generations: placement proven on both kernels of both arches" \
		test "$(grep -lE '\"method\": ?\"proven\"' "$gen"/*.{x86_64,ppc64le}.{trixie,sid}/results.json 2>/dev/null | wc -l)" -ge 12
	check "generations: no SKIP says the model does not know the kernel" \
		eval "! grep -E '^SKIP .*(newer than the model|not modelled)' '$gen.out'"
	check "generations: offline-under-zswap runs (no SKIP) on 6.12 and 7.x" \
		eval "! grep -E '^SKIP +offline-under-zswap\\.' '$gen.out'"
fi
no_leftovers
done_testing
