#!/bin/bash
# The guest's clock against the host's on real x86_64 guests (TCG): with the host starved
# while the guest boots, the guest is told the TSC frequency measured here (tsc_early_khz=)
# and its time keeps pace with the host's (the automatic guest-clock check); a guest told
# a wrong frequency is an ERROR at its hello, not a FAIL later.
. "$(dirname "$0")/lib.sh"

lacks() { ! grep -Eq -- "$2" "$1"; }	# FILE ERE: no line of FILE matches
# RUNDIR: the guest's last TSC frequency (detected, or refined) is within 1 % of the
# tsc_early_khz= its domain.xml gave it
tsc_agrees() {
	local told mhz
	told=$(grep -o 'tsc_early_khz=[0-9]*' "$1/domain.xml" | head -n 1 | cut -d= -f2)
	mhz=$(grep -Eo 'tsc: (Detected|Refined TSC clocksource calibration:) [0-9.]+ MHz' \
		"$1/dmesg.log" | tail -n 1 | grep -Eo '[0-9.]+ MHz' | cut -d' ' -f1)
	echo "# told ${told:-?} kHz, guest says ${mhz:-?} MHz"
	[ -n "$told" ] && [ -n "$mhz" ] &&
		awk -v t="$told" -v m="$mhz" 'BEGIN { d = m * 1000 - t; if (d < 0) d = -d;
			exit !(d * 100 <= t) }'
}

if need x86_64 "clock: x86_64 guests"; then
	# two busy loops per core at nice 0 from before the boot until the run ends: the vCPU
	# thread is preempted while the guest calibrates, as on a loaded CI machine
	hogs=()
	for _ in 1 2 3 4; do
		sh -c 'while :; do :; done' &
		hogs+=("$!")
		track "$!"
	done
	# booted, not restored: the calibration at boot is what is tested
	scenario starved 0 scenarios/dimm-memmap-on-memory.scn --no-restore
	kill "${hogs[@]}" 2>/dev/null
	wait "${hogs[@]}" 2>/dev/null
	check "starved: the guest was told the host's TSC frequency" \
		has "$out/starved/domain.xml" 'tsc_early_khz=[1-9][0-9]{4,}'
	check "starved: guest time kept pace with host time" verdict starved "guest clock" PASS
	check "starved: the guest clock check carries both clocks" evidence starved "guest clock" \
		/hello_uptime_ms '~^[0-9]+$' /end_uptime_ms '~^[0-9]+$' /end_host_hi_ms '~^[0-9]+$'
	check "starved: the guest's refined TSC agrees with what it was told (1 %)" \
		tsc_agrees "$out/starved"
	check "starved: the kernel log stayed clean" verdict starved "kernel log" PASS

	scenario wrong 2 tests/scenarios/clock-wrong-tsc.scn --no-restore
	check "wrong TSC: an ERROR at the hello naming the guest clock" \
		has "$out/wrong.ktap" 'guest clock: guest uptime [0-9]+ ms at the agent.s hello'
	check "wrong TSC: no FAIL" lacks "$out/wrong.ktap" '^not ok .*FAIL'
fi
no_leftovers
done_testing
