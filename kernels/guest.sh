#!/bin/sh
# Everything a guest of a Debian kernel needs, in one call:
#   kernels/guest.sh ARCH SPEC [tools|both] OUTROOT
# prints on stdout the kernel image to boot and its initramfs (with `both`, then the one
# with the tools: a matrix whose jobs need both asks once). SPEC as in
# kernels/debian-kernel.sh (debian:SUITE, debian:VERSION, either with -64k). Steps, each
# skipped when up to date:
#   1. the kernel: kernels/debian-kernel.sh → OUTROOT/ARCH/k/ID/kernel/
#   2. the placement probe for it: kernels/probe-build.sh → OUTROOT/ARCH/k/ID/probe/
#      (HPT_NO_PROBE=1: none; placement then cannot be proven)
#   3. the agent (make OUTROOT/ARCH/hp-agent… i.e. build/ARCH/hp-agent of this tree)
#   4. the initramfs: guest/mkinitramfs.sh → OUTROOT/ARCH/k/ID/initramfs.cpio.gz, or with
#      `tools` (NVDIMM scenarios: ndctl, daxctl) initramfs-tools.cpio.gz; `both`: the two
# The image is vmlinux (the PVH ELF) on x86_64, vmlinuz elsewhere, as the controller
# boots them. Progress on stderr, details appended to OUTROOT/ARCH/guest.log.
# CACHEDIR: HPT_CACHE (default .cache of this tree).
set -eu

die() { echo "guest: $*" >&2; [ -z "${log:-}" ] || echo "guest: $*" >>"$log"; exit 1; }
say() { echo "guest: $*" >&2; echo "$(date '+%F %T') $*" >>"$log"; }

tools=''
case $# in
3) arch=$1 spec=$2 outroot=$3 ;;
4) arch=$1 spec=$2 outroot=$4
   case $3 in
   tools) tools=1 ;;
   both) tools=both ;;
   *) die "usage: $0 ARCH SPEC [tools|both] OUTROOT" ;;
   esac ;;
*) die "usage: $0 ARCH SPEC [tools|both] OUTROOT" ;;
esac
top=$(cd "$(dirname "$0")/.." && pwd)
case $arch in
x86_64) image=vmlinux ;;
ppc64le | s390x) image=vmlinuz ;;
*) die "unknown arch $arch (x86_64, ppc64le, s390x)" ;;
esac
cache=${HPT_CACHE:-$top/.cache}
mkdir -p "$outroot/$arch" "$cache"
outroot=$(cd "$outroot" && pwd)
log=$outroot/$arch/guest.log
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hpt-guest.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

# step CMD…: runs a recipe; its stderr goes to the log, and to ours when it speaks (the
# recipes are quiet unless something is worth saying: a 404 fallback, a failure)
step() {
	rc=0
	"$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
	if [ -s "$tmp/err" ]; then
		cat "$tmp/err" >&2
		cat "$tmp/err" >>"$log"
	fi
	return $rc
}

# one preparation at a time per arch (jobs of a matrix may ask at once)
exec 8>"$outroot/$arch/.guest.lock"
flock 8

step "$top/kernels/debian-kernel.sh" "$arch" "$spec" "$cache" "$outroot" ||
	die "no kernel for $arch $spec (see $log)"
kdir=$(cat "$tmp/out")
[ -f "$kdir/$image" ] || die "$kdir/$image: missing"
kroot=$(dirname "$kdir")
echo "$(date '+%F %T') $arch $spec -> $(head -n 1 "$kdir/package")" >>"$log"

probe=''
if [ -z "${HPT_NO_PROBE:-}" ]; then
	probe=$kroot/probe/hpt_probe.ko
	if [ ! -f "$probe" ]; then
		say "building the placement probe for $(cat "$kdir/version") (log $kroot/probe/build.log)"
	fi
	step "$top/kernels/probe-build.sh" "$arch" "$kdir" "$cache" "$probe" ||
		die "no placement probe for $(head -n 1 "$kdir/package") (see" \
			"$kroot/probe/build.log; HPT_NO_PROBE=1 boots without one)"
fi

agent=$top/build/$arch/hp-agent
step make -s --no-print-directory -C "$top" "build/$arch/hp-agent" ||
	die "building the $arch agent failed (make build/$arch/hp-agent; see $log)"

# initrd TOOLS: builds OUTROOT/ARCH/k/ID/initramfs[-tools].cpio.gz unless up to date (built
# from the same inputs: the cksum of every file that goes in), prints its path
initrd() {
	initrd=$kroot/initramfs${1:+-tools}.cpio.gz
	for f in "$agent" "$top/guest/mkinitramfs.sh" "$top/guest/modules.list" \
		"$kdir/.debs" ${probe:+"$probe"} \
		${1:+"$top/guest/mktools.sh" "$top/guest/tools.list"}; do
		cksum <"$f"
	done >"$tmp/inputs"
	if [ ! -f "$initrd" ] || ! cmp -s "$tmp/inputs" "$initrd.inputs"; then
		say "building $(basename "$initrd") for $(cat "$kdir/version")"
		step env HPT_GUEST_TOOLS="$1" HPT_EXTRA_MODULES="$probe" \
			"$top/guest/mkinitramfs.sh" "$arch" "$kdir" "$agent" "$cache" "$initrd" ||
			die "building $initrd failed (see $log)"
		cp "$tmp/inputs" "$initrd.inputs"
	fi
	echo "$initrd"
}

echo "$kdir/$image"
case $tools in
'') initrd '' ;;
1) initrd 1 ;;
both) initrd ''; initrd 1 ;;
esac
