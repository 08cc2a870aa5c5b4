#!/bin/bash
# Faults on real guests (issue #5): each injected fault ends in a typed result with
# evidence, within its deadline, with the domain destroyed and nothing left behind; a
# fault does not stop the next scenario of the run; a killed run's guests are found and
# destroyed by the next start. Scenarios: tests/scenarios/fault-*.scn.
set -u
. "$(dirname "$0")/lib.sh"
out=${1:-$out}
cd "$top"

# run NAME WANT_EXIT FILE…: runs the files into $out/NAME (one dir, or a parent for several)
run() {
	local name=$1 want=$2 rc; shift 2
	rm -rf "$out/$name"
	"$bin" run --out "$out/$name" "$@" >"$out/$name.ktap" 2>"$out/$name.err"
	rc=$?
	if [ "$rc" -eq "$want" ]; then
		ok "$name: exit $rc"
	else
		bad "$name: exit $rc, want $want"; tail -n 30 "$out/$name.ktap" "$out/$name.err" | sed 's/^/    /'
	fi
}
res() { cat "$out/$1/results.json" 2>/dev/null; }
json() { res "$1" | grep -Eq -- "$2"; }
# num NAME KEY: a number from the evidence of NAME's results.json
num() { res "$1" | grep -o "\"$2\":[0-9-]*" | head -1 | cut -d: -f2; }
# within NAME KEY MAX: the number is there and at most MAX
within() { local v; v=$(num "$1" "$2"); [ -n "$v" ] && [ "$v" -le "$3" ]; }

run panic-idle 2 tests/scenarios/fault-panic-idle.scn
check "panic-idle: typed ERROR: a panic outside a kernel operation" \
	json panic-idle '"summary": "kernel panic during inject \(not a kernel operation\): Kernel panic'
check "panic-idle: libvirt reported the crash (pvpanic)" json panic-idle '"lifecycle":"crashed"'
check "panic-idle: the console's panic lines are the evidence" \
	json panic-idle '"console_excerpt":"[^"]*Kernel panic - not syncing: sysrq triggered crash'
check "panic-idle: detected within 15 s ($(num panic-idle guest_silent_ms) ms after the last frame)" \
	within panic-idle guest_silent_ms 15000

run panic-op 1 tests/scenarios/fault-panic-op.scn
check "panic-op: typed FAIL: the kernel died during pressure" \
	json panic-op '"summary": "kernel panic during pressure \(a kernel operation\): Kernel panic'
check "panic-op: the panic lines and the call trace are in the evidence" \
	json panic-op '"console_excerpt":"[^"]*Kernel panic[^"]*Call Trace'
check "panic-op: detected within 15 s ($(num panic-op guest_silent_ms) ms after the last frame)" \
	within panic-op guest_silent_ms 15000
check "panic-op: no kernel-log FAIL on top (the fault reported the console)" \
	bash -c "! grep -q 'kernel log' '$out/panic-op.ktap'"

run hang-op 1 tests/scenarios/fault-hang-op.scn
check "hang-op: typed FAIL: the guest hung during pressure" \
	json hang-op '"summary": "guest hung during pressure \(a kernel operation\)'
check "hang-op: detected by the missed heartbeat within 15 s ($(num hang-op guest_silent_ms) ms)" \
	within hang-op guest_silent_ms 15500
check "hang-op: the vCPU registers say where the guest was" \
	json hang-op '"vcpu_registers":"CPU#0[^"]*RIP=[0-9a-f]+ [^"]*CPL=[03]'

run hang-unplug 1 tests/scenarios/fault-hang-unplug.scn
check "hang-unplug: a hang during the unplug wait is a FAIL by the heartbeat" \
	json hang-unplug '"summary": "guest hung during unplug \(a kernel operation\)'
check "hang-unplug: within 15 s, not at the 60 s unplug timeout ($(num hang-unplug guest_silent_ms) ms)" \
	within hang-unplug guest_silent_ms 15500

run hang-resize 1 tests/scenarios/fault-hang-resize.scn
check "hang-resize: a hang while waiting for a virtio-mem resize is a FAIL by the heartbeat" \
	json hang-resize '"summary": "guest hung during resize \(a kernel operation\)'
check "hang-resize: within 15 s, not at the 60 s resize timeout ($(num hang-resize guest_silent_ms) ms)" \
	within hang-resize guest_silent_ms 15500
check "hang-resize: what stayed plugged is still the evidence" \
	json hang-resize '"requested":0,"host_plugged":[1-9][0-9]*,"guest_answering":false'

run agent-exit 2 tests/scenarios/fault-agent-exit.scn
check "agent-exit: typed ERROR: the agent died, not the kernel's fault" \
	json agent-exit '"fault":"agent-died"'
check "agent-exit: the console says init was killed" \
	json agent-exit '"console_excerpt":"[^"]*Attempted to kill init'

# garbage and an oversized frame, then a scenario that must still pass: a fault ends
# its own run, not the next one
run channel 2 tests/scenarios/fault-garbage.scn tests/scenarios/fault-oversize.scn \
	scenarios/dimm-memmap-off.scn
gar=$(ls -d "$out"/channel/*-fault-garbage-x86_64 2>/dev/null)
ovs=$(ls -d "$out"/channel/*-fault-oversize-x86_64 2>/dev/null)
check "garbage: typed ERROR naming the decoder's complaint" \
	grep -Eq '"summary": "the agent broke the protocol during inject: garbled message from agent: bad magic' "$gar/results.json"
check "garbage: the offending bytes are the evidence" grep -q 'GARBAGE' "$gar/results.json"
check "oversize: refused, not allocated" \
	grep -q 'payload length 4294967295 exceeds 16777216' "$ovs/results.json"
check "channel: the next scenario still ran and passed" \
	grep -Eq '^ok 3 dimm-memmap-off.x86_64' "$out/channel.ktap"

# a printk storm while the agent goes on answering: stopped by console.log's size
run console-flood 1 --console-max 256K tests/scenarios/fault-console-flood.scn
check "console-flood: typed FAIL: a flood during pressure" \
	json console-flood '"summary": "the guest flooded its console during pressure \(a kernel operation\): console.log over 256 KiB'
check "console-flood: the storm's lines are the evidence" \
	json console-flood '"console_tail":"[^"]*hpt inject flood: line'
fsz=$(stat -c %s "$out/console-flood/console.log" 2>/dev/null || echo 0)
check "console-flood: console.log stopped near the limit ($fsz bytes, at most 4 MiB)" \
	test "$fsz" -gt 262144 -a "$fsz" -le 4194304

# QEMU killed (SIGKILL) while pressure runs. The tests below find a run's QEMU by its
# domain name, hpt-<arch>-<scenario>-<pid>: they boot (a restored guest keeps the name of
# the saved one, hpt-<arch>-r<key>; restore.sh covers restored guests)
rm -rf "$out/qemu-kill"
"$bin" run --no-restore --out "$out/qemu-kill" tests/scenarios/fault-qemu-kill.scn >"$out/qemu-kill.ktap" 2>&1 &
pid=$!
for _ in $(seq 600); do grep -qs 'req pressure' "$out/qemu-kill/agent.log" && break; sleep 0.1; done
sleep 1
qpid=$(pgrep -f "qemu-system-x86_64 .*guest=hpt-x86_64-fault-qemu-kill-$pid")
check "qemu-kill: QEMU found (pid ${qpid:-none})" test -n "$qpid"
[ -n "$qpid" ] && kill -KILL $qpid
wait $pid; rc=$?
check "qemu-kill: exit 2, got $rc" test $rc -eq 2
check "qemu-kill: typed ERROR: QEMU exited, no panic, with libvirt's reason" \
	json qemu-kill '"fault":"qemu-exit".*"lifecycle":"failed"'

run unplug-refused 1 tests/scenarios/fault-unplug-refused.scn
check "unplug-refused: FAIL on DEVICE_REMOVAL_FAILED" \
	json unplug-refused '"summary": "[^"]*refused to release dimm d0 \(DEVICE_REMOVAL_FAILED\)'
check "unplug-refused: evidence: the block stayed online, the kernel said why" \
	json unplug-refused '"outcome":"refused".*"blocks_after":"memory[0-9]+ online Normal".*Offline failed'

run unplug-unanswered 1 tests/scenarios/fault-unplug-unanswered.scn
check "unplug-unanswered: FAIL after the 10 s timeout" \
	json unplug-unanswered '"outcome":"no answer","waited_ms":1[0-9]{4},'
check "unplug-unanswered: evidence: block going-offline, migrations failing" \
	json unplug-unanswered '"blocks_after":"memory[0-9]+ going-offline.*migrat'
# pseries: the guest kernel's DLPAR removal retries the offline for ever, just the same
run unplug-unanswered-ppc 1 --arch ppc64le tests/scenarios/fault-unplug-unanswered.scn
check "unplug-unanswered ppc64le: FAIL after the 10 s timeout" \
	json unplug-unanswered-ppc '"outcome":"no answer","waited_ms":1[0-9]{4},'
check "unplug-unanswered ppc64le: evidence: the LMB going-offline, migrations failing" \
	json unplug-unanswered-ppc '"blocks_after":"memory[0-9]+ going-offline.*migrating pfn'

# a run killed with SIGKILL leaves QEMU running and its root behind; the next start
# destroys and removes them
rm -rf "$out/killed"
"$bin" run --no-restore --out "$out/killed" tests/scenarios/fault-qemu-kill.scn >/dev/null 2>&1 &
pid=$!
for _ in $(seq 600); do grep -qs hello "$out/killed/agent.log" && break; sleep 0.1; done
kill -KILL $pid; wait $pid 2>/dev/null
sleep 0.5
check "killed run: its QEMU outlived it" bash -c "pgrep -f guest=hpt-x86_64-fault-qemu-kil[l]-$pid >/dev/null"
killed=$pid
run attach-refused 2 tests/scenarios/fault-attach-refused.scn
check "attach-refused: ERROR with libvirt's reason" \
	json attach-refused '"summary": "[^"]*attach dimm d0: [^"]*exceed domain.s maxMemory'
check "attach-refused: evidence: what was asked against maxmem" \
	json attach-refused '"size":1073741824,.*"maxmem":1073741824,.*"error":"[^"]*exceed'

check "next start: the killed run's domain was destroyed" \
	grep -q "destroyed domain hpt-x86_64-fault-qemu-kill-$killed (qemu pid" "$out/attach-refused.err"
check "next start: its QEMU is gone" bash -c "! pgrep -f 'guest=hpt-x86_64-fault-qemu-kil[l]-$killed'"

# SIGINT to a matrix while its second job runs: the guest destroyed, roots removed, the
# finished job's result kept, the interrupted one says so
mx=$out/matrix-int
rm -rf "$mx"
"$bin" matrix -j 1 --arch x86_64 --out "$mx" tests/scenarios/fault-garbage.scn \
	tests/scenarios/fault-qemu-kill.scn >"$mx.out" 2>"$mx.err" &
mpid=$!
for _ in $(seq 900); do
	grep -qs 'req pressure' "$mx/fault-qemu-kill.x86_64/agent.log" && break
	kill -0 $mpid 2>/dev/null || break
	sleep 0.1
done
check "matrix SIGINT: the second job was running" grep -qs 'req pressure' "$mx/fault-qemu-kill.x86_64/agent.log"
kill -INT $mpid
start=$(date +%s)
wait $mpid; rc=$?
check "matrix SIGINT: exit 2 within 20 s, got $rc after $(($(date +%s) - start)) s" \
	test "$rc" -eq 2 -a $(($(date +%s) - start)) -le 20
check "matrix SIGINT: the finished job's typed result was kept" \
	grep -q '"fault":"garbage"' "$mx/fault-garbage.x86_64/results.json"
check "matrix SIGINT: the running job says it was interrupted" \
	grep -q 'interrupted' "$mx/fault-qemu-kill.x86_64/results.json"
check "matrix SIGINT: the matrix wrote its report" test -s "$mx/results.json" -a -s "$mx/junit.xml"

# other runs may share this machine: look for ours only
check "faults: no QEMU of these tests left behind" bash -c "! pgrep -f 'guest=hpt-x86_64-faul[t]-'"
"$bin" clean >"$out/clean.out" 2>&1
check "faults: no libvirt root of a dead run left behind" grep -q '^0 stale roots' "$out/clean.out"
echo "faults: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
