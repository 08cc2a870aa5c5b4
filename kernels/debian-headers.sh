#!/bin/sh
# debian-headers.sh VERSION [ARCH CACHEDIR]: prints the directory of a kbuild tree for
# Debian's linux-headers-VERSION, to build out-of-tree modules (the placement probe) for
# that exact guest kernel.
# - host arch: installs linux-headers-VERSION with apt (as root; else prints the command)
# - other arch (ppc64le, s390x): fetches linux-headers-VERSION and its -common package of
#   that arch into CACHEDIR/headers/<debarch>/ and unpacks them there; their kbuild host
#   tools are binaries of that arch, so the host's own linux-kbuild-6.1 (installed with
#   apt; its fixdep/modpost read foreign ELF) stands in. Build with ARCH=/CROSS_COMPILE=.
set -eu
die() { echo "debian-headers: $*" >&2; exit 1; }
ver=$1 arch=${2:-} cache=${3:-.cache}
. "$(dirname "$0")/arch.sh"
arch_vars "${arch:-x86_64}" || die "unknown arch $arch ($(arch_list))"
install_host() {	# install_host PKG: as every system install, through install-deps.sh
	EXTRA_PKGS=$1 "$(dirname "$0")/../host/install-deps.sh" extra ||
		die "cannot install $1 (to build the placement probe)"
}
if [ "$debarch" = "$(dpkg --print-architecture)" ]; then
	dir=/usr/src/linux-headers-$ver
	[ -f "$dir/Makefile" ] || install_host "linux-headers-$ver"
	echo "$dir"
	exit 0
fi
[ -d /usr/lib/linux-kbuild-6.1/scripts ] || install_host linux-kbuild-6.1
. "$(dirname "$0")/apt.sh"
base=$(mkdir -p "$cache/headers/$debarch" && cd "$cache/headers/$debarch" && pwd)
root=$base/root
dir=$root/usr/src/linux-headers-$ver
if [ ! -f "$dir/.hpt-ready" ]; then
	apt_setup "$debarch" "$base"
	deb=$(apt_fetch "linux-headers-$ver")
	common=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed -n 's/^ *\(linux-headers-[^ ]*-common\).*/\1/p')
	[ -n "$common" ] || die "linux-headers-$ver names no -common package"
	cdeb=$(apt_fetch "$common")
	rm -rf "$root"
	mkdir -p "$root/usr/lib"
	dpkg-deb -x "$deb" "$root"
	dpkg-deb -x "$cdeb" "$root"
	cp -a /usr/lib/linux-kbuild-6.1 "$root/usr/lib/"
	# the arch tree includes the common one by absolute path
	sed -i "s|include /usr/src/|include $root/usr/src/|" "$dir/Makefile"
	touch "$dir/.hpt-ready"
fi
echo "$dir"
