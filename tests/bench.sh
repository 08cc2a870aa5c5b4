#!/bin/bash
# make bench: runs each scenario BENCH_RUNS times (default 5) and prints the median of
# every phase (boot, plug, online, verify, teardown) and of the total, in seconds, from
# the runs' results.json. Only runs that passed (exit 0) count: a run that failed, erred
# or skipped is left out of the medians and listed at the end (the runs column says how
# many counted of how many ran), its run dir kept, and the exit code is 1.
# Timings live here, never in pass/fail tests.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
bin=$top/build/hotplug-test
jget=$top/build/tests/jget
runs=${BENCH_RUNS:-5}
out=$(mktemp -d /tmp/hpt-bench.XXXXXX)
scns=${BENCH_SCENARIOS:-$top/scenarios/*.scn}
phases="boot plug online verify teardown"
left_out=()

median() { sort -n | awk '{a[NR]=$1} END {if (NR) printf "%.2f", (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)/1000; else print "-"}'; }

printf '%-28s %5s' scenario runs
for p in $phases total; do printf ' %8s' "$p"; done
printf '   (median seconds of the runs that passed, %s)\n' "$(uname -m) host, $(nproc) cores"
for f in $scns; do
	name=$(basename "$f" .scn)
	good=()
	for i in $(seq "$runs"); do
		"$bin" run --out "$out/$name-$i" "$f" >"$out/$name-$i.ktap" 2>&1
		rc=$?
		if [ "$rc" -eq 0 ]; then
			good+=("$i")
		else
			left_out+=("$name run $i: exit $rc (see $out/$name-$i)")
		fi
	done
	printf '%-28s %5s' "$name" "${#good[@]}/$runs"
	for p in $phases total; do
		ptr=/phases_ms/$p
		[ "$p" != total ] || ptr=/total_ms
		for i in "${good[@]}"; do "$jget" "$out/$name-$i/results.json" "$ptr"; done | median |
			xargs printf ' %8s'
	done
	echo
done
if [ ${#left_out[@]} -gt 0 ]; then
	echo "bench: ${#left_out[@]} run(s) did not pass and are left out of the medians:"
	printf '  %s\n' "${left_out[@]}"
	exit 1
fi
rm -rf "$out"
