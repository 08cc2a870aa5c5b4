#!/bin/bash
# The controller's cost, measured (make bench): SCENARIO (default
# scenarios/dimm-memmap-on-memory.scn, x86_64) run BENCH_RUNS times (default 5) three
# ways, interleaved so that each round sees the same machine load:
#   booted    hotplug-test run --no-restore
#   restored  hotplug-test run (the guest restored from the one saved by a warm-up run)
#   bare      build/tests/bare: QEMU started directly, the DIMM added and removed over
#             QMP, the agent sent the requests a booted run sent (its agent.log; that run
#             is not measured)
# The order of the three ways turns each round. Prints the median of each phase for each way, and the ratios hotplug-test / bare for
# the phases after boot (boot against boot separately), with the load they were measured
# under. Runs that did not pass are left out of the medians and listed.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=$top/build/hotplug-test
bare=$top/build/tests/bare
scn=${1:-$top/scenarios/dimm-memmap-on-memory.scn}
runs=${BENCH_RUNS:-5}
out=$(mktemp -d /tmp/hpt-bench-bare.XXXXXX)
phases="boot plug online verify teardown total"
name=$(basename "$scn" .scn)
[ -x "$bare" ] || make -s -C "$top" build/tests/bare || exit 2

# num FILE KEY: the first "KEY": N in a results.json
num() { grep -o "\"$2\": [0-9]*" "$1" | head -1 | grep -o '[0-9]*$'; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR) printf "%.2f", (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)/1000; else print "-"}'; }
spread() { sort -n | awk 'NR==1{lo=$1} {hi=$1} END {if (NR) printf "%.2f-%.2f", lo/1000, hi/1000; else print "-"}'; }
# phases WAY I: "boot=MS … total=MS" of run I of WAY, nothing if it failed
phases_of() {
	local d=$out/$1-$2
	case $1 in
	bare) cat "$d.phases" 2>/dev/null ;;
	*) [ -f "$d/results.json" ] && grep -q '"verdict": "PASS"' "$d/results.json" || return
	   [ "$1" = booted ] || grep -q '"used": true' "$d/results.json" || return
	   for p in boot plug online verify teardown; do printf '%s=%s ' $p "$(num "$d/results.json" $p)"; done
	   printf 'total=%s\n' "$(num "$d/results.json" total_ms)" ;;
	esac
}
col() { for i in $(seq "$runs"); do phases_of "$1" "$i" | tr ' ' '\n' | sed -n "s/^$2=//p"; done; }

echo "bench baseline: $name, $runs rounds (booted, restored, bare), $(nproc) cores"
echo "load before: $(uptime | sed 's/.*load average/load average/')"
# warm-up: makes (or refreshes) the saved guest the restored runs start from
"$bin" run --out "$out/warmup" "$scn" >/dev/null 2>&1 ||
	echo "bench: the warm-up run did not pass (see $out/warmup)" >&2
# the transcript the bare runs replay: a booted run's requests (not measured)
"$bin" run --no-restore --out "$out/transcript" "$scn" >/dev/null 2>&1 ||
	echo "bench: the transcript run did not pass (see $out/transcript)" >&2
failed=""
way_booted() {
	"$bin" run --no-restore --out "$out/booted-$1" "$scn" >/dev/null 2>&1 || failed="$failed booted-$1"
}
way_restored() {
	"$bin" run --out "$out/restored-$1" "$scn" >/dev/null 2>&1 || failed="$failed restored-$1"
	grep -qs '"used": true' "$out/restored-$1/results.json" || failed="$failed restored-$1(booted)"
}
way_bare() {
	mkdir -p "$out/bare-$1"
	"$bare" "$out/transcript" "$out/bare-$1" >"$out/bare-$1.phases" 2>"$out/bare-$1.err" ||
		{ rm -f "$out/bare-$1.phases"; failed="$failed bare-$1"; }
}
# the order turns each round: a run is slower after a QEMU that just freed its memory
# (the host's huge pages), so each way follows each other way as often
order=(booted restored bare)
for i in $(seq "$runs"); do
	for k in 0 1 2; do "way_${order[(i + k) % 3]}" "$i"; done
done
echo "load after:  $(uptime | sed 's/.*load average/load average/')"
[ -z "$failed" ] || echo "left out of the medians (did not pass):$failed (kept in $out)"

printf '%-10s %4s' way ok
for p in $phases; do printf ' %9s' "$p"; done
printf '   (median s; spread of total)\n'
for w in booted restored bare; do
	printf '%-10s %4s' "$w" "$(col "$w" total | wc -l)/$runs"
	for p in $phases; do col "$w" "$p" | median | xargs printf ' %9s'; done
	printf '   %s\n' "$(col "$w" total | spread)"
done
echo "restore (restored runs' boot phase: libvirt restore + the agent's hello): median $(
	for i in $(seq "$runs"); do phases_of restored "$i" >/dev/null && num "$out/restored-$i/results.json" restore_ms; done | median) s"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "-" && b != "-" && b > 0) printf "%.2f", a / b; else printf "-" }'; }
after() { for i in $(seq "$runs"); do phases_of "$1" "$i" | awk '{s=0; for (k=2; k<=5; k++) {split($k, kv, "="); s+=kv[2]} print s}'; done; }
printf 'ratio hotplug-test / bare, phases after boot (goal <= 1.10):\n'
for w in booted restored; do
	printf '  %-9s' "$w"
	for p in plug online verify teardown; do
		printf ' %s %s' "$p" "$(ratio "$(col "$w" "$p" | median)" "$(col bare "$p" | median)")"
	done
	printf '  all after boot %s\n' "$(ratio "$(after "$w" | median)" "$(after bare | median)")"
done
printf 'boot against boot: hotplug-test booted / bare %s; restored / bare boot %s\n' \
	"$(ratio "$(col booted boot | median)" "$(col bare boot | median)")" \
	"$(ratio "$(col restored boot | median)" "$(col bare boot | median)")"
[ -n "$failed" ] || rm -rf "$out"
