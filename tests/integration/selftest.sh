#!/bin/bash
# The harness tests itself (like git's t0000-basic.sh), no VM: every assertion of lib.sh
# passes on what a recorded run says and fails on anything else, on a missing file or
# check, on a name that repeats; prerequisites SKIP visibly and fail under
# HPT_IT_STRICT=1; a script that stops before done_testing fails. The runs are
# results.json files recorded from real guests (tests/fixtures/x86_64-deb6.1-results).
. "$(dirname "$0")/lib.sh"
fx=$top/tests/fixtures/x86_64-deb6.1-results
n=0

# inner SNIPPET: runs SNIPPET as a script of its own (lib.sh sourced, done_testing after
# it); its TAP in $out/inner-N.tap, its exit code in $inner_rc
inner() {
	n=$((n + 1))
	printf '. %q\n%s\ndone_testing\n' "$top/tests/integration/lib.sh" "$1" >"$out/inner-$n.sh"
	env -u HPT_IT_STRICT -u HPT_IT_ALLOW_SKIP HPT_IT_OUT="$out/inner-$n" \
		bash "$out/inner-$n.sh" >"$out/inner-$n.tap" 2>&1
	inner_rc=$?
}
# gives WANT SNIPPET: the snippet's one test is `ok` (WANT=ok), `not ok` or a SKIP
gives() {
	local want=$1 snippet=$2 got
	inner "$snippet"
	got=$(grep -E '^(not )?ok 1 ' "$out/inner-$n.tap")
	case $want in
	ok) [[ $got == "ok 1 "* && $got != *"# SKIP"* ]] ;;
	"not ok") [[ $got == "not ok 1 "* ]] ;;
	skip) [[ $got == "ok 1 "*"# SKIP "* ]] ;;
	esac || { _why+=("got: ${got:-no test}" "$(head -n 12 "$out/inner-$n.tap")"); return 1; }
}
t() { check "${1//"$fx"/FX} gives $2" gives "$2" "$1"; }

# verdict: by name, exactly one check, NAME@LINE where a name repeats
t "verdict $fx/mom 'placement d0' PASS" ok
t "verdict $fx/mom 'placement d0' FAIL" "not ok"
t "verdict $fx/wrong 'placement d0' FAIL" ok
t "verdict $fx/mom 'placement d7' PASS" "not ok"
t "verdict $fx/nothing-here 'placement d0' PASS" "not ok"
t "verdict $fx/zram 'offline d0' PASS" "not ok"
t "verdict $fx/zram 'offline d0@14' PASS" ok
t "verdict $fx/zram 'offline d0@12' PASS" "not ok"
t "verdict $fx/mom 'no-leak MemTotal' PASS 'no-leak zones' PASS" ok
t "verdict $fx/mom 'no-leak MemTotal' PASS 'no-leak zones' FAIL" "not ok"
# evidence: exact, ERE, numeric, every pair
t "evidence $fx/mom 'placement d0' /probe/backed_inside 512 /method proven" ok
t "evidence $fx/mom 'placement d0' /probe/backed_inside 512 /method inferred" "not ok"
t "evidence $fx/mom 'placement d0' /probe/backed_inside 511" "not ok"
t "evidence $fx/mom 'placement d0' /probe/backed_inside 5120" "not ok"
t "evidence $fx/mom 'placement d0' /probe/backed_inside '>=512'" ok
t "evidence $fx/mom 'placement d0' /probe/backed_inside '<512'" "not ok"
t "evidence $fx/mom 'placement d0' /model_says '~memmap_on_memory enabled'" ok
t "evidence $fx/mom 'placement d0' /model_says '~^memmap_on_memory enabled'" "not ok"
t "evidence $fx/mom 'placement d0' /observed '>0'" "not ok"
t "evidence $fx/mom 'placement d0' /probe/nonesuch '~^'" "not ok"
t "evidence $fx/mom 'placement d0' /probe/backed_inside" "not ok"
t "evidence $fx/zram 'offline d0@11' /counters/zspages.0.Movable/after 0" ok
t "evidence $fx/wrong 'placement d0' /expected elsewhere /expected_from scenario" ok
# the check itself, the summary, the top level, any check, absence
t "check_has $fx/wrong 'placement d0' /verdict FAIL /line 9" ok
t "summary_has $fx/mom 'teardown order' '^1 removal\\(s\\), each after'" ok
t "summary_has $fx/mom 'teardown order' '^2 removal'" "not ok"
t "result $fx/mom /verdict PASS /kernel '~^6\\.1\\.'" ok
t "result $fx/wrong /verdict PASS" "not ok"
t "some_check $fx/wrong /summary '~observed on-block'" ok
t "some_check $fx/mom /summary '~observed on-block'" "not ok"
t "absent $fx/mom 'no-leak pins'" ok
t "absent $fx/mom 'kernel log'" "not ok"
# what `! grep -q 'kernel log' \$out/panic-op.ktap` let pass: a run that left no file
t "absent $fx/nothing-here 'kernel log'" "not ok"
t "json_at $fx/zram/results.json /checks/1/name 'offline d0'" ok
# plain checks, TAP, prerequisites
t "check 'true' true" ok
t "check 'false' false" "not ok"
t "scenario onlyname" "not ok"
t "need nonesuch 'a typo'" "not ok"
t "need debug-kernel-mips 'no such kernel'" skip
t "HPT_IT_STRICT=1 need debug-kernel-mips 'strict: coverage lost'" "not ok"
t "HPT_IT_STRICT=1 HPT_IT_ALLOW_SKIP='x debug-kernel-mips' need debug-kernel-mips 'allowed'" skip
t "no_leftovers nothing-ran" "not ok"	# no run found: nothing was looked for

inner "check 'a # in a name' true"
check "TAP: a # in a name is escaped, the plan follows" \
	test "$(head -n 2 "$out/inner-$n.tap")" = "$(printf 'ok 1 - a \\# in a name\n1..1')"
inner "check one true; check two false; check three true"
check "TAP: a failure makes the script exit 1 after its plan" \
	eval '[ "$inner_rc" = 1 ] && grep -qx "1\.\.3" "$out/inner-$n.tap"'
inner "check one true; exit 0"
check "TAP: a script that stops before done_testing fails" \
	eval '[ "$inner_rc" = 1 ] && grep -q "^not ok 2 - .* ended before done_testing" "$out/inner-$n.tap"'

# run.sh, side by side and one at a time: scripts of its own in a copy of it. Each fake
# script logs when it starts and ends; a `not ok`, an exit without a plan and a wrong
# plan each fail the whole run and are named, whichever lane they ran in; report (which
# reuses dimm's and matrix's runs) starts only after both ended.
rs=$out/runsh
mkdir -p "$rs"
cp "$top/tests/integration/run.sh" "$rs/"
fake() {	# NAME SECONDS BODY
	printf '#!/bin/bash
echo "start %s" >>%q/order
sleep %s
%s
echo "end %s" >>%q/order
' \
		"$1" "$rs" "$2" "$3" "$1" "$rs" >"$rs/$1.sh"
}
fake dimm 0.6 'echo "ok 1 - d"; echo 1..1'
fake matrix 0.9 'echo "ok 1 - m"; echo "not ok 2 - m2"; echo 1..2'
fake report 0.1 'echo "ok 1 - r"; echo 1..1'
fake input 0.1 'echo "ok 1 - i"; echo 1..1'
fake noplan 0.1 'echo "ok 1 - n"'
fake badplan 0.1 'echo "ok 1 - b"; echo 1..2'
# most scripts running at once, from the start/end log
most() { awk '/^start/ {n++; if (n > m) m = n} /^end/ {n--} END {print m + 0}' "$1"; }
for j in 2 1; do
	rm -f "$rs/order"
	HPT_IT_JOBS=$j HPT_IT_OUT="$rs/out$j" bash "$rs/run.sh" dimm report matrix input noplan badplan \
		>"$rs/run$j.out" 2>&1
	rc=$?
	mv "$rs/order" "$rs/order$j"
	check "run.sh, $j at a time: a failing script fails the run (exit 1, got $rc)" test "$rc" = 1
	check "run.sh, $j at a time: the not ok, the missing plan and the wrong plan are named" \
		eval "grep -qx 'failing: matrix (1 not ok)' '$rs/run$j.out' &&
		      grep -qx 'failing: noplan (no plan)' '$rs/run$j.out' &&
		      grep -qx 'failing: badplan (plan 1..2 but 1 tests)' '$rs/run$j.out'"
	check "run.sh, $j at a time: every test counted once" \
		grep -q '^integration: 6 passed, 3 failed, 0 skipped in 6 scripts' "$rs/run$j.out"
	check "run.sh, $j at a time: at most $j ran at once, and $j did (got $(most "$rs/order$j"))" \
		test "$(most "$rs/order$j")" = "$j"
	check "run.sh, $j at a time: report started after dimm and matrix ended" \
		awk '/^end dimm/ {d = NR} /^end matrix/ {m = NR} /^start report/ {r = NR}
		     END {exit !(d && m && r > d && r > m)}' "$rs/order$j"
done
# deadlines: a script that hangs is ended after HPT_IT_SCRIPT_TIMEOUT and named, with what
# it had started, which ends too (here a sleep standing for a run); once HPT_IT_TIMEOUT is
# up, what has not started is named; both fail the run, which still sums up. The hanging
# script's limit is 2 s, or 1 s when run.sh crossed a second of the run's 2 before it
# started it (bash's SECONDS counts whole seconds: CI63 said "after 1 s")
fake hang 0 'echo "ok 1 - h"; sleep 300 & echo $! >"'"$rs"'/hang.child"; wait'
fake slow 30 'echo "ok 1 - s"; echo 1..1'
for j in 2 1; do
	t0=$SECONDS
	HPT_IT_JOBS=$j HPT_IT_SCRIPT_TIMEOUT=2 HPT_IT_TIMEOUT=2 HPT_IT_OUT="$rs/hang$j" \
		bash "$rs/run.sh" hang slow report >"$rs/hang$j.out" 2>&1
	rc=$?
	child=$(cat "$rs/hang.child" 2>/dev/null)
	check "run.sh, $j at a time: a hanging script is ended and named (exit 1, got $rc, $((SECONDS - t0)) s)" \
		eval "[ $rc = 1 ] && grep -Eqx 'failing: hang \\(timed out after [12] s, no plan\\)' '$rs/hang$j.out' &&
		      grep -q '^#   still running: .*sleep 300' '$rs/hang$j.out'"
	check "run.sh, $j at a time: what it started is gone too" \
		eval "[ -n '$child' ] && ! kill -0 '$child' 2>/dev/null"
	check "run.sh, $j at a time: once the run's time is up, what did not start is named" \
		eval "grep -qx 'failing: report (not started: time up)' '$rs/hang$j.out' &&
		      grep -q '^integration: [0-9]* passed, [1-9][0-9]* failed' '$rs/hang$j.out'"
done
check "run.sh: HPT_IT_SCRIPT_TIMEOUT=x is refused" \
	eval "! HPT_IT_SCRIPT_TIMEOUT=x bash '$rs/run.sh' input >'$rs/bad2.out' 2>&1 && grep -q 'HPT_IT_SCRIPT_TIMEOUT=x' '$rs/bad2.out'"
check "run.sh: HPT_IT_JOBS=x is refused" \
	eval "! HPT_IT_JOBS=x bash '$rs/run.sh' input >'$rs/bad.out' 2>&1 && grep -q 'HPT_IT_JOBS=x' '$rs/bad.out'"
done_testing
