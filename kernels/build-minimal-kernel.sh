#!/bin/sh
# Builds a minimal guest kernel from Debian's newest linux-source (default suite
# trixie-backports) with only what the testbed's guests need, built in:
#   kernels/build-minimal-kernel.sh ARCH CACHEDIR OUTDIR
# Config: allnoconfig with tinyconfig's fragments + kernels/minimal/common.config +
# kernels/minimal/ARCH.config; every line of ours must stick, else the build stops
# naming it.
# OUTDIR gets the layout of debian-kernel.sh: vmlinuz (x86_64: bzImage, plus vmlinux, the
# PVH ELF that qboot boots; ppc64le: the vmlinux ELF; s390x: bzImage), version, config,
# modules/ (modules.dep, empty: everything is built in; modules.builtin) and
# modules/build -> the object tree (build the probe with make -C OUTDIR/modules/build
# M=... modules). CACHEDIR holds apt/ (the private lists and the .deb), src/ (the
# unpacked tree, shared by the arches) and obj/ARCH/ (the object tree, locked while in
# use). Its key hashes the fragments, the source package and the compiler: an unchanged
# key reuses the build; a changed one rebuilds it (incrementally if the source is the same).
# HPT_LINUX_SOURCE_DEB=/path/to/linux-source-*.deb uses that package instead of apt;
# HPT_MINKERNEL_SUITE=suite picks another Debian suite (default trixie-backports).
# The build runs under nice -n 19 with -j$(nproc); its wall and CPU seconds are written
# to OBJ/build-time and stderr.
set -eu

die() { echo "build-minimal-kernel: $*" >&2; exit 1; }

[ $# -eq 3 ] || die "usage: $0 ARCH CACHEDIR OUTDIR"
arch=$1
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$2" "$3" || die "cannot create $2 or $3"
cache=$(cd "$2" && pwd -P) out=$(cd "$3" && pwd)
suite=${HPT_MINKERNEL_SUITE:-trixie-backports}

. "$here/arch.sh"
arch_vars "$arch" || die "unknown arch $arch ($(arch_list))"
# the image is the debug kernel's (the same make target, the same file in the tree)
image=$dbg_image srcarch=$karch
[ "$karch" != x86_64 ] || srcarch=x86
frags="$here/minimal/common.config $here/minimal/$arch.config"
for f in $frags; do [ -f "$f" ] || die "$f: no such file"; done

# ---- host tools ------------------------------------------------------------------------
need="make bc bison flex libelf-dev libssl-dev xz-utils kmod ${cross_pkgs:-gcc}"
missing=$(for p in $need; do dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
	grep -q '^install ok installed' || echo "$p"; done)
if [ -n "$missing" ]; then
	[ "$(id -u)" -eq 0 ] || die "missing packages; run: apt-get install" $missing
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
		--no-install-recommends $missing >&2 || die "apt-get install $missing failed"
fi

# ---- the source package: the newest linux-source-X.Y of $suite ---------------------------
apt_dir=$cache/apt
mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg]" \
	"http://deb.debian.org/debian $suite main" >"$apt_dir/sources.list"
apt_o="-o Dir::Etc::SourceList=$apt_dir/sources.list -o Dir::Etc::SourceParts=/dev/null
 -o Dir::State::Lists=$apt_dir/lists -o Dir::Cache=$apt_dir
 -o APT::Architectures=$(dpkg --print-architecture)
 -o APT::Sandbox::User=root"
newest_source() {
	# shellcheck disable=SC2086
	apt-cache $apt_o search --names-only '^linux-source-[0-9.]+$' 2>/dev/null |
		cut -d' ' -f1 | sort -V | tail -n 1
}
cached_deb() {
	# shellcheck disable=SC2012
	ls -1 "$apt_dir"/linux-source-[0-9]*_all.deb 2>/dev/null | sort -V | tail -n 1
}
if [ -n "${HPT_LINUX_SOURCE_DEB:-}" ]; then
	deb=$HPT_LINUX_SOURCE_DEB
	[ -f "$deb" ] || die "HPT_LINUX_SOURCE_DEB=$deb: no such file"
else
	deb=$(cached_deb)
	if [ -z "$deb" ]; then
		[ "$(id -u)" -eq 0 ] || die "not root: cannot fetch linux-source from $suite"
		# shellcheck disable=SC2086
		apt-get $apt_o -qq update >"$apt_dir/update.log" 2>&1 || true
		pkg=$(newest_source)
		[ -n "$pkg" ] || die "no linux-source-X.Y in $suite (see $apt_dir/update.log)"
		# shellcheck disable=SC2086
		(cd "$apt_dir" && apt-get $apt_o -qq download "$pkg") >"$apt_dir/download.log" 2>&1 ||
			die "apt-get download $pkg failed (see $apt_dir/download.log)"
		deb=$(cached_deb)
		[ -n "$deb" ] || die "$pkg: downloaded package not found in $apt_dir"
	fi
fi
debname=$(basename "$deb")
srcname=${debname%%_*}			# linux-source-X.Y

src=$cache/src/$srcname
if [ ! -f "$src/.unpacked" ] || [ "$(cat "$src/.unpacked")" != "$debname" ]; then
	rm -rf "$src" "$src.tmp"
	mkdir -p "$src.tmp"
	dpkg-deb --fsys-tarfile "$deb" | tar -xO --wildcards "./usr/src/$srcname.tar.*" |
		nice -n 19 tar -xJ -C "$src.tmp" || die "$deb: cannot unpack usr/src/$srcname.tar.*"
	[ -f "$src.tmp/$srcname/Makefile" ] || die "$deb: no $srcname/Makefile in the tarball"
	mv "$src.tmp/$srcname" "$src"
	rmdir "$src.tmp"
	echo "$debname" >"$src/.unpacked"
fi

# ---- the object tree (one per arch), keyed by fragments + source + compiler -------------
ccver=$("$cc" --version | head -n 1)
key=$arch-$( { cat $frags; echo "$debname"; echo "$ccver"; } | sha256sum | cut -c1-16)
obj=$cache/obj/$arch
if [ -f "$out/.key" ] && [ "$(cat "$out/.key")" = "$key" ] && [ -f "$out/vmlinuz" ] &&
	[ -f "$out/modules/modules.dep" ] && [ -f "$obj/.key" ] &&
	[ "$(cat "$obj/.key")" = "$key" ]; then
	exit 0
fi
mkdir -p "$obj"
exec 9>"$obj.lock"
flock 9 || die "cannot lock $obj.lock"

mk() {
	nice -n 19 make -s -C "$src" O="$obj" ARCH="$karch" CROSS_COMPILE="$cross" \
		KBUILD_BUILD_USER=hpt KBUILD_BUILD_HOST=hpt "$@"
}
# user + system CPU seconds of this shell's finished children: the second line of `times`
# (run in this shell, not in a $(...) subshell, which has no children of its own)
cpu_s() {
	tail -n 1 "$1" | awk '{ n = 0; for (i = 1; i <= 2; i++) {
		split($i, p, "m"); sub(/s$/, "", p[2]); n += p[1] * 60 + p[2] } printf "%.0f", n }'
}
# A tree of another key (fragments changed, new source) is reconfigured and rebuilt
# incrementally; another source version starts from scratch.
if [ ! -f "$obj/.key" ] || [ "$(cat "$obj/.key")" != "$key" ] || [ ! -f "$obj/vmlinux" ]; then
	[ -f "$obj/.source" ] && [ "$(cat "$obj/.source")" = "$debname" ] ||
		find "$obj" -mindepth 1 -delete
	rm -f "$obj/.key"
	# tinyconfig's own fragments, then ours (later lines win), applied by allnoconfig:
	# an option our fragments make visible stays off unless asked for (olddefconfig
	# would give it its default, often y or m)
	tiny="$src/kernel/configs/tiny-base.config $src/kernel/configs/tiny.config"
	[ ! -f "$src/arch/$srcarch/configs/tiny.config" ] ||
		tiny="$tiny $src/arch/$srcarch/configs/tiny.config"
	# shellcheck disable=SC2086
	(cd "$obj" && "$src/scripts/kconfig/merge_config.sh" -m -O "$obj" $tiny $frags \
		>/dev/null && mv .config minimal.config) || die "merge_config.sh failed"
	mk KCONFIG_ALLCONFIG="$obj/minimal.config" allnoconfig >/dev/null
	# a wanted value must be there; an unwanted option may also be absent altogether
	bad=$(cat $frags | sed -n -e 's/^\(CONFIG_[A-Z0-9_]*=.*\)/\1/p' \
		-e 's/^# \(CONFIG_[A-Z0-9_]*\) is not set$/\1=n/p' | while read -r l; do
		case $l in
		*=n) ! grep -q "^${l%=n}=" "$obj/.config" || echo "$l" ;;
		*) grep -qxF "$l" "$obj/.config" || echo "$l" ;;
		esac
	done)
	[ -z "$bad" ] || die "$arch: options that did not stick (dependencies unmet):" $bad
	echo "$debname" >"$obj/.source"
	# a build killed mid-write leaves empty files that make then trusts (seen: an empty
	# lib/crc/crc32table.h on ppc64le, "crc32table_le undeclared"); no object or
	# generated header is empty (dot files are stamps), and make remakes whatever is gone
	find "$obj" \( -name '*.o' -o -name '*.h' \) ! -name '.*' -size 0 -delete
	start=$(date +%s)
	times >"$obj/times.0"
	targets="vmlinux modules"
	[ "$image" = vmlinux ] || targets="$targets $(basename "$image")"
	# shellcheck disable=SC2086
	mk -j"$(nproc)" $targets >"$obj/build.log" 2>&1 || {
		tail -n 30 "$obj/build.log" >&2
		die "$arch: build failed (see $obj/build.log)"
	}
	end=$(date +%s)
	times >"$obj/times.1"
	cpu=$(($(cpu_s "$obj/times.1") - $(cpu_s "$obj/times.0")))
	rm -f "$obj/times.0" "$obj/times.1"
	echo "wall=$((end - start)) cpu=$cpu nproc=$(nproc)" >"$obj/build-time"
	echo "build-minimal-kernel: $arch built in $((end - start)) s" \
		"($cpu CPU s, $(nproc) jobs)" >&2
	echo "$key" >"$obj/.key"
fi

# ---- OUTDIR ----------------------------------------------------------------------------
ver=$(cat "$obj/include/config/kernel.release")
tmp=$(mktemp -d "$out/.min.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
mk INSTALL_MOD_PATH="$tmp/mi" DEPMOD=/bin/true modules_install >/dev/null
mdir=$tmp/mi/lib/modules/$ver
[ -f "$mdir/modules.builtin" ] || die "$arch: modules_install wrote no modules.builtin"
depmod -b "$tmp/mi" "$ver" 2>/dev/null || : >"$mdir/modules.dep"
[ -f "$mdir/modules.dep" ] || : >"$mdir/modules.dep"
rm -f "$mdir/build"
ln -s "$obj" "$mdir/build"
mkdir -p "$tmp/o"
mv "$mdir" "$tmp/o/modules"
cp "$obj/$image" "$tmp/o/vmlinuz"
[ "$boot" != vmlinux ] || [ "$image" = vmlinux ] || cp "$obj/vmlinux" "$tmp/o/vmlinux"
cp "$obj/.config" "$tmp/o/config"
echo "$ver" >"$tmp/o/version"
echo "$key" >"$tmp/o/.key"
find "$out" -mindepth 1 -maxdepth 1 ! -name "$(basename "$tmp")" -exec rm -rf {} +
mv "$tmp"/o/* "$tmp"/o/.key "$out/"
