#!/bin/bash
# The whole matrix on this machine (make bench, issue 17's goal: every shipped scenario
# x 3 arches x 3 kernel generations in <= 2 min): `hotplug-test matrix -j $(nproc)` over
# BENCH_MATRIX_ARCHES (default x86_64,ppc64le,s390x) x BENCH_MATRIX_KERNELS (default
# debian:bookworm debian:trixie debian:sid), BENCH_MATRIX_RUNS times (default 1; 0 skips
# this part). A warm-up run of the same matrix prepares every kernel (fetch, probe,
# initramfs) and saves every guest the jobs restore (one per arch, kernel and way of
# booting), and is timed apart as the cold-cache figure: the runs then measure the jobs
# as a CI with a kept .cache/ runs them.
# Prints each run's wall time and verdict counts, their median and spread, and the ratio
# to the 2-minute goal. A run with a FAIL or ERROR is listed and left out of the median.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=$top/build/hotplug-test
runs=${BENCH_MATRIX_RUNS:-1}
arches=${BENCH_MATRIX_ARCHES:-x86_64,ppc64le,s390x}
goal=120
[ "$runs" -gt 0 ] 2>/dev/null || { echo "whole matrix: BENCH_MATRIX_RUNS=$runs: not measured"; exit 0; }
out=$(mktemp -d /tmp/hpt-bench-matrix.XXXXXX)
kargs=() nk=0
for k in ${BENCH_MATRIX_KERNELS:-debian:bookworm debian:trixie debian:sid}; do kargs+=(--kernel "$k"); nk=$((nk + 1)); done
# BENCH_MATRIX_SCENARIOS: the scenario files (default every shipped one; the goal was set
# when 14 were shipped: the first 14 of `git log --diff-filter=A scenarios/`)
if [ -n "${BENCH_MATRIX_SCENARIOS:-}" ]; then
	read -ra scns <<<"$BENCH_MATRIX_SCENARIOS"
else
	scns=("$top"/scenarios/*.scn)
fi
j=$(nproc)

# wall WAY: the matrix's own wall time (results.json), in ms
wall() { grep -o '"wall_ms": [0-9]*' "$out/$1/results.json" 2>/dev/null | head -1 | grep -o '[0-9]*$'; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR) printf "%.1f", (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)/1000; else print "-"}'; }
spread() { sort -n | awk 'NR==1{lo=$1} {hi=$1} END {if (NR) printf "%.1f-%.1f", lo/1000, hi/1000; else print "-"}'; }

# busy WAY: how full the -j slots were, jobs' own seconds over wall x j (results.json's
# /runs/N/seconds), as "NN % (SUM s of jobs)"; what the scheduler leaves idle between a
# job's end and the next start shows here, not in the jobs' times
jget=$top/build/tests/jget
busy() {
	local i=0 s sum=0 w
	w=$(wall "$1") || { echo "unknown (no wall time)"; return; }
	[ -x "$jget" ] || { echo "unknown (no $jget: make bench builds it)"; return; }
	while s=$("$jget" "$out/$1/results.json" /runs/$i/seconds 2>/dev/null); do
		sum=$(awk -v a="$sum" -v b="$s" 'BEGIN { printf "%.3f", a + b }')
		i=$((i + 1))
	done
	[ "$i" -gt 0 ] || { echo "unknown (no runs in results.json)"; return; }
	awk -v s="$sum" -v w="$w" -v j="$j" 'BEGIN { if (w > 0) printf "%.0f %% (%.1f s of jobs)", 100 * s / (w / 1000 * j), s }'
}

saved() { find "${HPT_SAVED_DIR:-$top/.cache/saved}" -name '*.img' 2>/dev/null | wc -l; }
before=$(saved)
"$bin" matrix -j "$j" --arch "$arches" "${kargs[@]}" --out "$out/warmup" "${scns[@]}" \
	>"$out/warmup.out" 2>"$out/warmup.err"
rc=$?
echo "whole matrix: warm-up (every kernel prepared, every guest saved: $before saved guests before, $(saved) after): $(wall warmup | median) s (exit $rc)"
good=() left=()
for i in $(seq "$runs"); do
	"$bin" matrix -j "$j" --arch "$arches" "${kargs[@]}" --out "$out/run-$i" "${scns[@]}" \
		>"$out/run-$i.out" 2>"$out/run-$i.err"
	rc=$?
	counts=$(grep -E '^matrix: [0-9]+ jobs' "$out/run-$i.out" | sed 's/ in .*//')
	echo "whole matrix run $i: $(wall "run-$i" | median) s, $counts (exit $rc); slots busy $(busy "run-$i")"
	if grep -qE '^(FAIL|ERROR) ' "$out/run-$i.out"; then
		left+=("run $i (see $out/run-$i.out)")
	else
		good+=("$i")
	fi
done
med=$(for i in "${good[@]}"; do wall "run-$i"; done | median)
printf 'whole matrix: %d scenarios x %s x %d kernels on %d cores (-j %d): median %s s, spread %s s over %d run(s); goal %d s: ratio %s\n' \
	"${#scns[@]}" "$arches" "$nk" "$(nproc)" "$j" "$med" \
	"$(for i in "${good[@]}"; do wall "run-$i"; done | spread)" "${#good[@]}" "$goal" \
	"$(awk -v m="$med" -v g="$goal" 'BEGIN { if (m == "-") print "-"; else printf "%.2f", m / g }')"
[ ${#left[@]} -eq 0 ] || { echo "left out of the median (a FAIL or ERROR): ${left[*]}"; exit 1; }
rm -rf "$out"
