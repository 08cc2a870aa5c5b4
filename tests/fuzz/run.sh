#!/bin/sh
# Runs libFuzzer targets: run.sh SECONDS TARGET… (binaries in build/fuzz/fuzz_TARGET).
# Seeds: tests/fuzz/corpus/TARGET (read only); new inputs: build/fuzz/corpus/TARGET;
# crashes, leaks, timeouts: build/fuzz/crashes/TARGET-*. Prints one line per target and
# fails if any target found something.
set -u
secs=$1; shift
top=$(cd "$(dirname "$0")/../.." && pwd)
fb=$top/build/fuzz
mkdir -p "$fb/crashes"
total=0 bad=0
for t in "$@"; do
	case $t in
	scenario) max=8192 ;;
	proto_host) max=60000 ;;
	proto_agent) max=70000 ;;
	bundle) max=131072 ;;
	probe) max=4096 ;;
	guest_json) max=16384 ;;
	replies) max=16384 ;;
	guest_view) max=32768 ;;
	*) max=16384 ;;
	esac
	mkdir -p "$fb/corpus/$t"
	log=$fb/$t.log
	"$fb/fuzz_$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=$max \
		-print_final_stats=1 -artifact_prefix="$fb/crashes/$t-" \
		"$fb/corpus/$t" "$top/tests/fuzz/corpus/$t" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	units=$(ls "$fb/corpus/$t" | wc -l)
	total=$((total + ${execs:-0}))
	if [ $rc -ne 0 ]; then
		bad=$((bad + 1))
		echo "fuzz $t: FOUND A PROBLEM after ${execs:-?} executions (exit $rc); log $log:"
		grep -E 'ERROR|SUMMARY|Test unit written|==[0-9]+==' "$log" | head -8 | sed 's/^/    /'
	else
		echo "fuzz $t: ${execs:-0} executions in ${secs} s, no crash (corpus $units new inputs)"
	fi
done
echo "fuzz: $total executions, $bad of $# targets found problems"
[ "$bad" -eq 0 ]
