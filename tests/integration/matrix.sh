#!/bin/bash
# `hotplug-test matrix` on real guests of all three arches: the table, junit.xml (valid
# against tests/unit/junit.xsd), results.json, the exit code, per-arch verdicts and
# evidence (pseries DLPAR, s390x SKIP reason, boot-memory offline/online everywhere), a
# kernel brought with --kernel/--modules, and a job killed mid-run that must not take
# the others down nor leave its guest behind.
. "$(dirname "$0")/lib.sh"
m=$out/matrix

cell() { grep -Eq "^$1 +.*" "$m.out" && grep -E "^$1 " "$m.out" | grep -Eq -- "$2"; }
xp() { xmllint --xpath "$1" "$m/junit.xml" 2>/dev/null; }
# every one of the 12 runs in the matrix's results.json carries its own results
own_results() {
	local i s a
	for i in $(seq 0 11); do
		s=$("$jget" "$m/results.json" /runs/$i/scenario) a=$("$jget" "$m/results.json" /runs/$i/arch)
		json_at "$m/results.json" /runs/$i/results/scenario "=$s" /runs/$i/results/arch "=$a" ||
			return 1
	done
	! "$jget" "$m/results.json" /runs/12 >/dev/null 2>&1 || { _why+=("more than 12 runs"); return 1; }
}
# -j 2 keeps two jobs running: a job that starts after the first one ended overlaps
# another (results.json's started_ms/ended_ms). Once the scheduler slept until the next
# end after collecting one, and from the third job on they ran one at a time.
refilled() {
	local i s e lines=""
	for i in $(seq 0 11); do
		s=$("$jget" "$m/results.json" /runs/$i/started_ms) &&
			e=$("$jget" "$m/results.json" /runs/$i/ended_ms) || {
			_why+=("run $i has no started_ms/ended_ms"); return 1; }
		lines+="$s $e"$'\n'
	done
	awk 'NF == 2 { s[NR] = $1; e[NR] = $2; n = NR }
	     END { first = -1
		   for (i = 1; i <= n; i++) if (first < 0 || e[i] < first) first = e[i]
		   for (i = 1; i <= n; i++) if (s[i] >= first)
			   for (k = 1; k <= n; k++) if (k != i && s[k] < e[i] && s[i] < e[k]) exit 0
		   exit 1 }' <<<"$lines" || { _why+=("after the first end no two jobs ran at once"); return 1; }
}

# bad input: exit 2 with the reason, before anything is built or booted
hpt_says "matrix: unknown arch" 2 "unknown arch 'mips'" matrix --arch mips scenarios/dimm-memmap-off.scn
hpt_says "matrix: a bad scenario names file:line" 2 '^tests/scenarios/bad-size.scn:2: ' \
	matrix tests/scenarios/bad-size.scn
hpt_says "matrix: --kernel without ARCH= needs one arch" 2 'say which arch' \
	matrix --kernel /x scenarios/dimm-memmap-off.scn
hpt_says "matrix: --modules without --kernel" 2 'no --kernel for s390x' \
	matrix --modules s390x=/x scenarios/dimm-memmap-off.scn

if need x86_64 ppc64le s390x xmllint "matrix: 12 jobs on three arches"; then
	start=$SECONDS
	hpt matrix -j 2 --out "$m" scenarios/logical-offline-online.scn scenarios/dimm-memmap-off.scn \
		tests/scenarios/expect-wrong-placement.scn tests/scenarios/blocks-no-movable.scn \
		>"$m.out" 2>"$m.err"
	rc=$?
	diag "matrix of 12 jobs took $((SECONDS - start)) s"
	check "matrix: exit 1 (a job FAILed), got $rc" test "$rc" -eq 1 ||
		diag "$(cat "$m.out" "$m.err" | tail -n 30)"
	check "matrix: -j 2 refills a slot when a job ends (two at a time to the end)" refilled
	# the arches are prepared side by side: a second arch's began before the first was done
	# (9 warm Debian kernels: 12.4-14.6 s one after the other, 5.0-5.7 s side by side)
	check "matrix: arches prepared -j at a time (two began before one was done)" \
		awk '/: the default guest is prepared$/ && !done { done = 1; ok = n >= 2 }
		     /preparing the .* guest/ { n++ } END { exit !ok }' "$m.err" ||
		diag "$(grep -E 'prepar' "$m.err")"
	check "matrix: every arch said it was prepared" \
		test "$(grep -c ': the default guest is prepared$' "$m.err")" -eq 3
	check "matrix: table has one column per arch" grep -Eq '^scenario +x86_64 +ppc64le +s390x' "$m.out"
	check "matrix: boot-memory offline/online PASSes on all three arches" \
		cell logical-offline-online 'PASS +[0-9.]+ s +PASS +[0-9.]+ s +PASS +[0-9.]+ s'
	check "matrix: DIMM PASSes on x86_64 and ppc64le, SKIPs on s390x" \
		cell dimm-memmap-off 'PASS +[0-9.]+ s +PASS +[0-9.]+ s +SKIP'
	check "matrix: the negative control FAILs on x86_64, SKIPs elsewhere (arch line)" \
		cell expect-wrong-placement 'FAIL +[0-9.]+ s +SKIP +[0-9.]+ s +SKIP'
	check "matrix: \`blocks\` without ZONE_MOVABLE SKIPs, offlines nothing" \
		grep -q 'blocks-no-movable.x86_64: line 7: blocks: blocks b: the guest has no online movable' "$m.out"
	check "matrix: the SKIP says why" \
		grep -q 'dimm-memmap-off.s390x: line 5: plug: QEMU 7.2 offers no memory device on s390x' "$m.out"
	check "matrix: s390x DIMM SKIPped without booting a guest" \
		test ! -e "$m/dimm-memmap-off.s390x/console.log"
	check "matrix: s390x offlined and onlined boot blocks, exact" \
		verdict matrix/logical-offline-online.s390x "no-leak MemTotal" PASS
	check "matrix: s390x boot blocks' memmap proven elsewhere by the probe (cross-built)" \
		evidence matrix/logical-offline-online.s390x "placement b" /method proven \
		/probe/placement elsewhere /probe/memmap_pages 2048 /probe/backed_inside 0
	check "matrix: ppc64le placement elsewhere, as modelled for 6.1" \
		evidence matrix/dimm-memmap-off.ppc64le "placement d0" \
		/model_says '~^ppc64le gains memmap_on_memory in 6\.6'
	check "matrix: ppc64le LMB removed after offlining (teardown order)" \
		verdict matrix/dimm-memmap-off.ppc64le "teardown order" PASS
	check "matrix: a 1-vCPU pseries guest is restored on the stock QEMU, its timers proven" \
		json_at "$m/dimm-memmap-off.ppc64le/results.json" /restore/used true \
		/restore/timer_ms '~^[0-9]+$' /restore/timer_revived_cpus '~^[01]$'
	check "matrix: junit.xml validates against the JUnit schema" \
		xmllint --noout --schema tests/unit/junit.xsd "$m/junit.xml"
	check "matrix: junit has 12 testcases, 1 failure, 6 skipped in 3 suites" \
		test "$(xp 'concat(count(//testcase),"/",count(//failure),"/",count(//skipped),"/",count(//testsuite))')" = 12/1/6/3
	check "matrix: junit classname is the arch" \
		test "$(xp 'count(//testsuite[@name="ppc64le"]/testcase[@classname="ppc64le"])')" = 4
	check "matrix: the failure carries the evidence" \
		test "$(xp 'count(//failure[contains(.,"expected_from")])')" = 1
	check "matrix: results.json has every run with its own results" own_results
	check "matrix: results.json holds the exit code" json_at "$m/results.json" /matrix/exit_code 1
	check "matrix: each job's KTAP and log kept in its run dir" \
		test -s "$m/dimm-memmap-off.ppc64le/run.ktap" -a -e "$m/dimm-memmap-off.ppc64le/run.log"
	check "matrix: no guest left behind" no_leftovers matrix
fi

# a kernel brought by the user: the Debian ppc64le image and modules, passed by path
if need ppc64le "own kernel: the ppc64le image and modules by path"; then
	o=$out/own
	ver=$(cat build/ppc64le/kernel/version)
	# no probe module is built for a kernel brought by path: --no-probe accepts placement
	# inferred (issue 12)
	hpt matrix --arch ppc64le --no-probe --kernel build/ppc64le/kernel/vmlinuz \
		--modules ppc64le=build/ppc64le/kernel/modules --out "$o" \
		scenarios/logical-offline-online.scn scenarios/nvdimm-altmap.scn >"$o.out" 2>"$o.err"
	rc=$?
	check "own kernel: exit 0, got $rc" test "$rc" -eq 0 || diag "$(cat "$o.out" "$o.err" | tail -n 20)"
	check "own kernel: release read from the image (the one fetched: $ver)" \
		json_at "$o/results.json" /matrix/kernels/0/release "=$ver"
	check "own kernel: the job booted it" result own/logical-offline-online.ppc64le /kernel "=$ver"
	check "own kernel: its initramfs was built in the output dir" \
		test -s "$o/kernels/ppc64le/initramfs.cpio.gz"
	# an NVDIMM scenario's jobs get ndctl/daxctl (own-kernel.sh told through env(1): the
	# matrix prepares arches in threads, which share one environment), the others not
	check "own kernel: the NVDIMM scenario's initramfs has ndctl, the other has not" \
		eval "cpio -it <'$o/kernels/ppc64le/initramfs-tools.cpio.gz' 2>/dev/null | grep -q 'bin/ndctl\$' &&
		      ! cpio -it <'$o/kernels/ppc64le/initramfs.cpio.gz' 2>/dev/null | grep -q 'bin/ndctl\$'"
fi

# a job dies (SIGKILL, as in a crash) while another runs: only it is an ERROR
if need x86_64 s390x xmllint "kill: a job killed mid-run"; then
	k=$out/kill
	hpt_bg matrix -j 2 --arch x86_64,s390x --out "$k" scenarios/logical-offline-online.scn \
		>"$k.out" 2>"$k.err"
	wait_for "$k/logical-offline-online.x86_64/agent.log" hello $bg_pid
	victim=$(pgrep -P $bg_pid -f 'run --arch x86_64')
	check "kill: the x86_64 job was running (pid ${victim:-none})" test -n "$victim"
	[ -n "$victim" ] && kill -KILL "$victim"
	bg_wait
	check "kill: exit 2 (ERROR), got $rc" test "$rc" -eq 2 || diag "$(cat "$k.out" "$k.err" | tail -n 20)"
	check "kill: the killed job is an ERROR naming the signal" \
		grep -Eq '^ERROR logical-offline-online.x86_64: .*signal 9' "$k.out"
	check "kill: the other job still PASSes" grep -Eq '^logical-offline-online +ERROR .* PASS ' "$k.out"
	check "kill: its guest was destroyed" no_leftovers kill
	check "kill: junit.xml still valid" xmllint --noout --schema tests/unit/junit.xsd "$k/junit.xml"
fi

# SIGTERM to the matrix: every job stops, cleans up and reports; the matrix still writes
if need x86_64 xmllint "term: SIGTERM to a matrix"; then
	t=$out/term
	hpt_bg matrix -j 1 --arch x86_64 --out "$t" scenarios/logical-offline-online.scn \
		scenarios/dimm-memmap-off.scn >"$t.out" 2>"$t.err"
	wait_for "$t/logical-offline-online.x86_64/agent.log" hello $bg_pid
	bg_wait TERM
	check "term: exit 2, got $rc" test "$rc" -eq 2 || diag "$(cat "$t.out" "$t.err" | tail -n 20)"
	check "term: stopped within 20 s ($waited s)" test "$waited" -le 20
	check "term: the running job says it was interrupted" \
		some_check term/logical-offline-online.x86_64 /summary '~interrupted'
	check "term: the waiting job was not started" \
		grep -Eq '^ERROR dimm-memmap-off.x86_64: not started: interrupted' "$t.out"
	check "term: junit.xml written, 2 errors" test "$(xmllint --xpath 'count(//error)' "$t/junit.xml")" = 2
	check "term: no guest left behind" no_leftovers term
fi

done_testing
