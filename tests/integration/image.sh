#!/bin/bash
# Image guests (x86_64): a Debian bookworm image built from the archive (mmdebstrap, then
# libguestfs) boots with the agent as a systemd service and passes the shipped
# dimm-memmap-on-memory and virtio-mem-grow-shrink scenarios unchanged. The no-leak oracle
# does not take systemd's own allocations for a leak, yet a real kernel leak (the probe's
# `inject leak`) still FAILs it on the image. The same image without the agent, copied to
# a file of its own as a stranger's image, is what a distro CI brings: `matrix --image
# FILE` with both scenarios injects the agent into each job's overlay, passes, and never
# writes the file. A corrupt and a non-Linux qcow2 are ERRORs naming the file. The first
# run builds the image (cached under .cache/images/ afterwards: doc/images.md has what
# that costs). In make check; HPT_IT_IMAGE_ALL=1 (`make check-images`) adds the scenario
# that only an image has (the system onlines memory itself; teardown under a busy
# journal), with its SKIP on our initramfs.
. "$(dirname "$0")/lib.sh"
all=${HPT_IT_IMAGE_ALL:-0}
suite=image

# service RUN: the agent ran as a systemd service (its line in the guest's kernel log)
service() {
	grep -q 'hp-agent: running as a service' "$out/$1/dmesg.log" && return 0
	_why+=("no 'hp-agent: running as a service' in $out/$1/dmesg.log")
	return 1
}
# has FILE ERE, with what was found on failure
has_line() {
	grep -Eq -- "$2" "$1" && return 0
	_why+=("no line of $1 matches $2")
	return 1
}

if need x86_64 "image guests (x86_64)"; then
t0=$SECONDS
hpt image build debian:bookworm >"$out/image.path" 2>"$out/image.err"
rc=$?
check "image build debian:bookworm: exit $rc ($((SECONDS - t0)) s), a qcow2" \
	test "$rc" -eq 0 -a -s "$(cat "$out/image.path")" ||
	diag "$(tail -n 20 "$out/image.err")"
sed -n 's/^hotplug-test: \(debian:.*ready in .*\)$/# \1/p' "$out/image.err"

scenario mom 0 scenarios/dimm-memmap-on-memory.scn --image debian:bookworm
check "mom: the agent ran as a systemd service" service mom
check "mom: the agent said hello once systemd had finished starting the system" \
	has_line "$out/mom/dmesg.log" 'hp-agent: the system finished starting: (running|degraded), after [0-9]+ ms'
evidence mom "placement d0" /method proven /probe/placement on-block /probe/memmap_pages 512 \
	/probe/backed_inside 512
verdict mom "vmemmap d0" PASS "no-leak MemTotal" PASS
# systemd, udev and journald allocate while the scenario runs: accounted, not a leak
verdict mom "no-leak MemFree" PASS
# the image's own /boot/config-* comes out with its kernel: config-gated facts apply
check "mom: the image's kernel config is copied out beside its kernel" \
	eval 'ls "$top"/.cache/images/debian-bookworm-x86_64-*/config >/dev/null 2>&1'
verdict mom "default online" PASS
check "mom: the image's overlay is in the run dir, not the cached image" \
	has_line "$out/mom/domain.xml" "<source file='$out/mom/image.qcow2'/>"

# the negative control on the image: the kernel leaks 8 MiB at the removal (the probe's
# inject leak; an image's floor is 4 MiB, so the 2 MiB of our initramfs' control would
# pass unseen), amid systemd's own allocations: MemFree must FAIL, the rest pass
scenario leak 1 tests/scenarios/noleak-memfree-leak-image.scn --image debian:bookworm
verdict leak "no-leak MemFree" FAIL "no-leak zones" PASS
evidence leak "no-leak MemFree" /unaccounted_delta_kb '>=6000'

scenario vm 0 scenarios/virtio-mem-grow-shrink.scn --image debian:bookworm
for s in 256M 512M 0; do
	verdict vm "virtio-mem vm0 requested=$s" PASS
done
verdict vm "no-leak MemFree" PASS

if [ "$all" = 1 ]; then
	scenario selfon 0 scenarios/image-self-online-journal.scn --image debian:bookworm
	verdict selfon "self-online d0" PASS "self-online d1" PASS
	evidence selfon "self-online d0" /onlined_by "the kernel (auto_online_blocks=online_movable)" \
		/zone Movable
	evidence selfon "placement d0" /observed on-block
	evidence selfon "workload journal" /report/messages_sent '>0'
	# journald wrote its journal (tmpfs in /run) all along: still no false leak
	verdict selfon "no-leak MemTotal" PASS "no-leak MemFree" PASS

	# on our initramfs the self-online scenario has no journald: SKIP, never a pass by accident
	scenario selfon-initramfs 4 scenarios/image-self-online-journal.scn
	summary_has selfon-initramfs "workload journal start" 'journal needs systemd-journald'
fi

# bring your own, as a distro CI would: the bare image (no agent), copied out as a
# stranger's file, the matrix pointed at it with two shipped scenarios as jobs (the DIMM
# one and a virtio-mem one): the agent injected into each job's overlay, the same
# verdicts as above, the user's file never written
t0=$SECONDS
hpt image build --bare debian:bookworm >"$out/bare.path" 2>"$out/bare.err"
check "the bare image is built without the agent" has_line "$out/bare.err" 'no agent: a bare image'
stranger=$out/stranger.qcow2
qemu-img convert -O qcow2 "$(cat "$out/bare.path")" "$stranger"
sum=$(sha256sum <"$stranger")
hpt matrix -j 2 --arch x86_64 --image "$stranger" --out "$out/mx" \
	scenarios/dimm-memmap-on-memory.scn scenarios/virtio-mem-grow-shrink.scn \
	>"$out/mx.out" 2>&1
rc=$?
check "matrix --image FILE: exit 0 ($((SECONDS - t0)) s with the bare image)" test "$rc" -eq 0 ||
	diag "$(tail -n 20 "$out/mx.out")"
byo=mx/dimm-memmap-on-memory.x86_64 vm=mx/virtio-mem-grow-shrink.x86_64
json_at "$out/$byo/results.json" /verdict PASS
json_at "$out/$vm/results.json" /verdict PASS
check "byo: the stranger's kernel config is copied out beside its kernel" \
	test -s "$out/$byo/boot/config"
verdict "$byo" "default online" PASS
check "byo: the agent was injected and ran as a service" service "$byo"
evidence "$byo" "placement d0" /method proven /probe/placement on-block
check "byo: the image's own kernel booted (copied out of its /boot)" \
	has_line "$out/$byo/domain.xml" "<kernel>$out/$byo/boot/vmlinux-"
for s in 256M 512M 0; do
	verdict "$vm" "virtio-mem vm0 requested=$s" PASS
done
verdict "$vm" "no-leak MemFree" PASS
check "matrix --image: each job booted the image's own kernel through an overlay of its own" \
	test -s "$out/$byo/image.qcow2" -a -s "$out/$vm/image.qcow2"
check "byo: the user's file is not modified" test "$(sha256sum <"$stranger")" = "$sum"

# bad images: ERROR (exit 2) naming the file, nothing left behind
qemu-img create -q -f qcow2 "$out/blank.qcow2" 64M
{ printf 'QFI\373\0\0\0\3'; head -c 65536 /dev/urandom; } >"$out/corrupt.qcow2"
scenario corrupt 2 scenarios/dimm-memmap-on-memory.scn --image "$out/corrupt.qcow2"
ktap_has corrupt "ERROR: $out/corrupt.qcow2: not a disk image QEMU can read"
scenario blank 2 scenarios/dimm-memmap-on-memory.scn --image "$out/blank.qcow2"
ktap_has blank "ERROR: $out/blank.qcow2: libguestfs inspection found no operating system"
check "bad images: no overlay left in their run dirs" \
	test ! -e "$out/corrupt/image.qcow2" -a ! -e "$out/blank/image.qcow2"
fi
no_leftovers
done_testing
