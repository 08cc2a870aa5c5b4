#!/bin/sh
# Builds the placement probe (guest/probe/) for a Debian kernel fetched by
# debian-kernel.sh, against that kernel's own linux-headers, with the compiler its
# headers ask for, in a cached build root of the suite that served the kernel:
#   kernels/probe-build.sh ARCH KERNELDIR CACHEDIR [OUT]
# KERNELDIR: a debian-kernel.sh directory (package, suite). OUT: default
# KERNELDIR/../probe/hpt_probe.ko (with build.log next to it).
# The root: CACHEDIR/roots/<family>/ (bookworm for bookworm*, trixie for trixie*, sid for
# sid and experimental), made once by mmdebstrap --variant=minbase with the family's
# pockets; each kernel adds what its headers name: make, gcc-N (from the headers'
# .kernelvariables) and, for ppc64le/s390x, gcc-N-<triplet>, and linux-kbuild-X (amd64,
# Multi-Arch: foreign). The headers of the guest arch (and their -common) are unpacked
# into the root (dpkg-deb -x: no foreign-arch dependencies to satisfy), and the module
# is built inside it with chroot. Nothing of the host changes.
# Idempotent: an up-to-date OUT is left alone. Progress on stderr, detail in the log.
set -eu

die() { echo "probe-build: $*" >&2; exit 1; }
say() { echo "probe-build: $*" >&2; }
here=$(cd "$(dirname "$0")" && pwd)
. "$here/apt.sh"

[ $# -eq 3 ] || [ $# -eq 4 ] || die "usage: $0 ARCH KERNELDIR CACHEDIR [OUT]"
arch=$1 kdir=$2 cache=$3
. "$(dirname "$0")/arch.sh"
arch_vars "$arch" || die "unknown arch $arch ($(arch_list))"
triplet=${cross%-}
[ -s "$kdir/package" ] || die "$kdir/package: missing (a kernels/debian-kernel.sh directory?)"
[ -s "$kdir/suite" ] || die "$kdir/suite: missing (fetch the kernel again with" \
	"kernels/debian-kernel.sh ARCH SPEC CACHEDIR OUTROOT)"
kdir=$(cd "$kdir" && pwd)
out=${4:-$(dirname "$kdir")/probe/hpt_probe.ko}
read -r pkg ver <"$kdir/package"
suite=$(cat "$kdir/suite")
abi=${pkg#linux-image-}
src=$here/../guest/probe
mkdir -p "$(dirname "$out")" "$cache"
out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
cache=$(cd "$cache" && pwd)
log=$(dirname "$out")/build.log

# up to date: built for this very kernel package from these very sources
stamp="$pkg $ver $(cat "$src/hpt_probe.c" "$src/Kbuild" | cksum)"
if [ -f "$out" ] && [ -f "$out.stamp" ] && [ "$(cat "$out.stamp")" = "$stamp" ]; then
	exit 0
fi

case $suite in
sid | unstable | experimental) family=sid ;;
*) family=${suite%%-*} ;;
esac
root=$cache/roots/$family
mkdir -p "$cache/roots"
exec 9>"$root.lock"
flock 9

# ---- the headers of this kernel (guest arch), from the suite that served it -----------
apt_setup "$debarch" "$cache/headers/$debarch"
apt_suite "$suite" "$cache/apt/$suite-$debarch"
apt_suite_fresh || apt_update
: >"$apt_dir/download.log"
hdeb=$(apt_fetch_exact "linux-headers-$abi" "$ver") ||
	die "linux-headers-$abi $ver: not in the cache nor served by $suite" \
		"($(sed -n 's/^E: //p' "$apt_dir/download.log" | head -n 1))"
deps=$(dpkg-deb -f "$hdeb" Depends | tr ',' '\n')
common=$(echo "$deps" | sed -n 's/^ *\(linux-headers-[^ ]*-common\) (= \([^)]*\)).*/\1 \2/p')
[ -n "$common" ] || die "$hdeb names no -common headers package"
# shellcheck disable=SC2086
cdeb=$(apt_fetch_exact $common) || die "$common: cannot be downloaded from $suite"
kbuild=$(echo "$deps" | sed -n 's/^ *\(linux-kbuild-[^ ]*\).*/\1/p' | head -n 1)
[ -n "$kbuild" ] || die "$hdeb names no linux-kbuild package"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hpt-probe.XXXXXX")
build=''
cleanup() { rm -rf "$tmp"; [ -z "$build" ] || rm -rf "$build"; }
trap cleanup EXIT INT TERM
dpkg-deb -x "$hdeb" "$tmp/h"
kv=$tmp/h/usr/src/linux-headers-$abi/.kernelvariables
[ -f "$kv" ] || die "$hdeb: no usr/src/linux-headers-$abi/.kernelvariables"
gcc=$(sed -n 's/^CC *=.*\(gcc-[0-9][0-9]*\).*/\1/p' "$kv" | head -n 1)
[ -n "$gcc" ] || die "$kv: no CC = …gcc-N line"

needs="make $gcc $kbuild${triplet:+ $gcc-$triplet}"

# A bookworm kernel on a bookworm host: the host's compiler is that suite's and the
# Makefile's own probe is built the same way (kernels/debian-headers.sh): no build root
# to make (4-5 min from a cold cache). Falls back to the root when the host cannot.
if [ "$family" = bookworm ] && grep -qx 'VERSION_CODENAME=bookworm' /etc/os-release 2>/dev/null &&
	command -v "${triplet:+$triplet-}$gcc" >/dev/null 2>&1 &&
	hd=$("$here/debian-headers.sh" "$abi" "$arch" "$cache" 2>>"$log"); then
	build=$(mktemp -d "${TMPDIR:-/tmp}/hpt-probe-host.XXXXXX")
	cp "$src/hpt_probe.c" "$src/Kbuild" "$build/"
	t0=$(date +%s)
	if make -C "$hd" ARCH="$karch" ${triplet:+CROSS_COMPILE=$triplet-} \
		M="$build" modules >"$log" 2>&1 &&
		"${triplet:+$triplet-}strip" --strip-debug "$build/hpt_probe.ko" >>"$log" 2>&1; then
		cp "$build/hpt_probe.ko" "$out.new"
		mv "$out.new" "$out"
		echo "$stamp" >"$out.stamp"
		echo "built in $(($(date +%s) - t0)) s with the host's $gcc${triplet:+ ($triplet)}" >>"$log"
		exit 0
	fi
	say "the host could not build the probe for $pkg $ver (see $log): trying a build root"
	rm -rf "$build"
	build=''
fi
family_sources() {
	apt_sources "$family"
	if [ "$family" = sid ]; then apt_sources experimental; else apt_sources "$family-backports"; fi
}
chroot_run() {
	chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C \
		DEBIAN_FRONTEND=noninteractive "$@"
}
# the same with /proc (objtool reads /proc/self/limits), mounted in a mount namespace of
# its own: the mount vanishes with the command, whatever happens to it
chroot_proc() {
	unshare --mount --propagation private sh -c 'r=$1; shift; mount -t proc proc "$r/proc" &&
		exec chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
		LC_ALL=C "$@"' sh "$root" "$@"
}

# ---- the build root: made once per family, completed per kernel -------------------------
if [ ! -f "$root/.hpt-ready" ]; then
	say "making the $family build root ($root; log $log)"
	command -v mmdebstrap >/dev/null 2>&1 || "$here/../host/install-deps.sh" kernels ||
		die "mmdebstrap is missing and could not be installed (apt-get install mmdebstrap)"
	rm -rf "$root.new"
	t0=$(date +%s)
	# the host's archive access settings go along (a frozen archive's expired Release
	# files, a proxy); mmdebstrap keeps them in the root's apt.conf.d for later installs
	apt-config dump | grep -E '^Acquire::(Check-Valid-Until|Check-Date|https?::Proxy) ' \
		>"$tmp/aptopts" || true
	# no fsync per file: a build root is rebuilt, never repaired (177 s -> 127 s here)
	set -- --aptopt='Acquire::Languages "none";' --dpkgopt=force-unsafe-io
	while read -r o; do set -- "$@" --aptopt="$o"; done <"$tmp/aptopts"
	# a second try after a failure: the archive's network errors pass (seen once in CI,
	# the log gone with its root); the second failure's own apt errors are the message
	for try in 1 2; do
		rm -rf "$root.new"
		# shellcheck disable=SC2086
		family_sources | mmdebstrap --variant=minbase --include="$(echo $needs | tr ' ' ,)" \
			"$@" "$family" "$root.new" - >"$log" 2>&1 && break
		cp "$log" "$log.try$try" 2>/dev/null
		[ "$try" = 1 ] && say "mmdebstrap $family failed ($(grep -E '^(E|W): ' "$log" |
			tail -n 1)); trying once more"
		[ "$try" = 2 ] && { rm -rf "$root.new"; die "mmdebstrap $family failed twice:" \
			"$(grep -E '^(E|W): ' "$log" | tail -n 3 | tr '\n' ' ')(see $log)"; }
	done
	rm -rf "$root"
	mv "$root.new" "$root"
	touch "$root/.hpt-ready"
	say "$family build root made in $(($(date +%s) - t0)) s, $(du -sm "$root" | cut -f1) MB"
else
	missing=
	for p in $needs; do
		chroot_run dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q '^install ok installed' || missing="$missing $p"
	done
	if [ -n "$missing" ]; then
		say "adding$missing to the $family build root"
		cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
		# shellcheck disable=SC2086
		{ chroot_run apt-get -qq update &&
			chroot_run apt-get -qq install -y --no-install-recommends $missing; } \
			>"$log" 2>&1 || die "apt-get install$missing in $root failed (see $log)"
	fi
fi

# ---- the headers of this kernel into the root -----------------------------------------
hdir=$root/usr/src/linux-headers-$abi
if [ ! -f "$hdir/.hpt-ready" ]; then
	# only usr/src, and never replacing the root's /lib -> usr/lib by a directory (6.1's
	# headers also carry lib/modules/V/build)
	for d in "$hdeb" "$cdeb"; do
		dpkg-deb --fsys-tarfile "$d" | tar -x -C "$root" --keep-directory-symlink ./usr/src ||
			die "$d: cannot unpack its usr/src"
	done
	touch "$hdir/.hpt-ready"
fi

# ---- the module --------------------------------------------------------------------------
build=$(mktemp -d "$root/tmp/hpt-probe.XXXXXX")
cp "$src/hpt_probe.c" "$src/Kbuild" "$build/"
b=/tmp/${build##*/}
t0=$(date +%s)
chroot_proc make -C "/usr/src/linux-headers-$abi" ARCH="$karch" \
	${triplet:+CROSS_COMPILE=$triplet-} M="$b" modules >"$log" 2>&1 ||
	{ cat "$log" >&2; die "the probe does not build for $pkg $ver (see $log)"; }
chroot_run "${triplet:+$triplet-}strip" --strip-debug "$b/hpt_probe.ko" >>"$log" 2>&1 ||
	die "strip failed (see $log)"
cp "$build/hpt_probe.ko" "$out.new"
mv "$out.new" "$out"
echo "$stamp" >"$out.stamp"
echo "built in $(($(date +%s) - t0)) s with $gcc${triplet:+ ($triplet)} in $root" >>"$log"
