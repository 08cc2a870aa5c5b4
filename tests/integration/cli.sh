#!/bin/bash
# Bad input on the command line and in scenario files: a clear message naming file:line,
# exit 2, and no guest started. No VM needed.
. "$(dirname "$0")/lib.sh"

hpt_says "cli: unknown step names file:line" 2 \
	'^tests/scenarios/bad-unknown-step.scn:3: unknown step .plugg.' run tests/scenarios/bad-unknown-step.scn
hpt_says "cli: bad size names file:line" 2 '^tests/scenarios/bad-size.scn:2: plug: size=12X' \
	run tests/scenarios/bad-size.scn
hpt_says "cli: missing file" 2 'nope.scn' run nope.scn
hpt_says "cli: unknown verb" 2 "unknown verb 'frobnicate'" frobnicate
hpt_says "cli: unknown option" 2 'unknown option --bogus' run --bogus x.scn
hpt_says "cli: an option of one value given twice is refused, not replaced" 2 \
	'option --arch given twice' run --arch x86_64 --arch ppc64le scenarios/dimm-memmap-off.scn
hpt_says "cli: matrix --arch repeats (the second is read too)" 2 "unknown arch 'mips'" \
	matrix --arch x86_64 --arch mips scenarios/dimm-memmap-off.scn
hpt_says "cli: image build with its options after the name says where they go" 2 \
	"options go before the image's name" image build debian:bookworm --arch ppc64le
hpt_says "cli: unknown arch" 2 "unknown arch 'mips'" run --arch mips scenarios/dimm-memmap-off.scn
hpt_says "cli: run -h" 0 'usage: hotplug-test run' run -h
hpt_says "cli: help steps documents expect" 0 'expect no-leak since=SNAP' help steps
hpt_says "cli: list shows shipped scenarios" 0 'dimm-reverse-teardown' list
mkdir -p "$out/used" && touch "$out/used/results.json"
hpt_says "cli: a used run dir is refused" 2 'exists and is not empty' \
	run --out "$out/used" scenarios/dimm-memmap-off.scn
check "cli: nothing started" no_leftovers

# the default run dir is relative to where you are; QEMU opens the run's files elsewhere
# (a scratch disk: offline-under-zswap swaps to one)
mkdir -p "$out/here"
(cd "$out/here" && hpt run "$top/scenarios/offline-under-zswap.scn") >"$out/here.out" 2>&1
rc=$?
check "cli: a run without --out, from another directory, exit 0 (got $rc)" test "$rc" -eq 0 ||
	diag "$(tail -n 20 "$out/here.out")"
check "cli: its run dir is under runs/ of that directory, named absolutely" \
	grep -Eq "run dir $out/here/runs/[0-9]{8}-[0-9]{6}-offline-under-zswap-x86_64" "$out/here.out"

# libvirt throws its QEMU capabilities cache away when the host's CPUID differs from the
# one the cache was made with, and CPUID's APIC IDs differ from CPU to CPU: the driver
# starts on the first CPU we may use (host/virt.c, pin_first_cpu). Five runs that SKIP
# before booting, started on CPU 1, 0, 1, 0, 1 and each free to use every CPU: none
# after the first probes a QEMU binary again (~1.2 s each time)
_caps_kept() {
	local i
	for i in 2 3 4 5; do
		[ -s "$out/caps-$i.log" ] || _why+=("run $i: no libvirt log")
		! grep -q "Outdated cached capabilities" "$out/caps-$i.log" ||
			_why+=("run $i: $(grep -m1 -o "Outdated capabilities.*" "$out/caps-$i.log")")
	done
	[ ${#_why[@]} -eq 0 ]
}
ncpu=$(nproc)
if [ "$ncpu" -ge 2 ] && command -v taskset >/dev/null; then
	for i in 1 2 3 4 5; do
		LIBVIRT_LOG_FILTERS="1:util.filecache 1:qemu.qemu_capabilities" \
		LIBVIRT_LOG_OUTPUTS="1:file:$out/caps-$i.log" \
			taskset -c $((i % 2)) taskset -c "0-$((ncpu - 1))" "$top/build/hotplug-test" \
			run --out "$out/caps-$i" --arch s390x scenarios/dimm-memmap-off.scn \
			>"$out/caps-$i.out" 2>&1
	done
	check "cli: runs started on other CPUs keep libvirt's capabilities cache" _caps_kept
else
	skip "cli: runs started on other CPUs keep libvirt's capabilities cache" "one CPU here"
fi
no_leftovers
done_testing
