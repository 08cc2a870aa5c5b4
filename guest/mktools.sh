#!/bin/sh
# Stages dynamic guest tools (guest/tools.list) for an arch into a tree that
# guest/mkinitramfs.sh copies into the initramfs:
#   guest/mktools.sh ARCH CACHEDIR STAGE
# The Debian packages of the guest's arch (the tools, their libraries, libc) are fetched
# with kernels/apt.sh into CACHEDIR/tools/<debarch>/, unpacked, and STAGE gets bin/<tool>,
# every shared library the tools need (NEEDED, transitively; by SONAME, symlinks resolved)
# under lib/ and the dynamic loader at the path the binaries ask for (PT_INTERP). A missing
# library stops the build: a tool that cannot start in the guest is not shipped.
set -eu

die() { echo "mktools: $*" >&2; exit 1; }

[ $# -eq 3 ] || die "usage: $0 ARCH CACHEDIR STAGE"
arch=$1 cache=$2 stage=$3
here=$(dirname "$0")
. "$here/../kernels/arch.sh"
arch_vars "$arch" || die "unknown arch $arch ($(arch_list))"

# "TOOL PACKAGE[,PACKAGE…] [ARCH,…]" lines for this arch
tools=$(sed -e 's/#.*//' "$here/tools.list" | awk -v a="$arch" '
	NF == 2 { print; next }
	NF >= 3 { n = split($3, l, ","); for (i = 1; i <= n; i++) if (l[i] == a) print $1, $2 }')
[ -n "$tools" ] || exit 0

. "$here/../kernels/apt.sh"
apt_setup "$debarch" "$cache/tools/$debarch"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hpt-tools.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir -p "$tmp/x" "$stage/bin"
for p in $(echo "$tools" | awk '{ print $2 }' | tr ',' ' '); do
	deb=$(apt_fetch "$p")
	dpkg-deb -x "$deb" "$tmp/x" || die "$deb: dpkg-deb -x failed"
done

# SONAME -> file in the unpacked tree (regular files and symlinks)
find "$tmp/x" -name '*.so*' \( -type f -o -type l \) >"$tmp/libs"
need() { readelf -d "$1" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }
: >"$tmp/done"
add_deps() {
	for so in $(need "$1"); do
		grep -qx "$so" "$tmp/done" && continue
		echo "$so" >>"$tmp/done"
		src=$(grep "/$so\$" "$tmp/libs" | head -n 1)
		[ -n "$src" ] || die "$1 needs $so: not in the fetched packages (add one to tools.list)"
		mkdir -p "$stage/lib"
		cp -L "$src" "$stage/lib/$so"
		add_deps "$stage/lib/$so"
	done
}
echo "$tools" | while read -r tool pkgs; do
	bin=$(find "$tmp/x" -path "*bin/$tool" -type f | head -n 1)
	[ -n "$bin" ] || die "$tool: not in $pkgs"
	cp "$bin" "$stage/bin/$tool"
	add_deps "$stage/bin/$tool"
	interp=$(readelf -l "$bin" | sed -n 's/.*Requesting program interpreter: \(.*\)\]/\1/p')
	if [ -n "$interp" ] && [ ! -f "$stage$interp" ]; then
		src=$(find "$tmp/x" -name "$(basename "$interp")" | head -n 1)
		[ -n "$src" ] || die "$tool: loader $interp not in the fetched packages"
		mkdir -p "$stage$(dirname "$interp")"
		cp -L "$src" "$stage$interp"
	fi
done
