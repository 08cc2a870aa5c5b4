#!/bin/bash
# The matrix on many machines (issue 17, items 3-4), on real guests: `matrix --shard K/N`
# on two "machines" at once and `merge` joining them into what one matrix would have
# written; and `--connect` to a libvirt host that is not us: a libvirtd of our own
# (libvirtd-sandbox.sh: its own dirs and socket, in a mount namespace where /work and /tmp
# are empty, so the kernel, initramfs and NVDIMM file can only reach its QEMU through
# libvirt), next to the embedded driver, killed mid-run once: its job is an ERROR naming
# the host, the others finish on the embedded driver, and the QEMU it left is reaped.
. "$(dirname "$0")/lib.sh"
sandbox=$top/tests/integration/libvirtd-sandbox.sh
lvd=$out/lvd

# ---- bad input: exit 2 with the reason, nothing booted ---------------------------------
s=scenarios/dimm-memmap-off.scn
hpt_says "shard: K above N" 2 '--shard 3/2: want K/N with 1 <= K <= N' matrix --shard 3/2 $s
hpt_says "shard: not K/N" 2 '--shard 2: want K/N' matrix --shard 2 $s
hpt_says "shard: --shard-times alone" 2 '--shard-times needs --shard K/N' \
	matrix --shard-times x.json $s
hpt_says "shard: a missing times file is named" 2 '--shard-times /nonexistent/r.json: ' \
	matrix --shard 1/2 --shard-times /nonexistent/r.json $s
hpt_says "connect: a bad URI in the list" 2 'connect nope: not a libvirt URI' \
	matrix --connect qemu:///embed --connect nope $s
hpt_says "connect: a host given twice" 2 'given twice' \
	matrix --connect qemu:///embed --connect qemu:///embed $s
hpt_says "merge: no dir" 2 'name the matrix output dirs' merge
hpt_says "merge: no matrix there" 2 '/nonexistent/results.json: ' merge /nonexistent

# ---- two shards at once, joined ----------------------------------------------------------
# 6 jobs: boot memory offline/online (PASS both), a DIMM (PASS, SKIP on s390x), the
# negative control (FAIL on x86_64, SKIP on s390x)
scns="scenarios/logical-offline-online.scn scenarios/dimm-memmap-off.scn tests/scenarios/expect-wrong-placement.scn"
jobs="dimm-memmap-off.s390x dimm-memmap-off.x86_64 expect-wrong-placement.s390x expect-wrong-placement.x86_64 logical-offline-online.s390x logical-offline-online.x86_64"
keys() { local i=0 d; while d=$("$jget" "$1/results.json" /runs/$i/run_dir 2>/dev/null); do basename "$d"; i=$((i + 1)); done; }
if need x86_64 s390x xmllint "shard: two shards of a 6-job matrix, joined"; then
	t0=$SECONDS
	hpt_bg matrix -j 1 --arch x86_64,s390x --shard 1/2 --out "$out/s1" $scns >"$out/s1.out" 2>"$out/s1.err"
	p1=$bg_pid
	hpt_bg matrix -j 1 --arch s390x,x86_64 --shard 2/2 --out "$out/s2" $(echo $scns | tr ' ' '\n' | tac) \
		>"$out/s2.out" 2>"$out/s2.err"
	p2=$bg_pid
	wait "$p1"; rc1=$?
	wait "$p2"; rc2=$?
	diag "two shards side by side took $((SECONDS - t0)) s"
	check "shard: both shards ran (exit $rc1, $rc2)" test "$rc1" -le 2 -a "$rc2" -le 2 ||
		diag "$(tail -n 20 "$out/s1.out" "$out/s1.err" "$out/s2.out" "$out/s2.err")"
	check "shard: each says which part it ran" grep -q 'shard 1/2: 3 of the matrix.s 6 jobs' "$out/s1.out"
	check "shard: every job in exactly one shard (named in another order on the other)" \
		test "$( (keys "$out/s1"; keys "$out/s2") | sort | tr '\n' ' ')" = "$jobs "
	check "shard: the same plan on both" test "$("$jget" "$out/s1/results.json" /matrix/shard/plan)" = \
		"$("$jget" "$out/s2/results.json" /matrix/shard/plan)"
	json_at "$out/s2/results.json" /matrix/shard/index 2 /matrix/shard/count 2 /matrix/shard/jobs_total 6 \
		/matrix/shard/by count

	hpt merge --out "$out/m" "$out/s2" "$out/s1" >"$out/m.out" 2>"$out/m.err"
	rc=$?
	check "merge: exit 1, the FAIL of the negative control (got $rc)" test "$rc" -eq 1 ||
		diag "$(cat "$out/m.out" "$out/m.err")"
	check "merge: one table, one column per arch" grep -Eq '^scenario +x86_64 +s390x' "$out/m.out"
	check "merge: the negative control FAILs on x86_64, SKIPs on s390x" \
		grep -Eq '^expect-wrong-placement +FAIL +[0-9.]+ s +SKIP' "$out/m.out"
	check "merge: all 6 runs in the matrix's order" \
		json_at "$out/m/results.json" /runs/0/index 0 /runs/5/index 5 /runs/0/scenario logical-offline-online \
		/runs/0/arch x86_64 /runs/5/scenario expect-wrong-placement /runs/5/arch s390x
	check "merge: its results.json says what was joined" \
		json_at "$out/m/results.json" /matrix/merged/0/shard 2/2 /matrix/merged/1/shard 1/2 /matrix/exit_code 1
	check "merge: junit.xml validates" xmllint --noout --schema tests/unit/junit.xsd "$out/m/junit.xml"
	check "merge: junit has 6 testcases, 1 failure, 3 skipped" \
		test "$(xmllint --xpath 'concat(count(//testcase),"/",count(//failure),"/",count(//skipped))' "$out/m/junit.xml")" = 6/1/3
	check "merge: every run dir joined, its report linked from index.html" \
		test "$(grep -o 'href="[^"]*/report.html"' "$out/m/index.html" | sort -u | wc -l)" = 6 -a \
		-s "$out/m/logical-offline-online.s390x/report.html"
	check "merge: a run's evidence came along" \
		evidence m/expect-wrong-placement.x86_64 "placement d0" /method '~^(proven|inferred)'
	hpt_says "merge: a shard missing is refused" 2 'shard\(s\) missing: 2/2' merge --out "$out/x1" "$out/s1"
	check "merge: and writes nothing" test ! -e "$out/x1/results.json"

	# the times of that matrix balance the next split: 6 jobs in 7 shards, the 7th empty
	hpt matrix --arch x86_64,s390x --shard 7/7 --shard-times "$out/m/results.json" --out "$out/e" \
		$scns >"$out/e.out" 2>"$out/e.err"
	rc=$?
	check "times: an empty shard runs nothing and passes (exit $rc)" test "$rc" -eq 0
	check "times: split by the recorded times of all 6 jobs" \
		grep -q "split by times $out/m/results.json (6 of 6 jobs known)" "$out/e.err"
	check "times: its results.json is shard 7/7 and has no run" \
		bash -c "'$jget' '$out/e/results.json' /matrix/shard/index | grep -qx 7 &&
			! '$jget' '$out/e/results.json' /runs/0 >/dev/null 2>&1"
	hpt_says "merge: shards of different plans are refused" 2 'split different matrices' \
		merge --out "$out/x2" "$out/s1" "$out/e"
	check "shard: no guest left behind" no_leftovers
fi

# ---- a libvirt host that is not us -------------------------------------------------------
if need x86_64 libvirtd "remote: a libvirtd of our own"; then
	trap 'st=$?; "$sandbox" stop "$lvd" >/dev/null 2>&1; (exit $st); _at_exit' EXIT
	uri=$("$sandbox" start "$lvd")
	check "remote: our libvirtd answers on a unix socket in its own dir" test -n "$uri" ||
		diag "$(tail -n 20 "$lvd/daemon.out" "$lvd/log/libvirtd.log" 2>/dev/null)"

	# an NVDIMM scenario: kernel, initramfs (with ndctl) and the backing file go through
	# the pool; the sandbox cannot see /work or /tmp
	scenario nvd 0 scenarios/nvdimm-dax-kmem.scn --connect "$uri"
	verdict nvd "no-leak MemTotal" PASS
	check "remote: kernel, initramfs and NVDIMM file are volumes of the host's pool" \
		test "$(grep -c '/var/lib/libvirt/images/hotplug-test/' "$out/nvd/domain.xml")" -ge 3
	check "remote: the domain names nothing of this machine's" \
		bash -c "! grep -Eq '$top|$out' '$out/nvd/domain.xml'"
	check "remote: console and agent channel reach us through libvirt streams" \
		grep -q "<serial type='pty'>" "$out/nvd/domain.xml"
	check "remote: qemu.log says where QEMU's log is" grep -q 'its log stays there' "$out/nvd/qemu.log"
	vols() { virsh -q -c "$uri" vol-list hotplug-test 2>/dev/null | awk '{print $1}' | sort; }
	check "remote: the run's own volumes are gone; the images stay, each marked complete" \
		test -z "$(vols | grep -v '^img-')" -a "$(vols | grep -c '\.ok$')" -ge 2
	n=$(vols | wc -l)

	# a panic on the remote host: the console streamed here is the evidence, a FAIL
	scenario panic 1 tests/scenarios/fault-panic-op.scn --connect "$uri"
	check "remote panic: typed FAIL with the streamed console's panic lines" \
		check_has panic "line 7: pressure" /verdict FAIL /evidence/console_excerpt '~Kernel panic'
	check "remote panic: the images were not uploaded again ($n volumes)" test "$(vols | wc -l)" -eq "$n"

	# the matrix over both hosts; the daemon is killed while its first job runs
	k=$out/kill
	hpt_bg matrix -j 1 --arch x86_64 --connect qemu:///embed --connect "$uri" --out "$k" \
		scenarios/dimm-memmap-off.scn scenarios/logical-offline-online.scn \
		scenarios/dimm-memmap-on-memory.scn scenarios/dimm-multiblock.scn >"$k.out" 2>"$k.err"
	remote_up() {
		local f
		for f in "$k"/*/domain.xml; do
			grep -qs 'images/hotplug-test' "$f" && grep -qs hello "$(dirname "$f")/agent.log" &&
				return 0
		done
		return 1
	}
	end=$((SECONDS + 240 * ${HPT_TIMEOUT_SCALE:-1}))
	until remote_up || [ "$SECONDS" -ge "$end" ] || ! kill -0 "$bg_pid" 2>/dev/null; do sleep 0.2; done
	victim=$("$sandbox" pid "$lvd")
	check "kill: a job runs on our libvirtd (daemon pid ${victim:-none})" remote_up
	[ -z "$victim" ] || kill -KILL "$victim"
	bg_wait
	diag "$(grep -E '^(PASS|FAIL|ERROR|SKIP) +[^ ]+ in ' "$k.out")"
	check "kill: exit 2 (an ERROR), got $rc" test "$rc" -eq 2 || diag "$(tail -n 25 "$k.out" "$k.err")"
	check "kill: the job on the dead host is an ERROR naming it" \
		grep -Eq "^ERROR .* lost the connection to the libvirt host qemu\+unix://" "$k.out"
	check "kill: exactly one ERROR, the three other jobs PASS" \
		test "$(grep -Ec '^ERROR +[^ ]+ in ' "$k.out")/$(grep -Ec '^PASS +[^ ]+ in ' "$k.out")" = 1/3
	check "kill: the host is down and says why" grep -q "is down (.*Connection refused)" "$k.err"
	check "kill: the jobs after it ran on the embedded driver" \
		grep -Eq "^host qemu:///embed: 3 job" "$k.out"
	check "kill: results.json names each run's host" \
		bash -c "grep -c '\"host\": \"qemu+unix' '$k/results.json' | grep -qx 1"
	left=$("$sandbox" qemus "$lvd")
	check "kill: the dead daemon left its QEMU running (pid ${left:-none})" test -n "$left"
	check "kill: reaped" "$sandbox" stop "$lvd"
	check "kill: no QEMU of the dead daemon left" test -z "$("$sandbox" qemus "$lvd")"
	check "kill: no guest of the embedded jobs left" no_leftovers kill
fi

done_testing
