#!/bin/sh
# The backports host stack: a cached bookworm root with QEMU and libvirt from
# bookworm-backports (QEMU 10.0, libvirt 11.3), in which the controller is built against
# that libvirt and run, without touching the host's QEMU 7.2 / libvirt 9.0.
#   kernels/stack-root.sh create CACHEDIR       makes (or reuses) the root; prints its path
#   kernels/stack-root.sh enter ROOT DIR... -- CMD [ARG...]
#                                               runs CMD inside ROOT, each DIR bound at
#                                               its own path (the worktree, the cache)
#   kernels/stack-root.sh prepare CACHEDIR TOP  the root, and TOP's controller built in it
#                                               (TOP/build/stack-backports/hotplug-test)
#   kernels/stack-root.sh run CACHEDIR TOP CWD [DIR...] -- CMD [ARG...]
#                                               CMD in the root, in CWD, with TOP, the
#                                               cache, CWD, /tmp and each DIR bound
# `hotplug-test run|matrix --stack backports` does `prepare`, then `run`s its own command
# line with the controller built here (host/stack.c).
# The root is CACHEDIR/stack-backports-KEY (KEY: a hash of this script, which holds the
# package list); a finished root has a .complete stamp. `enter` uses a private mount
# namespace (unshare -m --propagation private): the root bound onto itself (libvirt's
# QEMU namespace needs it to be a mount point), /proc /sys /dev /dev/pts bound in; every
# mount vanishes with the namespace. Needs root and mmdebstrap.
set -eu

die() { echo "stack-root: $*" >&2; exit 1; }

mirror=http://deb.debian.org/debian
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
pkgs="qemu-system-x86 qemu-system-ppc qemu-system-s390x qemu-system-data
libvirt-daemon-driver-qemu libvirt-daemon-common libvirt-dev libvirt0 libvirt-clients
gcc make pkg-config libc6-dev kmod passwd libxml2-utils busybox-static cpio gzip xz-utils
gcc-s390x-linux-gnu gcc-powerpc64le-linux-gnu libelf1"
# (libvirt-daemon-common: libvirt_iohelper, which libvirt's save and restore of a guest
# run; the cross compilers and libelf1: the placement probe is built, inside, against a kernel
# tree of your own; the kernel's host tools such as objtool link libelf)

# libvirt's QEMU user and group: the names, ids and home of libvirt-daemon-system's postinst
users='getent group kvm >/dev/null || groupadd --system kvm
getent passwd libvirt-qemu >/dev/null || useradd --system --uid 64055 --gid kvm \
	--home-dir /var/lib/libvirt --no-create-home --shell /usr/sbin/nologin \
	--comment "Libvirt Qemu" libvirt-qemu
getent group libvirt-qemu >/dev/null || groupadd --system --gid 64055 libvirt-qemu
usermod -a -G libvirt-qemu libvirt-qemu'

create() {
	[ $# -eq 1 ] || die "usage: $0 create CACHEDIR"
	[ "$(id -u)" -eq 0 ] || die "not root: mmdebstrap and chroot need root"
	command -v mmdebstrap >/dev/null || die "mmdebstrap missing: apt-get install mmdebstrap"
	mkdir -p "$1" || die "cannot create $1"
	cache=$(cd "$1" && pwd)
	key=$(sha256sum "$0" | cut -c1-12)
	root=$cache/stack-backports-$key
	if [ -f "$root/.complete" ]; then
		echo "$root"
		return 0
	fi
	rm -rf "$root" "$root.tmp"
	mkdir -p "$cache/debs"	# the downloaded packages, kept for the next root
	# the compilers are bookworm's own: the ones this machine's apt already fetched (the
	# host and the guests' cross compilers) are the same files; linked, else copied
	for f in /var/cache/apt/archives/*.deb; do
		case ${f##*/} in
		gcc* | cpp* | g++* | binutils* | libc6* | libgcc* | libstdc* | lib*san* | libisl* | \
			libmpc* | libmpfr* | libicu* | libperl* | perl* | *-cross_* | *linux-gnu*)
			[ -e "$cache/debs/${f##*/}" ] || ln "$f" "$cache/debs/" 2>/dev/null ||
				cp "$f" "$cache/debs/" 2>/dev/null || true ;;
		esac
	done
	start=$(date +%s)
	# backports preferred wherever it has the package (APT::Default-Release: 990);
	# the libvirt-qemu user and group as libvirt-daemon-system's postinst makes them
	# (the embedded driver resolves them before it reads qemu.conf)
	# shellcheck disable=SC2086
	mmdebstrap --quiet --variant=minbase --components=main \
		--aptopt='APT::Default-Release "bookworm-backports"' \
		--aptopt='APT::Install-Recommends "false"' \
		--include="$(echo $pkgs | tr ' ' ',')" \
		--skip=essential/unlink \
		--setup-hook="mkdir -p \"\$1\"/var/cache/apt/archives" \
		--setup-hook="sync-in '$cache/debs' /var/cache/apt/archives/" \
		--customize-hook="chroot \"\$1\" sh -ec '$users'" \
		--customize-hook="sync-out /var/cache/apt/archives '$cache/debs'" \
		--customize-hook='rm -rf "$1"/var/cache/apt/archives/*.deb' \
		--customize-hook='rm -rf "$1"/var/lib/apt/lists/*_Packages*' \
		bookworm "$root.tmp" \
		"deb [signed-by=$keyring] $mirror bookworm main" \
		"deb [signed-by=$keyring] $mirror bookworm-backports main" >&2 ||
		{ rm -rf "$root.tmp"; die "mmdebstrap failed"; }
	mv "$root.tmp" "$root"
	{
		echo "created=$(($(date +%s) - start))s"
		chroot "$root" dpkg-query -W -f='${Package}=${Version}\n' \
			qemu-system-x86 libvirt0 gcc
	} >"$root/.complete"
	echo "$root"
}

enter() {
	[ $# -ge 3 ] || die "usage: $0 enter ROOT DIR... -- CMD [ARG...]"
	[ "$(id -u)" -eq 0 ] || die "not root: unshare and chroot need root"
	root=$(cd "$1" && pwd) || die "$1: no such directory"
	shift
	[ -f "$root/.complete" ] || die "$root: not a finished stack root (no .complete)"
	binds=
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		d=$(cd "$1" && pwd -P) || die "$1: no such directory"
		binds="$binds $d"
		shift
	done
	[ "${1:-}" = -- ] && [ $# -ge 2 ] || die "usage: $0 enter ROOT DIR... -- CMD [ARG...]"
	shift
	# shellcheck disable=SC2016
	exec unshare -m --propagation private sh -euc '
		root=$1 binds=$2; shift 2
		mount --bind "$root" "$root"
		for d in proc sys dev dev/pts; do mount --bind "/$d" "$root/$d"; done
		for d in $binds; do mkdir -p "$root$d"; mount --bind "$d" "$root$d"; done
		mount --bind /tmp "$root/tmp"
		exec chroot "$root" /usr/bin/env PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"
	' stack-root "$root" "$binds" "$@"
}

# The controller, built against the root's libvirt (no libguestfs there: GUESTFS=no,
# host/image_none.c); the root's package list stands for the build's .deps stamp.
prepare() {
	[ $# -eq 2 ] || die "usage: $0 prepare CACHEDIR TOP"
	root=$(create "$1") || exit 1
	top=$(cd "$2" && pwd -P) || die "$2: no such directory"
	cache=$(cd "$1" && pwd -P)
	mkdir -p "$top/build/stack-backports"
	touch "$top/build/stack-backports/.deps"
	enter "$root" "$top" "$cache" -- make -s --no-print-directory -C "$top" \
		B=build/stack-backports GUESTFS=no build/stack-backports/hotplug-test
}

run() {
	[ $# -ge 5 ] || die "usage: $0 run CACHEDIR TOP CWD [DIR...] -- CMD [ARG...]"
	cache=$(cd "$1" && pwd -P) || die "$1: no such directory"
	key=$(sha256sum "$0" | cut -c1-12)
	root=$cache/stack-backports-$key
	top=$(cd "$2" && pwd -P) || die "$2: no such directory"
	cwd=$(cd "$3" && pwd -P) || die "$3: no such directory"
	shift 3
	dirs=
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		dirs="$dirs $1"
		shift
	done
	# the worktree's .cache may be a link to a shared cache: bind where it points
	tcache=$(cd "$top/.cache" 2>/dev/null && pwd -P) || tcache=$cache
	[ "${1:-}" = -- ] && [ $# -ge 2 ] || die "usage: $0 run CACHEDIR TOP CWD [DIR...] -- CMD [ARG...]"
	shift
	# shellcheck disable=SC2086,SC2016
	enter "$root" "$top" "$tcache" "$cwd" $dirs -- /bin/sh -c 'cd "$0" && exec "$@"' "$cwd" "$@"
}

[ $# -ge 1 ] || die "usage: $0 create CACHEDIR | enter ROOT DIR... -- CMD [ARG...] | prepare CACHEDIR TOP | run CACHEDIR TOP CWD [DIR...] -- CMD [ARG...]"
cmd=$1
shift
case $cmd in
create) create "$@" ;;
enter) enter "$@" ;;
prepare) prepare "$@" ;;
run) run "$@" ;;
*) die "unknown command $cmd (create, enter, prepare, run)" ;;
esac
