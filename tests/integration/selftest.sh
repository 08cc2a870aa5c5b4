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
done_testing
