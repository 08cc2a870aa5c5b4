#!/bin/bash
# Integration tests: the shipped scenarios on real guests (real libvirt, real Debian
# kernel, TCG), asserting verdicts and key evidence; bad input and signals.
set -u
. "$(dirname "$0")/lib.sh"
cd "$top"


scenario mom scenarios/dimm-memmap-on-memory.scn 0
check "mom: placement on-block observed" json mom '"observed":"on-block".*"memmap_pages_on_device":512'
check "mom: placement proven by the probe" json mom '"method":"proven","probe":\{"placement":"on-block","memmap_pages":512,"backed_inside":512'
check "mom: vmemmap kept through pressure" ktap mom '^    ok [0-9]+ vmemmap d0$'
check "mom: offline with vmemmap in place" ktap mom '^    ok [0-9]+ vmemmap d0 offline$'
check "mom: MemTotal back exactly" ktap mom '^    ok [0-9]+ no-leak MemTotal$'
check "mom: per-phase times recorded" json mom '"teardown": [0-9]+'
check "mom: console, agent log and whole kernel log kept" \
	test -e "$out/mom/console.log" -a -s "$out/mom/agent.log" -a -s "$out/mom/dmesg.log"
check "mom: snapshots kept as files" test -s "$out/mom/snapshots/00-baseline/zoneinfo"

scenario off scenarios/dimm-memmap-off.scn 0
check "off: placement elsewhere observed" json off '"observed":"elsewhere".*"memmap_pages_on_device":0'
check "off: the probe never proves on-block here" json off '"method":"proven","probe":\{"placement":"elsewhere","memmap_pages":512,"backed_inside":0'
check "off: the model says why" json off '"model_says":"memory_hotplug.memmap_on_memory is not enabled'

# the probe, cross-built against Debian's ppc64el headers, proves placement on pseries too
"$bin" run --arch ppc64le --out "$out/off-ppc" scenarios/dimm-memmap-off.scn >"$out/off-ppc.ktap" 2>&1
check "off ppc64le: the probe proves the memmap elsewhere" json off-ppc '"method":"proven","probe":\{"placement":"elsewhere","memmap_pages":4,"backed_inside":0'

scenario multi scenarios/dimm-multiblock.scn 0
check "multiblock: elsewhere, two blocks" json multi '"observed":"elsewhere"'
check "multiblock: the evidence says why" json multi 'not exactly one memory block'

scenario reverse scenarios/dimm-reverse-teardown.scn 0
check "reverse: teardown order passes" ktap reverse '^    ok [0-9]+ teardown order$'
check "reverse: d2, d1, d0 removed in that order" json reverse '"removed d2".*"removed d1".*"removed d0"'

scenario wrong tests/scenarios/expect-wrong-placement.scn 1
check "wrong expectation: placement FAILs" ktap wrong '^    not ok [0-9]+ placement d0$'
check "wrong expectation: the evidence names both" json wrong '"expected":"elsewhere","expected_from":"scenario".*"observed":"on-block"'
check "wrong expectation: the rest still passes" ktap wrong '^    ok [0-9]+ no-leak zones$'

scenario forward tests/scenarios/forward-teardown.scn 1
check "forward teardown: order FAILs" ktap forward '^    not ok [0-9]+ teardown order$'
check "forward teardown: says which pair" json forward 'd0 \(plugged #1\) was removed before d1'

scenario cycles scenarios/dimm-cycles.scn 0
check "cycles: MemTotal constant over 50 cycles" ktap cycles '^    ok [0-9]+ trend MemTotal$'
check "cycles: 50 removals judged one by one" ktap cycles '# 50 removal\(s\), each after offlining'

scenario random tests/scenarios/random-teardown.scn 0
check "random teardown: the seed is in the evidence" json random '"rule":"random seed=3"'
check "random teardown: the seed is printed" grep -q 'order=random seed=3' "$out/random.err"

scenario planned tests/scenarios/forward-planned.scn 0
check "planned forward teardown passes" ktap planned '^    ok [0-9]+ teardown order$'

check "no QEMU process or libvirt root left behind" no_leftovers

# the sub-suites print their own "NAME: N passed, M failed"; fold them into ours
for sub in cli input signals matrix virtio-mem nvdimm faults busy image; do
	bash "$(dirname "$0")/$sub.sh" "$out" | tee "$out/$sub.log"
	read -r p f < <(sed -n "s/^$sub: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p" "$out/$sub.log")
	pass=$((pass + ${p:-0})); fail=$((fail + ${f:-1}))
done
summary
