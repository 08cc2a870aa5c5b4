#!/bin/bash
# make bench: runs each scenario BENCH_RUNS times (default 5) and prints the median of
# every phase (boot, plug, online, verify, teardown) and of the total, in seconds, from
# the runs' results.json. Timings live here, never in pass/fail tests.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
bin=$top/build/hotplug-test
runs=${BENCH_RUNS:-5}
out=$(mktemp -d /tmp/hpt-bench.XXXXXX)
scns=${BENCH_SCENARIOS:-$top/scenarios/*.scn}
phases="boot plug online verify teardown"

median() { sort -n | awk '{a[NR]=$1} END {if (NR) printf "%.2f", (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)/1000; else print "-"}'; }
field() { grep -o "\"$2\": [0-9]*" "$1" | head -1 | grep -o '[0-9]*$'; }

printf '%-28s %5s' scenario runs
for p in $phases total; do printf ' %8s' "$p"; done
printf '   (median seconds, %s)\n' "$(uname -m) host, $(nproc) cores"
for f in $scns; do
	name=$(basename "$f" .scn)
	for i in $(seq "$runs"); do
		"$bin" run --out "$out/$name-$i" "$f" >/dev/null 2>&1 ||
			echo "bench: $name run $i did not pass (see $out/$name-$i)" >&2
	done
	printf '%-28s %5s' "$name" "$runs"
	for p in $phases total_ms; do
		key=$p; [ "$p" = total_ms ] || key=$p
		for i in $(seq "$runs"); do field "$out/$name-$i/results.json" "$key"; done | median |
			xargs printf ' %8s'
	done
	echo
done
rm -rf "$out"
