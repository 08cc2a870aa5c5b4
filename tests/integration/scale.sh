#!/bin/bash
# The matrix on many machines (issue 17, item 3), on real guests: a small x86_64 matrix run
# whole, then as `matrix --shard 1/2` and `--shard 2/2` joined by `merge`: the same job
# and check verdicts, table rows, junit counts and exit code as the whole run; dirs that
# do not make one matrix (a shard missing, twice, of another plan, a matrix twice) are
# refused. And `--connect` to a libvirt host that is not us: a libvirtd of our own
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
hpt_says "shard: K is counted from 1" 2 '--shard 0/2: want K/N with 1 <= K <= N' matrix --shard 0/2 $s
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

# ---- one matrix, and the same matrix as 2 shards joined: the same verdicts ------------
# x86_64, -j 1, 3 jobs: a DIMM (PASS), boot memory offline/online (PASS), the negative
# control (FAIL). By count the split is in key order: shard 1 gets dimm-memmap-off and
# logical-offline-online (exit 0), shard 2 the negative control (exit 1). The shards run
# one after the other here (one guest at a time on this machine); CI runs them apart.
scns="scenarios/dimm-memmap-off.scn scenarios/logical-offline-online.scn tests/scenarios/expect-wrong-placement.scn"
jobs="dimm-memmap-off.x86_64 expect-wrong-placement.x86_64 logical-offline-online.x86_64"
keys() { local i=0 d; while d=$("$jget" "$1/results.json" /runs/$i/run_dir 2>/dev/null); do basename "$d"; i=$((i + 1)); done; }
# "key verdict" per job, then "key check verdict" per check, sorted: what must not change
verdicts() {
	local i=0 c d k n
	while d=$("$jget" "$1/results.json" /runs/$i/run_dir 2>/dev/null); do
		k=$(basename "$d")
		echo "$k $("$jget" "$1/results.json" /runs/$i/verdict)"
		c=0
		while n=$("$jget" "$1/results.json" /runs/$i/results/checks/$c/name 2>/dev/null); do
			echo "$k $n $("$jget" "$1/results.json" /runs/$i/results/checks/$c/verdict)"
			c=$((c + 1))
		done
		i=$((i + 1))
	done | sort
}
rows() { grep -E '^[a-z][a-z0-9-]+ +(PASS|FAIL|ERROR|SKIP)' "$1" | sed -E 's/ +[0-9.]+ s//g; s/ +/ /g'; }
if need x86_64 xmllint "shard: a 3-job matrix whole and as 2 shards joined"; then
	t0=$SECONDS
	hpt matrix -j 1 --arch x86_64 --out "$out/w" $scns >"$out/w.out" 2>"$out/w.err"
	rcw=$?
	tw=$((SECONDS - t0))
	check "whole: exit 1, the negative control's FAIL (got $rcw, $tw s)" test "$rcw" -eq 1 ||
		diag "$(tail -n 20 "$out/w.out" "$out/w.err")"
	t0=$SECONDS
	hpt matrix -j 1 --arch x86_64 --shard 1/2 --out "$out/s1" $scns >"$out/s1.out" 2>"$out/s1.err"
	rc1=$?
	t1=$((SECONDS - t0)) t0=$SECONDS
	hpt matrix -j 1 --arch x86_64 --shard 2/2 --out "$out/s2" $(echo $scns | tr ' ' '\n' | tac) \
		>"$out/s2.out" 2>"$out/s2.err"
	rc2=$?
	diag "whole matrix $tw s; shard 1/2 $t1 s, shard 2/2 $((SECONDS - t0)) s"
	check "shard: 1/2 exits 0, 2/2 exits 1 (got $rc1, $rc2)" test "$rc1/$rc2" = 0/1 ||
		diag "$(tail -n 20 "$out/s1.out" "$out/s1.err" "$out/s2.out" "$out/s2.err")"
	check "shard: each says which part it ran" grep -q 'shard 1/2: 2 of the matrix.s 3 jobs' "$out/s1.out"
	check "shard: every job in exactly one shard (named in another order on the other)" \
		test "$( (keys "$out/s1"; keys "$out/s2") | sort | tr '\n' ' ')" = "$jobs "
	check "shard: the same plan on both" test "$("$jget" "$out/s1/results.json" /matrix/shard/plan)" = \
		"$("$jget" "$out/s2/results.json" /matrix/shard/plan)"
	json_at "$out/s2/results.json" /matrix/shard/index 2 /matrix/shard/count 2 /matrix/shard/jobs_total 3 \
		/matrix/shard/by count

	hpt merge --out "$out/m" "$out/s2" "$out/s1" >"$out/m.out" 2>"$out/m.err"
	rc=$?
	check "merge: the whole matrix's exit code ($rcw), got $rc" test "$rc" -eq "$rcw" ||
		diag "$(cat "$out/m.out" "$out/m.err")"
	check "merge: every job's verdict and every check's verdict as in the whole matrix" \
		test "$(verdicts "$out/m")" = "$(verdicts "$out/w")" ||
		diag "$(diff <(verdicts "$out/w") <(verdicts "$out/m"))"
	check "merge: the same table rows as the whole matrix (times aside)" \
		test "$(rows "$out/m.out")" = "$(rows "$out/w.out")" ||
		diag "$(diff <(rows "$out/w.out") <(rows "$out/m.out"))"
	check "merge: the jobs in the whole matrix's order" \
		test "$(keys "$out/m" | tr '\n' ' ')" = "$(keys "$out/w" | tr '\n' ' ')"
	check "merge: its results.json says what was joined" \
		json_at "$out/m/results.json" /matrix/merged/0/shard 2/2 /matrix/merged/1/shard 1/2 \
		/matrix/exit_code "$rcw"
	check "merge: junit.xml validates" xmllint --noout --schema tests/unit/junit.xsd "$out/m/junit.xml"
	jc() { xmllint --xpath 'concat(count(//testcase),"/",count(//failure),"/",count(//error),"/",count(//skipped))' "$1"; }
	check "merge: junit.xml has the whole matrix's testcases, failures, errors, skips ($(jc "$out/w/junit.xml"))" \
		test "$(jc "$out/m/junit.xml")" = "$(jc "$out/w/junit.xml")"
	check "merge: every run dir joined, its report linked from index.html" \
		test "$(grep -o 'href="[^"]*/report.html"' "$out/m/index.html" | sort -u | wc -l)" = 3 -a \
		-s "$out/m/logical-offline-online.x86_64/report.html"
	check "merge: a run's evidence came along" \
		evidence m/expect-wrong-placement.x86_64 "placement d0" /method '~^(proven|inferred)'

	# dirs that do not make one matrix: refused, named, nothing written
	hpt_says "merge: a shard missing is refused" 2 'shard\(s\) missing: 2/2' merge --out "$out/x1" "$out/s1"
	check "merge: and writes nothing" test ! -e "$out/x1/results.json"
	hpt_says "merge: a shard given twice is refused" 2 'given twice' \
		merge --out "$out/x2" "$out/s1" "$out/s2" "$out/s1"
	hpt_says "merge: a shard with a matrix that is none is refused" 2 'a shard but' \
		merge --out "$out/x3" "$out/s1" "$out/w"
	hpt_says "merge: the whole matrix twice (overlapping jobs) is refused" 2 'in two of the dirs' \
		merge --out "$out/x4" "$out/w" "$out/m"

	# the times of that matrix balance the next split: 3 jobs in 4 shards, the 4th empty
	hpt matrix --arch x86_64 --shard 4/4 --shard-times "$out/m/results.json" --out "$out/e" \
		$scns >"$out/e.out" 2>"$out/e.err"
	rc=$?
	check "times: an empty shard runs nothing and passes (exit $rc)" test "$rc" -eq 0
	check "times: split by the recorded times of all 3 jobs" \
		grep -q "split by times $out/m/results.json (3 of 3 jobs known)" "$out/e.err"
	check "times: its results.json is shard 4/4 and has no run" \
		bash -c "'$jget' '$out/e/results.json' /matrix/shard/index | grep -qx 4 &&
			! '$jget' '$out/e/results.json' /runs/0 >/dev/null 2>&1"
	hpt_says "merge: shards of different plans (mismatched matrices) are refused" 2 \
		'split different matrices' merge --out "$out/x5" "$out/s1" "$out/e"
	check "merge: and writes nothing" test ! -e "$out/x5/results.json"
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
		bash -c "p=/var/lib/libvirt/images/hotplug-test/; grep -q \"<kernel>\$p\" '$out/nvd/domain.xml' &&
			grep -q \"<initrd>\$p\" '$out/nvd/domain.xml' && grep -q \"<path>\$p\" '$out/nvd/domain.xml'"
	check "remote: the domain names nothing of this machine's" \
		bash -c "! grep -Eq '$top|$out' '$out/nvd/domain.xml'"
	check "remote: console and agent channel reach us through libvirt streams" \
		grep -q "<serial type='pty'>" "$out/nvd/domain.xml"
	check "remote: qemu.log says where QEMU's log is" grep -q 'its log stays there' "$out/nvd/qemu.log"
	vols() { virsh -q -c "$uri" vol-list hotplug-test 2>/dev/null | awk '{print $1}' | sort; }
	check "remote: the run's own volumes are gone; the images stay, each marked complete" \
		test -z "$(vols | grep -v '^img-')" -a "$(vols | grep -c '\.ok$')" -ge 2

	# a panic on the remote host: the console streamed here is the evidence, a FAIL
	scenario panic 1 tests/scenarios/fault-panic-op.scn --connect "$uri"
	check "remote panic: typed FAIL with the streamed console's panic lines" \
		check_has panic "line 7: pressure" /verdict FAIL /evidence/console_excerpt '~Kernel panic'
	# the same kernel (its volume is used again); another initramfs (no ndctl): a volume more
	kern() { grep -o '<kernel>[^<]*</kernel>' "$out/$1/domain.xml"; }
	check "remote panic: the kernel was not uploaded again (one vmlinux volume, nvd's)" \
		test "$(vols | grep -c 'vmlinux$')" = 1 -a -n "$(kern nvd)" -a "$(kern nvd)" = "$(kern panic)"

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
