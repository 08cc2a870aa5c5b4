#!/bin/sh
# The root file system of a Debian image guest, as a tarball (hotplug-test image build):
#   guest/mkimage-root.sh SUITE ARCH OUT.tar
# mmdebstrap (minbase) with systemd as init, udev, ndctl/daxctl and the suite's kernel
# (its postinst makes the initramfs). One deviation from Debian's defaults: the initrd has
# only what mounts a virtio disk's ext4 root (MODULES=list and a hook naming them) instead
# of MODULES=most: far smaller, minutes less to build under qemu-user or on a loaded
# machine, faster to load under TCG. The disk, the agent and the boot set-up are the
# controller's (libguestfs, host/image_build.c). bookworm uses this machine's apt sources
# (its security updates: the same kernel as build/ARCH/kernel); other suites Debian's
# archive, a stable one with its -updates and -security pockets (as debian:SUITE). A
# foreign ARCH runs its maintainer scripts through qemu-user-static and binfmt_misc
# (mounted here when it is not).
set -eu
[ $# -eq 3 ] || { echo "usage: $0 SUITE ARCH OUT.tar" >&2; exit 2; }
suite=$1 arch=$2 out=$3
die() { echo "mkimage-root: $*" >&2; exit 1; }

case $arch in
x86_64) debarch=amd64 flavour=amd64 ;;
ppc64le) debarch=ppc64el flavour=powerpc64le ;;
s390x) debarch=s390x flavour=s390x ;;
*) die "unknown arch '$arch' (x86_64, ppc64le, s390x)" ;;
esac
case $suite in
bookworm | trixie | sid) ;;
*) die "unknown suite '$suite' (bookworm, trixie, sid)" ;;
esac
command -v mmdebstrap >/dev/null || die "mmdebstrap is not installed (host/install-deps.sh image)"

if [ "$debarch" != "$(dpkg --print-architecture)" ]; then
	command -v "qemu-$arch-static" >/dev/null || [ "$arch" != ppc64le ] ||
		command -v qemu-ppc64le-static >/dev/null ||
		die "a $arch root needs qemu-user-static (host/install-deps.sh image-$arch)"
	if [ ! -e /proc/sys/fs/binfmt_misc/status ]; then
		[ "$(id -u)" -eq 0 ] || die "binfmt_misc is not mounted; as root: mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc"
		mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc ||
			die "cannot mount binfmt_misc"
	fi
	# qemu-user-static's formats, registered now that the file system is there: by
	# update-binfmts (binfmt-support) when there is one, else from the systemd-binfmt
	# file qemu-user-static ships (nothing runs systemd-binfmt on a bare machine)
	command -v update-binfmts >/dev/null && update-binfmts --enable >/dev/null 2>&1 || true
	fmt=/usr/lib/binfmt.d/qemu-$arch.conf
	if [ ! -e "/proc/sys/fs/binfmt_misc/qemu-$arch" ] && [ -s "$fmt" ]; then
		[ "$(id -u)" -eq 0 ] || die "qemu-$arch is not registered with binfmt_misc; as root: cat $fmt >/proc/sys/fs/binfmt_misc/register"
		cat "$fmt" >/proc/sys/fs/binfmt_misc/register ||
			die "cannot register $fmt with binfmt_misc"
	fi
fi

set --
if [ "$suite" = bookworm ]; then
	for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list; do
		[ -s "$f" ] && grep -Eq '^(deb|Types:)' "$f" && set -- "$@" "$f"
	done
fi
if [ $# -eq 0 ]; then	# a stable suite with its -updates and -security pockets, as
	# debian:SUITE resolves kernels (kernels/apt.sh): the image's kernel is the one whose
	# probe `debian:SUITE` builds
	. "$(dirname "$0")/../kernels/apt.sh"
	lines=$(apt_sources "$suite")
	while IFS= read -r l; do set -- "$@" "$l"; done <<EOF_SOURCES
$lines
EOF_SOURCES
fi

mkdir -p "$(dirname "$out")"
hooks=$(mktemp -d "${TMPDIR:-/tmp}/hpt-mkimage.XXXXXX")
trap 'rm -rf "$hooks"' EXIT
mkdir -p "$hooks/etc/initramfs-tools/conf.d" "$hooks/etc/initramfs-tools/hooks"
echo "MODULES=list" >"$hooks/etc/initramfs-tools/conf.d/hotplug-test.conf"
cat >"$hooks/etc/initramfs-tools/hooks/hotplug-test" <<'EOF'
#!/bin/sh
# hotplug-test: the modules that mount the root of an image guest (virtio disk, ext4)
[ "$1" = prereqs ] && exit 0
. /usr/share/initramfs-tools/hook-functions
for m in virtio_pci virtio_blk virtio_scsi sd_mod ext4; do
	manual_add_modules "$m"
done
EOF
chmod 755 "$hooks/etc/initramfs-tools/hooks/hotplug-test"
echo "mkimage-root: $suite $arch into $out" >&2
# the host's archive access settings go along, as for the probe's build roots
# (kernels/probe-build.sh): a frozen archive's expired Release files (sid's here), a proxy
hostconf=$(mktemp "${TMPDIR:-/tmp}/hpt-mkimage-apt.XXXXXX")
trap 'rm -rf "$hooks" "$hostconf"' EXIT
apt-config dump | grep -E '^Acquire::(Check-Valid-Until|Check-Date|https?::Proxy) ' \
	>"$hostconf" || true
hostopt='--aptopt=Acquire::Languages "none";'
[ ! -s "$hostconf" ] || hostopt=--aptopt="$hostconf"
# only fds 0-2 go to mmdebstrap: apt runs `cat >&N` through dash, which knows only fds
# 0-9, and mmdebstrap takes the lowest free ones (inherited ones push them past 9). The
# controller gives its children no others (child_exec_prepare); this is for a caller that
# runs the recipe by hand.
bash -c 'for f in /proc/$$/fd/*; do n=${f##*/}; [ "$n" -gt 2 ] && eval "exec $n>&-"; done
	exec "$@"' mmdebstrap mmdebstrap --variant=minbase --format=tar --architectures="$debarch" \
	--include="systemd,systemd-sysv,udev,kmod,ndctl,daxctl,linux-image-$flavour" \
	--dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
	--dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
	--setup-hook="sync-in $hooks /" "$hostopt" \
	"$suite" "$out.tmp" "$@" 2>&1	# its progress to the setup log (stdout)
mv "$out.tmp" "$out"
