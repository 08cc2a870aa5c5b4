#!/bin/sh
# Prepares a kernel you built yourself for a guest arch, the way debian-kernel.sh
# prepares Debian's, plus its initramfs:
#   kernels/own-kernel.sh ARCH IMAGE RELEASE MODDIR|- AGENT CACHEDIR OUTDIR
# IMAGE: what QEMU boots (x86_64: a PVH vmlinux or a bzImage; ppc64le: vmlinux;
# s390x: arch/s390/boot/bzImage). RELEASE: its `uname -r` (hotplug-test reads it from
# the image). MODDIR: the modules, either lib/modules/RELEASE itself or an
# INSTALL_MOD_PATH root holding it (make modules_install INSTALL_MOD_PATH=DIR); "-" when
# the kernel has its modules built in, which is then checked against the modules.builtin
# of its build tree: the agent's own (guest/modules.list: always) must be there, the
# others only for the scenarios that use them (the controller checks, host/modneeds.c).
# The placement probe (guest/probe/) is built against the build tree when there is one
# with CONFIG_MODULES=y, and shipped as /lib/hpt/hpt_probe.ko.
# OUTDIR gets: IMAGE's name as a symlink to it, version, config (found next to the image
# or at the top of its build tree), modules -> the modules, initramfs.cpio.gz, and with
# HPT_GUEST_TOOLS=1 also initramfs-tools.cpio.gz (ndctl/daxctl of guest/tools.list: what
# NVDIMM scenarios need; without it they find no /bin/ndctl in the guest).
set -eu

die() { echo "own-kernel: $*" >&2; exit 1; }

[ $# -eq 7 ] || die "usage: $0 ARCH IMAGE RELEASE MODDIR|- AGENT CACHEDIR OUTDIR"
arch=$1 image=$2 release=$3 moddir=$4 agent=$5 cache=$6 out=$7
here=$(cd "$(dirname "$0")" && pwd)

[ -f "$image" ] || die "$image: no such file"
image=$(cd "$(dirname "$image")" && pwd)/$(basename "$image")
imgdir=$(dirname "$image")
mkdir -p "$out"
out=$(cd "$out" && pwd)

# the build tree's top: the image lies in one (arch/*/boot/IMAGE or the top itself), or
# next to modules/build (build-minimal-kernel.sh's layout), or MODDIR's build link
top=
for d in "$imgdir" "$imgdir/../../.." "$imgdir/modules/build" "$moddir/build" \
	"$moddir/lib/modules/$release/build"; do
	[ -f "$d/.config" ] && { top=$(cd "$d" && pwd); break; }
done

rm -rf "$out/modules" "$out/config" "$out/version"
ln -sf "$image" "$out/$(basename "$image")"
echo "$release" >"$out/version"
for c in "$imgdir/config" "$imgdir/config-$release" "${top:+$top/.config}"; do
	[ -n "$c" ] && [ -f "$c" ] && { cp "$c" "$out/config"; break; }
done

if [ "$moddir" != - ]; then
	[ -d "$moddir" ] || die "$moddir: no such directory"
	moddir=$(cd "$moddir" && pwd)
	if [ -f "$moddir/modules.dep" ]; then
		mods=$moddir
	elif [ -f "$moddir/lib/modules/$release/modules.dep" ]; then
		mods=$moddir/lib/modules/$release
	else
		found=$(ls -d "$moddir"/lib/modules/*/ 2>/dev/null | tr '\n' ' ')
		die "$moddir: no modules.dep for $release (found: ${found:-nothing});" \
			"run make modules_install INSTALL_MOD_PATH=$moddir for this kernel"
	fi
	case $mods in
	*/"$release") ;;
	*/lib/modules/*) die "$mods: modules of ${mods##*/}, but the image is $release" ;;
	esac
	ln -s "$mods" "$out/modules"
else
	# no modules: the agent's must be built in, as the build tree's modules.builtin says
	mkdir -p "$out/modules"
	: >"$out/modules/modules.dep"
	if [ -n "$top" ] && [ -f "$top/modules.builtin" ]; then
		cp "$top/modules.builtin" "$out/modules/modules.builtin"
	else
		: >"$out/modules/modules.builtin"
	fi
fi

# the placement probe, built against the build tree (it needs CONFIG_MODULES=y and the
# tree's Module.symvers, i.e. a finished build); without it placement is an ERROR
# that says how to get proof, unless the run says --no-probe
probe=
if [ -z "$top" ]; then
	echo "own-kernel: no build tree found for $image: no placement probe" \
		"(build it yourself, see doc/kernels.md, or run with --no-probe)" >&2
elif ! grep -qx 'CONFIG_MODULES=y' "$top/.config"; then
	echo "own-kernel: $top: CONFIG_MODULES is off: no placement probe" \
		"(placement scenarios ERROR unless --no-probe)" >&2
elif [ ! -f "$top/Module.symvers" ]; then
	echo "own-kernel: $top: no Module.symvers (an unfinished build?): no placement probe" >&2
else
	. "$here/arch.sh"
	arch_vars "$arch" || die "unknown arch $arch ($(arch_list))"
	rm -rf "$out/probe"
	mkdir -p "$out/probe"
	cp "$here/../guest/probe/hpt_probe.c" "$here/../guest/probe/Kbuild" "$out/probe/"
	if make -s -C "$top" ARCH="$karch" CROSS_COMPILE="$cross" M="$out/probe" modules \
		>"$out/probe/build.log" 2>&1; then
		"${cross}strip" --strip-debug "$out/probe/hpt_probe.ko"
		probe=$out/probe/hpt_probe.ko
	else
		tail -n 12 "$out/probe/build.log" >&2
		echo "own-kernel: the placement probe did not build against $top" \
			"(see $out/probe/build.log)" >&2
	fi
fi

tools=${HPT_GUEST_TOOLS:-}
HPT_GUEST_TOOLS='' HPT_INITRAMFS_COMPRESS=${HPT_INITRAMFS_COMPRESS:-none} \
	HPT_EXTRA_MODULES=$probe "$here/../guest/mkinitramfs.sh" "$arch" "$out" "$agent" "$cache" \
	"$out/initramfs.cpio.gz" ||
	die "initramfs for $image failed (without --modules, the agent's own modules" \
		"(guest/modules.list: always) must be built into the kernel)"
if [ -n "$tools" ]; then
	HPT_GUEST_TOOLS=1 HPT_INITRAMFS_COMPRESS=${HPT_INITRAMFS_COMPRESS:-none} \
		HPT_EXTRA_MODULES=$probe "$here/../guest/mkinitramfs.sh" "$arch" "$out" "$agent" "$cache" \
		"$out/initramfs-tools.cpio.gz" || die "initramfs with the guest tools for $image failed"
fi
