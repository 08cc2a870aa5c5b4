#!/bin/sh
# Fetches and unpacks a Debian kernel for a guest arch.
#   kernels/debian-kernel.sh ARCH SPEC CACHEDIR OUTROOT  unpacks it into
#                            OUTROOT/ARCH/k/ID/kernel/ and prints that directory
#   kernels/debian-kernel.sh --resolve ARCH SPEC CACHEDIR  prints ID only (nothing is
#                            unpacked; .debs are downloaded only if not cached yet)
#   kernels/debian-kernel.sh ARCH CACHEDIR OUTDIR  bookworm's kernel into OUTDIR (the
#                            Makefile's form; HPT_KERNEL_DEB=FILE.deb uses that package)
# ARCH: x86_64 | ppc64le | s390x.
# SPEC: debian:SUITE    that suite's newest kernel of the arch's flavour (amd64,
#                       powerpc64le, s390x): bookworm (with -updates and -security),
#                       bookworm-backports, trixie, trixie-backports, sid, experimental…
#       debian:VERSION  the kernel package of exactly that version (e.g. what a run
#                       recorded), from the cache or any suite of HPT_DEBIAN_SUITES
#       either with -64k: the flavour with 64K pages (ppc64le: powerpc64le-64k; an
#                       error where the archive has no such flavour)
# ID = <uname -r>_<package version>, e.g. the image package linux-image-ID's name and
# version joined by "_". The kernel directory gets vmlinuz (x86_64 also vmlinux, the PVH
# ELF), modules/ (with modules.dep), version (uname -r), config, package: the kernel's
# package "NAME VERSION" on its first line, then every .deb it was unpacked from, and
# suite: the suite that served it (the probe is built with that suite's compiler).
# All three package layouts: boot/ + lib/modules/ (6.1), usr/lib/modules/ (trixie), and
# the 7.x split (linux-image-V → linux-binary-V, linux-modules-V, linux-base-V).
# .debs are cached by version in CACHEDIR/kernels/<debarch>/, each suite's lists in
# CACHEDIR/apt/<suite>-<debarch>/ (refreshed when older than HPT_APT_MAX_AGE minutes,
# default 1440). A listed kernel that the archive does not serve (404) gives way to the
# newest one of the suite that downloads, and that is said on stderr.
# Idempotent; quiet on success except the printed result.
set -eu

die() { echo "debian-kernel: $*" >&2; exit 1; }
say() { echo "debian-kernel: $*" >&2; }
here=$(cd "$(dirname "$0")" && pwd)
. "$here/apt.sh"

resolve_only='' legacy=''
if [ "${1:-}" = --resolve ]; then
	shift
	[ $# -eq 3 ] || die "usage: $0 --resolve ARCH SPEC CACHEDIR"
	resolve_only=1 arch=$1 spec=$2 cache=$3 out=
elif [ $# -eq 3 ]; then
	legacy=1 arch=$1 spec=debian:bookworm cache=$2 out=$3
	cache=$(dirname "$cache")	# the Makefile passes CACHE/kernels
elif [ $# -eq 4 ]; then
	arch=$1 spec=$2 cache=$3 out=$4
else
	die "usage: $0 ARCH SPEC CACHEDIR OUTROOT | --resolve ARCH SPEC CACHEDIR | ARCH CACHEDIR OUTDIR"
fi

. "$here/arch.sh"
arch_vars "$arch" || die "unknown arch $arch ($(arch_list))"
flavour=${kernel_pkg#linux-image-}

case $spec in
debian:?*) what=${spec#debian:} ;;
*) die "kernel spec '$spec': expected debian:SUITE or debian:VERSION" ;;
esac
case $what in
*-[0-9]*k) flavour=$flavour-${what##*-}; what=${what%-*} ;;
esac
[ -n "$what" ] || die "kernel spec '$spec': no suite or version"
case $what in
[0-9]*) version=$what suite= ;;
*) version='' suite=$what ;;
esac

mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
apt_setup "$debarch" "$cache/kernels/$debarch"
debs=$apt_dir
# one fetcher at a time per arch cache (apt-get download writes there)
exec 9>"$debs/.lock"
flock 9

# The image packages of this flavour: linux-image-<ABI>-<flavour>, the ABI being an
# upstream version with an optional -<abi number> or +<tag> (not the -dbg, -unsigned,
# cloud-, rt- variants).
image_re="^linux-image-[0-9][0-9a-z.+~]*(-[0-9]+)?-$flavour\$"

# candidates: "NAME VERSION" of the suite's kernels, the metapackage's choice first, then
# the others of its series (major.minor) newest first: the fallbacks when the pool lacks
# a listed package. Without a metapackage, every listed kernel, newest first.
candidates() {
	# shellcheck disable=SC2086
	names=$(apt-cache $apt_o pkgnames linux-image- 2>/dev/null | grep -E "$image_re" || true)
	[ -n "$names" ] || return 0
	# shellcheck disable=SC2086
	apt-cache $apt_o madison $names 2>/dev/null | awk -F' *[|] *' '{ print $1, $2 }' |
		sed 's/^ *//' | sort -u >"$tmp/cand"
	# the metapackage's choice: its newest version's Depends on an image package
	# shellcheck disable=SC2086
	best=$(apt-cache $apt_o show "linux-image-$flavour" 2>/dev/null |
		sed -n 's/^Depends: //p' | tr ',' '\n' |
		sed -n 's/^ *\([^ ]*\) (= \([^)]*\)).*/\1 \2/p' |
		grep -E "${image_re%\$} " | apt_newest_first | head -n 1)
	if [ -z "$best" ]; then
		apt_newest_first <"$tmp/cand"
		return 0
	fi
	echo "$best"
	# fallbacks only from the same series (bookworm-security also lists 6.12)
	series=$(echo "${best#* }" | sed 's/^\([0-9]*\.[0-9]*\).*/\1/')
	awk -v b="$best" -v s="$series" '$0 != b && index($2, s) == 1 &&
		substr($2, length(s) + 1, 1) !~ /[0-9]/' "$tmp/cand" | apt_newest_first
}

# fetch_kernel NAME VERSION: every .deb of that kernel into the cache, their paths in
# $tmp/debs; 1 when one of them cannot be had. The image package's Depends on packages
# of its own ABI (7.x: linux-binary-, linux-modules-, linux-base-) come with it.
fetch_kernel() {
	: >"$tmp/debs"
	d=$(apt_fetch_exact "$1" "$2") || return 1
	echo "$d" >>"$tmp/debs"
	abi=${1#linux-image-}
	for dep in $(dpkg-deb -f "$d" Depends | tr ',' '\n' |
		sed -n "s/^ *\([a-z0-9.+-]*-$abi\) (= \([^)]*\)).*/\1=\2/p"); do
		d=$(apt_fetch_exact "${dep%%=*}" "${dep#*=}") || return 1
		echo "$d" >>"$tmp/debs"
	done
}

# try_candidates: the first of $tmp/try ("NAME VERSION" lines) whose .debs all download
# A kernel that failed to download is remembered in the lists dir until the next update
# (cheap repeated resolution), and still reported each time.
try_candidates() {
	first='' why=''
	while read -r n v; do
		[ -n "$first" ] || first="$n $v"
		if grep -qxF "$n $v" "$apt_lists/unserved" 2>/dev/null; then
			[ -n "$why" ] || why="not served when tried on $(date -r \
				"$apt_lists/unserved" '+%F %R'); tried again after the next list update"
			continue
		fi
		lines=$(wc -l <"$debs/download.log")
		if fetch_kernel "$n" "$v"; then
			[ "$first" = "$n $v" ] ||
				say "$first is listed${suite:+ in $suite} but the archive does not" \
					"serve it (${why:-download failed}); using the newest that" \
					"downloads: $n $v"
			pkg=$n pkgver=$v
			# which suite served it (the probe's build root is that suite's)
			[ -z "$suite" ] || echo "$suite" >"$debs/.suite.${n}_$v"
			return 0
		fi
		[ -n "$why" ] || why=$(tail -n +"$((lines + 1))" "$debs/download.log" |
			sed -n 's/^E: Failed to fetch //p' | head -n 1)
		[ -z "$suite" ] || echo "$n $v" >>"$apt_lists/unserved"
	done <"$tmp/try"
	return 1
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hpt-kernel.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
pkg='' pkgver=''
: >"$debs/download.log"

if [ -n "$legacy" ] && [ -n "${HPT_KERNEL_DEB:-}" ]; then
	[ -f "$HPT_KERNEL_DEB" ] || die "HPT_KERNEL_DEB=$HPT_KERNEL_DEB: no such file"
	echo "$HPT_KERNEL_DEB" >"$tmp/debs"
	pkg=$(dpkg-deb -f "$HPT_KERNEL_DEB" Package)
	pkgver=$(dpkg-deb -f "$HPT_KERNEL_DEB" Version)
elif [ -n "$suite" ]; then
	apt_suite "$suite" "$cache/apt/$suite-$debarch"
	apt_suite_fresh || apt_update
	if ! ls "$apt_lists"/lists/*_Packages* >/dev/null 2>&1; then
		cp "$apt_lists/update.log" "$tmp/update.log" 2>/dev/null || true
		rm -rf "$apt_lists"	# (a misspelt suite leaves nothing behind)
		die "no package lists for $suite ($debarch): apt-get update failed:" \
			"$(grep -m 1 '^E:' "$tmp/update.log" 2>/dev/null)"
	fi
	candidates >"$tmp/try"
	if [ ! -s "$tmp/try" ]; then
		die "$suite lists no linux-image-$flavour kernel for $debarch"
	fi
	if ! try_candidates; then
		if [ -z "$apt_updated" ]; then	# stale lists name packages gone from the pool
			apt_update
			candidates >"$tmp/try"
		fi
		try_candidates ||
			die "no $flavour kernel of $suite could be downloaded (tried:" \
				"$(awk '{ printf "%s%s %s", NR > 1 ? ", " : "", $1, $2 }' "$tmp/try");" \
				"see $debs/download.log)"
	fi
else
	# an exact version: the cache first (works offline), then the suites' lists
	for d in "$debs"/linux-image-*_"$version"_"$debarch".deb; do
		[ -f "$d" ] || continue
		n=$(basename "$d"); n=${n%%_*}
		echo "$n" | grep -qE "$image_re" || continue
		echo "$n $version" >"$tmp/try"
		try_candidates && break
	done
	if [ -z "$pkg" ]; then
		tried=
		for s in ${HPT_DEBIAN_SUITES:-bookworm bookworm-backports trixie trixie-backports sid experimental}; do
			suite=$s
			apt_suite "$s" "$cache/apt/$s-$debarch"
			apt_suite_fresh || apt_update
			candidates | awk -v v="$version" '$2 == v' >"$tmp/try"
			[ -s "$tmp/try" ] || { tried="$tried $s"; continue; }
			try_candidates && break
			die "$(cat "$tmp/try") is listed in $s but cannot be downloaded" \
				"(see $debs/download.log)"
		done
		[ -n "$pkg" ] || die "no $flavour kernel of version $version: not in the cache" \
			"($debs) and not in the archive (suites:$tried)"
	fi
fi

id=${pkg#linux-image-}_$(echo "$pkgver" | tr ':' '%')
if [ -n "$resolve_only" ]; then
	echo "$id"
	exit 0
fi
[ -n "$legacy" ] || out=$out/$arch/k/$id/kernel

# Already unpacked from these very .debs? Then nothing to do.
sed 's,.*/,,' "$tmp/debs" >"$tmp/stamp"
if [ -f "$out/.debs" ] && cmp -s "$out/.debs" "$tmp/stamp" && [ -f "$out/vmlinuz" ] &&
	[ -f "$out/modules/modules.dep" ] && [ -s "$out/version" ] && [ -s "$out/package" ]; then
	[ -f "$out/suite" ] || [ ! -f "$debs/.suite.${pkg}_$pkgver" ] ||
		cp "$debs/.suite.${pkg}_$pkgver" "$out/suite"
	[ -n "$legacy" ] || echo "$out"
	exit 0
fi

x=$tmp/x
while read -r d; do
	dpkg-deb -x "$d" "$x" || die "$d: dpkg-deb -x failed"
done <"$tmp/debs"

# the release: the one modules directory (lib/modules/V or usr/lib/modules/V)
set -- "$x"/lib/modules/*/ "$x"/usr/lib/modules/*/
mods=
for m in "$@"; do [ -d "$m" ] && mods="$mods ${m%/}"; done
# shellcheck disable=SC2086
set -- $mods
[ $# -eq 1 ] || die "$pkg $pkgver: expected one modules directory, found:${mods:- none}"
mods=$1 ver=${1##*/}
img=
for i in "$x/boot/vmlinuz-$ver" "$x/boot/vmlinux-$ver" "$mods/vmlinuz" "$mods/vmlinux"; do
	[ -f "$i" ] && { img=$i; break; }
done
[ -n "$img" ] || die "$pkg $pkgver: no kernel image (boot/vmlinu?-$ver or" \
	"lib/modules/$ver/vmlinu?)"
cfg=
for c in "$x/boot/config-$ver" "$mods/config"; do
	[ -f "$c" ] && { cfg=$c; break; }
done
[ -n "$cfg" ] || die "$pkg $pkgver: no config (boot/config-$ver or lib/modules/$ver/config)"

mkdir -p "$tmp/o"
mv "$img" "$tmp/o/vmlinuz"
cp "$cfg" "$tmp/o/config"
mkdir -p "$tmp/d/lib/modules"
mv "$mods" "$tmp/d/lib/modules/$ver"
if [ ! -f "$tmp/d/lib/modules/$ver/modules.dep" ]; then
	command -v depmod >/dev/null 2>&1 || PATH=$PATH:/sbin:/usr/sbin
	depmod -b "$tmp/d" "$ver" 2>"$tmp/depmod.err" ||
		die "$pkg $pkgver: depmod failed: $(head -n 3 "$tmp/depmod.err")"
fi
mv "$tmp/d/lib/modules/$ver" "$tmp/o/modules"
echo "$ver" >"$tmp/o/version"
[ ! -f "$debs/.suite.${pkg}_$pkgver" ] || cp "$debs/.suite.${pkg}_$pkgver" "$tmp/o/suite"
{
	echo "$pkg $pkgver"
	sed 's,.*/,,' "$tmp/debs"
} >"$tmp/o/package"
if [ "$arch" = x86_64 ] && [ -z "$legacy" ]; then	# (the Makefile extracts it itself)
	"$here/extract-vmlinux.sh" "$tmp/o/vmlinuz" "$tmp/o/vmlinux" ||
		die "$pkg $pkgver: no PVH vmlinux in its bzImage"
fi
cp "$tmp/stamp" "$tmp/o/.debs"

mkdir -p "$(dirname "$out")"
parent=$(cd "$(dirname "$out")" && pwd)
new=$(mktemp -d "$parent/.kernel.XXXXXX")
rmdir "$new"
mv "$tmp/o" "$new"
old=
if [ -e "$out" ]; then old=$parent/.old.$$; mv "$out" "$old"; fi
mv "$new" "$out"
[ -z "$old" ] || rm -rf "$old"
[ -n "$legacy" ] || echo "$out"
