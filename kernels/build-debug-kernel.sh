#!/bin/sh
# build-debug-kernel.sh ARCH CACHEDIR OUTDIR: builds a debug guest kernel from Debian's
# linux-source-6.1 (defconfig + kvm_guest.config + kernels/debug.config) into OUTDIR in
# the layout of debian-kernel.sh (vmlinux, vmlinuz, modules/, version, config). Opt-in:
# on 2 cores ~11 min for x86_64, ~35 for ppc64le, ~45 for s390x; the object tree is kept in CACHEDIR for incremental
# rebuilds (touch an mm file, rerun: a minute or two).
set -eu
die() { echo "build-debug-kernel: $*" >&2; exit 1; }
[ $# -eq 3 ] || die "usage: $0 ARCH CACHEDIR OUTDIR"
arch=$1 cache=$(mkdir -p "$2" && cd "$2" && pwd) out=$(mkdir -p "$3" && cd "$3" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
# per arch (kernels/arches.def): karch, cross, the base config, the image, the options it
# must have (6.1 ppc64le: no virtio-mem, no memmap_on_memory)
. "$here/arch.sh"
arch_vars "$arch" || die "unknown arch $arch ($(arch_list))"
need="linux-source-6.1 bc bison flex libelf-dev libssl-dev dwarves rsync"
missing=$(for p in $need; do dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
	grep -q '^install ok installed' || echo "$p"; done)
if [ -n "$missing" ]; then
	[ "$(id -u)" -eq 0 ] || die "missing packages; run: sudo apt-get install $missing"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >&2
fi
src=$cache/linux-source-6.1
if [ ! -f "$src/Makefile" ]; then
	tarball=$(ls /usr/src/linux-source-6.1.tar.* | head -1)
	mkdir -p "$cache"
	tar -C "$cache" -xf "$tarball"
fi
obj=$cache/kbuild-$arch
mkdir -p "$obj"
mk() { make -s -C "$src" O="$obj" ARCH=$karch CROSS_COMPILE=$cross "$@"; }
if [ ! -f "$obj/.config" ] || [ "$here/debug.config" -nt "$obj/.config" ]; then
	mk "$dbg_config" >/dev/null
	mk kvm_guest.config >/dev/null 2>&1 || true
	(cd "$obj" && "$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" \
		"$here/debug.config" >/dev/null)
	mk olddefconfig >/dev/null
	for opt in DEBUG_KMEMLEAK PAGE_OWNER DEBUG_VM MEMORY_HOTREMOVE $dbg_opts; do
		grep -q "^CONFIG_$opt=y" "$obj/.config" || die "CONFIG_$opt did not stick"
	done
fi
mk -j"$(nproc)" vmlinux $dbg_target modules
rm -rf "$out"
mkdir -p "$out"
mk INSTALL_MOD_PATH="$out/mi" modules_install >/dev/null
ver=$(cat "$obj/include/config/kernel.release")
mv "$out/mi/lib/modules/$ver" "$out/modules"
rm -rf "$out/mi"
cp "$obj/vmlinux" "$out/vmlinux"
cp "$obj/$dbg_image" "$out/vmlinuz"
cp "$obj/.config" "$out/config"
echo "$ver" > "$out/version"
echo "build-debug-kernel: $ver in $out" >&2
