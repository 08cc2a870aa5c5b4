#!/bin/sh
# The backports host stack: a cached bookworm root with QEMU and libvirt from
# bookworm-backports (QEMU 10.0, libvirt 11.3), in which the controller is built against
# that libvirt and run, without touching the host's QEMU 7.2 / libvirt 9.0.
#   kernels/stack-root.sh create CACHEDIR       makes (or reuses) the root; prints its path
#   kernels/stack-root.sh enter ROOT DIR... -- CMD [ARG...]
#                                               runs CMD inside ROOT, each DIR bound at
#                                               its own path (the worktree, the cache)
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
libvirt-daemon-driver-qemu libvirt-dev libvirt0 libvirt-clients
gcc make pkg-config libc6-dev kmod passwd libxml2-utils busybox-static cpio gzip xz-utils"

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
		mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
		exec chroot "$root" /usr/bin/env PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"
	' stack-root "$root" "$binds" "$@"
}

[ $# -ge 1 ] || die "usage: $0 create CACHEDIR | enter ROOT DIR... -- CMD [ARG...]"
cmd=$1
shift
case $cmd in
create) create "$@" ;;
enter) enter "$@" ;;
*) die "unknown command $cmd (create, enter)" ;;
esac
