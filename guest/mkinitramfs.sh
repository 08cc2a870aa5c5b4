#!/bin/sh
# Builds the guest initramfs (newc cpio):
#   guest/mkinitramfs.sh ARCH KERNELDIR AGENT CACHEDIR OUT
# /init = AGENT (static hp-agent), /bin/busybox + sh ls cat links, /dev/console, the
# modules of guest/modules.list with their dependencies (from KERNELDIR/modules/
# modules.dep) and /lib/modules/load-order (paths relative to /, dependencies first).
# The archive is written by this script itself: no root needed, every timestamp, owner
# and inode number fixed, so the same inputs give the same bytes.
# OUT.modules: what became of each wanted module ("NAME USES shipped|builtin|missing").
# HPT_EXTRA_MODULES: more .ko files, shipped in /lib/hpt/ and loaded by the agent on
# demand (the placement probe), not at boot.
# Compression: HPT_INITRAMFS_COMPRESS=none (default, boots fastest under TCG) | gzip.
# busybox: the host's static /bin/busybox for the host arch, else busybox-static
# fetched for ARCH into CACHEDIR/busybox/<debarch>/.
set -eu

die() { echo "mkinitramfs: $*" >&2; exit 1; }

[ $# -eq 5 ] || die "usage: $0 ARCH KERNELDIR AGENT CACHEDIR OUT"
arch=$1 kdir=$2 agent=$3 cache=$4 out=$5
here=$(dirname "$0")
compress=${HPT_INITRAMFS_COMPRESS:-none}

. "$here/../kernels/arch.sh"
arch_vars "$arch" || die "unknown arch $arch ($(arch_list))"
case $compress in none|gzip) ;; *) die "HPT_INITRAMFS_COMPRESS=$compress: none or gzip" ;; esac

[ -f "$agent" ] || die "$agent: no such file"
[ -s "$kdir/version" ] || die "$kdir/version: missing (run kernels/debian-kernel.sh)"
ver=$(cat "$kdir/version")
mdir=$kdir/modules
[ -f "$mdir/modules.dep" ] || die "$mdir/modules.dep: missing"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hpt-initramfs.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

# ---- busybox --------------------------------------------------------------------------
is_static() { ! readelf -l "$1" 2>/dev/null | grep -q INTERP; }

if [ "$debarch" = "$(dpkg --print-architecture)" ] && [ -x /bin/busybox ] &&
	is_static /bin/busybox; then
	busybox=/bin/busybox
else
	busybox=$cache/busybox/$debarch/busybox
	if [ ! -x "$busybox" ]; then
		. "$here/../kernels/apt.sh"
		apt_setup "$debarch" "$cache/busybox/$debarch"
		deb=$(apt_fetch busybox-static)
		dpkg-deb -x "$deb" "$tmp/bb" || die "$deb: dpkg-deb -x failed"
		[ -f "$tmp/bb/bin/busybox" ] || die "$deb: no bin/busybox"
		cp "$tmp/bb/bin/busybox" "$busybox.tmp" && mv "$busybox.tmp" "$busybox"
		rm -rf "$tmp/bb"
	fi
fi

# ---- modules: closure and load order ----------------------------------------------------
# Wanted for this arch: "NAME USES" lines (guest/modules.list: NAME ARCHES USES).
sed -e 's/#.*//' "$here/modules.list" | awk -v a="$arch" -v f="$here/modules.list" '
	NF == 0 { next }
	NF != 3 { print f ": " NR ": want NAME ARCHES USES, got: " $0 > "/dev/stderr"; exit 1 }
	$2 == "*" { print $1, $3; next }
	{ n = split($2, l, ","); for (i = 1; i <= n; i++) if (l[i] == a) print $1, $3 }
' >"$tmp/want" || die "$here/modules.list: bad line"

touch "$tmp/builtin"
[ -f "$mdir/modules.builtin" ] && cp "$mdir/modules.builtin" "$tmp/builtin"

# Prints module paths (as in modules.dep), each after everything it depends on, and
# writes what became of each wanted one to $tmp/status ("NAME USES shipped|builtin|
# missing"). Only a missing "always" one fails: the others are the controller's to judge
# per scenario (host/modneeds.c), an optional one is noted there.
awk -v depfile="$mdir/modules.dep" -v builtin="$tmp/builtin" -v status="$tmp/status" '
function norm(p,   n) {
	n = p; sub(/.*\//, "", n); sub(/\.ko(\.(xz|zst|gz))?$/, "", n); gsub(/-/, "_", n)
	return n
}
function visit(p,   d, n, i) {
	if (p in seen) return
	seen[p] = 1
	n = split(deps[p], d, " ")
	for (i = n; i >= 1; i--) visit(d[i])
	print p
}
BEGIN {
	while ((getline line < depfile) > 0) {
		c = index(line, ":"); p = substr(line, 1, c - 1)
		deps[p] = substr(line, c + 1); byname[norm(p)] = p
	}
	while ((getline line < builtin) > 0) isbuiltin[norm(line)] = 1
	printf "" > status
}
{
	w = $1; gsub(/-/, "_", w)
	if (w in byname) { visit(byname[w]); st = "shipped" }
	else if (w in isbuiltin) st = "builtin"
	else {
		st = "missing"
		if ($2 == "always") {
			print "module " $1 ": not in modules.dep nor built in (the agent needs it)" > "/dev/stderr"
			bad = 1
		} else
			print "module " $1 ": not in this kernel (needed only by: " $2 ")" > "/dev/stderr"
	}
	print $1, $2, st > status
}
END { exit bad }
' "$tmp/want" >"$tmp/order" || die "$mdir: cannot resolve modules of $here/modules.list"

# ---- staging tree ----------------------------------------------------------------------
root=$tmp/root
mkdir -p "$root/bin" "$root/lib/modules"
cp "$agent" "$root/init"
cp "$busybox" "$root/bin/busybox"
: >"$root/lib/modules/load-order"
while read -r p; do
	src=$mdir/$p
	dst=lib/modules/$ver/${p%.xz}
	dst=${dst%.zst}
	dst=${dst%.gz}
	mkdir -p "$root/$(dirname "$dst")"
	case $p in
	*.xz) xz -dc "$src" >"$root/$dst" ;;
	*.zst) zstd -qdc "$src" >"$root/$dst" ;;
	*.gz) gzip -dc "$src" >"$root/$dst" ;;
	*) cp "$src" "$root/$dst" ;;
	esac || die "$src: cannot copy"
	echo "$dst" >>"$root/lib/modules/load-order"
done <"$tmp/order"
# HPT_GUEST_TOOLS=1: the dynamic tools of guest/tools.list (ndctl, daxctl) too, with their
# libraries and loader (~9 MB: a separate initramfs-tools image, used by scenarios that
# need them, so that the others keep booting fast)
if [ -n "${HPT_GUEST_TOOLS:-}" ]; then
	"$here/mktools.sh" "$arch" "$cache" "$root" ||
		die "cannot stage the guest tools for $arch"
	# libkmod (daxctl loads `kmem`) must see what is built in: a debug kernel has it so
	mkdir -p "$root/lib/modules/$ver"
	for f in modules.builtin modules.builtin.bin; do
		[ ! -f "$mdir/$f" ] || cp "$mdir/$f" "$root/lib/modules/$ver/"
	done
fi
for f in ${HPT_EXTRA_MODULES:-}; do
	mkdir -p "$root/lib/hpt"
	cp "$f" "$root/lib/hpt/" || die "$f: cannot copy"
done

# ---- newc writer -----------------------------------------------------------------------
ino=0
pad() { n=$(((4 - $1 % 4) % 4)); [ $n -eq 0 ] || head -c $n /dev/zero; }
# hdr NAME MODE(decimal) SIZE RDEVMAJOR RDEVMINOR
hdr() {
	ino=$((ino + 1)) nlen=$((${#1} + 1))
	printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
		"$ino" "$2" 0 0 1 0 "$3" 0 0 "$4" "$5" "$nlen" 0
	printf '%s\0' "$1"
	pad $((110 + nlen))
}
dir() { hdr "$1" $((0040755)) 0 0 0; }
file() {
	size=$(wc -c <"$root/$1")
	hdr "$1" $((0100000 | $2)) "$size" 0 0
	cat "$root/$1"
	pad "$size"
}
link() { hdr "$1" $((0120777)) ${#2} 0 0; printf '%s' "$2"; pad ${#2}; }

{
	for d in dev proc sys tmp root; do dir $d; done
	hdr dev/console $((0020600)) 0 5 1
	(cd "$root" && find . -mindepth 1 -type d | sed 's,^\./,,' | LC_ALL=C sort) |
		while read -r d; do dir "$d"; done
	file init $((0755))
	file bin/busybox $((0755))
	for l in sh ls cat; do link bin/$l busybox; done
	(cd "$root" && find bin lib64 -type f ! -name busybox 2>/dev/null | LC_ALL=C sort) |
		while read -r f; do file "$f" $((0755)); done
	(cd "$root" && find lib -type f | LC_ALL=C sort) |
		while read -r f; do file "$f" $((0644)); done
	hdr TRAILER!!! 0 0 0 0
} >"$tmp/initramfs.cpio"

mkdir -p "$(dirname "$out")"
if [ "$compress" = gzip ]; then
	gzip -1 -n -c "$tmp/initramfs.cpio" >"$out.tmp"
else
	mv "$tmp/initramfs.cpio" "$out.tmp"
fi
# what became of each wanted module, for the controller (host/modneeds.c)
cp "$tmp/status" "$out.modules"
mv "$out.tmp" "$out"
