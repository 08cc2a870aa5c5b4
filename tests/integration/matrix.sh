#!/bin/bash
# `hotplug-test matrix` on real guests of all three arches: the table, junit.xml (valid
# against tests/unit/junit.xsd), results.json, the exit code, per-arch verdicts and
# evidence (pseries DLPAR, s390x SKIP reason, boot-memory offline/online everywhere), a
# kernel brought with --kernel/--modules, and a job killed mid-run that must not take
# the others down nor leave its guest behind.
set -u
. "$(dirname "$0")/lib.sh"
out=${1:-$out}
cd "$top"
m=$out/matrix

# no QEMU started for anything under DIR (other people's guests do not count)
no_qemu_in() { ! pgrep -f "qemu-system-.*$1" >/dev/null; }
cell() { grep -Eq "^$1 +.*" "$m.out" && grep -E "^$1 " "$m.out" | grep -Eq -- "$2"; }
job() { grep -Eq -- "$3" "$m/$1.$2/results.json"; }
# verdict SCENARIO ARCH CHECK VERDICT: results.json's check CHECK has VERDICT
verdict() { grep -A2 "\"name\": \"$3\"," "$m/$1.$2/results.json" | grep -q "\"verdict\": \"$4\""; }
xp() { xmllint --xpath "$1" "$m/junit.xml" 2>/dev/null; }

# bad input: exit 2 with the reason, before anything is built or booted
merr() {
	local name=$1 re=$2 rc; shift 2
	"$bin" matrix "$@" >"$out/merr.out" 2>&1; rc=$?
	check "matrix: $name (exit $rc)" eval '[ "$rc" -eq 2 ] && grep -Eq -- "$re" "$out/merr.out"'
}
merr "unknown arch" "unknown arch 'mips'" --arch mips scenarios/dimm-memmap-off.scn
merr "a bad scenario names file:line" '^tests/scenarios/bad-size.scn:2: ' tests/scenarios/bad-size.scn
merr "--kernel without ARCH= needs one arch" 'say which arch' --kernel /x scenarios/dimm-memmap-off.scn
merr "--modules without --kernel" 'no --kernel for s390x' --modules s390x=/x scenarios/dimm-memmap-off.scn

start=$(date +%s)
"$bin" matrix -j 2 --out "$m" scenarios/logical-offline-online.scn scenarios/dimm-memmap-off.scn \
	tests/scenarios/expect-wrong-placement.scn tests/scenarios/blocks-no-movable.scn \
	>"$m.out" 2>"$m.err"
rc=$?
echo "# matrix of 12 jobs took $(($(date +%s) - start)) s"
check "matrix: exit 1 (a job FAILed), got $rc" test "$rc" -eq 1 || sed 's/^/    /' "$m.out" "$m.err" | tail -30
check "matrix: table has one column per arch" grep -Eq '^scenario +x86_64 +ppc64le +s390x' "$m.out"
check "matrix: boot-memory offline/online PASSes on all three arches" \
	cell logical-offline-online 'PASS +[0-9.]+ s +PASS +[0-9.]+ s +PASS +[0-9.]+ s'
check "matrix: DIMM PASSes on x86_64 and ppc64le, SKIPs on s390x" \
	cell dimm-memmap-off 'PASS +[0-9.]+ s +PASS +[0-9.]+ s +SKIP'
check "matrix: the negative control FAILs on x86_64, SKIPs elsewhere (arch line)" \
	cell expect-wrong-placement 'FAIL +[0-9.]+ s +SKIP +[0-9.]+ s +SKIP'
check "matrix: \`blocks\` without ZONE_MOVABLE SKIPs, offlines nothing" \
	grep -q 'blocks-no-movable.x86_64: line 7: blocks: blocks b: the guest has no online movable' "$m.out"
check "matrix: the SKIP says why" grep -q 'dimm-memmap-off.s390x: line 5: plug: QEMU 7.2 offers no memory device on s390x' "$m.out"
check "matrix: s390x DIMM SKIPped without booting a guest" test ! -e "$m/dimm-memmap-off.s390x/console.log"
check "matrix: s390x offlined and onlined boot blocks, exact" \
	verdict logical-offline-online s390x "no-leak MemTotal" PASS
check "matrix: s390x boot blocks' memmap proven elsewhere by the probe (cross-built)" \
	job logical-offline-online s390x '"method":"proven","probe":\{"placement":"elsewhere","memmap_pages":2048,"backed_inside":0'
check "matrix: ppc64le placement elsewhere, as modelled for 6.1" \
	job dimm-memmap-off ppc64le '"model_says":"ppc64le gains memmap_on_memory in 6.6'
check "matrix: ppc64le LMB removed after offlining (teardown order)" \
	verdict dimm-memmap-off ppc64le "teardown order" PASS
check "matrix: junit.xml validates against the JUnit schema" \
	xmllint --noout --schema tests/unit/junit.xsd "$m/junit.xml"
check "matrix: junit has 12 testcases, 1 failure, 6 skipped in 3 suites" \
	test "$(xp 'concat(count(//testcase),"/",count(//failure),"/",count(//skipped),"/",count(//testsuite))')" = 12/1/6/3
check "matrix: junit classname is the arch" \
	test "$(xp 'count(//testsuite[@name="ppc64le"]/testcase[@classname="ppc64le"])')" = 4
check "matrix: the failure carries the evidence" \
	test "$(xp 'count(//failure[contains(.,"expected_from")])')" = 1
check "matrix: results.json has every run with its own results" \
	test "$(grep -c '"scenario": ' "$m/results.json")" -ge 24
check "matrix: results.json holds the exit code" grep -q '"exit_code": 1' "$m/results.json"
check "matrix: each job's KTAP and log kept in its run dir" \
	test -s "$m/dimm-memmap-off.ppc64le/run.ktap" -a -e "$m/dimm-memmap-off.ppc64le/run.log"
check "matrix: no guest left behind" no_qemu_in "$m/"

# a kernel brought by the user: the Debian ppc64le image and modules, passed by path
# (no probe module is built for it: --no-probe accepts placement inferred, issue 12)
o=$out/own
"$bin" matrix --arch ppc64le --no-probe --kernel build/ppc64le/kernel/vmlinuz \
	--modules ppc64le=build/ppc64le/kernel/modules --out "$o" \
	scenarios/logical-offline-online.scn >"$o.out" 2>"$o.err"
rc=$?
check "own kernel: exit 0, got $rc" test "$rc" -eq 0 || sed 's/^/    /' "$o.out" "$o.err" | tail -20
check "own kernel: release read from the image (the one fetched: $(cat build/ppc64le/kernel/version))" \
	grep -q "\"release\": \"$(cat build/ppc64le/kernel/version)\"" "$o/results.json"
check "own kernel: the job booted it" \
	grep -q "\"kernel\": \"$(cat build/ppc64le/kernel/version)\"" "$o/logical-offline-online.ppc64le/results.json"
check "own kernel: its initramfs was built in the output dir" test -s "$o/kernels/ppc64le/initramfs.cpio.gz"

# a job dies (SIGKILL, as in a crash) while another runs: only it is an ERROR
k=$out/kill
"$bin" matrix -j 2 --arch x86_64,s390x --out "$k" scenarios/logical-offline-online.scn \
	>"$k.out" 2>"$k.err" &
mpid=$!
for _ in $(seq 600); do
	grep -qs hello "$k/logical-offline-online.x86_64/agent.log" && break
	kill -0 $mpid 2>/dev/null || break
	sleep 0.1
done
victim=$(pgrep -P $mpid -f 'run --arch x86_64')
check "kill: the x86_64 job was running (pid ${victim:-none})" test -n "$victim"
[ -n "$victim" ] && kill -KILL "$victim"
wait $mpid; rc=$?
check "kill: exit 2 (ERROR), got $rc" test "$rc" -eq 2 || sed 's/^/    /' "$k.out" "$k.err" | tail -20
check "kill: the killed job is an ERROR naming the signal" \
	grep -Eq '^ERROR logical-offline-online.x86_64: .*signal 9' "$k.out"
check "kill: the other job still PASSes" grep -Eq '^logical-offline-online +ERROR .* PASS ' "$k.out"
check "kill: its guest was destroyed" no_qemu_in "$k/"
check "kill: junit.xml still valid" xmllint --noout --schema tests/unit/junit.xsd "$k/junit.xml"

# SIGTERM to the matrix: every job stops, cleans up and reports; the matrix still writes
t=$out/term
"$bin" matrix -j 1 --arch x86_64 --out "$t" scenarios/logical-offline-online.scn \
	scenarios/dimm-memmap-off.scn >"$t.out" 2>"$t.err" &
mpid=$!
for _ in $(seq 600); do
	grep -qs hello "$t/logical-offline-online.x86_64/agent.log" && break
	kill -0 $mpid 2>/dev/null || break
	sleep 0.1
done
kill -TERM $mpid
start=$(date +%s)
wait $mpid; rc=$?
check "term: exit 2, got $rc" test "$rc" -eq 2 || sed 's/^/    /' "$t.out" "$t.err" | tail -20
check "term: stopped within 20 s" test $(($(date +%s) - start)) -le 20
check "term: the running job says it was interrupted" grep -q 'interrupted' "$t/logical-offline-online.x86_64/results.json"
check "term: the waiting job was not started" grep -Eq '^ERROR dimm-memmap-off.x86_64: not started: interrupted' "$t.out"
check "term: junit.xml written, 2 errors" test "$(xmllint --xpath 'count(//error)' "$t/junit.xml")" = 2
check "term: no guest left behind" no_qemu_in "$t/"

echo "matrix: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
