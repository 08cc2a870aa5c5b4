#!/bin/sh
# Fetches and unpacks the current Debian kernel image for a guest arch.
#   kernels/debian-kernel.sh ARCH CACHEDIR OUTDIR
# ARCH: a row of kernels/arches.def (x86_64, ppc64le, s390x). The .deb is cached in
# CACHEDIR/<debarch>/.
# OUTDIR gets: vmlinuz, modules/ (lib/modules/<ver>), version (uname -r), config.
# HPT_KERNEL_DEB=/path/to/linux-image-*.deb uses that package instead of apt.
# Idempotent and quiet on success; needs root only when something must be fetched.
set -eu

die() { echo "debian-kernel: $*" >&2; exit 1; }

[ $# -eq 3 ] || die "usage: $0 ARCH CACHEDIR OUTDIR"
arch=$1 cache=$2 out=$3

. "$(dirname "$0")/arch.sh"
arch_vars "$arch" || die "unknown arch $arch ($(arch_list))"
meta=$kernel_pkg
image='boot/vmlinu[xz]-*'	# vmlinuz (amd64, s390x) or an uncompressed vmlinux (ppc64el)

. "$(dirname "$0")/apt.sh"

if [ -n "${HPT_KERNEL_DEB:-}" ]; then
	deb=$HPT_KERNEL_DEB
	[ -f "$deb" ] || die "HPT_KERNEL_DEB=$deb: no such file"
else
	apt_setup "$debarch" "$cache/$debarch"
	flavour=-${meta#linux-image-}
	pkg=$(apt_resolve "$meta" "$flavour")
	if [ -z "$pkg" ]; then
		# no lists yet (or offline): a cached kernel of this flavour will do
		# shellcheck disable=SC2012
		deb=$(ls -1 "$apt_dir"/linux-image-[0-9]*"${flavour}"_*_"$debarch".deb \
			2>/dev/null | sort -V | tail -n 1)
		if [ -z "$deb" ]; then
			apt_update
			pkg=$(apt_resolve "$meta" "$flavour")
			[ -n "$pkg" ] || die "$meta: cannot resolve the versioned package" \
				"(see $apt_dir/update.log)"
		fi
	fi
	[ -z "$pkg" ] || deb=$(apt_fetch "$pkg")
fi

# Already unpacked from this very .deb? Then nothing to do.
stamp=$(basename "$deb")
if [ -f "$out/.deb" ] && [ "$(cat "$out/.deb")" = "$stamp" ] &&
	[ -f "$out/vmlinuz" ] && [ -d "$out/modules" ] && [ -s "$out/version" ]; then
	exit 0
fi

mkdir -p "$(dirname "$out")"
parent=$(cd "$(dirname "$out")" && pwd)
tmp=$(mktemp -d "$parent/.kernel.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

dpkg-deb -x "$deb" "$tmp/x" || die "$deb: dpkg-deb -x failed"

# shellcheck disable=SC2086
set -- "$tmp"/x/$image
[ $# -eq 1 ] && [ -f "$1" ] || die "$deb: expected exactly one $image, found: $*"
img=$1
ver=${img##*/vmlinu?-}
[ -d "$tmp/x/lib/modules/$ver" ] || die "$deb: no lib/modules/$ver"
[ -f "$tmp/x/boot/config-$ver" ] || die "$deb: no boot/config-$ver"
[ -f "$tmp/x/lib/modules/$ver/modules.dep" ] ||
	depmod -b "$tmp/x" "$ver" 2>/dev/null ||
	die "$deb: no modules.dep and depmod failed"

mkdir -p "$tmp/o"
mv "$img" "$tmp/o/vmlinuz"
mv "$tmp/x/lib/modules/$ver" "$tmp/o/modules"
mv "$tmp/x/boot/config-$ver" "$tmp/o/config"
echo "$ver" >"$tmp/o/version"
echo "$stamp" >"$tmp/o/.deb"

rm -rf "$out"
mv "$tmp/o" "$out"
