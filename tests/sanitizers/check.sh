#!/bin/bash
# Sanitizer checks of make check:
#   check.sh asan SCENARIO UNIT_BIN…   unit tests and one real scenario with the ASan+UBSan
#                                      controller (build/asan/hotplug-test) and agent
#   check.sh valgrind SCENARIO          the normal controller under valgrind on one scenario
# Prints "NAME: N passed, M failed"; keeps its output dir only when something failed.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
mode=$1 scn=$2
shift 2
out=$(mktemp -d /tmp/hpt-san.XXXXXX)
pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "ok - $*"; }
bad() { fail=$((fail + 1)); echo "not ok - $*"; }
check() { local n=$1; shift; if "$@"; then ok "$n"; else bad "$n"; fi; }
reports='AddressSanitizer|LeakSanitizer|runtime error:|SUMMARY: UndefinedBehaviorSanitizer'
# the run's verdict and time, and the last lines of its output when it failed
ran() {
	local name=$1 rc=$2
	if [ "$rc" -eq 0 ]; then
		ok "$name: scenario passed ($(grep -o 'PASS in [0-9.]* s' "$out/run.ktap"))"
	else
		bad "$name: exit $rc"
		tail -n 25 "$out/run.ktap" "$out/run.err" | sed 's/^/    /'
	fi
}

case $mode in
asan)
	export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:detect_stack_use_after_return=1
	export LSAN_OPTIONS=suppressions=$top/tests/sanitizers/lsan.supp:print_suppressions=0
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
	# unit tests: memory errors and UB; their own allocations live until exit by design,
	# so leaks are judged on the controller's run below
	ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=0 tests/unit/run-all.sh "$@" >"$out/unit.log" 2>&1
	rc=$?
	if [ $rc -eq 0 ] && ! grep -Eq "$reports" "$out/unit.log"; then
		ok "asan: unit tests ($(tail -1 "$out/unit.log"))"
	else
		bad "asan: unit tests (exit $rc)"; grep -E -A12 "$reports|not ok" "$out/unit.log" | head -40
	fi
	HPT_TOP=$top build/asan/hotplug-test run --kernel "build/x86_64/kernel/vmlinux" \
		--initrd build/asan/x86_64/initramfs.cpio --out "$out/run" "$scn" \
		>"$out/run.ktap" 2>"$out/run.err"
	ran "asan: controller and agent" $?
	check "asan: no sanitizer report from the controller" \
		bash -c "! grep -Eq '$reports' '$out/run.err'"
	check "asan: no sanitizer report from the agent (guest console)" \
		bash -c "! grep -Eq '$reports' '$out/run/console.log'"
	check "asan: the guest ran the sanitized agent" \
		grep -q 'build/asan/x86_64/initramfs.cpio' "$out/run/domain.xml"
	;;
valgrind)
	# one log per process (%p): libvirt forks helpers that exit without exec, and their
	# exit status must stay theirs; only the controller's own log is judged
	valgrind --trace-children=no --leak-check=full --errors-for-leak-kinds=definite \
		--show-leak-kinds=definite --suppressions="$top/tests/sanitizers/valgrind.supp" \
		--log-file="$out/valgrind.%p.log" \
		build/hotplug-test run --out "$out/run" "$scn" >"$out/run.ktap" 2>"$out/run.err" &
	vpid=$!
	wait $vpid
	ran "valgrind: controller" $?
	log=$out/valgrind.$vpid.log
	if grep -q 'ERROR SUMMARY: 0 errors' "$log"; then
		ok "valgrind: no error and no definite leak in the controller ($(grep -o 'definitely lost: [0-9,]* bytes' "$log" || echo 'definitely lost: 0 bytes'))"
	else
		bad "valgrind: errors or leaks:"; grep -v '^==[0-9]*== *$' "$log" | head -60 | sed 's/^/    /'
	fi
	;;
*)
	echo "usage: $0 asan|valgrind SCENARIO [UNIT_BIN…]" >&2; exit 2 ;;
esac
echo "sanitizers-$mode: $pass passed, $fail failed"
if [ "$fail" -eq 0 ]; then rm -rf "$out"; else echo "output kept in $out"; exit 1; fi
