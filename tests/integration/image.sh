#!/bin/bash
# Image guests (x86_64): a Debian bookworm image built from the archive (mmdebstrap, then
# libguestfs) boots with the agent as a systemd service and passes the shipped
# dimm-memmap-on-memory and virtio-mem-grow-shrink scenarios unchanged, and the scenario
# that only an image has (the system onlines memory itself; teardown under a busy
# journal); the same image without the agent, copied to a file of its own as a stranger's
# image, gets the agent injected into an overlay, passes too and is not written; a corrupt
# and a non-Linux qcow2 are ERRORs naming the file. The first run builds the image
# (cached under .cache/images/ afterwards). Prints "image: N passed, M failed".
set -u
. "$(dirname "$0")/lib.sh"
out=${1:-$out}
mkdir -p "$out"
cd "$top"
suite=image

t0=$SECONDS
"$bin" image build debian:bookworm >"$out/image.path" 2>"$out/image.err"
rc=$?
check "image build debian:bookworm: exit 0 ($((SECONDS - t0)) s), a qcow2" \
	test "$rc" -eq 0 -a -s "$(cat "$out/image.path")"
sed -n 's/^hotplug-test: \(debian:.*ready in .*\)$/# \1/p' "$out/image.err"

# passes NAME CHECK…: every named check passed in NAME's KTAP.
passes() {
	local name=$1 c; shift
	for c in "$@"; do ktap "$name" "^    ok [0-9]+ $c\$" || return 1; done
}
service() { grep -q 'hp-agent: running as a service' "$out/$1/dmesg.log"; }	# its kernel log

scenario mom scenarios/dimm-memmap-on-memory.scn 0 --image debian:bookworm
check "mom: the agent ran as a systemd service" service mom
check "mom: placement on-block, proven by the probe" \
	json mom '"method":"proven","probe":\{"placement":"on-block","memmap_pages":512,"backed_inside":512'
check "mom: vmemmap kept, MemTotal back exactly" \
	passes mom "vmemmap d0" "vmemmap d0 offline" "no-leak MemTotal"
check "mom: the image's overlay is in the run dir, not the cached image" \
	has "$out/mom/domain.xml" "<source file='$out/mom/image.qcow2'/>"

scenario vm scenarios/virtio-mem-grow-shrink.scn 0 --image debian:bookworm
for s in 256M 512M 0; do
	check "virtio-mem: resize to $s proven in the image guest" \
		ktap vm "^    ok [0-9]+ virtio-mem vm0 requested=$s\$"
done

scenario selfon scenarios/image-self-online-journal.scn 0 --image debian:bookworm
check "self-online: the kernel onlined both DIMMs before the testbed asked" \
	passes selfon "self-online d0" "self-online d1"
check "self-online: by whom and into which zone" \
	json selfon '"onlined_by":"the kernel \(auto_online_blocks=online_movable\)".*"zone":"Movable"'
check "self-online: placement on-block from the snapshot before the plug" \
	json selfon '"observed":"on-block"'
check "self-online: journald took messages while the DIMMs went away" \
	json selfon '"messages_sent":[1-9]'
check "self-online: leak-free" passes selfon "no-leak MemTotal"
# on our initramfs the same scenario has no journald: SKIP, never a pass by accident
scenario selfon-initramfs scenarios/image-self-online-journal.scn 4
check "self-online on the initramfs: the journal workload SKIPs, saying why" \
	ktap selfon-initramfs 'journal needs systemd-journald'

# bring your own: the bare image (no agent), copied out as a stranger's file
t0=$SECONDS
bare=$("$bin" image build --bare debian:bookworm 2>"$out/bare.err")
stranger=$out/stranger.qcow2
qemu-img convert -O qcow2 "$bare" "$stranger"
sum=$(sha256sum <"$stranger")
check "the bare image is built without the agent" grep -q 'no agent: a bare image' "$out/bare.err"
scenario byo scenarios/dimm-memmap-on-memory.scn 0 --image "$stranger"
check "byo: the agent was injected and ran as a service" service byo
check "byo: placement proven (probe for the image's kernel)" \
	json byo '"method":"proven","probe":\{"placement":"on-block"'
check "byo: the image's own kernel booted (copied out of its /boot)" \
	has "$out/byo/domain.xml" "<kernel>$out/byo/boot/vmlinux-"
check "byo: the user's file is not modified" test "$(sha256sum <"$stranger")" = "$sum"
echo "# bring-your-own total $((SECONDS - t0)) s"

# bad images: ERROR (exit 2) naming the file, nothing left behind
qemu-img create -q -f qcow2 "$out/blank.qcow2" 64M
{ printf 'QFI\373\0\0\0\3'; head -c 65536 /dev/urandom; } >"$out/corrupt.qcow2"
scenario corrupt scenarios/dimm-memmap-on-memory.scn 2 --image "$out/corrupt.qcow2"
check "corrupt qcow2: ERROR naming the file" \
	ktap corrupt "ERROR: $out/corrupt.qcow2: not a disk image QEMU can read"
scenario blank scenarios/dimm-memmap-on-memory.scn 2 --image "$out/blank.qcow2"
check "no operating system: ERROR naming the file" \
	ktap blank "ERROR: $out/blank.qcow2: libguestfs inspection found no operating system"
check "bad images: no overlay left in their run dirs" \
	test ! -e "$out/corrupt/image.qcow2" -a ! -e "$out/blank/image.qcow2"
check "no QEMU process or libvirt root left behind" no_leftovers

echo "image: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
